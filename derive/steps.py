"""Steps as data.

As in SymPy's `manualintegrate`, a step is a plain record of what was done;
how it reads in a terminal, in LaTeX or in JSON is the printers' business
(`derive.printing`).  Every step type is a frozen dataclass so that a solution
can be compared, cached and printed deterministically.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Evaluation:
    """`target = formula = numbers substituted = inner = value`.

    `inner`, when present, is the outermost function applied to its argument
    already evaluated (σ(1.2)), the line a person writes before the result.
    """

    target: object
    formula: object
    bindings: dict = field(default_factory=dict)
    value: object = None
    note: str = ""
    inner: object = None


@dataclass(frozen=True)
class Relation:
    """A chain `terms[0] rel terms[1] rel …`, with the reason it holds.

    `relations` has one entry fewer than `terms`: "=", "≈", "≤", "≥", "<",
    "⇔" or "≠".
    """

    terms: tuple
    relations: tuple = ()
    reason: str = ""

    def __post_init__(self):
        if not self.relations:
            object.__setattr__(self, "relations", ("=",) * (len(self.terms) - 1))
        if len(self.relations) != len(self.terms) - 1:
            raise ValueError("a chain of n terms has n − 1 relations")


@dataclass(frozen=True)
class Remark:
    """A sentence of prose: an assumption, a conclusion, a note on the seed."""

    text: str


@dataclass(frozen=True)
class Solved:
    """`equation` solved for `unknown`, giving `solutions`."""

    equation: object
    unknown: object
    solutions: tuple
    reason: str = ""
