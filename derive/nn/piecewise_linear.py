"""Piecewise-linear identities, derived and proved by cases.

`express` finds coefficients c with target = Σ cᵢ basisᵢ: on each case (a
region where every kink's sign is fixed, given as a substitution such as
x = p or x = −p with p > 0) both sides are linear, so the identity holding
for all remaining symbols is a linear system in c.  `holds_by_cases` proves
an identity the same way, one case at a time.
"""
from __future__ import annotations

import sympy

from derive.core.steps import Relation


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
    coefficients = [sympy.sympify(chosen.get(c, c), strict=True).subs({u: 0 for u in unknowns}) for c in unknowns]
    return coefficients, equations


def holds_by_cases(lhs, rhs, cases, show=True) -> tuple[bool, list[Relation]]:
    """Whether lhs = rhs on every case, with one step per case (when `show`)."""
    steps, ok = [], True
    for case in cases:
        left, right = lhs.subs(case), rhs.subs(case)
        same = _equal(left, right)
        ok &= same
        if not show:
            if not ok:
                break
            continue
        where = ", ".join(f"{k} = {v}" for k, v in case.items())
        positives = sorted({s.name for v in case.values() for s in sympy.sympify(v, strict=True).free_symbols if s.is_positive})
        lhs_at, rhs_at = _substituted(lhs, case), _substituted(rhs, case)
        steps.append(Relation((lhs_at, left, rhs_at), ("=", "=" if same else "≠"),
                              reason=f"case {where}" + (f" ({', '.join(positives)} > 0)" if positives else "")))
    return ok, steps


def _equal(left, right) -> bool:
    difference = sympy.expand(left - right)
    return difference == 0 or sympy.simplify(difference) == 0


KINKED = (sympy.Max, sympy.Min, sympy.Abs)


def _substituted(expr, case):
    """`expr` at the case with its kinked functions left unevaluated, so that a
    step reads max(0, −p) = 0 rather than jumping to the result."""
    kinks = {f: f.func(*[sympy.expand(a.subs(case)) for a in f.args], evaluate=False)
             for f in expr.atoms(*KINKED)}
    rest = {k: v for k, v in case.items()}
    with sympy.evaluate(False):
        return expr.xreplace(kinks).xreplace(rest)


def order_cases(variables) -> list[dict]:
    """One substitution per weak ordering of {0} ∪ variables: every region where
    the signs of all differences are fixed, ties included.  Gaps between
    consecutive ranks are positive symbols g_1, g_2, …"""
    items = [sympy.Integer(0)] + list(variables)
    cases = []
    for ranks in _weak_orderings(len(items)):
        top = max(ranks)
        gaps = sympy.symbols(f"g_1:{top + 1}", positive=True) if top else ()
        zero = ranks[0]

        def value(rank):
            if rank >= zero:
                return sum(gaps[zero:rank], sympy.Integer(0))
            return -sum(gaps[rank:zero], sympy.Integer(0))

        cases.append({v: value(r) for v, r in zip(variables, ranks[1:])})
    return cases


def _weak_orderings(count):
    """Rank tuples (dense ranks 0..m−1) of every weak ordering of `count` items."""
    import itertools
    seen = []
    for ranks in itertools.product(range(count), repeat=count):
        used = sorted(set(ranks))
        if used == list(range(len(used))):
            seen.append(ranks)
    return seen


def relu_units(expr, inputs):
    """`expr` with every bare input x written ReLU(x) − ReLU(−x), as a linear
    combination {ReLU argument: coefficient}; raises if it is not one."""
    relus = sorted(expr.atoms(sympy.Max), key=sympy.default_sort_key)
    for m in relus:
        if len(m.args) != 2 or sympy.Integer(0) not in m.args:
            raise ValueError(f"{m} is not a ReLU max(0, ·)")
    units = sympy.symbols(f"r_1:{len(relus) + 1}")
    linear = sympy.expand(expr.xreplace(dict(zip(relus, units))))
    combination = {}
    for unit, m in zip(units, relus):
        argument = next(a for a in m.args if a != 0)
        combination[argument] = combination.get(argument, 0) + linear.coeff(unit)
    rest = sympy.expand(linear - sum(linear.coeff(u) * u for u in units))
    for x in inputs:
        coefficient = rest.coeff(x)
        if coefficient != 0:
            combination[x] = combination.get(x, 0) + coefficient
            combination[-x] = combination.get(-x, 0) - coefficient
        rest = sympy.expand(rest - coefficient * x)
    if rest != 0:
        raise ValueError(f"{expr} has a constant or non-linear remainder {rest}: not a bias-free ReLU combination")
    return combination


def relu_network(outputs, inputs):
    """(W, b, V, c): outputs = V ReLU(W x + b) + c with one hidden unit per
    distinct ReLU argument, in order of first use."""
    combos = [relu_units(o, inputs) for o in outputs]
    arguments = []
    for combo in combos:
        for argument, coefficient in combo.items():
            if coefficient != 0 and argument not in arguments:
                arguments.append(argument)
    W = sympy.ImmutableMatrix([[sympy.expand(a).coeff(x) for x in inputs] for a in arguments])
    b = sympy.ImmutableMatrix([sympy.expand(a).subs({x: 0 for x in inputs}) for a in arguments])
    V = sympy.ImmutableMatrix([[combo.get(a, 0) for a in arguments] for combo in combos])
    c = sympy.zeros(len(outputs), 1)
    return W, b, V, sympy.ImmutableMatrix(c), arguments
