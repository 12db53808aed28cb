"""PySide6 screens. Talks only to services."""
