"""Random variants: `random = { W_z = "uniform(-1, 1)", … }` in a problem file.

Each spec is read by the small reader below (a name, parentheses, numbers
separated by commas; never eval): `uniform(a, b)`, `normal(mean, sd)`,
`integer(a, b)`, `choice(v1, v2, …)`. A variant draws every entry of the
given, in the given's own shape, rounded to two decimals as the catalog's
variants are, so that a student can work it by hand.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from derive.errors import InputError

#: Decimals a drawn number keeps.
DIGITS = 2
#: Limits on a spec: its length, its numbers, the options of a choice.
MAX_SPEC = 100
MAX_MAGNITUDE = 1e6
MAX_CHOICES = 32

KINDS = {"uniform": 2, "normal": 2, "integer": 2, "choice": None}
FORMS = 'uniform(a, b), normal(mean, sd), integer(a, b) or choice(v1, v2, …)'
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?")
_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class Draw:
    kind: str
    arguments: tuple

    def number(self, rng):
        if self.kind == "uniform":
            return round(rng.uniform(*self.arguments), DIGITS)
        if self.kind == "normal":
            return round(rng.gauss(*self.arguments), DIGITS)
        if self.kind == "integer":
            return rng.randint(*self.arguments)
        return rng.choice(self.arguments)

    def like(self, value, rng):
        """A value of the same shape as `value` (a number, a list, a list of rows)."""
        if isinstance(value, list):
            return [self.like(v, rng) for v in value]
        return self.number(rng)


def read_draw(text: str, where: str) -> Draw:
    """A spec such as `uniform(-1, 1)`; InputError naming `where` otherwise."""
    def fail(what, column=None):
        at = f" (column {column + 1})" if column is not None else ""
        raise InputError(f"{where}: {what}{at}; expected {FORMS}")

    if len(text) > MAX_SPEC:
        raise InputError(f"{where}: {len(text)} characters; at most {MAX_SPEC} are accepted")
    i = _skip(text, 0)
    m = _WORD.match(text, i)
    if m is None:
        fail(f"cannot read {text!r}", i)
    kind, i = m.group(), _skip(text, m.end())
    if kind not in KINDS:
        fail(f"unknown distribution {kind!r}", m.start())
    if not text.startswith("(", i):
        fail(f"{kind} needs its arguments in parentheses", i)
    i = _skip(text, i + 1)
    arguments = []
    while True:
        m = _NUMBER.match(text, i)
        if m is None:
            fail("expected a number", i)
        value = float(m.group()) if any(c in m.group() for c in ".eE") else int(m.group())
        if abs(value) > MAX_MAGNITUDE:
            fail(f"{m.group()} is larger than {MAX_MAGNITUDE:.0e} in magnitude", m.start())
        arguments.append(value)
        i = _skip(text, m.end())
        if text.startswith(",", i):
            i = _skip(text, i + 1)
            continue
        if text.startswith(")", i):
            i = _skip(text, i + 1)
            break
        fail("expected , or )", i)
    if i != len(text):
        fail(f"unexpected {text[i:]!r} after the closing parenthesis", i)
    return _checked(kind, tuple(arguments), where)


def _checked(kind, arguments, where) -> Draw:
    def fail(what):
        raise InputError(f"{where}: {what}")

    count = KINDS[kind]
    if count is not None and len(arguments) != count:
        fail(f"{kind} takes {count} numbers, got {len(arguments)}")
    if kind == "uniform" and not arguments[0] < arguments[1]:
        fail(f"uniform(a, b) needs a < b, got a = {arguments[0]}, b = {arguments[1]}")
    if kind == "normal" and not arguments[1] > 0:
        fail(f"normal(mean, sd) needs sd > 0, got {arguments[1]}")
    if kind == "integer":
        if not all(isinstance(a, int) for a in arguments):
            fail("integer(a, b) takes two whole numbers")
        if not arguments[0] <= arguments[1]:
            fail(f"integer(a, b) needs a ≤ b, got a = {arguments[0]}, b = {arguments[1]}")
    if kind == "choice" and not 1 <= len(arguments) <= MAX_CHOICES:
        fail(f"choice takes 1 to {MAX_CHOICES} numbers, got {len(arguments)}")
    return Draw(kind, arguments)


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t":
        i += 1
    return i


def draw_givens(defaults: dict, draws: dict, rng) -> dict:
    """The givens of a variant: each drawn given in its default's shape, in
    the file's order (so a seed always draws the same numbers)."""
    return {name: draws[name].like(value, rng) if name in draws else value for name, value in defaults.items()}
