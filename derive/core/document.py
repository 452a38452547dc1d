"""The document model every renderer reads: solution → parts → steps → answers."""
from __future__ import annotations

from dataclasses import dataclass, field

from derive.core.numbers import json_value


@dataclass(frozen=True)
class Answer:
    """One answer: `expr` is the exact SymPy result, `value` its JSON value."""

    key: str
    latex: str
    expr: object

    @property
    def value(self):
        return json_value(self.expr)

    def __repr__(self) -> str:
        """<Answer h_2 = -0.189882>; a matrix by its shape, a formula cut to one line."""
        from derive.printing import math
        shown, shape = " ".join(math.text(self.expr).split()), getattr(self.expr, "shape", None)
        if len(shown) > 60 and shape:
            shown = f"{shape[0]}×{shape[1]} matrix"
        return f"<Answer {self.key} = {shown if len(shown) <= 60 else shown[:59] + '…'}>"

    def _repr_latex_(self):
        from derive.printing import math
        return rf"$\displaystyle {self.latex} = {math.latex(self.expr, summarise=True)}$"

    def _repr_markdown_(self):
        return f"**{self.key}**: {self._repr_latex_()}"


@dataclass
class Part:
    id: str
    question: str
    steps: list = field(default_factory=list)
    answers: dict = field(default_factory=dict)

    def answer(self, key: str, expr, latex: str | None = None) -> Answer:
        answer = Answer(key, latex or key, expr)
        self.answers[key] = answer
        return answer


@dataclass
class Solution:
    problem: str
    title: str
    source: str
    statement: str
    parts: list = field(default_factory=list)
    #: symbol name → (plain text, LaTeX) for every symbol the steps use
    notation: dict = field(default_factory=dict)
    #: the givens as the family's builder takes them, or None
    given: dict | None = None
    #: the layout convention for matrix derivatives, when one applies
    convention: str = ""
    #: "" for the problem's own givens, else how they differ ("seed 3", "given")
    variant: str = ""
    #: every graph the solution was built from, in the order built
    graphs: list = field(default_factory=list)
    #: the graphs whose given quantities are the problem's givens
    _given_graphs: list = field(default_factory=list, repr=False)

    def keep(self, graph, givens: bool = True):
        """Carry `graph` with the solution: its quantities (every intermediate,
        not only the answers) are what `derive check` binds a hand derivation
        to, and its names join the notation. `givens=False` for a graph whose
        given quantities are results fed back in (the pass after an update),
        not the problem's givens. Returns the graph."""
        if graph not in self.graphs:
            self.graphs.append(graph)
            if givens:
                self._given_graphs.append(graph)
        return graph

    def given_quantities(self) -> list:
        """The problem's givens with their values, as the kept graphs name them."""
        seen, found = set(), []
        for graph in self._given_graphs:
            for quantity in graph:
                if quantity.kind == "given" and quantity.value is not None and quantity.name not in seen:
                    seen.add(quantity.name)
                    found.append(quantity)
        return found

    @property
    def quantities(self) -> dict:
        """Name → quantity of every kept graph (the first graph wins a name)."""
        table = {}
        for graph in self.graphs:
            for quantity in graph:
                table.setdefault(quantity.name, quantity)
        return table

    def symbol_notation(self) -> dict:
        """The notation, with every kept graph's names (explicit entries win)."""
        merged = {}
        for graph in self.graphs:
            for name, names in graph.notation().items():
                merged.setdefault(name, names)
        merged.update(self.notation)
        return merged

    @property
    def answers(self) -> dict:
        merged = {}
        for part in self.parts:
            merged.update(part.answers)
        return merged

    def __repr__(self) -> str:
        answers = len(self.answers)
        return f"<Solution {self.problem}: {len(self.parts)} parts, {answers} answer{'s' * (answers != 1)}>"

    def part(self, id: str, question: str) -> Part:
        part = Part(id, question)
        self.parts.append(part)
        return part

    def _repr_latex_(self):
        """Jupyter (and nbconvert's LaTeX export): plain amsmath, no TikZ."""
        from derive.printing import render
        return render(self, "latex-portable")

    def _repr_markdown_(self):
        from derive.printing import render
        return render(self, "markdown")
