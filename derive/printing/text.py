"""Plain text for the terminal."""
from __future__ import annotations

import textwrap

from derive.printing import math
from derive.printing.base import DocumentPrinter, evaluation_terms, relation_terms


class TextPrinter(DocumentPrinter):
    format = "text"

    def doprint(self, solution) -> str:
        notation = solution.symbol_notation()
        lines = [f"{solution.title}  [{solution.problem}]", f"Source: {solution.source}", ""]
        lines += _wrap(solution.statement) + [""]
        givens = solution.given_quantities()
        if givens:
            lines += _wrap("Given: " + "; ".join(f"{math.text(q.symbol, notation)} = {math.text(q.value, notation)}"
                                                  for q in givens)) + [""]
        if solution.convention:
            lines += _wrap(f"Convention: {solution.convention}") + [""]
        for part in solution.parts:
            lines += _wrap(f"({part.id}) {part.question}") + [""]
            for step in part.steps:
                lines += ["  " + line for line in self.print_step(step, notation).split("\n")]
            if part.answers:
                lines.append("")
                lines.append("  Answer:")
                for answer in part.answers.values():
                    lines.append(f"    {answer.key} = {math.text(answer.expr, notation)}")
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"

    def _print_Evaluation(self, step, notation):
        line = " = ".join(evaluation_terms(step, notation, math.text))
        return f"{line}    ({step.note})" if step.note else line

    def _print_Relation(self, step, notation):
        terms = relation_terms(step, notation, math.text)
        line = terms[0] + "".join(f" {r} {t}" for r, t in zip(step.relations, terms[1:]))
        return f"{line}    [{step.reason}]" if step.reason else line

    def _print_Remark(self, step, notation):
        return "\n".join(_wrap(step.text, width=76))

    def _print_Solved(self, step, notation):
        solutions = ", ".join(math.text(s, notation) for s in step.solutions)
        unknown = math.text(step.unknown, notation)
        line = f"{math.text(step.equation, notation)}  ⇒  {unknown} = {solutions}" if step.solutions \
            else f"{math.text(step.equation, notation)} has no solution for {unknown}"
        return f"{line}    [{step.reason}]" if step.reason else line

    def _print_ComputationGraph(self, step, notation):
        """A node list: each quantity, what it is computed from, value, gradient."""
        inputs = {node.name: [] for node in step.nodes}
        for source, target in step.edges:
            inputs[target].append(source)
        texts = {node.name: node.text for node in step.nodes}
        lines = [f"Computation graph{': ' + step.caption if step.caption else ''} "
                 f"({len(step.nodes)} quantities; data | grad)"]
        for node in step.nodes:
            origin = "given" if not inputs[node.name] else "← " + ", ".join(texts[n] for n in inputs[node.name])
            line = f"  {node.text}  [{origin}]  data {_value(node.value)}"
            if node.gradient is not None:
                line += f" | grad {_value(node.gradient)}"
            lines.append(line)
        return "\n".join(lines)


def _value(value) -> str:
    return "?" if value is None else math.text(value)


def _wrap(text, width=78):
    out = []
    for paragraph in text.split("\n"):
        out += textwrap.wrap(paragraph, width) or [""]
    return out
