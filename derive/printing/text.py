"""Plain text for the terminal: matrices in two dimensions, every line
within the width (COLUMNS, else 100 columns).

`TextPrinter(width=None)` prints each step on one line with matrices in
one line too (`[1  2; 3  4]`): what the JSON's `text` carries.
"""
from __future__ import annotations

from derive.printing import layout, math
from derive.printing.base import DocumentPrinter, answer_label, evaluation_terms, given_text, prose, relation_terms

#: Indent of a part's steps, and of its answers.
STEP, ANSWER = "  ", "    "


class TextPrinter(DocumentPrinter):
    format = "text"

    def __init__(self, width: int | None = 0):
        #: 0: the terminal's width; None: one line per step (no layout)
        self.width = layout.terminal_width() if width == 0 else width

    def doprint(self, solution) -> str:
        notation = solution.symbol_notation()
        lines = [f"{solution.title}  [{solution.problem}]", f"Source: {solution.source}", ""]
        lines += self._wrap(prose(solution.statement)) + [""]
        givens = solution.given_quantities()
        if givens:
            lines += self._givens(givens, notation) + [""]
        elif solution.given is not None:
            lines += self._wrap("Given: " + given_text(solution.given, math.text), subsequent="       ") + [""]
        if solution.convention:
            lines += self._wrap(prose(f"Convention: {solution.convention}")) + [""]
        for part in solution.parts:
            lines += self._wrap(prose(f"({part.id}) {part.question}")) + [""]
            for step in part.steps:
                lines += self._indented(self.print_step(step, notation), STEP)
            if part.answers:
                lines += ["", f"{STEP}Answer:"]
                for answer in part.answers.values():
                    lines += self._formula(answer_label(answer, notation, "text"),
                                           [("=", answer.expr)], notation, indent=ANSWER)
            lines.append("")
        return "\n".join(line.rstrip() for line in lines).rstrip() + "\n"

    # --- lines within the width

    def _wrap(self, text, indent="", subsequent=None):
        if self.width is None:
            return [indent + text]
        return layout.wrap(text, self.width, indent, subsequent)

    @staticmethod
    def _indented(text, indent):
        return [indent + line if line else line for line in text.split("\n")]

    def _blocks(self):
        """A table for the matrices of one formula (with a width), else None."""
        return layout.Blocks(self.width - 20) if self.width is not None else None

    def _terms(self, exprs, notation, values=None):
        """Each formula printed; with a width, matrices as blocks."""
        blocks = self._blocks()
        return [math.text(e, notation, values, blocks=blocks) if not isinstance(e, str) else e
                for e in exprs], blocks

    def _formula(self, first, rest, notation, note="", indent=""):
        """`first rel expr rel expr …` (first is text, the rest formulas)."""
        terms, blocks = self._terms([e for _, e in rest], notation)
        return self._chain(first, [(r, t) for (r, _), t in zip(rest, terms)], note, blocks, indent)

    def _chain(self, first, rest, note, blocks, indent=""):
        """A chain; one of a step (no `indent`) is laid out for the step's indent."""
        if self.width is None:
            line = indent + first + "".join(f" {r} {t}" for r, t in rest)
            return [f"{line}    {note}" if note else line]
        return layout.chain(first, rest, self.width - (0 if indent else len(STEP)), note, blocks, indent)

    def _givens(self, givens, notation):
        """`Given:` and each given quantity, as many to a line as fit."""
        blocks = self._blocks()
        items = [f"{math.text(q.symbol, notation)} = {math.text(q.value, notation, blocks=blocks)}" for q in givens]
        if self.width is None:
            return ["Given: " + "; ".join(items)]
        lines, current = [], "Given:"
        for item in items:
            candidate = f"{current}  {item}" if current != "Given:" else f"{current} {item}"
            if layout.width_of(candidate, blocks) <= self.width or current == "Given:":
                current = candidate
            else:
                lines.append(current)
                current = "       " + item
        lines.append(current)
        return [row for line in lines for row in layout.draw(line, blocks)]

    # --- steps

    def _print_Evaluation(self, step, notation):
        blocks = self._blocks()
        terms = evaluation_terms(step, notation, lambda e, n, v=None: math.text(e, n, v, blocks=blocks))
        note = prose(f"({step.note})") if step.note else ""
        return "\n".join(self._chain(terms[0], [("=", t) for t in terms[1:]], note, blocks))

    def _print_Relation(self, step, notation):
        blocks = self._blocks()
        terms = relation_terms(step, notation, lambda e, n: math.text(e, n, blocks=blocks))
        note = prose(f"[{step.reason}]") if step.reason else ""
        return "\n".join(self._chain(terms[0], list(zip(step.relations, terms[1:])), note, blocks))

    def _print_Remark(self, step, notation):
        return "\n".join(self._wrap(prose(step.text)) if self.width is None
                         else layout.wrap(prose(step.text), self.width - len(STEP)))

    def _print_Solved(self, step, notation):
        blocks = self._blocks()
        equation = math.text(step.equation, notation, blocks=blocks)
        unknown = math.text(step.unknown, notation, blocks=blocks)
        note = prose(f"[{step.reason}]") if step.reason else ""
        if not step.solutions:
            return "\n".join(self._chain(equation, [("has no solution for", unknown)], note, blocks))
        solutions = ", ".join(math.text(s, notation, blocks=blocks) for s in step.solutions)
        return "\n".join(self._chain(equation, [(" ⇒ ", f"{unknown} = {solutions}")], note, blocks))

    def _print_ComputationGraph(self, step, notation):
        """A node list: each quantity, what it is computed from, value, gradient."""
        inputs = {node.name: [] for node in step.nodes}
        for source, target in step.edges:
            inputs[target].append(source)
        texts = {node.name: node.text for node in step.nodes}
        heading = prose(f"Computation graph{': ' + step.caption if step.caption else ''} "
                        f"({len(step.nodes)} quantities; data | grad)")
        lines = self._wrap(heading) if self.width is None else layout.wrap(heading, self.width - len(STEP))
        for node in step.nodes:
            origin = "given" if not inputs[node.name] else "← " + ", ".join(texts[n] for n in inputs[node.name])
            blocks = self._blocks()
            rest = [("", f"[{origin}]"), ("", f"data {_value(node.value, blocks)}")]
            if node.gradient is not None:
                rest.append(("|", f"grad {_value(node.gradient, blocks)}"))
            if self.width is None:
                lines.append("  " + node.text + "".join(f" {r} {t}" if r else f"  {t}" for r, t in rest))
            else:
                lines += layout.chain(node.text, rest, self.width - len(STEP), "", blocks, indent="  ")
        return "\n".join(lines)


def _value(value, blocks=None) -> str:
    return "?" if value is None else math.text(value, blocks=blocks)

