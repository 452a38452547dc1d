"""moving-average-filter against explicit NumPy convolution and seeded Monte Carlo."""
import numpy as np
import pytest
import sympy

from derive import solve

i, j = sympy.symbols("i j", integer=True)
omega, alpha = sympy.symbols("omega alpha", positive=True)
H = np.full(5, 0.2)


@pytest.fixture(scope="module")
def answers():
    return solve("moving-average-filter").answers


def _filter(signal):
    """(h ∗ f)[i] for the interior of a finite signal, by NumPy."""
    return np.convolve(signal, H, mode="valid")


def test_every_solution_of_the_recurrence_is_a_fixed_point(answers):
    general = answers["fixed_points"].expr
    constants = sorted((s for s in general.free_symbols if s.name.startswith("C")), key=lambda s: s.name)
    assert len(constants) == 4
    rng = np.random.default_rng(3)
    index = np.arange(-6, 7)
    for _ in range(4):
        values = dict(zip(constants, rng.uniform(-1, 1, 4)))
        signal = np.array([float(general.subs(values).subs(i, t)) for t in index])
        assert _filter(signal) == pytest.approx(signal[2:-2], rel=1e-9, abs=1e-9)


def test_a_non_fixed_point_is_not_a_solution():
    signal = np.arange(-6, 7, dtype=float) ** 2  # i² is smoothed: (h ∗ f) = f + 2
    assert not np.allclose(_filter(signal), signal[2:-2])


def test_white_noise_mean_and_variance_by_monte_carlo(answers):
    assert answers["mean"].value == 0
    assert answers["variance"].expr == sympy.Rational(1, 5)
    rng = np.random.default_rng(7)
    y = _filter(rng.standard_normal(1_000_004))
    assert np.mean(y) == pytest.approx(0, abs=3e-3)
    assert np.var(y) == pytest.approx(0.2, abs=3e-3)


def test_output_covariance_by_monte_carlo_and_by_explicit_sum(answers):
    formula = answers["E_yi_yj"].expr
    rng = np.random.default_rng(8)
    y = _filter(rng.standard_normal(1_000_004))
    for lag in range(0, 8):
        expected = float(formula.subs({i: 10, j: 10 + lag}))
        assert float(formula.subs({i: 10 + lag, j: 10})) == expected
        explicit = sum(0.04 for k in range(-2, 3) for l in range(-2, 3) if k + lag == l)  # noqa: E741
        assert expected == pytest.approx(explicit, abs=1e-15)
        assert np.mean(y[:-8] * y[lag:len(y) - 8 + lag]) == pytest.approx(expected, abs=4e-3)
    assert answers["uncorrelated"].value is False


def test_sinusoid_gain_against_numpy(answers):
    gain = answers["gain"].expr
    index = np.arange(0, 200)
    for w in (0.05, 0.3, 1.1, 2.5):
        signal = 1.7 * np.sin(w * index)
        expected = float(gain.subs(omega, w)) * signal[2:-2]
        assert _filter(signal) == pytest.approx(expected, abs=1e-12)


def test_gain_never_exceeds_one(answers):
    gain = sympy.lambdify(omega, answers["gain"].expr, "numpy")
    grid = np.linspace(0, 2 * np.pi, 100_001)
    assert np.max(np.abs(gain(grid))) == pytest.approx(answers["gain_max"].value, abs=1e-12)
    assert np.min(gain(grid)) == pytest.approx(-0.25, abs=1e-8)
    assert answers["sup_le_alpha"].value is True and answers["same_period"].value is True
