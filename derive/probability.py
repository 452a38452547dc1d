"""Distributions and KL divergences derived from their definition.

KL(p ‖ q) = E_p[log p(X)] − E_p[log q(X)].  Both expectations are of
log-densities; where those are polynomials in x (the Gaussian case), the
expectation is a combination of moments E_p[X^k], each computed by
integrating x^k p(x) over the support.  Nothing is looked up in a table of
closed forms; results are cached because the derivation is the same each time.

Distributions are named and parameterised as in `torch.distributions`.
"""
from __future__ import annotations

from functools import lru_cache

import sympy

from .numbers import exact
from .steps import Relation

from .distributions import (  # noqa: F401  (re-exported: the public names live here)
    FAMILIES, Bernoulli, Beta, Binomial, Categorical, Cauchy, Distribution, DistributionError, Exponential,
    Gamma, Geometric, Laplace, MultivariateNormal, Normal, NotDerivable, Pareto, Poisson, Uniform, X)


@lru_cache(maxsize=None)
def moment(distribution: Distribution, k: int) -> sympy.Expr:
    """E[X^k] = ∫ x^k p(x) dx over the support."""
    low, high = distribution.support()
    return sympy.simplify(sympy.integrate(X**k * distribution.density(X), (X, low, high)))


def expectation(distribution: Distribution, expr: sympy.Expr) -> tuple[sympy.Expr, list]:
    """E[expr(X)] for expr polynomial in X, by linearity and moments.

    Returns the result and the moments used, as (k, E[X^k]) pairs.
    """
    polynomial = sympy.Poly(sympy.expand(expr), X)
    used = []
    total = sympy.Integer(0)
    for (k,), coefficient in sorted(polynomial.terms()):
        m = moment(distribution, k)
        if k > 0:
            used.append((k, m))
        total += coefficient * m
    return total, used


def _check_polynomial(distribution, expr):
    if not sympy.expand(expr).is_polynomial(X):
        raise DistributionError(
            f"the log-density of {distribution!r} is not polynomial in x; "
            "this derivation needs its expectation by another route")


def kl(p: Distribution, q: Distribution) -> sympy.Expr:
    """KL(p ‖ q) in closed form, derived from the definition."""
    return kl_derivation(p, q)[0]


@lru_cache(maxsize=None)
def kl_derivation(p: Distribution, q: Distribution, names: tuple[str, str] = ("p", "q")):
    """KL(p ‖ q) and the steps that derive it (entropy term, cross term,
    moments, simplification)."""
    if type(p) is not type(q):
        raise DistributionError(f"KL between {type(p).__name__} and {type(q).__name__} is not derived yet")
    log_p, log_q = p.log_density(X), q.log_density(X)
    for distribution, log_density in ((p, log_p), (q, log_q)):
        _check_polynomial(distribution, log_density)
    P, Q = (sympy.Function(n) for n in names)
    divergence = KL(*(sympy.Symbol(n) for n in names))
    E_p = lambda expr: Expectation(expr, sympy.Symbol(names[0]))  # noqa: E731
    low, high = p.support()
    steps = [
        Relation((divergence, E_p(sympy.log(P(X))) - E_p(sympy.log(Q(X))),
                  sympy.Integral(P(X) * sympy.log(P(X)), (X, low, high))
                  - sympy.Integral(P(X) * sympy.log(Q(X)), (X, low, high))),
                 reason="definition of the KL divergence"),
        Relation((sympy.log(P(X)), log_p), reason=f"log-density of {names[0]}"),
        Relation((sympy.log(Q(X)), log_q), reason=f"log-density of {names[1]}"),
    ]
    negative_entropy, moments_p = expectation(p, log_p)
    cross, moments_q = expectation(p, log_q)
    for k, m in sorted(set(moments_p) | set(moments_q)):
        steps.append(Relation((E_p(X**k), sympy.Integral(X**k * P(X), (X, low, high)), m),
                              reason=f"moment of order {k} of {names[0]}, by integration"))
    negative_entropy = _tidy(negative_entropy)
    cross_entropy = _tidy(-cross)
    steps.append(Relation((E_p(sympy.log(P(X))), negative_entropy),
                          reason="linearity of expectation and the moments: minus the entropy of " + names[0]))
    steps.append(Relation((-E_p(sympy.log(Q(X))), cross_entropy),
                          reason=f"linearity of expectation and the moments: the cross-entropy of {names[1]} under {names[0]}"))
    result = _tidy(negative_entropy + cross_entropy)
    steps.append(Relation((divergence, negative_entropy + cross_entropy, result),
                          reason="the two terms added and simplified"))
    return result, tuple(steps)


def _tidy(expr):
    """Logarithms combined, the rest over a common denominator."""
    expanded = sympy.expand(sympy.expand_log(expr, force=True))
    logs = sympy.Add(*[t for t in sympy.Add.make_args(expanded) if t.has(sympy.log)])
    rest = sympy.Add(*[t for t in sympy.Add.make_args(expanded) if not t.has(sympy.log)])
    logs = sympy.logcombine(logs, force=True)
    constant = sympy.Add(*[t for t in sympy.Add.make_args(rest) if t.is_number])
    rest = sympy.factor_terms(sympy.together(rest - constant))
    return logs + rest + constant


class KL(sympy.Function):
    """The symbol KL(p ‖ q), unevaluated (for display)."""

    def _latex(self, printer):
        p, q = self.args
        return rf"\mathrm{{KL}}\left({printer._print(p)} \,\|\, {printer._print(q)}\right)"

    def _sympystr(self, printer):
        p, q = self.args
        return f"KL({printer._print(p)} ‖ {printer._print(q)})"


class Expectation(sympy.Function):
    """E_p[expr], unevaluated (for display)."""

    def _latex(self, printer):
        expr, under = self.args
        return rf"\mathbb{{E}}_{{{printer._print(under)}}}\left[{printer._print(expr)}\right]"

    def _sympystr(self, printer):
        expr, under = self.args
        return f"E_{printer._print(under)}[{printer._print(expr)}]"
