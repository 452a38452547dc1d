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


@dataclass(frozen=True)
class GraphNode:
    """One quantity of a computation graph, as a figure draws it.

    `value` is its forward value and `gradient` the loss's gradient with
    respect to it (∂L/∂name), each None when unknown.  `kind` is "given" for
    a leaf (input, weight, target) and "defined" for a computed quantity.
    """

    name: str
    latex: str
    text: str
    value: object = None
    gradient: object = None
    kind: str = "defined"


@dataclass(frozen=True)
class ComputationGraph:
    """A figure of a computation graph: `nodes` (GraphNode) in data-flow
    order, so every edge points from an earlier node to a later one, and
    `edges` as (from name, to name) pairs in that same order."""

    nodes: tuple
    edges: tuple = ()
    caption: str = ""

    def __post_init__(self):
        position = {node.name: i for i, node in enumerate(self.nodes)}
        if len(position) != len(self.nodes):
            raise ValueError("a computation graph names each node once")
        for source, target in self.edges:
            if source not in position or target not in position:
                raise ValueError(f"edge {source} → {target} names a node the graph lacks")
            if position[source] >= position[target]:
                raise ValueError(f"edge {source} → {target} points backwards in data-flow order")
