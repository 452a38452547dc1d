"""Justified steps of a derivation: identities checked before they are stated.

A derivation by hand is a chain of equalities and the odd inequality, each
with a reason ("linearity of expectation", "Jensen's inequality").  Here an
equality becomes a `Relation` only after the engine has checked it: first at
random numeric points (cheap, and it catches a wrong identity at once), then
symbolically (so that a coincidence at a few points is never taken for a
proof).  An identity that fails either check raises `IdentityError`; nothing
is stated that the engine has not confirmed.

Abstract densities are SymPy undefined functions (`p_data(x)`); for the
numeric check each distinct application is replaced by a random positive
number, which is what a density's value at a point is.

Also here: pointwise maximisation (the optimal discriminator), completing
the square (Gaussian posteriors), and expectations of polynomials of degree
at most two from first and second moments (risk averages, EM).
"""
from __future__ import annotations

import random

import sympy
from sympy.core.function import AppliedUndef

from derive.core.steps import Relation, Solved

# Reasons, named once so that every derivation words them the same way.
LINEARITY = "linearity of expectation (and of the integral)"
JENSEN_LOG = "Jensen's inequality: log is concave, so log E[Y] ≥ E[log Y]"
JENSEN_CONVEX = "Jensen's inequality: f is convex, so E[f(Y)] ≥ f(E[Y])"
NORMALISATION = "a density integrates to 1"
CHANGE_OF_VARIABLES = "change of variables x = G(z): E_z[h(G(z))] = E_{x ~ p_g}[h(x)]"
LOG_RULES = "log(ab) = log a + log b, log(a/b) = log a − log b"


class IdentityError(ValueError):
    """An identity the engine was asked to state does not hold, or could not be proved."""


def _random_value(symbol, rng: random.Random):
    if symbol.is_integer:
        return sympy.Integer(rng.randint(1, 6))
    if symbol.is_positive or symbol.is_nonnegative:
        return sympy.Rational(rng.randint(30, 250), 100)
    return sympy.Rational(rng.randint(-200, 200), 100)


def _atoms_to_symbols(expr):
    """Each application of an undefined function → a positive dummy symbol."""
    applications = sorted(expr.atoms(AppliedUndef), key=sympy.default_sort_key)
    replacement = {a: sympy.Dummy(f"{a.func.__name__}", positive=True) for a in applications}
    return expr.xreplace(replacement)


def _pairs(lhs, rhs):
    """Matching (left, right) entries: one pair for scalars, one per entry for matrices."""
    if isinstance(lhs, sympy.MatrixBase) or isinstance(rhs, sympy.MatrixBase):
        lhs, rhs = sympy.ImmutableMatrix(lhs), sympy.ImmutableMatrix(rhs)
        if lhs.shape != rhs.shape:
            raise IdentityError(f"shapes differ: {lhs.shape} and {rhs.shape}")
        return list(zip(lhs, rhs))
    return [(lhs, rhs)]


def _difference(lhs, rhs):
    return [left - right for left, right in _pairs(lhs, rhs)]


def numerically_equal(lhs, rhs, points: int = 4, seed: int = 0, tolerance: float = 1e-9) -> bool:
    """lhs = rhs at `points` random points (abstract densities made positive
    numbers), to a tolerance relative to the size of the two sides."""
    rng = random.Random(seed)
    for left, right in _pairs(lhs, rhs):
        both = _atoms_to_symbols(sympy.Tuple(left, right))
        symbols = sorted(both.free_symbols, key=sympy.default_sort_key)
        for _ in range(points):
            values = {s: _random_value(s, rng) for s in symbols}
            a, b = (complex(side.xreplace(values).evalf(30)) for side in both)
            if abs(a - b) > tolerance * max(1.0, abs(a), abs(b)):
                return False
    return True


def symbolically_zero(expr) -> bool:
    expr = _atoms_to_symbols(expr)
    # Cheapest first: most identities here are rational functions once the
    # logs are expanded; `simplify` is the slow last resort.
    for attempt in (sympy.expand, lambda e: sympy.expand(sympy.expand_log(e, force=True)),
                    sympy.cancel, lambda e: sympy.cancel(sympy.expand_log(e, force=True)),
                    sympy.simplify, lambda e: sympy.simplify(sympy.expand_log(sympy.expand(e), force=True))):
        if attempt(expr) == 0:
            return True
    return False


def check_identity(lhs, rhs, where: str = "identity", points: int = 4, seed: int = 0) -> None:
    """Raise IdentityError unless lhs = rhs numerically and symbolically."""
    if not numerically_equal(lhs, rhs, points, seed):
        raise IdentityError(f"{where}: {lhs} = {rhs} fails at a random numeric point")
    if not all(symbolically_zero(d) for d in _difference(lhs, rhs)):
        raise IdentityError(f"{where}: {lhs} = {rhs} holds numerically but the engine could not prove it")


def identity(*terms, reason: str = "", check: tuple | None = None) -> Relation:
    """A chain of equalities, every adjacent pair checked before it is stated.

    `check`, when given, is a (lhs, rhs) pair checked in place of the terms,
    for a chain whose terms are unevaluated notation (E[…], ∫ …) and whose
    content is an identity of integrands.
    """
    pairs = [check] if check is not None else list(zip(terms, terms[1:]))
    for lhs, rhs in pairs:
        check_identity(lhs, rhs, where=reason or "identity")
    return Relation(tuple(terms), reason=reason)


def maximise_pointwise(objective, variable, low=0, high=1):
    """The maximiser of a smooth objective of one variable on the open interval (low, high).

    Solves objective′ = 0 with `sympy.solve`, keeps the root in the interval,
    and confirms a maximum by the sign of the second derivative (negative
    under the symbols' assumptions).  Returns (maximiser, steps).
    """
    first = sympy.diff(objective, variable)
    candidates = sympy.solve(sympy.Eq(first, 0), variable)
    inside = [c for c in candidates if _in_interval(c, low, high)]
    if len(inside) != 1:
        raise IdentityError(f"maximising {objective} over {variable}: stationary points {candidates}, "
                            f"{len(inside)} of them certainly inside ({low}, {high})")
    best = sympy.simplify(inside[0])
    second = sympy.diff(objective, variable, 2)
    at_best = sympy.simplify(second.subs(variable, best))
    if at_best.is_negative is not True:
        raise IdentityError(f"the second derivative {at_best} at {best} is not provably negative")
    steps = [
        Relation((sympy.Derivative(objective, variable), first), reason="differentiate"),
        Solved(sympy.Eq(sympy.together(first), 0), variable, (best,),
               reason=f"the only stationary point in ({low}, {high})"),
        Relation((sympy.Derivative(objective, (variable, 2)), second), reason="second derivative"),
        Relation((second.subs(variable, best), at_best, 0), relations=("=", "<"),
                 reason="negative at the stationary point: a maximum"),
    ]
    return best, steps


def _in_interval(value, low, high) -> bool:
    return bool(sympy.simplify(value - low).is_positive) and bool(sympy.simplify(high - value).is_positive)


def complete_square(log_density, variable):
    """A log-density quadratic in `variable` as a Gaussian: (mean, variance, rest).

    log p = a v² + b v + c with a < 0 is −(v − m)²/(2s) + rest, where
    s = −1/(2a) and m = b s.  Raises IdentityError when the expression is not
    such a quadratic.
    """
    polynomial = sympy.Poly(sympy.expand(log_density), variable)
    if polynomial.degree() != 2:
        raise IdentityError(f"{log_density} is not quadratic in {variable}; not a Gaussian")
    a, b, c = (polynomial.coeff_monomial(variable**k) for k in (2, 1, 0))
    if sympy.simplify(a).is_negative is not True:
        raise IdentityError(f"the coefficient {a} of {variable}² is not provably negative; not a Gaussian")
    variance = sympy.simplify(-1 / (2 * a))
    mean = sympy.simplify(b * variance)
    rest = sympy.simplify(c + mean**2 / (2 * variance))
    check_identity(sympy.expand(log_density), -(variable - mean)**2 / (2 * variance) + rest,
                   where="completing the square")
    return mean, variance, rest


def expectation_from_moments(expr, variables, first: dict, second: dict):
    """E[expr] for expr a polynomial of degree ≤ 2 in the random `variables`.

    By linearity only E[v] (`first[v]`) and E[v w] (`second[(v, w)]`, either
    order) are needed; anything else in expr is a constant.  A term of degree
    three or more raises IdentityError rather than guessing.
    """
    variables = list(variables)
    polynomial = sympy.Poly(sympy.expand(expr), *variables)
    total = sympy.Integer(0)
    for powers, coefficient in polynomial.terms():
        present = [v for v, k in zip(variables, powers) for _ in range(k)]
        if not present:
            total += coefficient
        elif len(present) == 1:
            total += coefficient * first[present[0]]
        elif len(present) == 2:
            pair = tuple(present)
            total += coefficient * (second[pair] if pair in second else second[pair[::-1]])
        else:
            raise IdentityError(f"E[{expr}] needs moments of order {len(present)}; only two are known")
    return total


def density_function(name: str, latex: str, **assumptions):
    """An abstract density p(·) as a SymPy undefined function (positive by
    default) that LaTeX prints as `latex` (e.g. p(x \\mid z)), argument and all.

    `str()` keeps the plain name, so an answer's `expr` stays parseable by
    `sympify` with the function's name.
    """
    assumptions.setdefault("positive", True)
    # SymPy caches undefined functions by name and keywords: the LaTeX form is
    # one of the keywords, so that q(z | x) of one problem never prints as
    # another problem's q(x).
    function = sympy.Function(name, latex_form=latex, **assumptions)
    function._latex = lambda self, printer: self.latex_form
    return function
