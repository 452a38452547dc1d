"""Closed forms of reverse-mode results, and their numeric confirmation.

The graph's adjoints refer to one another by symbol (∂L/∂W_1 = x (∂L/∂z_1)ᵀ),
which keeps them small; a closed form in the forward quantities alone
(∂L/∂W_1 = x (1[z_1 > 0] ⊙ W_2 δ_2)ᵀ) is what an exam asks for.  `closed_form`
substitutes adjoint formulas back, and `confirm` evaluates a matrix-form
result on the graph's numbers and compares it with the reverse-mode value, so
that every closed form a solution states is checked on a concrete shape.
"""
from __future__ import annotations

import sympy

from derive.core.matrices import explicit
from derive.core.numbers import settle
from derive.core.steps import Relation

#: Agreement of two evaluations of one quantity (both carry 30 digits).
TOLERANCE = sympy.Float("1e-20")


def closed_form(graph, name: str, keep=()):
    """The formula of `name` with every adjoint symbol replaced by its own
    closed form, except the adjoints named in `keep` (δ's a solution names)."""
    formula = graph[name].formula
    kept = {graph[k].symbol for k in keep}
    for _ in range(len(list(graph))):
        adjoints = {s: graph.quantity_of(s).formula for s in formula.free_symbols
                    if s not in kept and _is_adjoint(graph, s)}
        if not adjoints:
            return formula
        formula = formula.xreplace(adjoints)
    raise ValueError(f"closed form of {name}: the adjoints do not bottom out")


def _is_adjoint(graph, symbol) -> bool:
    try:
        return graph.quantity_of(symbol).kind == "adjoint"
    except KeyError:
        return False


def evaluate(graph, expr):
    """`expr` (over the graph's symbols) with the graph's values substituted."""
    values = {q.symbol: q.value for q in graph if q.value is not None}
    return settle(explicit(expr, values))


def agrees(left, right) -> bool:
    """Equal up to the rounding of 30-digit arithmetic."""
    a = sympy.ImmutableMatrix(left) if isinstance(left, sympy.MatrixBase) else sympy.ImmutableMatrix([[left]])
    b = sympy.ImmutableMatrix(right) if isinstance(right, sympy.MatrixBase) else sympy.ImmutableMatrix([[right]])
    if a.shape != b.shape:
        return False
    return all(abs(sympy.N(u - v, 30)) <= TOLERANCE * (1 + abs(sympy.N(v, 30))) for u, v in zip(a, b))


def confirm(graph, name: str, form, reason: str = "") -> tuple[Relation, bool]:
    """`name = form = value(form) = reverse-mode value`, with = or ≠ as found."""
    value = evaluate(graph, form)
    ok = agrees(value, graph.value(name))
    relation = Relation((graph[name].symbol, form, value, graph.value(name)), ("=", "=", "=" if ok else "≠"),
                        reason=reason or "the matrix form evaluated on the instance, against reverse mode")
    return relation, ok
