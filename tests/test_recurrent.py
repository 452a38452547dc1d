"""Recurrent problems: the `lstm` family's gradients, rnn-gradient-scale,
lstm-zero-input, lstm-cell-gradient, rnn-jacobian and bptt."""
import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from derive import solve
from derive.core.numbers import InputError
from derive.printing import render
from problems import lstm
from reference import central_difference, lstm_run, modified


# --- family lstm ---------------------------------------------------------------

def lstm_loss_at(g, kind, gate, value):
    """The loss of the givens `g` with one parameter replaced by `value` (plain NumPy)."""
    params = {k: {q: np.array(g[k][q], float) for q in "fico"} for k in ("W", "U", "b")}
    h0, c0 = np.array(g["h0"], float), np.array(g["c0"], float)
    if kind == "h0":
        h0 = value
    elif kind == "c0":
        c0 = value
    else:
        params[kind][gate] = value
    targets = [np.atleast_1d(np.array(y, float)) for y in g["y"]]
    return lstm_run(g["x"], h0, c0, params["W"], params["U"], params["b"], targets)[1]


def assert_lstm_gradients_match(g, sol, tol=1e-6):
    for kind in ("W", "U", "b"):
        for gate in "fico":
            numeric = central_difference(lambda v: lstm_loss_at(g, kind, gate, v), np.array(g[kind][gate], float))
            engine = np.array(sol.answers[f"dL_d{kind}_{gate}"].value, float).reshape(numeric.shape)
            assert engine == pytest.approx(numeric, abs=tol), (kind, gate)
    for state, key in (("h0", "dL_dh_0"), ("c0", "dL_dc_0")):
        numeric = central_difference(lambda v: lstm_loss_at(g, state, None, v), np.array(g[state], float))
        engine = np.array(sol.answers[key].value, float).reshape(numeric.shape)
        assert engine == pytest.approx(numeric, abs=tol), state


def test_lstm_forward_gradients_by_bptt_match_finite_differences():
    assert_lstm_gradients_match(lstm.GIVEN, solve("lstm-forward"))


number = st.floats(-1.5, 1.5, allow_nan=False).map(lambda v: round(v, 2))


@settings(max_examples=8, deadline=None)
@given(hidden=st.integers(1, 2), inputs=st.integers(1, 2), steps=st.integers(1, 3), data=st.data())
def test_random_lstm_instances_values_and_gradients(hidden, inputs, steps, data):
    def vec(n):
        return [data.draw(number) for _ in range(n)]

    def mat(r, c):
        return [vec(c) for _ in range(r)]

    g = {"x": [vec(inputs) for _ in range(steps)], "h0": vec(hidden), "c0": vec(hidden),
         "W": {q: mat(hidden, inputs) for q in "fico"}, "U": {q: mat(hidden, hidden) for q in "fico"},
         "b": {q: vec(hidden) for q in "fico"}, "y": [vec(hidden) for _ in range(steps)],
         "loss": data.draw(st.sampled_from(["half_sse", "sse"]))}
    if g["loss"] == "sse":  # the NumPy reference computes ½ Σ; sse is twice that
        g_half = dict(g, loss="half_sse")
    sol = solve("lstm", given=g)
    states, loss = lstm_run(g["x"], g["h0"], g["c0"], g["W"], g["U"], g["b"], g["y"])
    for t, state in enumerate(states, start=1):
        for name, value in state.items():
            got = np.atleast_1d(np.array(sol.answers[f"{name}_{t}"].value, float))
            assert got == pytest.approx(value, abs=1e-12)
    factor = 2 if g["loss"] == "sse" else 1
    assert sol.answers["loss"].value == pytest.approx(factor * loss, abs=1e-12)
    if factor == 1:
        assert_lstm_gradients_match(g, sol)
    else:
        half = solve("lstm", given=g_half)
        for key, answer in sol.answers.items():
            if key.startswith("dL_d"):
                assert np.array(answer.value, float) == pytest.approx(2 * np.array(half.answers[key].value, float))


def test_lstm_json_given_reproduces_the_solution():
    first = json.loads(render(solve("lstm", seed=3), "json"))
    again = json.loads(render(solve("lstm", given=first["given"]), "json"))
    assert again["parts"] == first["parts"]
    assert "dL_dW_f" in first["parts"][-1]["answers"]


def test_lstm_without_targets_has_no_loss_or_gradients():
    g = {k: v for k, v in lstm.GIVEN.items() if k not in ("y", "loss")}
    sol = solve("lstm", given=g)
    assert "h_2" in sol.answers and "loss" not in sol.answers and "dL_dW_f" not in sol.answers


def bad(**changes):
    return modified(lstm.GIVEN, **changes)


@pytest.mark.parametrize("given_, message", [
    (bad(x=[[1, 0], [0.5]]), r"given\.x\[1\]: expected a vector of length 2, got 1"),
    (bad(W={"f": [[1, 2, 3]], "i": [[-1, 0]], "c": [[1, 2]], "o": [[3, 0]]}), r"given\.W\.f: expected shape 1×2"),
    (bad(U={"f": [[0.5]], "i": [[2]], "c": [[1.5]]}), r"given\.U\.o: missing; expected a 1×1 matrix"),
    (bad(b={"f": [0.2], "i": [-0.1], "c": [0.5], "o": [0.8], "g": [1]}), r"given\.b: unknown key 'g'"),
    (bad(h0=None), r"given\.h0: missing; expected the initial hidden state"),
    (bad(c0=[0, 0]), r"given\.c0: expected shape 1×1"),
    (bad(y=[0.5]), r"given\.y: expected one target per input step, 2"),
    (bad(loss="hinge"), r"given\.loss: expected one of"),
    (bad(y=None), r"given\.loss: a loss needs targets"),
    (bad(x=[["a", 0], [0.5, -1]]), r"given\.x\[0\]\[0\]: expected a number"),
])
def test_bad_lstm_givens_name_the_key_and_the_expected_shape(given_, message):
    with pytest.raises(InputError, match=message):
        solve("lstm", given=given_)


# --- bptt ------------------------------------------------------------------------

NP_ACT = {"tanh": np.tanh, "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "identity": lambda z: z}


def rnn_loss(g, **override):
    """Plain NumPy: unroll the RNN and sum ½‖ŷ_t − y_t‖² (independent of the engine)."""
    p = {k: np.array(g[k], float) for k in ("W_h", "W_x", "b", "W_y", "c")}
    p.update(override)
    phi, psi = NP_ACT[g["activation"]], NP_ACT[g["output_activation"]]
    h, total = np.array(g["h0"], float), 0.0
    for x, target in zip(g["x"], g["targets"]):
        h = phi(p["W_h"] @ h + p["W_x"] @ np.array(x, float) + p["b"])
        y = psi(p["W_y"] @ h + p["c"])
        total += 0.5 * np.sum((np.array(target, float) - y) ** 2)
    return total


def assert_bptt_matches_finite_differences(g, sol):
    for name in ("W_h", "W_x", "b", "W_y", "c"):
        numeric = central_difference(lambda v: rnn_loss(g, **{name: v}), np.array(g[name], float))
        engine = np.array(sol.answers[f"dL_d{name}"].value, float).reshape(numeric.shape)
        assert engine == pytest.approx(numeric, abs=1e-7), name
    assert sol.answers["L"].value == pytest.approx(rnn_loss(g), abs=1e-12)


def test_bptt_instance_matches_finite_differences_and_its_own_checks_agree():
    from problems import bptt
    sol = solve("bptt")
    assert_bptt_matches_finite_differences(bptt.GIVEN, sol)
    relations = [s for part in sol.parts for s in part.steps if type(s).__name__ == "Relation"]
    assert len(relations) == 3 + 5 and all(r.relations == ("=", "=") for r in relations)


def test_bptt_hidden_state_gradients_match_finite_differences_in_h():
    # ∂L/∂h_t as the effect of nudging h_t (NumPy re-runs the rest of the sequence from h_t).
    from problems import bptt
    g = bptt.GIVEN
    sol = solve("bptt")
    phi = NP_ACT[g["activation"]]
    p = {k: np.array(g[k], float) for k in ("W_h", "W_x", "b", "W_y", "c")}
    hs, h = [], np.array(g["h0"], float)
    for x in g["x"]:
        h = phi(p["W_h"] @ h + p["W_x"] @ np.array(x, float) + p["b"])
        hs.append(h)

    def loss_from(t, h_t):
        total, h = 0.0, h_t
        for k in range(t, len(g["x"])):
            if k > t:
                h = phi(p["W_h"] @ h + p["W_x"] @ np.array(g["x"][k], float) + p["b"])
            total += 0.5 * np.sum((np.array(g["targets"][k], float) - (p["W_y"] @ h + p["c"])) ** 2)
        return total

    for t in range(len(g["x"])):
        numeric = central_difference(lambda v: loss_from(t, v), hs[t])
        assert np.array(sol.answers[f"dL_dh_{t + 1}"].value, float) == pytest.approx(numeric, abs=1e-7)


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_random_bptt_instances_match_finite_differences(seed):
    from problems import bptt
    import random
    g = bptt.random_given(random.Random(seed))
    assert_bptt_matches_finite_differences(g, solve("bptt", given=g))


@pytest.mark.parametrize("change, message", [
    ({"W_h": [[1, 2]]}, r"given\.W_h: expected shape 2×2, got 1×2"),
    ({"W_y": [[1, 2, 3]]}, r"given\.W_y: expected 1×2 \(one column per hidden unit\), got 1×3"),
    ({"targets": [[1]]}, r"given\.targets: expected one target per input step \(3\), got 1"),
    ({"activation": "swish"}, r"given\.activation: expected one of"),
    ({"W_x": None}, r"given\.W_x: missing; expected the input-to-hidden matrix, hidden×input size"),
])
def test_bad_bptt_givens_name_the_key(change, message):
    from problems import bptt
    g = dict(bptt.GIVEN)
    for key, value in change.items():
        if value is None:
            del g[key]
        else:
            g[key] = value
    with pytest.raises(InputError, match=message):
        solve("bptt", given=g)


# --- rnn-jacobian -----------------------------------------------------------------

def numeric_jacobian(f, x):
    """∂f/∂x for f: vector → vector, by central differences (row i: output i)."""
    x = np.array(x, float)
    return np.array([central_difference(lambda v: f(v)[i], x) for i in range(len(f(x)))])


def test_rnn_jacobian_symbolic_form_matches_finite_differences_for_tanh():
    import sympy
    from derive.nn.recurrent import phi_prime
    sol = solve("rnn-jacobian")
    J = sol.answers["J_t"].expr
    rng = np.random.default_rng(0)
    W_h, W_x, b, h, x = rng.normal(size=(2, 2)), rng.normal(size=(2, 2)), rng.normal(size=2), rng.normal(size=2), rng.normal(size=2)
    z = W_h @ h + W_x @ x + b
    from sympy.matrices.expressions.matexpr import MatrixElement
    values = {}
    for s in {a for e in J for a in e.atoms(MatrixElement)}:
        source = {"W_h": W_h, "z_t": z.reshape(2, 1)}[s.parent.name]
        values[s] = float(source[int(s.i), int(s.j)])
    numeric = np.array(J.replace(phi_prime, lambda a: 1 - sympy.tanh(a) ** 2).xreplace(values).evalf(), float)
    expected = numeric_jacobian(lambda v: np.tanh(W_h @ v + W_x @ x + b), h)
    assert numeric == pytest.approx(expected, abs=1e-8)


def test_rnn_jacobian_numbers_match_numpy():
    from problems import rnn_jacobian as rj
    sol = solve("rnn-jacobian")
    g = {k: np.array(v, float) for k, v in rj.GIVEN.items()}
    J = numeric_jacobian(lambda v: np.tanh(g["W_h"] @ v + g["W_x"] @ g["x"] + g["b"]), g["h_prev"])
    assert np.array(sol.answers["J_t_value"].value) == pytest.approx(J, abs=1e-8)
    engine_J = np.array(sol.answers["J_t_value"].value)  # checked above; now its spectrum
    assert sol.answers["rho_J_t"].value == pytest.approx(max(abs(np.linalg.eigvals(engine_J))), abs=1e-12)
    assert sol.answers["norm_W_h"].value == pytest.approx(np.linalg.norm(g["W_h"], 2), abs=1e-12)
    assert sol.answers["norm_W_a_power"].value == pytest.approx(0.9 ** 20, rel=1e-12)
    assert sol.answers["norm_W_b_power"].value == pytest.approx(1.1 ** 20, rel=1e-12)
    # (d): each step's eigenvalues below 1, the product's above.
    W = np.array([[0, 2], [2, 0]], float)
    J1, J2 = np.diag([1, 1 - np.tanh(3) ** 2]) @ W, np.diag([1 - np.tanh(3) ** 2, 1]) @ W
    assert sol.answers["rho_J_1"].value == pytest.approx(max(abs(np.linalg.eigvals(J1))), abs=1e-12)
    assert sol.answers["rho_J_2"].value == pytest.approx(max(abs(np.linalg.eigvals(J2))), abs=1e-12)
    assert sol.answers["rho_J_2J_1"].value == pytest.approx(max(abs(np.linalg.eigvals(J2 @ J1))), abs=1e-12)
    assert max(sol.answers["rho_J_1"].value, sol.answers["rho_J_2"].value) < 1 < sol.answers["rho_J_2J_1"].value


# --- rnn-gradient-scale -------------------------------------------------------------

def test_rnn_gradient_scale_alpha_is_solved_and_agrees_with_the_seed():
    import sympy
    sol = solve("rnn-gradient-scale")
    assert sol.answers["alpha"].expr == 4 and sol.answers["alpha"].value == 4   # the seed's α = 4
    w = sympy.Symbol("w", real=True)
    assert sympy.simplify(sol.answers["alpha_general"].expr - 4 / w) == 0
    assert sol.answers["gradient_after_horizon"].value == pytest.approx(1, abs=1e-15)


def test_rnn_gradient_scale_recursion_factor_matches_finite_differences():
    import math
    import sympy
    sol = solve("rnn-gradient-scale")
    factor = sol.answers["dh_dhprev"].expr
    names = {s.name: s for s in factor.free_symbols}
    sig = lambda v: 1 / (1 + math.exp(-v))
    for a, w, u, x, h in [(4, 1, 0.5, 0.3, -0.2), (2.5, -0.7, 1.2, -1, 0.8), (-1.5, 1.3, 0, 0, 0.4)]:
        step = lambda hp: a * (sig(w * hp + u * x) - 0.5)
        numeric = central_difference(lambda v: step(v[0]), np.array([h]))[0]
        engine = float(factor.subs({names["alpha"]: a, names["w"]: w, names["z_t"]: w * h + u * x}).evalf())
        assert engine == pytest.approx(numeric, abs=1e-8)


def test_rnn_gradient_scale_seed_step_a_drops_alpha():
    # Seed (a): ∇h_t = ∇h_{t+1} σ′(z_t) w.  The engine's factor is α σ′(z) w: the seed's is wrong unless α = 1.
    import sympy
    from derive.core.functions import sigmoid
    sol = solve("rnn-gradient-scale")
    factor = sol.answers["dh_dhprev"].expr
    names = {s.name: s for s in factor.free_symbols}
    seed = names["w"] * sigmoid(names["z_t"]) * (1 - sigmoid(names["z_t"]))
    assert sympy.simplify(factor / seed) == names["alpha"]


def test_rnn_gradient_scale_twenty_steps_at_zero_state_by_numpy():
    def h_T(h0, a, steps=20):
        h = h0
        for _ in range(steps):
            h = a * (1 / (1 + np.exp(-h)) - 0.5)
        return h
    a = solve("rnn-gradient-scale").answers["alpha"].value
    assert central_difference(lambda v: h_T(v[0], a), np.array([0.0]))[0] == pytest.approx(1, abs=1e-6)
    assert central_difference(lambda v: h_T(v[0], 3.9), np.array([0.0]))[0] == pytest.approx(0.975 ** 20, abs=1e-6)


# --- lstm-cell-gradient ---------------------------------------------------------------

def lstm_step(x, h, c, W, U, b):
    """One LSTM step in NumPy; returns (h, c, gates)."""
    sig = lambda v: 1 / (1 + np.exp(-v))
    z = {g: np.array(W[g], float) @ x + np.array(U[g], float) @ h + np.array(b[g], float) for g in "fico"}
    f, i, o, ct = sig(z["f"]), sig(z["i"]), sig(z["o"]), np.tanh(z["c"])
    c_new = f * c + i * ct
    return o * np.tanh(c_new), c_new, {"f": f, "i": i, "o": o, "ctilde": ct}


def test_lstm_cell_gradient_is_diag_f_by_finite_differences():
    import sympy
    sol = solve("lstm-cell-gradient")
    J = sol.answers["dc_t_dc_tm1"].expr
    rng = np.random.default_rng(1)
    W = {g: rng.normal(size=(3, 2)) for g in "fico"}
    U = {g: rng.normal(size=(3, 3)) for g in "fico"}
    b = {g: rng.normal(size=3) for g in "fico"}
    x, h, c = rng.normal(size=2), rng.normal(size=3), rng.normal(size=3)
    f = lstm_step(x, h, c, W, U, b)[2]["f"]
    numeric = numeric_jacobian(lambda v: lstm_step(x, h, v, W, U, b)[1], c)
    f_t = sympy.MatrixSymbol("f_t", 3, 1)
    engine = np.array(J.xreplace({f_t[k, 0]: float(f[k]) for k in range(3)}), float)
    assert engine == pytest.approx(numeric, abs=1e-8)


def test_lstm_cell_gradient_over_time_and_on_the_lstm_forward_instance():
    sol = solve("lstm-cell-gradient")
    assert sol.answers["retained_0_9"].value == pytest.approx(0.9 ** 50, rel=1e-12)
    assert sol.answers["retained_0_99"].value == pytest.approx(0.99 ** 50, rel=1e-12)
    g = lstm.GIVEN
    x1, x2 = (np.array(v, float) for v in g["x"])
    h1, c1, _ = lstm_step(x1, np.zeros(1), np.zeros(1), g["W"], g["U"], g["b"])
    o1 = lstm_step(x1, np.zeros(1), np.zeros(1), g["W"], g["U"], g["b"])[2]["o"]
    direct = central_difference(lambda v: lstm_step(x2, h1, v, g["W"], g["U"], g["b"])[1][0], c1)[0]
    total = central_difference(lambda v: lstm_step(x2, o1 * np.tanh(v), v, g["W"], g["U"], g["b"])[1][0], c1)[0]
    assert sol.answers["dc_2_dc_1_direct"].value == pytest.approx(direct, abs=1e-8)
    assert sol.answers["dc_2_dc_1_total"].value == pytest.approx(total, abs=1e-8)
    assert abs(total - direct) > 0.1  # the gate path matters here


# --- lstm-zero-input -------------------------------------------------------------------

def test_lstm_zero_input_verdicts_agree_with_the_seed():
    sol = solve("lstm-zero-input")
    verdicts = {k: sol.answers[f"claim_{k}"].value for k in "abcd"}
    assert verdicts == {"a": False, "b": False, "c": True, "d": False}   # the seed: F, F, T, F
    assert all(isinstance(v, bool) for v in verdicts.values())


def test_lstm_zero_input_counterexamples_hold_in_numpy():
    from problems import lstm_zero_input as lz
    zeros1 = {g: np.zeros((1, 1)) for g in "fico"}
    biases, _ = lz.counterexample_a()
    h1, _, _ = lstm_step(np.zeros(1), np.zeros(1), np.zeros(1), {g: np.zeros((1, 1)) for g in "fico"}, zeros1,
                         {g: np.array(biases[g], float) for g in "fico"})
    sol = solve("lstm-zero-input")
    assert sol.answers["h_1_counterexample"].value == pytest.approx(float(h1[0]), abs=1e-12)
    assert abs(h1[0]) > 1e-3                                   # h_1 ≠ h_0 = 0
    biases, _ = lz.counterexample_d()
    zeros2 = {g: np.zeros((2, 2)) for g in "fico"}
    f = lstm_step(np.zeros(2), np.zeros(2), np.zeros(2), zeros2, zeros2,
                  {g: np.array(biases[g], float) for g in "fico"})[2]["f"]
    assert sol.answers["f_1_counterexample"].value == pytest.approx(list(f), abs=1e-12)
    assert abs(f.sum() - 1) > 1e-3
    f_pair, i_pair = sol.answers["f_1_pair"].value, sol.answers["i_1_pair"].value
    assert f_pair[0] == f_pair[1] and i_pair[0] != pytest.approx(i_pair[1])


def test_lstm_zero_input_claim_c_sigmoid_range_on_a_grid():
    z = np.linspace(-30, 30, 2001)
    s = 1 / (1 + np.exp(-z))
    assert solve("lstm-zero-input").answers["claim_c"].value is bool(np.all((s > 0) & (s <= 1)))


# --- contracts: JSON round trip, parseable expr, exit status ------------------------------

def test_symbolic_answers_parse_back_with_the_problems_symbols():
    import sympy
    for name, key, symbols in [("rnn-jacobian", "J_t", {"z_t": (2, 1), "W_h": (2, 2)}),
                               ("lstm-cell-gradient", "dc_t_dc_tm1", {"f_t": (3, 1)})]:
        data = json.loads(render(solve(name), "json"))
        answer = next(p["answers"][key] for p in data["parts"] if key in p["answers"])
        local = {s: sympy.MatrixSymbol(s, *shape) for s, shape in symbols.items()}
        local["phi_prime"] = sympy.Function("phi_prime")
        parsed = sympy.sympify(answer["expr"], locals=local)
        assert parsed.shape == solve(name).answers[key].expr.shape


def test_bptt_seed_variant_round_trips_through_its_json_givens():
    first = json.loads(render(solve("bptt", seed=11), "json"))
    again = json.loads(render(solve("bptt", given=first["given"]), "json"))
    assert again["parts"] == first["parts"]


def test_cli_bad_lstm_given_exits_2_with_one_line(tmp_path):
    import subprocess
    import sys
    path = tmp_path / "bad.json"
    given_ = json.loads(json.dumps(lstm.GIVEN))
    given_["U"]["f"] = [[0.5, 1]]
    path.write_text(json.dumps(given_))
    run = subprocess.run([sys.executable, "-m", "derive", "solve", "lstm", "--given", str(path)],
                         capture_output=True, text=True)
    assert run.returncode == 2
    assert "given.U.f: expected shape 1×1, got 1×2" in run.stderr and "Traceback" not in run.stderr
