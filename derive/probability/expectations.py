"""Expectations E_p[f(X)] of the terms of a log-density, derived by SymPy.

A log-density is split into a linear combination of *features* of x:
powers x^k, logarithms log(a + b·x), |x − c|, log((x − c)² + d²), and terms
such as log x! that only a finite sum can average.  Each feature's
expectation under a family is derived once, by integration or summation
over the family's support with every parameter a symbol, and cached; a
concrete distribution then only substitutes its parameters.  Every result
comes with the steps that derive it, for the solution to show.

The routes, one per kind of feature:

- x^k: ∫ x^k p(x) dx (or the sum) over the support;
- log(a + b·x): the Mellin route, E[log g] = d/dt E[g^t] at t = 0, with
  E[g^t] by integration (how ψ(α) − log β appears for a Gamma);
- |x − c| under a density symmetric about m: the integral split at m and
  at c = m + δ (δ > 0), then δ = |c − m| by the symmetry;
- log((x − c)² + d²) under a Cauchy density: the density is the Poisson
  kernel of the upper half-plane, so E[log|X − w|] = log|x₀ + iγ − w| for
  w = c − i·d below the axis (log|z − w| is harmonic there);
- anything else, when the support is finite and numeric: the sum itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy

from derive.core.steps import Relation
from derive.probability.symbols import Expectation
from derive.probability.distributions import (
    FINITE_SUM_LIMIT, KINDS, Cauchy, Distribution, NotDerivable, X, BoundVariable,
)

T = BoundVariable("t", positive=True)  # the Mellin exponent; a dummy, so a user's own t cannot collide
_DELTA = sympy.Symbol("delta__g", positive=True)
_C = sympy.Symbol("c__g", real=True)
_D = sympy.Symbol("d__g", positive=True)
_GENERIC = "__g"

#: Points of each parameter kind at which a Piecewise branch's condition is tested.
_PROBES = {"real": (sympy.Rational(-1, 2), sympy.Rational(1, 3)),
           "positive": (sympy.Rational(3, 7), sympy.Integer(2), sympy.Integer(5)),
           "probability": (sympy.Rational(1, 3), sympy.Rational(2, 3), sympy.Rational(1, 5)),
           "count": (sympy.Integer(3), sympy.Integer(5))}

_NON_POLYNOMIAL = (sympy.log, sympy.Abs, sympy.loggamma, sympy.factorial, sympy.binomial, sympy.gamma)


@dataclass(frozen=True)
class Mean:
    """E_p[feature] = value, with the steps that show it (Relations in
    terms of `under`, the name of the distribution)."""

    feature: sympy.Expr
    value: sympy.Expr
    steps: tuple


def features(log_density: sympy.Expr) -> dict:
    """log p(x) as {feature of x: coefficient}, the constant under feature 1."""
    expr = sympy.expand_log(log_density, force=True)
    atoms = sorted((a for a in expr.atoms(*_NON_POLYNOMIAL) if a.has(X)), key=sympy.default_sort_key)
    placeholders = {atom: sympy.Symbol(f"F{i}__g") for i, atom in enumerate(atoms)}
    back = {v: k for k, v in placeholders.items()}
    expanded = sympy.expand(expr.xreplace(placeholders))
    result: dict = {}
    for term in sympy.Add.make_args(expanded):
        coefficient, feature = term.as_independent(X, *back, as_Add=False)
        feature = feature.xreplace(back)
        result[feature] = result.get(feature, 0) + coefficient
    return {f: c for f, c in sorted(result.items(), key=lambda item: sympy.default_sort_key(item[0]))
            if not sympy.expand(c) == 0}


def mean(p: Distribution, feature: sympy.Expr, under: sympy.Symbol) -> Mean:
    """E_p[feature(X)], by the route that fits the feature."""
    if feature == 1:
        return Mean(feature, sympy.Integer(1), ())
    for route in (_power, _logarithm, _absolute, _cauchy_logarithm, _finite_sum):
        try:
            found = route(p, feature, under)
        except (ValueError, TypeError, NotImplementedError):  # SymPy gave up (exp_polar, an undecidable sign)
            found = None
        if found is not None and not found.value.has(sympy.nan, sympy.zoo, sympy.exp_polar):
            return found
    return by_definition(p, feature, under)


def by_definition(p: Distribution, feature: sympy.Expr, under: sympy.Symbol) -> Mean:
    """E_p[feature] as its defining integral (or sum) over p's support.

    Convergence is decided first, at each infinite end of the support: the
    integrand f·p is integrable there when x^{3/2}·f·p → 0, and the mean is
    ±∞ when x·f·p does not tend to 0 (so Cauchy‖Normal is ∞, not "undefined").
    Then the integral itself: exactly where SymPy integrates the feature
    (powers, log(a + b·x), |x − c| split at c), else, with a number for
    every parameter, by numerical quadrature (mpmath, through evalf), said so
    in the step.  Symbols and no closed form: NotDerivable."""
    infinite = _tail(p, feature)
    shown = _display(p, feature, under)
    if infinite is not None:
        return Mean(feature, infinite, (_relation((expectation_symbol(feature, under), shown, infinite),
                                                  f"the integrand does not decay fast enough at the tails of {under}: "
                                                  "the expectation diverges"),))
    value = _exact_integral(p, feature)
    if value is not None:
        return Mean(feature, value, (_relation((expectation_symbol(feature, under), shown, value),
                                               f"by {'summation' if p.discrete else 'integration'} over the support"),))
    if not _all_numbers(p, feature):
        raise NotDerivable(f"E[{_readable(feature)}] under {p.family} has no closed form the engine finds; "
                           "with numbers for the parameters it is evaluated by quadrature")
    value = _quadrature(p, feature)
    how = "numerical summation of the series" if p.discrete else "numerical integration (no closed form found)"
    return Mean(feature, value, (_relation((expectation_symbol(feature, under), shown, value), f"by {how}"),))


def _all_numbers(p: Distribution, feature) -> bool:
    return not (feature.free_symbols - {X}) and all(getattr(a, "is_number", False) for a in p.args)


def _readable(expr) -> str:
    return sympy.sstr(expr.xreplace({X: sympy.Symbol("x")}))


def _ends(p: Distribution):
    low, high = p.support()
    return [e for e in (low, high) if e.is_infinite]


def _tail(p: Distribution, feature):
    """±∞ when E_p[feature] diverges at an infinite end, None when it converges."""
    if not _all_numbers(p, feature):
        # with symbols the answer can hinge on them (a Pareto's α > 1), and
        # SymPy's limits do not say so: decided only with numbers
        if _ends(p):
            raise NotDerivable(f"whether E[{_readable(feature)}] under {p.family} converges depends on the parameters")
        return None
    term = feature * p.density(X)
    divergent = set()
    for end in _ends(p):
        if p.discrete:
            k = sympy.Symbol("k", positive=True)
            term_k = term.xreplace({X: k})
            # terms of a convergent series shrink faster than 1/k²; the harmonic test for divergence
            decays, stays = sympy.limit(k**2 * term_k, k, end), sympy.limit(k * term_k, k, end)
        else:
            decays = sympy.limit(abs(X)**sympy.Rational(3, 2) * term, X, end)
            stays = sympy.limit(X * term, X, end)
        if decays == 0:
            continue
        if stays.is_number and stays != 0 and not stays.has(sympy.nan, sympy.AccumBounds):
            sign = sympy.sign(stays) * (1 if end is sympy.oo else -1)
            divergent.add(sympy.oo if sign > 0 else -sympy.oo)
            continue
        raise NotDerivable(f"whether E[{_readable(feature)}] under {p.family} converges is not decided")
    if len(divergent) > 1:
        raise NotDerivable(f"E[{_readable(feature)}] does not exist under {p.family}: it diverges to +∞ at one "
                           "tail and to −∞ at the other")
    return divergent.pop() if divergent else None


def _split_pieces(p: Distribution, feature):
    """p's pieces, cut at the kink of every |x − c| with a number c inside
    one, each piece with |·| replaced by its sign there."""
    kinks = set()
    for atom in feature.atoms(sympy.Abs):
        inner = atom.args[0]
        if inner.is_polynomial(X) and sympy.degree(inner, X) == 1:
            root = sympy.solve(inner, X)[0]
            if not root.is_number:
                return None  # where the kink lies depends on symbols
            kinks.add(root)
        else:
            return None
    result = []
    for low, high, density in p.pieces():
        cuts = [low] + sorted(c for c in kinks if bool(sympy.Lt(low, c)) and bool(sympy.Lt(c, high))) + [high]
        for a, b in zip(cuts, cuts[1:]):
            inside = (a + 1 if b.is_infinite and b > 0 else (b - 1 if a.is_infinite else (a + b) / 2))
            signed = feature.replace(lambda e: isinstance(e, sympy.Abs),
                                     lambda e: e.args[0] * sympy.sign(e.args[0].subs(X, inside)))
            result.append((a, b, density, signed))
    return result


def _integrable(feature) -> bool:
    """Features SymPy integrates quickly: polynomials, logarithms of linear
    terms, |linear| (others, such as log of a quadratic against a normal
    density, can run for minutes)."""
    for atom in feature.atoms(sympy.Function):
        if not atom.has(X):
            continue
        inner = atom.args[0]
        if not (isinstance(atom, (sympy.log, sympy.Abs)) and inner.is_polynomial(X) and sympy.degree(inner, X) == 1):
            return False
    return True


def _exact_integral(p: Distribution, feature):
    if p.discrete or not _integrable(feature):
        return None
    pieces = _split_pieces(p, feature)
    if pieces is None:
        return None
    try:
        total = sum(sympy.integrate(f * density, (X, a, b), conds="none", meijerg=False, risch=False)
                    for a, b, density, f in pieces)
        total = _interior_branch(total, p)
    except (ValueError, TypeError, NotImplementedError, NotDerivable):
        return None
    if total.has(sympy.Integral, sympy.nan, sympy.zoo, sympy.exp_polar):
        return None
    return sympy.simplify(total)


def _quadrature(p: Distribution, feature):
    """The defining integral or series, evaluated to 15 digits."""
    low, high = p.support()
    if p.discrete:
        k = sympy.Symbol("k", integer=True, nonnegative=True)
        value = sympy.Sum((feature * p.density(X)).xreplace({X: k}), (k, low, high)).evalf(20)
    else:
        value = sum(sympy.Integral(f * density, (X, a, b)).evalf(20) for a, b, density, f in _split_pieces(p, feature))
    if not value.is_number or value.has(sympy.nan, sympy.zoo) or not value.is_real:
        raise NotDerivable(f"E[{_readable(feature)}] under {p!r}: the numerical integral did not converge")
    return sympy.Float(value, 15)


# ---------------------------------------------------------------- helpers

def _generic(p: Distribution):
    """p's family with a symbol per parameter, and the map back to p's values."""
    generic = p.generic(_GENERIC)
    return generic, p.values_of(generic) if generic is not p else {}


def _kinds(generic: Distribution) -> dict:
    kinds = {}
    for value, kind in zip(generic.args, generic.kinds):
        for symbol in getattr(value, "free_symbols", ()):
            kinds[symbol] = kind if kind in ("count", "probability") or not symbol.is_positive else "positive"
    return kinds


def _interior_branch(expr, generic: Distribution, continuation: bool = False):
    """A Piecewise from SymPy replaced by the branch that holds on the whole
    parameter space, tested at interior points of every parameter.

    With `continuation`, a branch that holds at some of those points is
    enough: a finite sum is a polynomial in the parameters, so a closed form
    that agrees with it on an open set agrees everywhere."""
    kinds = _kinds(generic)
    kinds.setdefault(T, "positive")
    probes = [{s: _PROBES[k][i % len(_PROBES[k])] for s, k in kinds.items()} for i in range(3)]
    probes = [{**probe, T: sympy.Rational(1, 10)} for probe in probes]

    def choose(*pairs):
        for value, condition in pairs:
            holds = [bool(condition.subs(probe)) is True for probe in probes]
            if condition is sympy.true or (any(holds) if continuation else all(holds)):
                return value
        raise NotDerivable(f"SymPy's result depends on a condition the parameters do not settle: {pairs}")
    return expr.replace(lambda e: isinstance(e, sympy.Piecewise), lambda e: choose(*e.args))


def _average(p: Distribution, integrand):
    """∫ integrand·p over the support (or Σ when discrete), branch settled."""
    low, high = p.support()
    if p.discrete:
        k = sympy.Symbol("k", integer=True, nonnegative=True)
        total = sympy.summation((integrand * p.density(X)).xreplace({X: k}), (k, low, high))
    else:
        total = sum(sympy.integrate(integrand * density, (X, a, b), conds="none", meijerg=None)
                    for a, b, density in p.pieces())
    total = _interior_branch(total, p, continuation=p.discrete and high.is_finite is not False)
    if p.discrete:
        total = sympy.powsimp(total, force=True)
    if total.has(sympy.Integral, sympy.Sum):
        raise NotDerivable(f"SymPy could not {'sum' if p.discrete else 'integrate'} "
                           f"{sympy.sstr(integrand)} against {p.family}")
    return total


def _display(p: Distribution, expr, name) -> sympy.Expr:
    """∫ expr·p(x) dx or Σ_x expr·p(x), unevaluated, for the steps."""
    low, high = p.support()
    P = sympy.Function(str(name))
    if p.discrete:
        return sympy.Sum(expr * P(X), (X, low, high))
    return sympy.Integral(expr * P(X), (X, low, high))


def expectation_symbol(expr, under) -> sympy.Expr:
    return Expectation(expr, under)


# ---------------------------------------------------------------- routes

@lru_cache(maxsize=None)
def _generic_power(family: type, k: int):
    generic = family.generic(_sample(family), _GENERIC)
    return generic, sympy.simplify(_average(generic, X**k))


def _sample(family: type) -> Distribution:
    """An instance of `family` (for its generic form)."""
    return family(*(sympy.Symbol(f"s{i}", **KINDS[kind]) for i, kind in enumerate(family.kinds)))


def _power(p, feature, under):
    base, exponent = feature.as_base_exp()
    if base != X or not (exponent.is_Integer and exponent > 0):
        return None
    if p.generic(_GENERIC) is p:
        value = sympy.simplify(_average(p, feature))
    else:
        generic, value = _generic_power(type(p), int(exponent))
        value = value.xreplace(p.values_of(generic))
    how = "summation" if p.discrete else "integration"
    step = _relation((expectation_symbol(feature, under), _display(p, feature, under), value),
                     f"moment of order {exponent} of {under}, by {how}")
    return Mean(feature, value, (step,))


@lru_cache(maxsize=None)
def _generic_mellin(family: type, a, b):
    """E[(a + bX)^t] and E[log(a + bX)] for a generic member of the family."""
    generic = family.generic(_sample(family), _GENERIC)
    if generic.discrete:
        raise NotDerivable(f"E[log(…)] under the discrete {family.__name__} is not derived")
    g = a + b * X
    total = 0
    for low, high, density in generic.pieces():
        part = sympy.integrate(sympy.powsimp(g**T * density, force=True), (X, low, high), conds="none", meijerg=True)
        total += part
    if total.has(sympy.Integral):
        raise NotDerivable(f"SymPy could not integrate ({sympy.sstr(g)})^t against {family.__name__}")
    power_mean = sympy.gammasimp(_interior_branch(sympy.hyperexpand(total), generic))
    log_mean = sympy.simplify(sympy.expand_log(sympy.diff(power_mean, T).subs(T, 0), force=True))
    return generic, power_mean, log_mean


def _logarithm(p, feature, under):
    if not isinstance(feature, sympy.log) or p.discrete:
        return None
    g = sympy.expand(feature.args[0])
    if not g.is_polynomial(X) or sympy.degree(g, X) != 1:
        return None
    b = g.coeff(X, 1)
    a = g - b * X
    if not (a.is_number and b.is_number):
        return None
    generic, power_mean, log_mean = _generic_mellin(type(p), a, b)
    back = p.values_of(generic)
    power_mean, log_mean = power_mean.xreplace(back), log_mean.xreplace(back)
    E_power = expectation_symbol(g**T, under)
    steps = (
        _relation((E_power, _display(p, g**T, under), power_mean),
                  f"the Mellin transform of {under}, by integration (t > 0)"),
        _relation((expectation_symbol(feature, under), sympy.Subs(sympy.Derivative(E_power, T), T, 0), log_mean),
                  "log g = d/dt g^t at t = 0, and expectation commutes with d/dt"),
    )
    return Mean(feature, log_mean, steps)


@lru_cache(maxsize=None)
def _generic_absolute(family: type):
    """E|X − (m + δ)| for δ > 0, m the centre of symmetry."""
    generic = family.generic(_sample(family), _GENERIC)
    centre = getattr(generic, generic.centre)
    cut = centre + _DELTA
    total = 0
    for low, high, density in generic.pieces():
        inside = sympy.And(sympy.Lt(low, cut), sympy.Lt(cut, high))
        bounds = [low, cut, high] if inside == sympy.true else [low, high]
        for a, b in zip(bounds, bounds[1:]):
            below = sympy.Le(b, cut) == sympy.true
            total += sympy.integrate((cut - X if below else X - cut) * density, (X, a, b), conds="none")
    if total.has(sympy.Integral):
        raise NotDerivable(f"SymPy could not integrate |x − c| against {family.__name__}")
    return generic, sympy.simplify(_interior_branch(total, generic))


def _absolute(p, feature, under):
    if not isinstance(feature, sympy.Abs) or p.centre is None or p.discrete:
        return None
    inner = sympy.expand(feature.args[0])
    if not inner.is_polynomial(X) or sympy.degree(inner, X) != 1 or abs(inner.coeff(X, 1)) != 1:
        return None
    c = -inner.coeff(X, 1) * (inner - inner.coeff(X, 1) * X)
    generic, value = _generic_absolute(type(p))
    centre = getattr(p, p.centre)
    distance = sympy.Abs(c - centre)
    result = value.xreplace(p.values_of(generic)).xreplace({_DELTA: distance})
    result = sympy.simplify(result) if result.is_number else result
    step = _relation((expectation_symbol(feature, under), _display(p, feature, under), result),
                     f"by integration split at the centre and at c for c − m = δ > 0; {under} is symmetric "
                     "about its centre m, so for c < m the same holds with δ = |c − m|")
    return Mean(feature, result, (step,))


def _cauchy_logarithm(p, feature, under):
    if not isinstance(p, Cauchy) or not isinstance(feature, sympy.log):
        return None
    g = sympy.expand(feature.args[0])
    if not g.is_polynomial(X) or sympy.degree(g, X) != 2 or g.coeff(X, 2) != 1:
        return None
    c = -g.coeff(X, 1) / 2
    d_squared = sympy.expand(g - (X - c)**2)
    if d_squared.is_positive is not True:
        return None
    d = sympy.sqrt(d_squared)
    loc, scale = p.args
    z, w = loc + sympy.I * scale, c - sympy.I * d
    value = sympy.log((loc - c)**2 + (scale + d)**2)
    step = _relation((expectation_symbol(feature, under), _display(p, feature, under),
                      2 * sympy.log(sympy.Abs(z - w)), value),
                     f"log((x − c)² + d²) = 2 log|x − w| with w = c − i·d; log|z − w| is harmonic in the upper "
                     f"half-plane and the density of {under} is its Poisson kernel at z = x₀ + iγ, so the "
                     "average over x is the value at z")
    return Mean(feature, value, (step,))


def _finite_sum(p, feature, under):
    if not p.discrete:
        return None
    low, high = p.support()
    if not (high.is_Integer and high - low < FINITE_SUM_LIMIT):
        return None
    value = sympy.Add(*[p.density(k) * feature.xreplace({X: k}) for k in range(int(low), int(high) + 1)])
    value = sympy.expand_log(value, force=True)
    step = _relation((expectation_symbol(feature, under), _display(p, feature, under), value),
                     f"the sum over the {int(high - low) + 1} points of the support")
    return Mean(feature, value, (step,))


def _relation(terms, reason):
    return Relation(tuple(terms), reason=reason)
