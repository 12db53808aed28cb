"""The one error type for broken business rules.

Services show ``message`` next to the input named by ``field``; the field names are the spec's
(``phoneNumber``, ``name``, ``price``, ``gstin``, ``quantity`` ...), so a message can be mapped
back to the widget or the document field that caused it.
"""

from __future__ import annotations


class ValidationError(ValueError):
    """A value that breaks a rule: ``field`` names the value, ``message`` says what to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def __reduce__(self) -> tuple[type[ValidationError], tuple[str, str]]:
        # Keeps the two-argument constructor working through pickle (worker threads/processes).
        return (type(self), (self.field, self.message))
