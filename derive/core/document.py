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

    @property
    def answers(self) -> dict:
        merged = {}
        for part in self.parts:
            merged.update(part.answers)
        return merged

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
