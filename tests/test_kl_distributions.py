"""The KL engine against independent references: the definition integrated
or summed by mpmath, and a Monte-Carlo estimate with NumPy (seeded,
tolerance from the estimate's standard error).

Each closed form is derived ONCE with symbolic parameters and then evaluated
at random parameter points, so the test checks the formula, not one number.
The reference log-densities below are written out by hand, independently of
`derive.distributions`.
"""
import json
import math

import mpmath
import numpy as np
import pytest
import sympy

from derive.cli import main
from derive.probability.distributions import (
    Bernoulli, Beta, Binomial, Categorical, Cauchy, Exponential, Gamma, Geometric, Laplace,
    MultivariateNormal, Normal, Pareto, Poisson, Uniform,
)
from derive.core.numbers import InputError
from derive.probability.kl import NotDerivable, kl, kl_derivation

R, P = dict(real=True), dict(positive=True)
gammaln = np.vectorize(math.lgamma)  # log Γ element-wise, without a SciPy dependency
mpmath.mp.dps = 20


def symbols(tag, kinds):
    return [sympy.Symbol(f"{name}{tag}", **kind) for name, kind in kinds]


# family: (sympy class, parameter kinds, parameter sampler, mpmath log-density,
#          numpy sampler, numpy log-density, support for quadrature or summation)
def _draw_positive(rng):
    return float(np.round(rng.uniform(0.6, 3.0), 2))


FAMILIES = {
    "Normal": (Normal, [("m", R), ("s", P)], lambda r: [round(r.uniform(-1, 1), 2), _draw_positive(r)],
               lambda x, m, s: -mpmath.log(s) - mpmath.log(2 * mpmath.pi) / 2 - (x - m) ** 2 / (2 * s ** 2),
               lambda r, n, m, s: r.normal(m, s, n),
               lambda x, m, s: -np.log(s) - np.log(2 * np.pi) / 2 - (x - m) ** 2 / (2 * s ** 2),
               ("real",)),
    "Laplace": (Laplace, [("m", R), ("b", P)], lambda r: [round(r.uniform(-1, 1), 2), _draw_positive(r)],
                lambda x, m, b: -mpmath.log(2 * b) - abs(x - m) / b,
                lambda r, n, m, b: r.laplace(m, b, n),
                lambda x, m, b: -np.log(2 * b) - np.abs(x - m) / b,
                ("real",)),
    "Cauchy": (Cauchy, [("m", R), ("g", P)], lambda r: [round(r.uniform(-1, 1), 2), _draw_positive(r)],
               lambda x, m, g: -mpmath.log(mpmath.pi * g * (1 + ((x - m) / g) ** 2)),
               lambda r, n, m, g: m + g * r.standard_cauchy(n),
               lambda x, m, g: -np.log(np.pi * g * (1 + ((x - m) / g) ** 2)),
               ("real",)),
    "Exponential": (Exponential, [("l", P)], lambda r: [_draw_positive(r)],
                    lambda x, l: mpmath.log(l) - l * x,
                    lambda r, n, l: r.exponential(1 / l, n),
                    lambda x, l: np.log(l) - l * x,
                    ("positive",)),
    "Gamma": (Gamma, [("a", P), ("b", P)], lambda r: [_draw_positive(r), _draw_positive(r)],
              lambda x, a, b: a * mpmath.log(b) + (a - 1) * mpmath.log(x) - b * x - mpmath.loggamma(a),
              lambda r, n, a, b: r.gamma(a, 1 / b, n),
              lambda x, a, b: a * np.log(b) + (a - 1) * np.log(x) - b * x - gammaln(a),
              ("positive",)),
    "Beta": (Beta, [("a", P), ("b", P)], lambda r: [_draw_positive(r), _draw_positive(r)],
             lambda x, a, b: (a - 1) * mpmath.log(x) + (b - 1) * mpmath.log(1 - x) - mpmath.log(mpmath.beta(a, b)),
             lambda r, n, a, b: r.beta(a, b, n),
             lambda x, a, b: (a - 1) * np.log(x) + (b - 1) * np.log1p(-x) - (gammaln(a) + gammaln(b) - gammaln(a + b)),
             ("unit",)),
    "Pareto": (Pareto, [("x", P), ("a", P)], lambda r: [_draw_positive(r), _draw_positive(r)],
               lambda x, s, a: mpmath.log(a) + a * mpmath.log(s) - (a + 1) * mpmath.log(x),
               lambda r, n, s, a: s * (1 + r.pareto(a, n)),
               lambda x, s, a: np.log(a) + a * np.log(s) - (a + 1) * np.log(x),
               ("pareto",)),
    "Poisson": (Poisson, [("l", P)], lambda r: [_draw_positive(r)],
                lambda k, l: k * mpmath.log(l) - l - mpmath.loggamma(k + 1),
                lambda r, n, l: r.poisson(l, n),
                lambda k, l: k * np.log(l) - l - gammaln(k + 1),
                ("count",)),
    "Geometric": (Geometric, [("p", P)], lambda r: [round(r.uniform(0.1, 0.9), 2)],
                  lambda k, p: k * mpmath.log(1 - p) + mpmath.log(p),
                  lambda r, n, p: r.geometric(p, n) - 1,  # NumPy counts trials, torch failures
                  lambda k, p: k * np.log1p(-p) + np.log(p),
                  ("count",)),
    "Bernoulli": (Bernoulli, [("p", P)], lambda r: [round(r.uniform(0.05, 0.95), 2)],
                  lambda k, p: mpmath.log(p if k == 1 else 1 - p),
                  lambda r, n, p: (r.random(n) < p).astype(float),
                  lambda k, p: np.where(k == 1, np.log(p), np.log1p(-p)),
                  ("finite", 1)),
}


def closed_form(family):
    cls, kinds = FAMILIES[family][:2]
    p_symbols, q_symbols = symbols("_1", kinds), symbols("_2", kinds)
    return kl(cls(*p_symbols), cls(*q_symbols)), p_symbols, q_symbols


def reference_by_definition(family, theta_p, theta_q):
    log_density, support = FAMILIES[family][3], FAMILIES[family][6]

    def term(x):
        lp = log_density(x, *theta_p)
        return mpmath.exp(lp) * (lp - log_density(x, *theta_q))
    if support[0] == "real":
        centres = sorted({theta_p[0], theta_q[0]})
        return mpmath.quad(term, [-mpmath.inf, *centres, mpmath.inf])
    if support[0] == "positive":
        return mpmath.quad(term, [0, 1, mpmath.inf])
    if support[0] == "unit":
        return mpmath.quad(term, [0, 0.5, 1])
    if support[0] == "pareto":
        return mpmath.quad(term, [theta_p[0], 2 * theta_p[0], mpmath.inf])
    if support[0] == "count":
        return mpmath.nsum(term, [0, mpmath.inf])
    return mpmath.fsum(term(k) for k in range(support[1] + 1))


SCALAR = sorted(FAMILIES)


@pytest.mark.parametrize("family", SCALAR)
def test_closed_form_matches_the_definition_at_random_points(family):
    expr, p_symbols, q_symbols = closed_form(family)
    rng = np.random.default_rng(sum(map(ord, family)))
    draw = FAMILIES[family][2]
    for _ in range(3):
        theta_p, theta_q = draw(rng), draw(rng)
        if family == "Pareto":  # nested supports: q's scale at most p's
            theta_q[0] = round(theta_p[0] * rng.uniform(0.3, 1.0), 2)
        value = expr.xreplace(dict(zip(p_symbols + q_symbols, map(sympy.Float, theta_p + theta_q))))
        reference = reference_by_definition(family, theta_p, theta_q)
        assert float(value) == pytest.approx(float(reference), rel=1e-8, abs=1e-10), (theta_p, theta_q)


@pytest.mark.parametrize("family", SCALAR)
def test_closed_form_matches_its_monte_carlo_estimate(family):
    cls, _, draw, _, sample, log_density, _ = FAMILIES[family]
    rng = np.random.default_rng(100 + sum(map(ord, family)))
    theta_p, theta_q = draw(rng), draw(rng)
    if family == "Pareto":
        theta_q[0] = round(theta_p[0] * 0.7, 2)
    x = sample(rng, 200_000, *theta_p)
    ratio = log_density(x, *theta_p) - log_density(x, *theta_q)
    estimate, error = ratio.mean(), ratio.std() / math.sqrt(len(ratio))
    value = float(kl(cls(*theta_p), cls(*theta_q)))
    assert abs(value - estimate) < 5 * error + 1e-12, (theta_p, theta_q, value, estimate, error)


def test_numbers_in_give_the_closed_form_at_those_numbers():
    expr, p_symbols, q_symbols = closed_form("Gamma")
    direct = kl(Gamma(2, 3), Gamma(1, 2))
    at_numbers = expr.xreplace(dict(zip(p_symbols + q_symbols, map(sympy.Integer, (2, 3, 1, 2)))))
    assert float(direct) == pytest.approx(float(at_numbers), rel=1e-14)
    # −γ + 1/3 + log(3/2), the digamma ψ(2) = 1 − γ evaluated exactly
    assert sympy.simplify(direct - (-sympy.EulerGamma + sympy.Rational(1, 3) + sympy.log(sympy.Rational(3, 2)))) == 0


def test_binomial_with_the_same_total_count():
    n = sympy.Symbol("n", integer=True, positive=True)
    p1, p2 = symbols("", [("p1", P), ("p2", P)])
    expr = kl(Binomial(n, p1), Binomial(n, p2))
    for count, a, b in ((4, 0.3, 0.6), (7, 0.8, 0.25)):
        reference = mpmath.fsum(mpmath.binomial(count, k) * a ** k * (1 - a) ** (count - k)
                                * (k * mpmath.log(a / b) + (count - k) * mpmath.log((1 - a) / (1 - b)))
                                for k in range(count + 1))
        assert float(expr.xreplace({n: count, p1: a, p2: b})) == pytest.approx(float(reference), rel=1e-10)


def test_binomial_with_a_smaller_total_count_is_a_finite_sum():
    def log_pmf(k, count, prob):
        return mpmath.log(mpmath.binomial(count, k)) + k * mpmath.log(prob) + (count - k) * mpmath.log(1 - prob)
    reference = mpmath.fsum(mpmath.exp(log_pmf(k, 3, 0.5)) * (log_pmf(k, 3, 0.5) - log_pmf(k, 5, 0.25))
                            for k in range(4))
    assert float(kl(Binomial(3, 0.5), Binomial(5, 0.25))) == pytest.approx(float(reference), rel=1e-12)


def test_categorical_against_the_sum():
    p, q = [0.2, 0.5, 0.3], [0.4, 0.4, 0.2]
    reference = sum(a * math.log(a / b) for a, b in zip(p, q))
    assert float(kl(Categorical(p), Categorical(q))) == pytest.approx(reference, rel=1e-13)
    assert float(kl(Categorical([0.5, 0.5, 0]), Categorical([0.25, 0.25, 0.5]))) == pytest.approx(math.log(2))


def test_multivariate_normal_against_quadrature_and_monte_carlo():
    m_p, S_p = [0.5, -0.3], [[1.2, 0.4], [0.4, 0.8]]
    m_q, S_q = [0.0, 0.2], [[2.0, -0.3], [-0.3, 1.1]]
    value = float(kl(MultivariateNormal(m_p, S_p), MultivariateNormal(m_q, S_q)))

    def log_density(x, m, S):
        d = np.asarray(x) - np.asarray(m)
        inverse = np.linalg.inv(S)
        return (-np.log(2 * np.pi) - 0.5 * np.log(np.linalg.det(S))
                - 0.5 * np.einsum("...i,ij,...j->...", d, inverse, d))
    rng = np.random.default_rng(7)
    x = rng.multivariate_normal(m_p, S_p, 200_000)
    ratio = log_density(x, m_p, S_p) - log_density(x, m_q, S_q)
    assert abs(value - ratio.mean()) < 5 * ratio.std() / math.sqrt(len(ratio))
    # Gauss–Legendre product rule on a box holding all but ~1e-15 of p's mass.
    nodes, weights = np.polynomial.legendre.leggauss(160)
    u, wu = 8.5 * nodes + 0.5, 8.5 * weights
    v, wv = 7.0 * nodes, 7.0 * weights
    grid = np.stack(np.meshgrid(u, v, indexing="ij"), axis=-1)
    lp = log_density(grid, m_p, S_p)
    reference = float(np.einsum("i,j,ij->", wu, wv, np.exp(lp) * (lp - log_density(grid, m_q, S_q))))
    assert value == pytest.approx(reference, rel=1e-8)


def test_vae_term_against_the_standard_normal_is_the_familiar_formula():
    mu = symbols("", [("mu1", R), ("mu2", R)])
    sigma = symbols("", [("s1", P), ("s2", P)])
    q = MultivariateNormal(mu, sympy.diag(*[s ** 2 for s in sigma]))
    expr = kl(q, MultivariateNormal([0, 0], sympy.eye(2)))
    rng = np.random.default_rng(3)
    for _ in range(3):
        m, s = rng.uniform(-1, 1, 2), rng.uniform(0.3, 2, 2)
        value = float(expr.xreplace({**dict(zip(mu, m)), **dict(zip(sigma, s))}))
        # the diagonal case is a sum of independent univariate KLs: checked by quadrature one by one
        reference = sum(reference_by_definition("Normal", [mi, si], [0.0, 1.0]) for mi, si in zip(m, s))
        assert value == pytest.approx(float(reference), rel=1e-9)


@pytest.mark.parametrize("p, q", [
    (Uniform(0, 4), Uniform(-1, 3)),
    (Pareto(1, 3), Pareto(2, 2)),
    (Binomial(5, 0.5), Binomial(3, 0.5)),
    (Bernoulli(0.5), Bernoulli(0)),
    (Categorical([0.5, 0.5, 0]), Categorical([0.5, 0, 0.5])),
    (Normal(0, 1), Exponential(1)),
    (Poisson(1), Normal(0, 1)),
])
def test_infinite_when_p_has_mass_outside_q(p, q):
    assert kl(p, q) == sympy.oo


def test_symbolic_supports_give_the_condition():
    a1, a2 = sympy.symbols("a1 a2", real=True)
    b1, b2 = sympy.symbols("b1 b2", real=True)
    expr = kl(Uniform(a1, b1), Uniform(a2, b2))
    assert isinstance(expr, sympy.Piecewise)
    assert expr.subs({a1: 0, b1: 1, a2: -1, b2: 2}) == sympy.log(3)
    assert expr.subs({a1: 0, b1: 1, a2: 0.5, b2: 2}) == sympy.oo
    x1, x2, al1, al2 = sympy.symbols("x1 x2 al1 al2", positive=True)
    expr = kl(Pareto(x1, al1), Pareto(x2, al2))
    assert expr.subs({x1: 1, x2: 2, al1: 1, al2: 1}) == sympy.oo
    value = expr.subs({x1: 2, x2: 1, al1: 3, al2: 2})
    assert float(value) == pytest.approx(float(reference_by_definition("Pareto", [2, 3], [1, 2])), rel=1e-10)


@pytest.mark.parametrize("p, q, expected", [
    (Bernoulli(0), Bernoulli(0.5), math.log(2)),
    (Bernoulli(1), Bernoulli(0.25), math.log(4)),
    (Geometric(1), Geometric(0.5), math.log(2)),
])
def test_probabilities_on_the_boundary_are_limits(p, q, expected):
    assert float(kl(p, q)) == pytest.approx(expected, rel=1e-14)


def test_cross_family_pairs_against_quadrature():
    def normal(x):
        return -mpmath.log(2 * mpmath.pi) / 2 - x ** 2 / 2

    def laplace(x):
        return -mpmath.log(4) - abs(x - 1) / 2
    reference = mpmath.quad(lambda x: mpmath.exp(normal(x)) * (normal(x) - laplace(x)), [-mpmath.inf, 0, 1, mpmath.inf])
    assert float(kl(Normal(0, 1), Laplace(1, 2))) == pytest.approx(float(reference), rel=1e-10)
    reference = mpmath.quad(lambda x: mpmath.exp(-2 * x) * 2 * (mpmath.log(2) - 2 * x - (mpmath.log(x) - x)),
                            [0, 1, mpmath.inf])
    assert float(kl(Exponential(2), Gamma(2, 1))) == pytest.approx(float(reference), rel=1e-10)


def test_pairs_without_a_route_raise_a_clear_error():
    mu = sympy.Symbol("mu", real=True)
    with pytest.raises(NotDerivable, match="under Normal"):
        kl(Normal(mu, 1), Cauchy(0, 1))  # with numbers it is done by quadrature (test_kl_general_route.py)
    with pytest.raises(NotDerivable, match="not derived"):
        kl(Categorical([0.5, 0.5]), Bernoulli(0.5))


@pytest.mark.parametrize("make, parameter", [
    (lambda: Normal(0, -1), "scale"),
    (lambda: Bernoulli(1.5), "probs"),
    (lambda: Gamma(2, 0), "rate"),
    (lambda: Uniform(2, 1), "high"),
    (lambda: Binomial(2.5, 0.5), "total_count"),
    (lambda: Categorical([0.5, 0.6]), "probs"),
    (lambda: MultivariateNormal([0, 0], [[1, 2], [2, 1]]), "covariance_matrix"),
    (lambda: MultivariateNormal([0, 0, 0], [[1, 0], [0, 1]]), "covariance_matrix"),
    (lambda: kl(MultivariateNormal([0], [[1]]), MultivariateNormal([0, 0], [[1, 0], [0, 1]])), "loc"),
])
def test_bad_parameters_are_input_errors_that_name_the_parameter(make, parameter):
    with pytest.raises(InputError, match=parameter):
        make()


def test_the_derivation_shows_entropy_cross_term_and_moments():
    a, b = sympy.symbols("a b", positive=True)
    _, steps = kl_derivation(Gamma(a, b), Gamma(2, 3))
    reasons = " | ".join(getattr(step, "reason", "") for step in steps)
    for needed in ("definition", "moment of order 1", "Mellin", "entropy", "cross-entropy", "added"):
        assert needed in reasons


# ------------------------------------------------------------------ the `kl` family through the CLI

def run(tmp_path, capsys, given, *options):
    path = tmp_path / "given.json"
    path.write_text(json.dumps(given))
    status = main(["solve", "kl", "--given", str(path), *options])
    return status, capsys.readouterr()


def test_cli_numbers_give_the_value(tmp_path, capsys):
    given = {"p": {"family": "Poisson", "rate": 2}, "q": {"family": "Poisson", "rate": 3}}
    status, out = run(tmp_path, capsys, given, "--format", "json")
    assert status == 0
    answers = {k: v for part in json.loads(out.out)["parts"] for k, v in part["answers"].items()}
    reference = mpmath.nsum(lambda k: mpmath.exp(k * mpmath.log(2) - 2 - mpmath.loggamma(k + 1))
                            * (k * mpmath.log(2 / 3) + 1), [0, mpmath.inf])
    assert answers["KL_value"]["value"] == pytest.approx(float(reference), rel=1e-12)


def test_cli_names_become_symbols(tmp_path, capsys):
    given = {"p": {"family": "Normal", "loc": "m", "scale": "s"}, "q": {"family": "Normal", "loc": 0, "scale": 1}}
    status, out = run(tmp_path, capsys, given, "--format", "json")
    assert status == 0
    answer = {k: v for part in json.loads(out.out)["parts"] for k, v in part["answers"].items()}["KL"]
    m, s = sympy.Symbol("m", real=True), sympy.Symbol("s", positive=True)
    expr = sympy.sympify(answer["expr"], locals={"m": m, "s": s})
    assert sympy.simplify(expr - (m ** 2 / 2 + s ** 2 / 2 - sympy.log(s) - sympy.Rational(1, 2))) == 0


@pytest.mark.parametrize("given, named", [
    ({"p": {"family": "Normal", "loc": 0, "scale": -1}, "q": {"family": "Normal", "loc": 0, "scale": 1}},
     "given.p: Normal.scale"),
    ({"p": {"family": "Bernoulli", "probs": 1.5}, "q": {"family": "Bernoulli", "probs": 0.5}}, "given.p: Bernoulli.probs"),
    ({"p": {"family": "Gamma", "concentration": "2*x", "rate": 1}, "q": {"family": "Gamma", "concentration": 1, "rate": 1}},
     "given.p.concentration"),
    ({"p": {"family": "Gamma", "concentration": "__import__('os')", "rate": 1},
      "q": {"family": "Gamma", "concentration": 1, "rate": 1}}, "given.p.concentration"),
    ({"p": {"family": "Weibull", "scale": 1}, "q": {"family": "Normal", "loc": 0, "scale": 1}}, "given.p.family"),
    ({"p": {"family": "Normal", "loc": 0, "sigma": 1}, "q": {"family": "Normal", "loc": 0, "scale": 1}}, "given.p"),
    ({"p": {"family": "MultivariateNormal", "loc": [0, 0], "covariance_matrix": [[1, 2], [2, 1]]},
      "q": {"family": "MultivariateNormal", "loc": [0, 0], "covariance_matrix": [[1, 0], [0, 1]]}},
     "covariance_matrix"),
    ({"p": {"family": "MultivariateNormal", "loc": [0], "covariance_matrix": [[1]]},
      "q": {"family": "MultivariateNormal", "loc": [0, 0], "covariance_matrix": [[1, 0], [0, 1]]}}, "loc"),
    ({"p": {"family": "Normal", "loc": "a", "scale": "a"}, "q": {"family": "Normal", "loc": 0, "scale": 1}},
     "given.p.scale"),
    ({"p": {"family": "Normal", "loc": "x", "scale": 1}, "q": {"family": "Normal", "loc": 0, "scale": 1}},
     "given.p.loc"),
    ({"p": {"family": "Normal", "loc": "mu__g", "scale": 1}, "q": {"family": "Normal", "loc": 0, "scale": 1}},
     "given.p.loc"),
    ({"p": {"family": "Normal", "loc": 0, "scale": True}, "q": {"family": "Normal", "loc": 0, "scale": 1}},
     "given.p.scale"),
    ({"p": {"family": "Normal", "loc": 0, "scale": 1}}, "given.q"),
])
def test_cli_bad_input_exits_2_naming_the_parameter(tmp_path, capsys, given, named):
    status, out = run(tmp_path, capsys, given)
    assert status == 2
    assert named in out.err and "Traceback" not in out.err
    assert len(out.err.strip().splitlines()) == 1


def test_default_and_random_givens_solve(capsys):
    import random

    import problems.kl as family
    from derive import solve
    assert solve("kl").answers["KL_value"].value == pytest.approx(float(kl(Gamma(2, 3), Gamma(1, 2))))
    families = set()
    for seed in range(60):
        given = family.random_given(random.Random(seed))
        families.add(given["p"]["family"])
        if seed < 4:
            assert "KL" in solve("kl", given=given).answers
    assert len(families) == 14  # every family is drawn


def test_symbolic_dimension_agrees_with_explicit_matrices():
    """Matrix symbols of size 2 (the symbolic-dimension route) with explicit
    matrices put in afterwards give the explicit route's value, which the
    test above checks by quadrature."""
    mu, Sigma = sympy.MatrixSymbol("mu", 2, 1), sympy.MatrixSymbol("Sigma", 2, 2)
    m, S = sympy.MatrixSymbol("m", 2, 1), sympy.MatrixSymbol("S", 2, 2)
    general = kl(MultivariateNormal(mu, Sigma), MultivariateNormal(m, S))
    values = {mu: sympy.Matrix([[0.5], [-0.3]]), Sigma: sympy.Matrix([[1.2, 0.4], [0.4, 0.8]]),
              m: sympy.Matrix([[0.0], [0.2]]), S: sympy.Matrix([[2.0, -0.3], [-0.3, 1.1]])}
    explicit = kl(MultivariateNormal([0.5, -0.3], [[1.2, 0.4], [0.4, 0.8]]),
                  MultivariateNormal([0.0, 0.2], [[2.0, -0.3], [-0.3, 1.1]]))
    assert float(general.subs(values).doit()) == pytest.approx(float(explicit), rel=1e-12)


def test_symbolic_dimension_vae_term():
    d = sympy.Symbol("d", integer=True, positive=True)
    mu, Sigma = sympy.MatrixSymbol("mu", d, 1), sympy.MatrixSymbol("Sigma", d, d)
    expr = kl(MultivariateNormal(mu, Sigma), MultivariateNormal(sympy.ZeroMatrix(d, 1), sympy.Identity(d)))
    expected = (sympy.Trace(Sigma) + sympy.Trace(mu.T * mu) - d - sympy.log(sympy.Determinant(Sigma))) / 2
    assert sympy.simplify(expr - expected) == 0
    with pytest.raises(InputError, match="covariance_matrix"):
        MultivariateNormal(mu, sympy.MatrixSymbol("S", d + 1, d + 1))
