"""Piecewise-linear identities, derived and proved by cases.

`express` finds coefficients c with target = Σ cᵢ basisᵢ: on each case (a
region where every kink's sign is fixed, given as a substitution such as
x = p or x = −p with p > 0) both sides are linear, so the identity holding
for all remaining symbols is a linear system in c.  `holds_by_cases` proves
an identity the same way, one case at a time.
"""
from __future__ import annotations

import sympy

from .steps import Relation


def _remaining(expr):
    return sorted(expr.free_symbols, key=lambda s: s.name)


def express(target, basis, cases, names=None):
    """Coefficients (a list) and the identity target = Σ cᵢ basisᵢ.

    Raises ValueError when no combination of the basis matches on every case.
    Where the solution is not unique, free coefficients are set to 0.
    """
    unknowns = sympy.symbols(names or [f"c_{i + 1}" for i in range(len(basis))])
    combination = sum((c * b for c, b in zip(unknowns, basis)), sympy.Integer(0))
    equations = []
    for case in cases:
        difference = sympy.expand((target - combination).subs(case))
        symbols = [s for s in _remaining(difference) if s not in unknowns]
        if symbols:
            equations += sympy.Poly(difference, *symbols).coeffs()
        else:
            equations.append(difference)
    solution = sympy.solve(equations, unknowns, dict=True)
    if not solution:
        raise ValueError(f"{target} is not a combination of {', '.join(map(str, basis))} on these cases")
    chosen = solution[0]
    coefficients = [sympy.sympify(chosen.get(c, c)).subs({u: 0 for u in unknowns}) for c in unknowns]
    return coefficients, equations


def holds_by_cases(lhs, rhs, cases) -> tuple[bool, list[Relation]]:
    """Whether lhs = rhs on every case, with one step per case."""
    steps, ok = [], True
    for case in cases:
        left, right = sympy.simplify(lhs.subs(case)), sympy.simplify(rhs.subs(case))
        same = sympy.simplify(left - right) == 0
        ok &= same
        where = ", ".join(f"{k} = {v}" for k, v in case.items())
        positives = sorted({s.name for v in case.values() for s in sympy.sympify(v).free_symbols if s.is_positive})
        lhs_at, rhs_at = _substituted(lhs, case), _substituted(rhs, case)
        steps.append(Relation((lhs_at, left, rhs_at), ("=", "=" if same else "≠"),
                              reason=f"case {where}" + (f" ({', '.join(positives)} > 0)" if positives else "")))
    return ok, steps


KINKED = (sympy.Max, sympy.Min, sympy.Abs)


def _substituted(expr, case):
    """`expr` at the case with its kinked functions left unevaluated, so that a
    step reads max(0, −p) = 0 rather than jumping to the result."""
    kinks = {f: f.func(*[sympy.simplify(a.subs(case)) for a in f.args], evaluate=False)
             for f in expr.atoms(*KINKED)}
    rest = {k: v for k, v in case.items()}
    with sympy.evaluate(False):
        return expr.xreplace(kinks).xreplace(rest)
