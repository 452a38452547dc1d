"""KL divergences derived from their definition.

KL(p ‖ q) = E_p[log p(X)] − E_p[log q(X)].  Each log-density is split into a
linear combination of features of x (powers, logarithms, |x − c|, …), and
E_p of each feature is derived by `derive.expectations` from the definition
of the expectation (integration or summation, cached per family).  Nothing
is looked up in a table of closed forms.  Where p puts mass outside q's
support the divergence is infinite, with the condition when it depends on
symbols.

Distributions are named and parameterised as in `torch.distributions`
(`derive.distributions`); they are re-exported here.
"""
from __future__ import annotations

from functools import lru_cache

import sympy

from derive.probability.expectations import Mean, T, by_definition, features, mean
from derive.probability.symbols import KL, Expectation, QuadraticForm
from derive.core.steps import Relation, Remark
from derive.probability.distributions import (
    FAMILIES, Bernoulli, Beta, Binomial, Categorical, Cauchy, Distribution, DistributionError,
    Exponential, Gamma, Geometric, Laplace, MultivariateNormal, Normal, NotDerivable, Pareto,
    Poisson, Uniform, X,
)


def moment(distribution: Distribution, k: int) -> sympy.Expr:
    """E[X^k], by integration or summation over the support (cached per family)."""
    return mean(distribution, X**k, sympy.Symbol("p")).value


def expectation(distribution: Distribution, expr: sympy.Expr) -> tuple[sympy.Expr, list]:
    """E[expr(X)] for expr polynomial in X, by linearity and moments.

    Returns the result and the moments used, as (k, E[X^k]) pairs.
    """
    polynomial = sympy.Poly(sympy.expand(expr), X)
    used = []
    total = sympy.Integer(0)
    for (k,), coefficient in sorted(polynomial.terms()):
        m = moment(distribution, k) if k > 0 else sympy.Integer(1)
        if k > 0:
            used.append((k, m))
        total += coefficient * m
    return total, used


def kl(p: Distribution, q: Distribution) -> sympy.Expr:
    """KL(p ‖ q) in closed form, derived from the definition.

    Infinite where p puts mass outside q's support: a `Piecewise` with the
    condition when that depends on symbols, `oo` when it always happens.
    Raises `NotDerivable` for a pair the engine has no route for, and
    `DistributionError` (an `InputError`) for parameters that do not fit."""
    return kl_derivation(p, q)[0]


@lru_cache(maxsize=None)
def kl_derivation(p: Distribution, q: Distribution, names: tuple[str, str] = ("p", "q")):
    """KL(p ‖ q) and the steps that derive it: the definition, the
    log-densities, the expectations used, the entropy term, the cross term,
    and their sum simplified."""
    for d in (p, q):
        if not isinstance(d, Distribution):
            raise DistributionError(f"KL takes two distributions, got {type(d).__name__}")
    clash = _free_symbols(p, q) & {X, T}
    if clash:
        raise DistributionError(f"the symbol {sorted(map(str, clash))[0]} is the derivation's own variable; "
                                "give the parameter another name")
    P, Q = (sympy.Symbol(n) for n in names)
    steps = [_definition(p, P, Q)]
    if p.discrete != q.discrete:
        kinds = {True: "discrete", False: "continuous"}
        steps.append(Remark(f"{names[0]} is {kinds[p.discrete]} and {names[1]} is {kinds[q.discrete]}: each gives "
                            "probability one to a set the other gives probability zero, so p is not absolutely "
                            "continuous with respect to q and the divergence is infinite."))
        return sympy.oo, tuple(steps)
    vector = (Categorical, MultivariateNormal)
    if isinstance(p, vector) or isinstance(q, vector):
        if type(p) is not type(q):
            raise NotDerivable(f"KL between {p.family} and {q.family} is not derived")
        route = _categorical if isinstance(p, Categorical) else _gaussian_vectors
        result, more = route(p, q, P, Q)
        return result, tuple(steps + more)
    if _on_boundary(p) or _on_boundary(q):
        return _at_boundary(p, q, names)
    result, more = _scalar(p, q, P, Q)
    return result, tuple(steps + more)


def _free_symbols(*distributions) -> set:
    return set().union(*(getattr(a, "free_symbols", set()) for d in distributions for a in d.args))


def _definition(p, P, Q):
    low, high = p.support() if not isinstance(p, (MultivariateNormal,)) else (-sympy.oo, sympy.oo)
    divergence = KL(P, Q)
    if p.discrete:
        by_definition = sympy.Sum(_f(P)(X) * sympy.log(_f(P)(X)) - _f(P)(X) * sympy.log(_f(Q)(X)), (X, low, high))
    else:
        by_definition = (sympy.Integral(_f(P)(X) * sympy.log(_f(P)(X)), (X, low, high))
                         - sympy.Integral(_f(P)(X) * sympy.log(_f(Q)(X)), (X, low, high)))
    return Relation((divergence, Expectation(sympy.log(_f(P)(X)), P) - Expectation(sympy.log(_f(Q)(X)), P), by_definition),
                    reason="definition of the KL divergence")


def _nested(p, q):
    """The condition that p's support lies inside q's."""
    (low_p, high_p), (low_q, high_q) = p.support(), q.support()
    return sympy.And(sympy.Le(low_q, low_p), sympy.Le(high_p, high_q))


def _scalar(p, q, P, Q):
    steps = []
    nested = _nested(p, q)
    if nested == sympy.false:
        steps.append(Remark(f"The support of {P} is not inside the support of {Q}: {P} gives positive probability "
                            f"to a set where {Q} vanishes, so the divergence is infinite."))
        return sympy.oo, steps
    log_p, log_q = p.log_density(X), q.log_density(X)
    steps += [Relation((sympy.log(_f(P)(X)), log_p), reason=f"log-density of {P}"),
              Relation((sympy.log(_f(Q)(X)), log_q), reason=f"log-density of {Q} (on its support)")]
    if nested != sympy.true:
        steps.append(Remark(f"Assume first that the support of {P} lies inside that of {Q}, that is "
                            f"{sympy.sstr(nested)}; otherwise the divergence is infinite."))
    try:
        result, more = _by_features(p, log_p, log_q, P, Q)
    except NotDerivable as failure:
        result, more = _by_whole_terms(p, log_p, log_q, P, Q, failure)
    steps += more
    if result is sympy.oo:
        return result, steps
    if nested != sympy.true:
        result = sympy.Piecewise((result, nested), (sympy.oo, True))
        steps.append(Relation((KL(P, Q), result), reason=f"infinite when the support of {P} is not inside that of {Q}"))
    return result, steps


def _by_features(p, log_p, log_q, P, Q):
    """The log-densities as linear combinations of features of x, and E_p of
    each feature by its own route (a moment, a Mellin transform, …)."""
    steps = []
    terms_p, terms_q = features(log_p), features(log_q)
    averages, cancelled = {}, []
    for feature in sorted(set(terms_p) | set(terms_q), key=sympy.default_sort_key):
        try:
            averages[feature] = mean(p, feature, P)
        except NotDerivable:
            if sympy.simplify(terms_p.get(feature, 0) - terms_q.get(feature, 0)) != 0:
                raise
            cancelled.append(feature)
    for feature, average in averages.items():
        if average.value.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
            raise NotDerivable(f"E[{sympy.sstr(feature)}] does not exist under {p!r}")
        steps += average.steps
    for feature in cancelled:
        steps.append(Remark(f"E_{P}[{sympy.sstr(feature)}] appears with the same coefficient in both terms and "
                            "cancels; it is not needed."))

    def value(feature):
        return averages[feature].value if feature in averages else Expectation(feature, P)

    def linear(terms, sign):
        shown = sign * sympy.Add(*[c * (Expectation(f, P) if f != 1 else 1) for f, c in terms.items()])
        return shown, sign * sympy.Add(*[c * value(f) for f, c in terms.items()])

    shown, negative_entropy = linear(terms_p, 1)
    negative_entropy = _tidy(negative_entropy)
    steps.append(Relation((Expectation(sympy.log(_f(P)(X)), P), shown, negative_entropy),
                          reason=f"linearity of expectation and the expectations above: minus the entropy of {P}"))
    shown, cross_entropy = linear(terms_q, -1)
    cross_entropy = _tidy(cross_entropy)
    steps.append(Relation((-Expectation(sympy.log(_f(Q)(X)), P), shown, cross_entropy),
                          reason=f"linearity of expectation: the cross-entropy of {Q} under {P}"))
    result = _tidy(negative_entropy + cross_entropy)
    if result.has(Expectation):
        raise NotDerivable(f"the terms {', '.join(map(sympy.sstr, cancelled))} did not cancel")
    steps.append(Relation(_chain(KL(P, Q), negative_entropy + cross_entropy, result),
                          reason="the two terms added and simplified"))
    return result, steps


def _by_whole_terms(p, log_p, log_q, P, Q, failure):
    """The general route: E_p[log p] and E_p[log q] each as one integral of
    the log-density against p over p's support (by features where they all
    work, else the defining integral: exact, or quadrature with numbers).
    E_p[log q] = −∞ with E_p[log p] finite makes the divergence infinite:
    q's tails are too light for p."""
    entropy, cross = (_term(p, log, P) for log in (log_p, log_q))
    steps = list(entropy.steps) + list(cross.steps)
    if cross.value == -sympy.oo and entropy.value.is_finite:
        steps.append(Remark(f"E_{P}[log {Q}(x)] = −∞: {Q}'s density falls off faster than {P}'s at the tails, so the "
                            "cross-entropy is infinite, and so is the divergence."))
        return sympy.oo, steps
    if not (entropy.value.is_finite is not False and cross.value.is_finite is not False):
        raise failure
    negative_entropy, cross_entropy = _tidy(entropy.value), _tidy(-cross.value)
    steps.append(Relation((Expectation(sympy.log(_f(P)(X)), P), negative_entropy), reason=f"minus the entropy of {P}"))
    steps.append(Relation((-Expectation(sympy.log(_f(Q)(X)), P), cross_entropy),
                          reason=f"the cross-entropy of {Q} under {P}"))
    result = _tidy(negative_entropy + cross_entropy)
    steps.append(Relation(_chain(KL(P, Q), negative_entropy + cross_entropy, result),
                          reason="the two terms added and simplified"))
    return result, steps


def _term(p, log_density, P):
    """E_p[log density] by linearity over features when every feature's mean
    is finite, else as one defining integral."""
    try:
        averages = [(c, mean(p, f, P)) for f, c in features(log_density).items()]
        if all(a.value.is_finite for _, a in averages):
            value = sympy.Add(*[c * a.value for c, a in averages])
            return Mean(log_density, value, tuple(step for _, a in averages for step in a.steps))
    except NotDerivable:
        pass
    return by_definition(p, log_density, P)


def _on_boundary(d) -> bool:
    return any(kind == "probability" and value.is_number and value in (0, 1)
               for kind, value in zip(d.kinds, d.args))


def _at_boundary(p, q, names):
    """Probabilities of 0 or 1 make log 0 appear; the divergence there is the
    limit from inside (0·log 0 = 0, and ∞ where q gives 0 to what p does not).
    A parameter at 0 becomes ε/(1 + ε) and one at 1 becomes 1/(1 + ε), with
    ε → 0⁺, so every logarithm keeps a positive argument."""
    taken = {s.name for s in _free_symbols(p, q)}
    epsilon = next(sympy.Symbol(name, positive=True) for name in ("epsilon", "epsilon_0", "epsilon_1", "epsilon__0")
                   if name not in taken)
    replaced, moved = [], []
    for d, name in zip((p, q), names):
        args = list(d.args)
        for i, (kind, value) in enumerate(zip(d.kinds, d.args)):
            if kind == "probability" and value.is_number and value in (0, 1):
                # ε/(1 + ε) and 1/(1 + ε): both the value and 1 − value stay positive
                args[i] = (epsilon if value == 0 else 1) / (1 + epsilon)
                moved.append(f"{name}.{d.parameters[i]} = {sympy.sstr(args[i])}")
        replaced.append(d.with_args(args))
    inside, steps = kl_derivation(*replaced, names=names)
    def split(logarithm):
        # log(c·ε^k·(1 + ε)^m) = log c + k log ε + m log(1 + ε); c keeps its sign
        factors = sympy.Mul.make_args(sympy.factor(logarithm.args[0]))
        moving = [f for f in factors if f.has(epsilon)]
        fixed = sympy.Mul(*[f for f in factors if not f.has(epsilon)])
        return sympy.log(_sign_safe(fixed)) + sympy.Add(*[sympy.expand_log(sympy.log(f), force=True) for f in moving])
    result = sympy.expand(inside.replace(lambda e: isinstance(e, sympy.log) and e.has(epsilon), split), log=False)
    # one term per logarithm, so ε·log ε → 0 is one limit, never ∞ − ∞
    result = sympy.collect(result, sorted(result.atoms(sympy.log), key=sympy.default_sort_key))
    result = sympy.Add(*[sympy.limit(t, epsilon, 0, "+") for t in sympy.Add.make_args(result)])
    if result.has(sympy.nan) or result.has(sympy.I):
        raise NotDerivable(f"KL({p!r} ‖ {q!r}): the limit at the boundary is not determined")
    result = sympy.oo if result.has(sympy.oo) else _tidy(result)
    return result, tuple(steps) + (
        Relation((KL(*map(sympy.Symbol, names)), sympy.Limit(inside, epsilon, 0, "+"), result),
                 reason=f"with {', '.join(moved)}: the limit ε → 0⁺ (0·log 0 = 0)"),)


def _categorical(p, q, P, Q):
    k = sympy.Symbol("k", integer=True)
    extra = []
    if p.probs.shape != q.probs.shape:
        # over different numbers of categories: the shorter gives the missing ones probability 0
        size = max(p.probs.shape[0], q.probs.shape[0])
        padded = [Categorical(list(d.probs) + [0] * (size - d.probs.shape[0])) for d in (p, q)]
        extra.append(Remark(f"{P} has {p.probs.shape[0]} categories and {Q} has {q.probs.shape[0]}: the shorter one "
                            f"gives probability 0 to categories {min(p.probs.shape[0], q.probs.shape[0])} to "
                            f"{size - 1}."))
        p, q = padded
    entropy_terms, cross_terms, infinite = [], [], []
    for i, (a, b) in enumerate(zip(p.probs, q.probs)):
        if a.is_zero:
            continue  # 0·log 0 = 0: categories p never draws add nothing
        if b.is_zero:
            infinite.append(i)
        entropy_terms.append(a * sympy.log(a))
        cross_terms.append(-a * sympy.log(b) if not b.is_zero else sympy.oo)
    steps = extra + [Relation((KL(P, Q), sympy.Sum(_f(P)(k) * sympy.log(_f(P)(k) / _f(Q)(k)),
                                                (k, 0, p.probs.shape[0] - 1))),
                              reason="the definition over the finite support; categories with p_k = 0 add "
                                     "0·log 0 = 0")]
    if not all(v.is_number for v in (*p.probs, *q.probs)):
        steps.append(Remark("The symbolic probabilities are taken to add up to one in each distribution."))
    if infinite:
        steps.append(Remark(f"{Q} gives probability 0 to categor{'y' if len(infinite) == 1 else 'ies'} "
                            f"{', '.join(map(str, infinite))}, which {P} draws: the divergence is infinite."))
        return sympy.oo, steps
    negative_entropy, cross_entropy = _tidy(sympy.Add(*entropy_terms)), _tidy(sympy.Add(*cross_terms))
    steps.append(Relation((Expectation(sympy.log(_f(P)(X)), P), sympy.Add(*entropy_terms, evaluate=False),
                           negative_entropy), reason=f"minus the entropy of {P}"))
    steps.append(Relation((-Expectation(sympy.log(_f(Q)(X)), P), sympy.Add(*cross_terms, evaluate=False),
                           cross_entropy), reason=f"the cross-entropy of {Q} under {P}"))
    result = _tidy(negative_entropy + cross_entropy)
    steps.append(Relation(_chain(KL(P, Q), negative_entropy + cross_entropy, result), reason="the two terms added"))
    return result, steps


def _gaussian_vectors(p, q, P, Q):
    """Multivariate normals: log q is a quadratic form in x, so E_p[log q]
    needs E_p[x] and E_p[x xᵀ]; those come from x = μ + L z, L Lᵀ = Σ, with
    the standard normal's moments derived by integration."""
    d = p.dimension
    if q.dimension != d:
        raise DistributionError(f"MultivariateNormal.loc: {P} has dimension {d}, {Q} has dimension {q.dimension}")
    if not (p.explicit and q.explicit):
        return _gaussian_matrix_expressions(p, q, P, Q)
    m_p, S_p, m_q, S_q = p.loc, p.covariance_matrix, q.loc, q.covariance_matrix
    standard = Normal(0, 1)
    z_mean, z_square = (mean(standard, X**k, sympy.Symbol("z")) for k in (1, 2))
    x = sympy.MatrixSymbol("x", d, 1)
    mu_p, mu_q = sympy.MatrixSymbol(f"mu_{P}", d, 1), sympy.MatrixSymbol(f"mu_{Q}", d, 1)
    Sigma_p, Sigma_q = sympy.MatrixSymbol(f"Sigma_{P}", d, d), sympy.MatrixSymbol(f"Sigma_{Q}", d, d)

    def log_density(mu, Sigma):
        return (-sympy.Rational(d, 2) * sympy.log(2 * sympy.pi) - sympy.log(sympy.Determinant(Sigma)) / 2
                - QuadraticForm(x - mu, sympy.Inverse(Sigma)) / 2)

    second = S_p + m_p * m_p.T
    E_xx = sympy.MatrixSymbol("E_xx", d, d)
    steps = [
        Relation((sympy.log(_f(P)(x)), log_density(mu_p, Sigma_p)), reason=f"log-density of {P} in d = {d} dimensions"),
        Relation((sympy.log(_f(Q)(x)), log_density(mu_q, Sigma_q)), reason=f"log-density of {Q}"),
        Remark(f"Write x = μ_{P} + L z with L Lᵀ = Σ_{P} and z standard normal: E[z_i] = {z_mean.value} and "
               f"E[z_i²] = {z_square.value} by integration, E[z_i z_j] = 0 for i ≠ j by independence, so "
               f"E[x] = μ_{P} and E[x xᵀ] = Σ_{P} + μ_{P} μ_{P}ᵀ."),
        *z_mean.steps, *z_square.steps,
        Relation((Expectation(x * x.T, P), Sigma_p + mu_p * mu_p.T, second), reason="the second moment of x"),
        Remark(f"For any A and m: E[(x − m)ᵀ A (x − m)] = tr(A E[x xᵀ]) − 2 mᵀ A μ_{P} + mᵀ A m "
               f"= tr(A Σ_{P}) + (μ_{P} − m)ᵀ A (μ_{P} − m), by linearity of the trace."),
    ]
    inverse_p, inverse_q = S_p.inv(), S_q.inv()

    def quadratic_mean(A, m):
        return sympy.expand((A * second).trace() - 2 * (m.T * A * m_p)[0, 0] + (m.T * A * m)[0, 0])

    half_log_2pi = sympy.Rational(d, 2) * sympy.log(2 * sympy.pi)
    negative_entropy = _tidy(-half_log_2pi - sympy.log(S_p.det()) / 2 - quadratic_mean(inverse_p, m_p) / 2)
    cross_entropy = _tidy(half_log_2pi + sympy.log(S_q.det()) / 2 + quadratic_mean(inverse_q, m_q) / 2)
    steps.append(Relation((Expectation(sympy.log(_f(P)(x)), P),
                           -half_log_2pi - sympy.log(sympy.Determinant(Sigma_p)) / 2
                           - sympy.Trace(sympy.Inverse(Sigma_p) * Sigma_p) / 2, negative_entropy),
                          reason=f"minus the entropy of {P}: the quadratic form averages to tr(I) = d"))
    steps.append(Relation((-Expectation(sympy.log(_f(Q)(x)), P),
                           half_log_2pi + sympy.log(sympy.Determinant(Sigma_q)) / 2
                           + (sympy.Trace(sympy.Inverse(Sigma_q) * Sigma_p)
                              + QuadraticForm(mu_p - mu_q, sympy.Inverse(Sigma_q))) / 2,
                           cross_entropy), reason=f"the cross-entropy of {Q} under {P}"))
    result = _tidy(negative_entropy + cross_entropy)
    steps.append(Relation(_chain(KL(P, Q), negative_entropy + cross_entropy, result),
                          reason="the two terms added and simplified"))
    return result, steps


def _sign_safe(argument):
    """The argument of a logarithm with no factor that looks negative:
    −1/(p − 1) becomes 1/(1 − p), so that splitting the logarithm never
    brings in log(−1) = iπ."""
    def looks_negative(f):
        return f.is_Add and f.as_coeff_Add()[0].is_negative

    factors = sympy.Mul.make_args(sympy.factor(argument))
    flipped = [-f if looks_negative(f) else
               (-f.base)**f.exp if f.is_Pow and looks_negative(f.base) and f.exp.is_Integer else f
               for f in factors]
    if list(flipped) == list(factors):
        return argument  # nothing to flip: keep the argument as written
    result = sympy.Mul(*flipped)
    sign = sympy.simplify(argument / result)
    return result if sign == 1 else -result if sign == -1 else argument


def _tidy(expr):
    """A readable form: logarithms with the same coefficient combined into
    one, special functions collected, the rational rest over one denominator."""
    original = expr
    expr = expr.replace(lambda e: isinstance(e, sympy.log), lambda e: sympy.log(_sign_safe(e.args[0])))
    # what is inside a logarithm, such as (γ_p + γ_q)² + …, stays as written
    split = sympy.expand_log(expr, force=True)
    hidden = {log: sympy.Symbol(f"L{i}__tidy") for i, log in
              enumerate(sorted(split.atoms(sympy.log), key=sympy.default_sort_key))}
    expanded = sympy.expand(split.xreplace(hidden)).xreplace({v: k for k, v in hidden.items()})
    logs, special, rest = [], [], []
    for term in sympy.Add.make_args(expanded):
        if term.has(sympy.log):
            logs.append(term)
        elif term.has(sympy.exp, sympy.polygamma, sympy.loggamma, sympy.Abs, sympy.EulerGamma, sympy.erf,
                      sympy.erfc, sympy.beta, sympy.gamma):
            special.append(term)
        else:
            rest.append(term)
    constant = sympy.Add(*[t for t in rest if t.is_number])
    rest = sympy.Add(*[t for t in rest if not t.is_number])
    rest = min((rest, sympy.factor_terms(sympy.together(rest))), key=sympy.count_ops)
    special = sympy.Add(*special)
    atoms = sorted((a for a in special.atoms(sympy.Function) if a.free_symbols), key=sympy.default_sort_key)
    tidy = _combine_logs(logs) + (sympy.collect(special, atoms) if atoms else special) + rest + constant
    # rewriting must never change the value: checked at random points
    return tidy if _same(tidy, original) else original


def _same(a, b) -> bool:
    """a = b at a few points (every symbol a positive number there, the
    region where parameters live); a cheap guard against a bad rewrite."""
    opaque = {e: sympy.Symbol(f"E{i}__same") for i, e in enumerate(
        sorted((a + b).atoms(Expectation), key=sympy.default_sort_key))}
    a, b = a.xreplace(opaque), b.xreplace(opaque)
    symbols = sorted(a.free_symbols | b.free_symbols, key=sympy.default_sort_key)
    for point in ((sympy.Rational(3, 7), sympy.Rational(1, 3)), (sympy.Rational(1, 5), sympy.Rational(5, 11))):
        values = {s: point[i % 2] + sympy.Rational(i, 13) for i, s in enumerate(symbols)}
        difference = complex(sympy.N((a - b).xreplace(values), 20))
        if abs(difference) > 1e-12 * (1 + abs(complex(sympy.N(b.xreplace(values), 20)))):
            return False
    return True


#: The largest integer coefficient folded into its logarithm.
SMALL_POWER = 4


def _combine_logs(terms):
    """c·log a − c·log b + … → c·log(a/…), one logarithm per coefficient c."""
    groups: dict = {}
    for term in terms:
        coefficient, logarithm = term.as_independent(sympy.log, as_Add=False)
        if not isinstance(logarithm, sympy.log):  # a product of logs: leave it alone
            groups.setdefault(sympy.Integer(1), []).append(term)
            continue
        if coefficient.could_extract_minus_sign():
            coefficient, logarithm = -coefficient, -logarithm
        # 2·log 2 → log 4: one logarithm for the whole constant; but 700·log(7/4)
        # stays as it is, rather than the log of a 170-digit fraction.
        if coefficient.is_Integer and coefficient <= SMALL_POWER:
            coefficient, logarithm = sympy.Integer(1), coefficient * logarithm
        groups.setdefault(coefficient, []).append(logarithm)
    combined = []
    for coefficient in sorted(groups, key=sympy.default_sort_key):
        inside = sympy.logcombine(sympy.Add(*groups[coefficient]), force=True)
        combined.append(coefficient * inside)
    return sympy.Add(*combined)


def _gaussian_matrix_expressions(p, q, P, Q):
    """The multivariate route with matrix expressions of a symbolic
    dimension d: the same identities, E[x] = μ and E[x xᵀ] = Σ + μ μᵀ, and
    E[(x − m)ᵀ A (x − m)] = tr(A Σ) + (μ − m)ᵀ A (μ − m), kept as traces
    and determinants.  A 1×1 quadratic form is written as its trace, so the
    result is a scalar expression."""
    d = p.dimension
    m_p, S_p, m_q, S_q = p.loc, p.covariance_matrix, q.loc, q.covariance_matrix
    x = sympy.MatrixSymbol("x", d, 1)

    def quadratic(v, A):
        return sympy.Trace(v.T * A * v)

    def log_density(mu, Sigma):
        return (-d / 2 * sympy.log(2 * sympy.pi) - sympy.log(determinant(Sigma)) / 2
                - quadratic(x - mu, sympy.Inverse(Sigma)) / 2)

    def determinant(Sigma):
        return sympy.Determinant(Sigma).doit() if isinstance(Sigma, sympy.Identity) else sympy.Determinant(Sigma)

    def quadratic_mean(A, m):
        # tr(A Σ_p) + (μ_p − m)ᵀ A (μ_p − m); A Σ_p = I when A = Σ_p⁻¹
        trace = d if A == sympy.Inverse(S_p) else sympy.Trace(A * S_p)
        return trace + (quadratic(m_p - m, A) if m != m_p else 0)

    negative_entropy = -d / 2 * sympy.log(2 * sympy.pi) - sympy.log(determinant(S_p)) / 2 \
        - quadratic_mean(sympy.Inverse(S_p), m_p) / 2
    cross_entropy = d / 2 * sympy.log(2 * sympy.pi) + sympy.log(determinant(S_q)) / 2 \
        + quadratic_mean(sympy.Inverse(S_q), m_q) / 2
    result = negative_entropy + cross_entropy
    steps = [
        Relation((sympy.log(_f(P)(x)), log_density(m_p, S_p)), reason=f"log-density of {P} in d dimensions"),
        Relation((sympy.log(_f(Q)(x)), log_density(m_q, S_q)), reason=f"log-density of {Q}"),
        Remark(f"E_{P}[x] = μ_{P} and E_{P}[x xᵀ] = Σ_{P} + μ_{P} μ_{P}ᵀ (x = μ_{P} + L z, z standard normal), so "
               f"for any A and m: E_{P}[(x − m)ᵀ A (x − m)] = tr(A Σ_{P}) + (μ_{P} − m)ᵀ A (μ_{P} − m)."),
        Relation((Expectation(sympy.log(_f(P)(x)), P), negative_entropy),
                 reason=f"minus the entropy of {P}: tr(Σ⁻¹ Σ) = d"),
        Relation((-Expectation(sympy.log(_f(Q)(x)), P), cross_entropy), reason=f"the cross-entropy of {Q} under {P}"),
        Relation(_chain(KL(P, Q), negative_entropy + cross_entropy, result), reason="the two terms added"),
    ]
    return result, steps


def _chain(*terms) -> tuple:
    """The terms of a chain, a term equal to the one before it left out."""
    kept = [terms[0]]
    for term in terms[1:]:
        if term != kept[-1]:
            kept.append(term)
    return tuple(kept)


def _f(name: sympy.Symbol):
    """The density p(x) of the distribution named p, for display."""
    return sympy.Function(str(name))
