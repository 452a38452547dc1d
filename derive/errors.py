"""The error a user's input can cause.

Kept apart from `derive.numbers` so that code which only reports errors (the
catalog, `derive list`) does not import SymPy.
"""


class InputError(ValueError):
    """Bad user input; the message names where it is (file, key, line)."""
