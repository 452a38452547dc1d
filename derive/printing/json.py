"""JSON exactly as DESIGN.md specifies (keys in a fixed order, sorted nowhere
else, so that the same solution prints the same bytes)."""
from __future__ import annotations

import json

import sympy

from derive.printing import math
from derive.printing.expr import expr_text
from derive.core.numbers import json_value
from derive.core.steps import ComputationGraph
from derive.printing.base import DocumentPrinter
from derive.printing.latex import LatexPrinter
from derive.printing.text import TextPrinter


class JsonPrinter(DocumentPrinter):
    format = "json"

    def __init__(self):
        self._text = TextPrinter(width=None)
        self._latex = LatexPrinter(inline=True)

    def document(self, solution) -> dict:
        notation = solution.symbol_notation()
        data = {"problem": solution.problem, "title": solution.title, "source": solution.source,
                "statement": solution.statement}
        if solution.given is not None:
            data["given"] = solution.given
        data["parts"] = [{
            "id": part.id,
            "question": part.question,
            "steps": [{"text": self._text.print_step(step, notation),
                       "latex": self._latex.print_step(step, notation)} for step in part.steps],
            "answers": {a.key: {"latex": math.latex(a.expr, notation), "expr": expr_text(a.expr) if isinstance(a.expr, sympy.Basic) else str(a.expr), "value": a.value}
                        for a in part.answers.values()},
            **self.figures(part),
        } for part in solution.parts]
        return data

    @staticmethod
    def figures(part) -> dict:
        """`"figures"`: each computation graph of the part as data, with the
        index of its step (steps themselves stay {"text", "latex"})."""
        figures = [{"step": i, **graph_object(step)} for i, step in enumerate(part.steps)
                   if isinstance(step, ComputationGraph)]
        return {"figures": figures} if figures else {}

    def doprint(self, solution) -> str:
        return json.dumps(self.document(solution), indent=2, ensure_ascii=False) + "\n"


def graph_object(step: ComputationGraph) -> dict:
    """A computation graph as data: nodes in data-flow order, edges as pairs."""
    return {"caption": step.caption,
            "nodes": [{"name": node.name, "latex": node.latex, "kind": node.kind,
                       "value": None if node.value is None else json_value(node.value),
                       "gradient": None if node.gradient is None else json_value(node.gradient)}
                      for node in step.nodes],
            "edges": [[source, target] for source, target in step.edges]}
