"""Markdown with `$$ … $$` display math (renders on GitHub and in Jupyter)."""
from __future__ import annotations

from derive.printing import math
from derive.printing.base import DocumentPrinter, given_text, prose
from derive.printing.latex import LatexPrinter


class MarkdownPrinter(DocumentPrinter):
    format = "markdown"

    def __init__(self):
        self._line = LatexPrinter(inline=True)

    def doprint(self, solution) -> str:
        notation = solution.symbol_notation()
        out = [f"# {solution.title}", f"`{solution.problem}` · Source: {solution.source}", prose(solution.statement)]
        givens = solution.given_quantities()
        if givens:
            out.append("*Given:* " + ", ".join(f"${math.latex(q.symbol, notation)} = {math.latex(q.value, notation)}$"
                                                 for q in givens))
        elif solution.given is not None:
            out.append("*Given:* " + given_text(solution.given, lambda v: f"${math.latex(v)}$"))
        if solution.convention:
            out.append(f"*Convention:* {prose(str(solution.convention))}")
        for part in solution.parts:
            out.append(f"## ({part.id}) {prose(part.question)}")
            for step in part.steps:
                out.append(self.print_step(step, notation))
            if part.answers:
                rows = [f"- ${answer.latex} = {math.latex(answer.expr, notation)}$" for answer in part.answers.values()]
                out.append("**Answer**\n\n" + "\n".join(rows))
        return "\n\n".join(out) + "\n"

    def _print_Remark(self, step, notation):
        return prose(step.text)

    def _print_ComputationGraph(self, step, notation):
        """A table: quantity, inputs, data, grad (a figure needs the LaTeX sheet)."""
        inputs = {node.name: [] for node in step.nodes}
        for source, target in step.edges:
            inputs[target].append(source)
        latex = {node.name: _cell(node.latex) for node in step.nodes}
        rows = [f"*Computation graph{': ' + step.caption if step.caption else ''}* "
                "(drawn as a figure in the LaTeX/PDF sheet)", "",
                "| quantity | from | data | grad |", "|---|---|---|---|"]
        for node in step.nodes:
            origin = ", ".join(f"${latex[n]}$" for n in inputs[node.name]) or "given"
            gradient = "" if node.gradient is None else f"${_cell(math.latex(node.gradient))}$"
            value = "?" if node.value is None else f"${_cell(math.latex(node.value))}$"
            rows.append(f"| ${node.latex}$ | {origin} | {value} | {gradient} |")
        return "\n".join(rows)

    def _math(self, step, notation):
        note = getattr(step, "note", "") or getattr(step, "reason", "")
        line = f"$$ {self._line.print_step(step, notation)} $$"
        return f"{line}\n*({prose(note)})*" if note else line

    _print_Evaluation = _math
    _print_Relation = _math
    _print_Solved = _math


def _cell(latex: str) -> str:
    """LaTeX safe in a Markdown table cell, where a bare | would end the cell."""
    return latex.replace("|", r"\vert ")
