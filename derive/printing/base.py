"""What every document printer shares: dispatch on the step's class.

As in SymPy's printers, a step of class `Evaluation` is printed by the
method `_print_Evaluation`; a printer that lacks one fails loudly.
"""
from __future__ import annotations

from derive.core.steps import Evaluation, Relation


class DocumentPrinter:
    format = ""

    def print_step(self, step, notation) -> str:
        method = getattr(self, f"_print_{type(step).__name__}", None)
        if method is None:
            raise NotImplementedError(f"{type(self).__name__} cannot print a {type(step).__name__} step")
        return method(step, notation)

    def doprint(self, solution) -> str:
        raise NotImplementedError


def evaluation_terms(step: Evaluation, notation, printer) -> list[str]:
    """The distinct terms of `target = formula = substituted = value`."""
    terms = [printer(step.target, notation)]
    for term in (printer(step.formula, notation),
                 printer(step.formula, notation, step.bindings) if step.bindings else None,
                 printer(step.inner, notation) if step.inner is not None else None,
                 printer(step.value, notation) if step.value is not None else None):
        if term is not None and term != terms[-1]:
            terms.append(term)
    return terms


def relation_terms(step: Relation, notation, printer) -> list[str]:
    return [printer(t, notation) for t in step.terms]
