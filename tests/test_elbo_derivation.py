"""elbo-derivation: every closed form against quadrature of its definition,
the ELBO also against a seeded Monte-Carlo estimate."""
import mpmath
import numpy as np
import pytest
import sympy

from derive import solve
from derive.analysis.identities import IdentityError, check_identity

x, z, m = sympy.symbols("x z m", real=True)
s, v = sympy.symbols("s v", positive=True)
LOCALS = {"x": x, "s": s, "m": m, "v": v}
POINTS = [(0.7, 0.5, 0.2, 0.3), (-1.4, 1.3, -0.8, 1.7), (2.1, 0.8, 1.0, 0.05)]  # x, s, m, v


@pytest.fixture(scope="module")
def answers():
    return solve("elbo-derivation").answers


def _value(answers, key, point):
    expr = sympy.sympify(str(answers[key].expr), locals=LOCALS)
    return float(expr.subs(dict(zip((x, s, m, v), point))))


def _log_normal(t, mean, var):
    return -mpmath.log(2 * mpmath.pi * var) / 2 - (t - mean) ** 2 / (2 * var)


def _log_joint(t, xv, sv):
    return _log_normal(t, 0, 1) + _log_normal(xv, t, sv ** 2)


def _log_evidence(xv, sv):
    return mpmath.log(mpmath.quad(lambda t: mpmath.exp(_log_joint(t, xv, sv)), [-mpmath.inf, 0, mpmath.inf]))


@pytest.mark.parametrize("point", POINTS)
def test_closed_forms_match_quadrature(answers, point):
    xv, sv, mv, vv = point
    log_px = _log_evidence(xv, sv)
    q = lambda t: mpmath.exp(_log_normal(t, mv, vv))  # noqa: E731
    span = [mv - 12 * mpmath.sqrt(vv), mv, mv + 12 * mpmath.sqrt(vv)]
    elbo = mpmath.quad(lambda t: q(t) * (_log_joint(t, xv, sv) - _log_normal(t, mv, vv)), span)
    kl_post = mpmath.quad(lambda t: q(t) * (_log_normal(t, mv, vv) - (_log_joint(t, xv, sv) - log_px)), span)
    assert _value(answers, "log_p_x", point) == pytest.approx(float(log_px), abs=1e-10)
    assert _value(answers, "ELBO", point) == pytest.approx(float(elbo), abs=1e-9)
    assert _value(answers, "KL_q_posterior", point) == pytest.approx(float(kl_post), abs=1e-9)


@pytest.mark.parametrize("point", POINTS)
def test_posterior_moments_match_quadrature(answers, point):
    xv, sv = point[:2]
    log_px = _log_evidence(xv, sv)
    post = lambda t: mpmath.exp(_log_joint(t, xv, sv) - log_px)  # noqa: E731
    mean = mpmath.quad(lambda t: t * post(t), [-mpmath.inf, 0, mpmath.inf])
    var = mpmath.quad(lambda t: (t - mean) ** 2 * post(t), [-mpmath.inf, 0, mpmath.inf])
    assert _value(answers, "posterior_mean", point) == pytest.approx(float(mean), abs=1e-10)
    assert _value(answers, "posterior_var", point) == pytest.approx(float(var), abs=1e-10)


def test_elbo_matches_monte_carlo(answers):
    rng = np.random.default_rng(11)
    xv, sv, mv, vv = POINTS[1]
    zs = rng.normal(mv, np.sqrt(vv), 400_000)
    log_joint = (-0.5 * np.log(2 * np.pi) - zs ** 2 / 2
                 - 0.5 * np.log(2 * np.pi * sv ** 2) - (xv - zs) ** 2 / (2 * sv ** 2))
    log_q = -0.5 * np.log(2 * np.pi * vv) - (zs - mv) ** 2 / (2 * vv)
    assert _value(answers, "ELBO", POINTS[1]) == pytest.approx(np.mean(log_joint - log_q), abs=1e-2)


def test_gap_is_zero_and_the_identity_holds_symbolically(answers):
    assert answers["gap"].expr == 0
    check_identity(answers["log_p_x"].expr - answers["ELBO"].expr, answers["KL_q_posterior"].expr)


def test_elbo_is_maximal_at_the_posterior(answers):
    at_posterior = {m: x / (1 + s**2), v: s**2 / (1 + s**2)}
    check_identity(answers["ELBO"].expr.xreplace(at_posterior), answers["log_p_x"].expr)


def test_a_wrong_identity_is_refused():
    with pytest.raises(IdentityError):
        check_identity(sympy.log(x**2 + 1), 2 * sympy.log(x) + 1)


def test_bound_steps_are_named_and_the_one_inequality_is_jensen():
    part = solve("elbo-derivation").parts[0]
    relations = [step for step in part.steps if hasattr(step, "relations")]
    inequalities = [step for step in relations if "≥" in step.relations]
    assert len(inequalities) == 1 and "Jensen" in inequalities[0].reason
    assert all(step.reason for step in relations)
