"""Reading a family's givens (a JSON object) with errors that name the key."""
from __future__ import annotations

from derive.core.numbers import InputError, exact, json_type, matrix

#: The most entries a list of givens (layers, time steps) may have: a solution
#: prints every one, and the work grows with their number.
MAX_ITEMS = 64


class Givens:
    """A view of a givens object at a path such as `layers[1]`."""

    def __init__(self, data, where: str = "given", allowed: tuple[str, ...] | None = None):
        if not isinstance(data, dict):
            raise InputError(f"{where}: expected an object, got {json_type(data)}")
        if allowed is not None:
            unknown = sorted(set(data) - set(allowed))
            if unknown:
                raise InputError(f"{where}: unknown key {unknown[0]!r}; expected keys: {', '.join(allowed)}")
        self.data = data
        self.where = where

    def _path(self, key) -> str:
        return f"{self.where}.{key}" if self.where else str(key)

    def has(self, key) -> bool:
        return key in self.data

    def raw(self, key, default=...):
        if key not in self.data:
            if default is ...:
                raise InputError(f"{self._path(key)}: missing")
            return default
        return self.data[key]

    def number(self, key, default=...):
        if default is not ... and key not in self.data:
            return default
        return exact(self.raw(key), self._path(key))

    def integer(self, key, least: int, default=...) -> int:
        """A whole number ≥ least (a size, a stride, a count of channels)."""
        value = self.raw(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise InputError(f"{self._path(key)}: expected an integer ≥ {least}, got {value!r}")
        return value

    def positive(self, key, default=...):
        """A number > 0, such as a learning rate."""
        value = self.number(key, default)
        if not value > 0:
            raise InputError(f"{self._path(key)}: expected a positive number, got {value}")
        return value

    def matrix(self, key, shape=None):
        return matrix(self.raw(key), self._path(key), shape)

    def vector(self, key, length=None):
        """A column vector; a bare number is a vector of length one."""
        value = self.raw(key)
        if not isinstance(value, list):
            value = [value]
        if any(isinstance(v, list) for v in value):
            raise InputError(f"{self._path(key)}: expected a list of numbers (a vector)")
        return matrix(value, self._path(key), (length, 1) if length is not None else None)

    def vectors(self, key, length=None) -> list:
        """A list of vectors, as `x` of a sequence; each entry named by index."""
        items = self.items(key)
        view = Givens(dict(enumerate(items)), self._path(key))
        view._path = lambda index: f"{self._path(key)}[{index}]"
        return [view.vector(i, length) for i in range(len(items))]

    def choice(self, key, options, default=...):
        value = self.raw(key, default)
        if isinstance(value, (list, dict)) or value not in options:  # unhashable: never an option
            raise InputError(f"{self._path(key)}: expected one of {', '.join(map(str, options))}, got {value!r}")
        return value

    def flag(self, key, default=False):
        value = self.raw(key, default)
        if not isinstance(value, bool):
            raise InputError(f"{self._path(key)}: expected true or false, got {json_type(value)}")
        return value

    def child(self, key, allowed=None) -> "Givens":
        return Givens(self.raw(key), self._path(key), allowed)

    def items(self, key) -> list:
        value = self.raw(key)
        if not isinstance(value, list) or not value:
            raise InputError(f"{self._path(key)}: expected a non-empty list, got {json_type(value)}")
        if len(value) > MAX_ITEMS:
            raise InputError(f"{self._path(key)}: {len(value)} entries; at most {MAX_ITEMS} are accepted")
        return value
