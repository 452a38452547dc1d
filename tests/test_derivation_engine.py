"""The engine helpers behind the derivation problems (derive.identities,
derive.gaussian), and the renderings of those problems."""
import shutil
import subprocess

import numpy as np
import pytest
import sympy

from derive import render, solve
from derive.probability.gaussian import (
    complete_square, kl_mvn_explicit, linear_gaussian, marginal_by_integration, normal_expectation,
    normal_kl,
)
from derive.analysis.identities import (
    IdentityError, check_identity, density_function, expectation_from_moments, maximise_pointwise,
    numerically_equal,
)

PROBLEMS = ["gan-optimal-discriminator", "elbo-derivation", "moving-average-filter", "model-averaging",
            "vae-gaussian-decoder", "reparameterization", "f-divergence", "gan-kl-identities", "ppca-posterior",
            "ppca-em"]
x = sympy.Symbol("x", real=True)
a, b, y = sympy.symbols("a b y", positive=True)


def test_check_identity_accepts_true_and_refuses_false_identities():
    p, q = density_function("p", "p(x)"), density_function("q", "q(x)")
    check_identity(sympy.log(p(x) / q(x)), sympy.log(p(x)) - sympy.log(q(x)))
    with pytest.raises(IdentityError, match="random numeric point"):
        check_identity(sympy.log(p(x) + q(x)), sympy.log(p(x)) + sympy.log(q(x)))
    assert not numerically_equal(sympy.sin(x) ** 2, sympy.sin(x))


def test_pointwise_maximum_and_its_refusals():
    best, steps = maximise_pointwise(a * sympy.log(y) + b * sympy.log(1 - y), y, 0, 1)
    assert sympy.simplify(best - a / (a + b)) == 0 and len(steps) == 4
    with pytest.raises(IdentityError, match="not provably negative"):
        maximise_pointwise(y**2 - y, y, 0, 1)  # a minimum at 1/2
    with pytest.raises(IdentityError, match="stationary points"):
        maximise_pointwise(sympy.log(y), y, 0, 1)


def test_complete_square_matches_numpy_and_refuses_non_gaussians():
    z = sympy.Symbol("z", real=True)
    mean, variance, _ = complete_square(-3 * z**2 + 2 * z + 5, z)
    coefficients = np.polyfit([-1.0, 0.0, 1.0], [-3 - 2 + 5, 5, -3 + 2 + 5], 2)
    assert float(variance) == pytest.approx(-1 / (2 * coefficients[0]))
    assert float(mean) == pytest.approx(-coefficients[1] / (2 * coefficients[0]))
    with pytest.raises(IdentityError, match="not provably negative"):
        complete_square(z**2, z)
    with pytest.raises(IdentityError, match="not quadratic"):
        complete_square(z**3 - z**2, z)


def test_expectation_from_moments_refuses_third_moments():
    u, v = sympy.symbols("u v", real=True)
    assert expectation_from_moments(2 * u * v + u + 3, [u, v], {u: 1, v: 2}, {(u, v): 5}) == 14
    with pytest.raises(IdentityError, match="order 3"):
        expectation_from_moments(u**3, [u], {u: 0}, {(u, u): 1})


def test_gaussian_helpers_against_numbers():
    m, s = sympy.Symbol("m", real=True), sympy.Symbol("s", positive=True)
    assert sympy.simplify(normal_expectation(x**2 * 0 + sympy.Symbol("t", real=True)**2, sympy.Symbol("t", real=True),
                                             m, s**2) - (m**2 + s**2)) == 0
    # the data symbol x must not be confused with derive.probability's integration variable
    kl = normal_kl(x, 1, 0, 1)
    assert sympy.simplify(kl - x**2 / 2) == 0
    z = sympy.Symbol("z", real=True)
    density = marginal_by_integration(sympy.exp(-z**2 / 2 - (x - z)**2 / 2) / (2 * sympy.pi), z)
    assert float(density.subs(x, 0.7)) == pytest.approx(np.exp(-0.49 / 4) / np.sqrt(4 * np.pi))
    mean = sympy.ImmutableMatrix([1, 0])
    cov = sympy.ImmutableMatrix([[2, 0], [0, 1]])
    closed = float(kl_mvn_explicit(mean, cov, sympy.zeros(2, 1), sympy.eye(2)))
    assert closed == pytest.approx(0.5 * (3 + 1 - 2 - np.log(2)))


def test_linear_gaussian_relations_against_numpy_conditioning():
    rng = np.random.default_rng(61)
    A = rng.normal(size=(3, 2))
    prior_mean, prior_cov = rng.normal(size=(2, 1)), np.diag([0.5, 2.0])
    b, noise = rng.normal(size=(3, 1)), 0.3 * np.eye(3)
    observed = rng.normal(size=(3, 1))
    to = lambda M: sympy.ImmutableMatrix(M.shape[0], M.shape[1], [sympy.Rational(v) for v in M.flat])  # noqa: E731
    m_x, S_x, m_z, S_z = linear_gaussian(to(prior_mean), to(prior_cov), to(A), to(b), to(noise), to(observed))
    cov_xx = noise + A @ prior_cov @ A.T
    gain = prior_cov @ A.T @ np.linalg.inv(cov_xx)
    assert np.array(S_x, float) == pytest.approx(cov_xx)
    assert np.array(m_x, float) == pytest.approx(A @ prior_mean + b)
    assert np.array(m_z, float) == pytest.approx(prior_mean + gain @ (observed - A @ prior_mean - b))
    assert np.array(S_z, float) == pytest.approx(prior_cov - gain @ A @ prior_cov)


@pytest.fixture(scope="module")
def solutions():
    return {name: solve(name) for name in PROBLEMS}


def test_renderings_are_deterministic(solutions):
    for name in ("ppca-em", "gan-optimal-discriminator", "f-divergence"):
        for fmt in ("text", "json", "markdown", "latex"):
            assert render(solutions[name], fmt) == render(solve(name), fmt)


def test_latex_has_no_character_the_escaper_does_not_know(solutions):
    for name, solution in solutions.items():
        assert "?" not in render(solution, "latex"), name


def test_answer_keys_are_ascii_identifiers(solutions):
    for solution in solutions.values():
        for key in solution.answers:
            assert key.isascii() and key.isidentifier()


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_latex_compiles(solutions, tmp_path):
    body = "".join(render(s, "latex-fragment") for s in solutions.values())
    document = render(solutions["ppca-em"], "latex").replace(render(solutions["ppca-em"], "latex-fragment"), body)
    (tmp_path / "all.tex").write_text(document)
    result = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "all.tex"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:]
