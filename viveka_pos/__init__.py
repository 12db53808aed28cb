"""Viveka POS: offline-first point of sale and GST billing for small shops."""

__version__ = "0.1.0"
