"""Finding problems by name and solving them.

The catalog itself (names, titles, sources) lives in the `problems` package;
this module only knows the interface a problem module offers:

- `build(given)` → Solution, where `given` is the dictionary the problem's
  family takes (or None for a problem without givens);
- `GIVEN`, the default givens, for problems that take givens;
- `random_given(rng)`, for problems that can draw a variant (`--seed`).
"""
from __future__ import annotations

import difflib
import importlib
import random
from dataclasses import dataclass

from derive.errors import InputError


@dataclass(frozen=True)
class Entry:
    name: str
    title: str
    source: str
    family: str | None
    module: str

    def load(self):
        return importlib.import_module(self.module)

    def as_json(self) -> dict:
        return {"name": self.name, "title": self.title, "source": self.source, "family": self.family}


class UnknownProblem(InputError):
    pass


def entries() -> list[Entry]:
    """The problems that can be solved, in catalog order."""
    from problems import available
    return available()


def find(name: str) -> Entry:
    known = entries()
    for entry in known:
        if entry.name == name:
            return entry
    names = [e.name for e in known]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `derive list` shows them all"
    raise UnknownProblem(f"unknown problem {name!r}{hint}")


def solve(name: str, given: dict | None = None, seed: int | None = None):
    """Solve the named problem, with its own givens, `given`, or a variant."""
    entry = find(name)
    module = entry.load()
    takes_givens = hasattr(module, "GIVEN")
    if given is not None and seed is not None:
        raise InputError("--given and --seed exclude each other: a seed draws its own givens")
    if given is not None and not takes_givens:
        raise InputError(f"problem {name!r} takes no givens")
    if seed is not None:
        if not hasattr(module, "random_given"):
            raise InputError(f"problem {name!r} has no random variants")
        given = module.random_given(random.Random(seed))
    if not takes_givens:
        return module.build()
    if given is not None and not isinstance(given, dict):
        raise InputError(f"givens of {name!r} must be a JSON object")
    return module.build(given if given is not None else module.GIVEN)
