"""Derivatives of piecewise functions: on each piece, one-sided at a kink,
and the subdifferential of a convex function at a kink.

For a convex f, ∂f(x₀) = [f′₋(x₀), f′₊(x₀)], the interval between the
one-sided derivatives; where they agree, f is differentiable and the interval
is that one number.
"""
from __future__ import annotations

import sympy

from derive.core.steps import Relation


def one_sided_derivatives(f, x, point):
    """(left, right) derivatives of f at `point`, as limits of difference quotients."""
    h = sympy.Symbol("h", positive=True)
    at = f.subs(x, point)
    right = sympy.limit((f.subs(x, point + h) - at) / h, h, 0, "+")
    left = sympy.limit((f.subs(x, point - h) - at) / (-h), h, 0, "+")
    return sympy.simplify(left), sympy.simplify(right)


def derivative_by_pieces(f, x):
    """f′ away from the kinks: each piece of the Piecewise form differentiated."""
    return sympy.diff(f.rewrite(sympy.Piecewise), x)


def subdifferential(f, x, point, assumptions=True):
    """∂f at `point` for a convex f, with the steps that derive it.

    Convexity is checked, not assumed: the second derivative is non-negative on
    each side of the point and the left slope does not exceed the right one.
    Raises ValueError if that cannot be shown.
    """
    left, right = one_sided_derivatives(f, x, point)
    h = sympy.Symbol("h", positive=True)
    second = sympy.diff(derivative_by_pieces(f, x), x)
    curvature = [sympy.simplify(second.subs(x, point + s * h)) for s in (-1, 1)]
    gap = sympy.simplify(right - left)
    convex = all(sympy.ask(sympy.Q.nonnegative(c), assumptions) for c in curvature) \
        and sympy.ask(sympy.Q.nonnegative(gap), assumptions)
    if not convex:
        raise ValueError(f"cannot show that {f} is convex around {point}: no subdifferential derived")
    steps = [
        Relation((sympy.Symbol("f'_-"), sympy.Limit((f.subs(x, point - h) - f.subs(x, point)) / (-h), h, 0, "+"),
                  left), reason=f"left derivative at {point}"),
        Relation((sympy.Symbol("f'_+"), sympy.Limit((f.subs(x, point + h) - f.subs(x, point)) / h, h, 0, "+"),
                  right), reason=f"right derivative at {point}"),
    ]
    interval = sympy.FiniteSet(left) if gap == 0 else sympy.Interval(left, right)
    return interval, steps


def derivative_off_kink(f, x, point):
    """f′ for x < point and x > point, as a Piecewise without the point itself."""
    h = sympy.Symbol("h", positive=True)
    d = derivative_by_pieces(f, x)
    left = sympy.simplify(d.subs(x, point - h).subs(h, point - x))
    right = sympy.simplify(d.subs(x, point + h).subs(h, x - point))
    return sympy.Piecewise((left, x < point), (right, x > point))
