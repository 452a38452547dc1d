"""The one error of the reader: what could not be read, and where."""
from __future__ import annotations

from derive.errors import InputError


class ReadError(InputError):
    """A formula that cannot be read; `column` is where (0-based) in the text."""

    def __init__(self, message: str, column: int = 0):
        super().__init__(message)
        self.message = message
        self.column = column

    def __str__(self) -> str:
        return f"column {self.column + 1}: {self.message}"
