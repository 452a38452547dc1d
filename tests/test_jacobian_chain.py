import numpy as np
import pytest
import sympy

from derive import solve
from reference import central_difference


def f1(x):
    return np.array([np.sin(np.pi * x[1]) / np.pi, np.exp(x[0] - 1) * x[1] ** 2, x[0] * x[1]])


def f2(y):
    return np.array([y.sum(), (y ** 2).sum()])


def numeric_jacobian(f, x):
    return np.stack([central_difference(lambda v: f(v)[i], x) for i in range(len(f(x)))])


@pytest.fixture(scope="module")
def solution():
    return solve("jacobian-chain")


def test_composed_jacobian_matches_finite_differences(solution):
    expected = numeric_jacobian(lambda x: f2(f1(x)), np.array([1.0, 2.0]))
    assert np.array(solution.answers["J_f"].value, float) == pytest.approx(expected, abs=1e-6)


def test_seed_product_of_jacobians_is_wrong(solution):
    # The hand solution multiplies [[1,1,1],[0,8,4]]·[[0,1],[4,4],[2,1]] into [[4,6],[32,36]].
    assert solution.answers["J_f"].value != [[4, 6], [32, 36]]
    # Its factors are right.
    assert np.array(solution.answers["J_f1_x"].value, float) == pytest.approx(
        numeric_jacobian(f1, np.array([1.0, 2.0])), abs=1e-6)
    assert np.array(solution.answers["J_f2_u"].value, float) == pytest.approx(
        numeric_jacobian(f2, np.array([0.0, 4.0, 2.0])), abs=1e-6)


def test_symbolic_jacobians_match_finite_differences_at_random_points(solution):
    rng = np.random.default_rng(0)
    x1, x2 = sympy.symbols("x_1 x_2", real=True)
    y = sympy.symbols("y_1 y_2 y_3", real=True)
    J1 = sympy.sympify(str(solution.answers["J_f1"].expr), locals={"x_1": x1, "x_2": x2})
    J2 = sympy.sympify(str(solution.answers["J_f2"].expr), locals=dict(zip(("y_1", "y_2", "y_3"), y)))
    for _ in range(3):
        p = rng.uniform(-2, 2, 2)
        value = np.array(J1.subs({x1: p[0], x2: p[1]}).evalf(), float)
        assert value == pytest.approx(numeric_jacobian(f1, p), abs=1e-6)
        q = rng.uniform(-2, 2, 3)
        value = np.array(J2.subs(dict(zip(y, q))).evalf(), float)
        assert value == pytest.approx(numeric_jacobian(f2, q), abs=1e-6)
