"""Adapters to the outside world: the 2factor.in SMS API and the remote MongoDB.

Each gateway lives in its own module and is imported directly (``viveka_pos.gateways.sms``),
so that loading one does not pull in the client libraries of the others.
"""
