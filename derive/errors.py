"""The error a user's input can cause, and reading a user's file safely.

Kept apart from `derive.numbers` so that code which only reports errors (the
catalog, `derive list`) does not import SymPy.
"""


class InputError(ValueError):
    """Bad user input; the message names where it is (file, key, line)."""


def read_text(path: str, limit: int, what: str) -> str:
    """The UTF-8 text of a user's file, at most `limit` bytes; `what` says
    what the file should be, for the message when it is not."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}") from None
    if len(data) > limit:
        raise InputError(f"{path}: larger than {limit // 1000} kB; expected {what}")
    if b"\0" in data:
        raise InputError(f"{path}: binary data, not {what}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text (byte {error.start})") from None
