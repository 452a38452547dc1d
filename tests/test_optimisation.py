"""Optimisation problems against independent references: plain NumPy loops,
finite differences, iterating recurrences numerically."""
import json
import random

import numpy as np
import pytest
import sympy

from derive import solve
from derive.cli import main
from derive.core.numbers import InputError


# --- optimizer-updates ----------------------------------------------------------

def numpy_optimiser(name, A, b, theta, alpha, beta, beta_1, beta_2, eps, iterations):
    """The four rules exactly as the seed (001 §11) writes them, in float64."""
    A, b, theta = np.array(A, float), np.array(b, float), np.array(theta, float)

    def grad(point):
        return A @ point - b

    v = np.zeros_like(theta)
    m = np.zeros_like(theta)
    r = np.zeros_like(theta)
    path = []
    for t in range(1, iterations + 1):
        if name == "momentum":
            v = beta * v + (1 - beta) * grad(theta)
            theta = theta - alpha * v
        elif name == "nesterov":
            v = beta * v + (1 - beta) * grad(theta - alpha * v)
            theta = theta - alpha * v
        elif name == "adagrad":
            g = grad(theta)
            r = r + g**2
            theta = theta - alpha / np.sqrt(r + eps) * g
        elif name == "adam":
            g = grad(theta)
            m = beta_1 * m + (1 - beta_1) * g
            v = beta_2 * v + (1 - beta_2) * g**2
            m_hat, v_hat = m / (1 - beta_1**t), v / (1 - beta_2**t)
            theta = theta - alpha * m_hat / (np.sqrt(v_hat) + eps)
        path.append(theta.copy())
    return path


GIVENS = [None, 1, 2, 3]


@pytest.mark.parametrize("seed", GIVENS)
def test_optimisers_against_numpy_loop(seed):
    sol = solve("optimizer-updates", seed=seed)
    given = sol.given
    A, b = np.array(given["A"], float), np.array(given.get("b", [0] * len(given["A"])), float)
    for name in given["optimizers"]:
        path = numpy_optimiser(name, given["A"], b, given["theta_0"], given["alpha"], given["beta"],
                               given["beta_1"], given["beta_2"], given["eps"], given["iterations"])
        for t, expected in enumerate(path, start=1):
            got = np.array(sol.answers[f"{name}_theta_{t}"].value, float)
            assert np.allclose(got, expected, rtol=1e-12, atol=1e-12), (name, t)
        final = path[-1]
        assert sol.answers[f"{name}_f"].value == pytest.approx(0.5 * final @ A @ final - b @ final, rel=1e-12)


def test_seed_instance_numbers():
    sol = solve("optimizer-updates")
    # Momentum on θ₁² + 10θ₂² stays in exact decimals: checked by hand arithmetic, digit for digit.
    assert sol.answers["momentum_theta_3"].value == [0.944379, 0.486]
    assert sol.answers["nesterov_theta_2"].value == [0.9712, 0.73]
    grad = sol.answers["grad_f"].expr
    assert grad.shape == (2, 1)


def test_adam_weights_sum_to_one_minus_beta_power():
    sol = solve("optimizer-updates")
    total = sol.answers["adam_weight_sum"].expr
    beta_1 = next(s for s in total.free_symbols if s.name == "beta_1")
    t = next(s for s in total.free_symbols if s.name == "t")
    for b1 in (0.5, 0.9, 0.99):
        for steps in (1, 2, 5, 20):
            weights = [(1 - b1) * b1 ** (steps - i) for i in range(1, steps + 1)]
            assert float(total.subs({beta_1: b1, t: steps})) == pytest.approx(sum(weights), rel=1e-12)
    # The bias itself: a constant gradient run through Adam's m_t recurrence.
    m = 0.0
    for step in range(1, 6):
        m = 0.9 * m + 0.1 * 3.0
        assert m / float(total.subs({beta_1: 0.9, t: step})) == pytest.approx(3.0)
    assert sol.answers["adam_weight_sum_t1"].value == pytest.approx(0.1)


@pytest.mark.parametrize("given, field", [
    ({"A": [[1, 2], [0, 1]], "theta_0": [1, 1]}, "given.A"),
    ({"A": [[1, 0], [0, 1]], "theta_0": [1, 1, 1]}, "given.theta_0"),
    ({"A": [[1, 0], [0, 1]], "theta_0": [1, 1], "alpha": -1}, "given.alpha"),
    ({"A": [[1, 0], [0, 1]], "theta_0": [1, 1], "beta": 1}, "given.beta"),
    ({"A": [[1, 0], [0, 1]], "theta_0": [1, 1], "iterations": 0}, "given.iterations"),
    ({"A": [[1, 0], [0, 1]], "theta_0": [1, 1], "optimizers": ["sgd"]}, r"given.optimizers\[0\]"),
    ({"A": [[1, 0], [0, 1]], "theta_0": [1, 1], "lr": 0.1}, "unknown key 'lr'"),
])
def test_optimizer_bad_givens(given, field):
    with pytest.raises(InputError, match=field):
        solve("optimizer-updates", given=given)


def test_optimizer_cli_bad_given_exits_2(tmp_path, capsys):
    path = tmp_path / "opt.json"
    path.write_text(json.dumps({"A": [[1, 0], [0, 1]], "theta_0": [1, 1], "eps": 0}))
    assert main(["solve", "optimizer-updates", "--given", str(path)]) == 2
    err = capsys.readouterr().err
    assert "given.eps" in err and len(err.strip().splitlines()) == 1


# --- least-squares-gd ---------------------------------------------------------------

def by_name(expr, **values):
    """Substitute numeric matrices for the answer's MatrixSymbols, matched by name."""
    mapping = {s: sympy.Matrix(values[s.name]) for s in expr.free_symbols if s.name in values}
    return np.array(sympy.Matrix(expr.subs(mapping).doit()).evalf(), dtype=float)


def half_squared_residual(X, y):
    return lambda w: 0.5 * np.sum((X @ w - y) ** 2)


def test_least_squares_gradient_and_hessian_against_finite_differences():
    sol = solve("least-squares-gd")
    rng = np.random.default_rng(5)
    for n, d in [(3, 2), (5, 3), (4, 4)]:
        X, y, w = rng.normal(size=(n, d)), rng.normal(size=n), rng.normal(size=d)
        f, h = half_squared_residual(X, y), 1e-5
        numeric = np.array([(f(w + h * e) - f(w - h * e)) / (2 * h) for e in np.eye(d)])
        grad = by_name(sol.answers["grad_f"].expr, X=X.tolist(), y=y.reshape(-1, 1).tolist(),
                       w=w.reshape(-1, 1).tolist()).ravel()
        assert np.allclose(grad, numeric, atol=1e-7)
        hess = by_name(sol.answers["hessian"].expr, X=X.tolist())
        second = np.array([[(f(w + h * a + h * b) - f(w + h * a - h * b) - f(w - h * a + h * b)
                             + f(w - h * a - h * b)) / (4 * h * h) for b in np.eye(d)] for a in np.eye(d)])
        assert np.allclose(hess, second, atol=1e-4)
        assert np.all(np.linalg.eigvalsh(hess) >= -1e-12)  # PSD, as part (b) claims
    assert sol.answers["convex"].value is True
    # The iterate of part (a) is one step of w − α Xᵀ(Xw − y).
    X, y, w, a = rng.normal(size=(3, 2)), rng.normal(size=3), rng.normal(size=2), 0.3
    expr = sol.answers["iterate"].expr
    alpha = next(s for s in expr.free_symbols if s.name == "alpha")
    step = by_name(expr.subs(alpha, a), X=X.tolist(), y=y.reshape(-1, 1).tolist(),
                   w_t=w.reshape(-1, 1).tolist()).ravel()
    assert np.allclose(step, w - a * X.T @ (X @ w - y))


def gd_error(X, y, alpha, steps):
    w_star = np.linalg.lstsq(X, y, rcond=None)[0]
    w = np.zeros(X.shape[1])
    for _ in range(steps):
        w = w - alpha * X.T @ (X @ w - y)
    return np.linalg.norm(w - w_star), np.linalg.norm(w_star)


@pytest.mark.parametrize("seed", [None, 0, 1, 2, 3, 4])
def test_convergence_interval_against_iterating_gd(seed):
    sol = solve("least-squares-gd", seed=seed) if seed is not None else solve("least-squares-gd")
    X, y = np.array(sol.given["X"], float), np.array(sol.given["y"], float)
    assert sol.answers["lambda_max"].value == pytest.approx(np.linalg.eigvalsh(X.T @ X)[-1], rel=1e-12)
    bound = sol.answers["alpha_max"].value
    inside, start = gd_error(X, y, 0.98 * bound, 3000)
    outside, _ = gd_error(X, y, 1.02 * bound, 3000)
    assert inside < 1e-8 * max(start, 1)
    assert outside > 1e6 * max(start, 1)
    # The given step: σ_max, the verdict and the first iterates.
    alpha = sol.given["alpha"]
    sigma = np.linalg.norm(np.eye(X.shape[1]) - alpha * X.T @ X, 2)
    assert sol.answers["sigma_max"].value == pytest.approx(sigma, rel=1e-12)
    assert sol.answers["converges"].value is bool(sigma < 1)
    w = np.zeros(X.shape[1])
    for t in range(1, sol.given["iterations"] + 1):
        w = w - alpha * X.T @ (X @ w - y)
        assert np.allclose(sol.answers[f"w_{t}"].value, w, rtol=1e-12, atol=1e-12)
    assert np.allclose(sol.answers["w_star"].value, np.linalg.lstsq(X, y, rcond=None)[0])


def test_least_squares_seed_instance():
    sol = solve("least-squares-gd")
    assert sol.answers["lambda_max"].expr == 4 + sympy.sqrt(10)
    assert sympy.simplify(sol.answers["alpha_max"].expr - 2 / (4 + sympy.sqrt(10))) == 0
    lambda_max = next(iter(sol.answers["alpha_bound"].expr.free_symbols))
    assert sol.answers["alpha_bound"].expr == 2 / lambda_max


@pytest.mark.parametrize("given, field", [
    ({"X": [[1, 2], [2, 4]], "y": [1, 2]}, "given.X"),
    ({"X": [[1, 0], [0, 1]], "y": [1, 2, 3]}, "given.y"),
    ({"X": [[1, 0], [0, 1]], "y": [1, 2], "alpha": 0}, "given.alpha"),
    ({"X": [[1, 0], [0, 1]], "y": [1, 2], "iterations": 2}, "given.alpha"),
    ({"X": [[1, 0], [0, 1]], "y": [1, 2], "step": 2}, "unknown key 'step'"),
])
def test_least_squares_bad_givens(given, field):
    with pytest.raises(InputError, match=field):
        solve("least-squares-gd", given=given)


# --- quadratic-gd-early-stopping ------------------------------------------------------

def test_rsolve_result_against_iterating_the_recurrence():
    sol = solve("quadratic-gd-early-stopping")
    closed = sol.answers["w_j_tau"].expr
    names = {s.name: s for s in closed.free_symbols}
    rng = random.Random(3)
    for _ in range(20):
        rho, eta, star, steps = rng.uniform(0.001, 0.2), rng.uniform(0.1, 15), rng.uniform(-3, 3), rng.randint(0, 40)
        w = 0.0
        for _ in range(steps):
            w = w - rho * eta * (w - star)  # the gradient of ½η(w − w*)² along one eigenvector
        value = float(closed.subs({names["rho"]: rho, names["eta_j"]: eta, names["w_j_star"]: star,
                                   names["tau"]: steps}))
        assert value == pytest.approx(w, rel=1e-10, abs=1e-12)


def test_early_stopping_regimes_numerically():
    sol = solve("quadratic-gd-early-stopping")
    approx = sol.answers["ratio_approx"].expr
    names = {s.name: s for s in approx.free_symbols}
    rho, steps = 1e-4, 2000  # ρτ = 0.2
    for eta in (0.05, 5.0, 500.0):
        exact = 1 - (1 - rho * eta) ** steps
        assert float(approx.subs({names["rho"]: rho, names["eta_j"]: eta, names["tau"]: steps})) == \
            pytest.approx(exact, rel=1e-3)
    assert sol.answers["ratio_large"].value == 1
    small = sol.answers["ratio_small"].expr
    assert float(small.subs({names["rho"]: rho, names["eta_j"]: 0.05, names["tau"]: steps})) == \
        pytest.approx(1 - (1 - rho * 0.05) ** steps, rel=1e-2)
    assert sol.answers["limit"].expr.name == "w_j_star"


@pytest.mark.parametrize("seed", [None, 0, 1, 2])
def test_numeric_instance_against_numpy_eigenbasis(seed):
    check_quadratic_instance(solve("quadratic-gd-early-stopping", seed=seed))


@pytest.mark.parametrize("given, field", [
    ({"H": [[1, 2], [0, 1]], "w_star": [1, 1], "rho": 0.1, "tau": 3}, "given.H"),
    ({"H": [[1, 0], [0, -1]], "w_star": [1, 1], "rho": 0.1, "tau": 3}, "positive definite"),
    ({"H": [[1, 0], [0, 1]], "w_star": [1], "rho": 0.1, "tau": 3}, "given.w_star"),
    ({"H": [[1, 0], [0, 1]], "w_star": [1, 1], "rho": 0.1, "tau": -1}, "given.tau"),
    ({"H": [[1, 0], [0, 1]], "w_star": [1, 1], "rho": 0, "tau": 3}, "given.rho"),
])
def test_quadratic_bad_givens(given, field):
    with pytest.raises(InputError, match=field):
        solve("quadratic-gd-early-stopping", given=given)


def test_three_columns_without_radicals_for_the_eigenvalues():
    # The cubic det(XᵀX − λI) has three real roots that need complex radicals: 30-digit decimals instead.
    X = [[1, 0, 2], [1, 1, 0], [1, 2, 1], [1, 3, 5]]
    sol = solve("least-squares-gd", given={"X": X, "y": [1, 2, 2, 0], "alpha": 0.04, "iterations": 2})
    Xn = np.array(X, float)
    assert np.allclose(sol.answers["eigenvalues"].value, np.linalg.eigvalsh(Xn.T @ Xn), rtol=1e-12)
    bound = sol.answers["alpha_max"].value
    assert bound == pytest.approx(2 / np.linalg.eigvalsh(Xn.T @ Xn)[-1], rel=1e-12)
    assert sol.answers["converges"].value is (0.04 < bound)
    y = np.array([1, 2, 2, 0], float)
    assert gd_error(Xn, y, 0.98 * bound, 5000)[0] < 1e-8 and gd_error(Xn, y, 1.02 * bound, 5000)[0] > 1e6


def check_quadratic_instance(sol):
    H, star = np.array(sol.given["H"], float), np.array(sol.given["w_star"], float)
    rho, steps = sol.given["rho"], sol.given["tau"]
    w = np.zeros(len(star))
    for _ in range(steps):
        w = w - rho * H @ (w - star)
    assert np.allclose(sol.answers["w_tau"].value, w, rtol=1e-12)
    values, vectors = np.linalg.eigh(H)
    assert np.allclose(sol.answers["eta"].value, values, rtol=1e-12)
    for j, vector in enumerate(vectors.T):
        got_star, got = sol.answers["components_star"].value[j], sol.answers["components"].value[j]
        sign = np.sign(got_star * (vector @ star)) or 1
        assert got_star == pytest.approx(sign * vector @ star, abs=1e-12)
        assert got == pytest.approx(sign * vector @ w, abs=1e-12)
        assert got == pytest.approx((1 - (1 - rho * values[j]) ** steps) * got_star, abs=1e-12)


def test_quadratic_three_by_three_numeric_eigenbasis():
    # An irreducible cubic: no real radicals, so the eigenbasis is computed to 30 digits.
    sol = solve("quadratic-gd-early-stopping",
                given={"H": [[2, 1, 1], [1, 3, 1], [1, 1, 5]], "w_star": [1, 2, 3], "rho": 0.1, "tau": 5})
    check_quadratic_instance(sol)
    sol = solve("quadratic-gd-early-stopping",
                given={"H": [[2, 1, 0], [1, 3, 1], [0, 1, 4]], "w_star": [1, 2, 3], "rho": 0.1, "tau": 5})
    check_quadratic_instance(sol)


def test_optimisers_in_four_dimensions_with_coupling():
    given = {"A": [[2, 1, 1, 0], [1, 3, 1, 0], [1, 1, 5, 1], [0, 0, 1, 2]], "b": [1, 0, 0, 1],
             "theta_0": [1, 1, 1, 1], "iterations": 2, "alpha": 0.1}
    sol = solve("optimizer-updates", given=given)
    for name in ("momentum", "nesterov", "adagrad", "adam"):
        path = numpy_optimiser(name, given["A"], given["b"], given["theta_0"], 0.1, 0.9, 0.9, 0.999, 1e-8, 2)
        for t, expected in enumerate(path, start=1):
            assert np.allclose(sol.answers[f"{name}_theta_{t}"].value, expected, rtol=1e-12, atol=1e-12)


def test_one_dimensional_objective_keeps_variables_and_iterates_apart():
    sol = solve("optimizer-updates", given={"A": [[2]], "b": [1], "theta_0": [3], "iterations": 2,
                                            "optimizers": ["momentum", "adam"]})
    grad = sol.answers["grad_f"].expr
    (variable,) = grad.free_symbols
    assert variable.name != "theta_1"  # θ_1 is the first iterate, not the objective's variable
    for name in ("momentum", "adam"):
        path = numpy_optimiser(name, [[2]], [1], [3], 0.05, 0.9, 0.9, 0.999, 1e-8, 2)
        assert sol.answers[f"{name}_theta_2"].value == pytest.approx(path[-1][0], rel=1e-12)
