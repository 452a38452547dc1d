"""Variants of the named problems (`--seed N`): each one's answers against an
independent reference (NumPy loops, finite differences, brute force)
computed from nothing but the givens its JSON prints; seeds 1 and 2 differ;
titles and statements say what the givens are."""
import itertools
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from derive.catalog import find, solve
from derive.printing import render
from reference import central_difference, lstm_run, sigmoid
from test_cnn import check_against_reference  # NumPy loops of the cnn family's tests
from test_gan import check_gradients, forward  # and of the gan family's

#: the problems of issue 15, each with its reference below
VARIANTS = ("lstm-forward", "mlp-backprop-step", "cnn-backprop-example", "jacobian-chain", "kl-gaussian",
            "conv-layer-arithmetic", "gcn-normalization", "gan-forward-backward", "conv-net-backprop",
            "cnn-as-mlp", "text-cnn", "rnn-mlp-params", "rnn-jacobian", "hamming-network", "rnn-gradient-scale")


def printed(name, seed):
    """What a user sees: the JSON of the variant, its givens and its answers' values."""
    document = json.loads(render(solve(name, seed=seed), "json"))
    answers = {key: answer["value"] for part in document["parts"] for key, answer in part["answers"].items()}
    return document, document["given"], answers


def close(value, expected, tolerance=1e-9):
    expected = np.asarray(expected, float)
    return np.asarray(value, float).reshape(expected.shape) == pytest.approx(
        expected, abs=tolerance * (1 + np.abs(expected).max()))


def jacobian(f, x, eps=1e-6):
    x = np.asarray(x, float)
    return np.stack([central_difference(lambda v: f(v)[i], x, eps) for i in range(len(f(x)))])


# --- one reference per problem, from the printed givens only ------------------------------------

def lstm_forward(g, a, _):
    states, loss = lstm_run(g["x"], g["h0"], g["c0"], g["W"], g["U"], g["b"], [[y] for y in g["y"]])
    for t, state in enumerate(states, start=1):
        for name, value in state.items():
            assert close(a[f"{name}_{t}"], value), (name, t)
    assert a["loss"] == pytest.approx(loss, rel=1e-12)
    for kind in ("W", "U", "b"):
        for gate in "fico":
            def loss_of(v, kind=kind, gate=gate):
                changed = json.loads(json.dumps(g))
                changed[kind][gate] = v.tolist()
                return lstm_run(changed["x"], changed["h0"], changed["c0"], changed["W"], changed["U"], changed["b"],
                                [[y] for y in changed["y"]])[1]
            assert close(a[f"dL_d{kind}_{gate}"], central_difference(loss_of, np.array(g[kind][gate], float)),
                         1e-6), (kind, gate)


def mlp_backprop_step(g, a, _):
    (W1, b1), (W2, b2) = ((np.array(l["W"], float), np.array(l["b"], float)) for l in g["layers"])
    x, y, lr = np.array(g["x"], float), g["y"][0], g["lr"]
    h = sigmoid(W1 @ x + b1)
    out = sigmoid(W2 @ h + b2)[0]
    delta_y = out * (1 - out) * (y - out)  # the seed's δ: −∂L/∂z
    delta_h = h * (1 - h) * W2[0] * delta_y
    assert [a["h_1"], a["h_2"], a["y_hat"]] == pytest.approx([*h, out], rel=1e-12)
    assert [a["delta_y"], a["delta_h1"], a["delta_h2"]] == pytest.approx([delta_y, *delta_h], rel=1e-9)

    def loss(weights):
        W1_, b1_, W2_, b2_ = weights[:4].reshape(2, 2), weights[4:6], weights[6:8], weights[8]
        return 0.5 * (y - sigmoid(W2_ @ sigmoid(W1_ @ x + b1_) + b2_)) ** 2
    flat = np.concatenate([W1.ravel(), b1, W2[0], b2])
    updated = flat - lr * central_difference(loss, flat)
    names = ["W_h1x1", "W_h1x2", "W_h2x1", "W_h2x2", "W_h1b", "W_h2b", "W_yh1", "W_yh2", "W_yb"]
    assert [a[f"{n}_new"] for n in names] == pytest.approx(updated, abs=1e-8)


def cnn_backprop_example(g, _, solution):
    check_against_reference(g, solution)
    O = np.array(solution.answers["O"].value, float)
    windows = [O[i:i + 2, j:j + 2].ravel() for i in range(3) for j in range(3)]
    assert all(list(w).count(w.max()) == 1 for w in windows)  # routing without ties


def jacobian_chain(g, a, _):
    shift, c = g["shift"], np.array(g["weights"], float)

    def f1(x):
        return np.array([np.sin(np.pi * x[1]) / np.pi, np.exp(x[0] - shift) * x[1] ** 2, x[0] * x[1]])

    def f2(y):
        return np.array([c @ y, (y ** 2).sum()])
    point = np.array(g["point"], float)
    assert close(a["f1_x"], f1(point))
    assert close(a["J_f1_x"], jacobian(f1, point), 1e-6)
    assert close(a["J_f2_u"], jacobian(f2, f1(point)), 1e-6)
    assert close(a["J_f"], jacobian(lambda x: f2(f1(x)), point), 1e-6)


def kl_gaussian(g, a, _):
    m, s = g["p"]["mu"], g["p"]["sigma"]
    mu, sigma = g["q"]["mu"], g["q"]["sigma"]
    x = np.linspace(mu - 12 * sigma, mu + 12 * sigma, 200_001)
    log_q = -np.log(sigma * np.sqrt(2 * np.pi)) - (x - mu) ** 2 / (2 * sigma ** 2)
    log_p = -np.log(s * np.sqrt(2 * np.pi)) - (x - m) ** 2 / (2 * s ** 2)
    assert a["KL_value"] == pytest.approx(np.trapezoid(np.exp(log_q) * (log_q - log_p), x), abs=1e-8)


def conv_layer_arithmetic(g, a, _):
    size, out, stride = g["input"], g["output"], g["stride"]
    kernels = [k for k in range(1, size + 1) if len(range(0, size - k + 1, stride)) == out
               and (size - k) % stride == 0]  # window positions, counted; the stride steps exactly
    assert kernels == [a["K"]]
    k, c_in, c_out = a["K"], g["in_channels"], g["out_channels"]
    assert a["params"] == (k * k * c_in + 1) * c_out
    assert a["mults"] == sum(k * k * c_in for _ in range(out * out * c_out))


def gcn_normalization(g, a, _):
    A = np.array(g["A"], float) + np.eye(len(g["A"]))
    degrees = A.sum(axis=1)
    assert close(a["D"], np.diag(degrees))
    assert close(a["D_inv_sqrt"], np.diag(degrees ** -0.5))
    expected = [[A[i, j] / math.sqrt(degrees[i] * degrees[j]) for j in range(len(A))] for i in range(len(A))]
    assert close(a["Q"], expected)
    assert all(0 < d for d in degrees - 1)  # connected: no isolated node


def gan_forward_backward(g, a, solution):
    check_gradients(g, solution, tolerance=1e-5)
    values = forward(g)
    assert min(values["a0"]) > 0 and values["a2"].min() > 0  # no ReLU is dead
    assert 0.04 < values["p"] < 0.96  # the discriminator is not saturated


def conv_net_backprop(g, a, _):
    x, y = np.array(g["x"], float), g["y"]
    v2, v3 = np.array(g["v2"], float), np.array(g["v3"], float)[0]

    def loss(v1):
        z1 = np.tanh(x @ v1)  # the 1×2 filter slides down the two rows of x
        return (v3 @ sigmoid(v2 @ z1) - y) ** 2
    v1 = np.array(g["v1"], float)[0]
    assert a["loss_value"] == pytest.approx(loss(v1), rel=1e-12)
    assert a["dL_dw1_value"] == pytest.approx(central_difference(loss, v1)[0], abs=1e-8)
    assert a["matches_direct_derivative"] is True


def cnn_as_mlp(g, a, solution):
    rows, cols = g["size"] if isinstance(g["size"], list) else (g["size"],) * 2
    k_rows, k_cols = g["kernel"] if isinstance(g["kernel"], list) else (g["kernel"],) * 2
    out_rows, out_cols = rows - k_rows + 1, cols - k_cols + 1
    rng = np.random.default_rng(0)
    F = rng.integers(1, 9, (k_rows, k_cols))
    A = np.zeros((out_rows * out_cols, rows * cols))
    for i, j, m, n in itertools.product(range(out_rows), range(out_cols), range(k_rows), range(k_cols)):
        A[j * out_rows + i, (j + n) * rows + (i + m)] = F[m, n]  # vec stacks columns
    entries = {f"f_{m + 1}{n + 1}": F[m, n] for m in range(k_rows) for n in range(k_cols)}
    engine = solution.answers["A"].expr.subs(entries)
    assert np.array(engine.tolist(), float) == pytest.approx(A)
    assert a["params_conv"] == k_rows * k_cols + 1
    assert a["params_mlp"] == A.size + A.shape[0]
    assert a["nonzero_weights"] == np.count_nonzero(A)
    assert a["product_matches"] is True and a["doubly_block_toeplitz"] is True


def text_cnn(g, a, _):
    positions = len([start for start in range(g["n"]) if start + g["l"] <= g["n"]])
    assert a["params_instance"] == g["m"] * (g["l"] * g["d"] + 1)
    assert (a["out_rows_instance"], a["out_cols_instance"]) == (g["m"], positions)


def rnn_mlp_params(g, a, _):
    widths = [g["T"] * g["d"], *g["hidden"], 1]
    mlp = sum(widths[i] * widths[i + 1] for i in range(len(widths) - 1))
    assert a["params_mlp_instance"] == mlp
    hidden = [k for k in range(1, mlp) if k * g["d"] + k * k + k == mlp]
    assert hidden == [a["k"]] and a["params_rnn"] == mlp
    assert a["shape_U"] == [a["k"], g["d"]] and a["shape_W"] == [a["k"]] * 2 and a["shape_v"] == [1, a["k"]]


def rnn_jacobian(g, a, _):
    W_h, W_x = np.array(g["W_h"], float), np.array(g["W_x"], float)
    b, h, x = (np.array(g[k], float) for k in ("b", "h_prev", "x"))
    J = jacobian(lambda v: np.tanh(W_h @ v + W_x @ x + b), h)
    assert close(a["J_t_value"], J, 1e-6)
    assert a["rho_J_t"] == pytest.approx(max(abs(np.linalg.eigvals(J))), abs=1e-6)
    assert a["norm_W_h"] == pytest.approx(np.linalg.norm(W_h, 2), rel=1e-9)
    assert np.abs(W_h @ h + W_x @ x + b).max() <= 2  # tanh not saturated


def hamming_network(g, a, _):
    W_h, b_h = np.array(a["W_h"], float), np.array(a["b_h"], float).ravel()
    W_o, b_o = np.array(a["W_o"], float), np.array(a["b_o"], float).ravel()
    for d in itertools.product((0, 1), repeat=4):
        hidden = (W_h @ np.array(d) + b_h >= 0).astype(float)
        bits = (W_o @ hidden + b_o >= 0).astype(int)
        assert list(bits) == [sum(d[i - 1] for i in bits_of) % 2 for bits_of in g["parity"]], d
    covered = [sum(i in p for p in g["parity"]) for i in (1, 2, 3, 4)]
    assert min(covered) >= 2 and len({tuple(p) for p in g["parity"]}) == 3  # still a Hamming code


def rnn_gradient_scale(g, a, _):
    alpha, w = a["alpha"], g["w"]

    def step(h):
        return alpha * (sigmoid(w * h[0]) - 0.5)
    assert central_difference(lambda h: step(h), np.array([0.0]))[0] == pytest.approx(1, abs=1e-8)
    assert a["gradient_after_horizon"] == pytest.approx(1)


REFERENCES = {name: globals()[name.replace("-", "_")] for name in VARIANTS}


@pytest.mark.parametrize("name", VARIANTS)
@settings(max_examples=3, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10**6))
def test_each_variant_agrees_with_a_reference_from_its_printed_givens(name, seed):
    _, g, answers = printed(name, seed)
    REFERENCES[name](g, answers, solve(name, given=g))


def numbers(answers) -> dict:
    """The answers that are numbers (or arrays of them), rounded to compare."""
    found = {}
    for key, value in answers.items():
        try:
            array = np.asarray(value, float)
        except (TypeError, ValueError):
            continue
        if value is not None and not isinstance(value, bool) and np.all(np.isfinite(array)):
            found[key] = np.round(array, 9).tolist()
    return found


@pytest.mark.parametrize("name", VARIANTS)
def test_seeds_one_and_two_differ_in_their_numbers_and_statements(name):
    first, second = printed(name, 1), printed(name, 2)
    assert first[1] != second[1]
    a, b = numbers(first[2]), numbers(second[2])
    assert a and any(a[key] != b.get(key) for key in a), name
    # the statement and the givens a sheet prints before the parts
    head = [render(solve(name, seed=s), "text").split("\n(")[0] for s in (1, 2)]
    assert head[0] != head[1]


#: parts about the seed's own numbers or its own hand solution, which a variant has no use for
SEED_ONLY = {"hamming-network": {"d"}, "gan-forward-backward": {"0", "d"}}


@pytest.mark.parametrize("name", VARIANTS)
def test_a_variant_asks_the_seeds_questions(name):
    own, variant = solve(name), solve(name, seed=1)
    asked = {p.id: p.question for p in variant.parts}
    assert {p.id for p in own.parts} - SEED_ONLY.get(name, set()) <= set(asked)
    assert find(name).has_variants and find(name).takes_given


def test_titles_and_sources_say_what_the_variant_is():
    variant = solve("mlp-backprop-step", seed=3)
    assert variant.title == "One backpropagation step in a 2-2-1 sigmoid network: a variant of mlp-backprop-step (seed 3)"
    assert variant.source.startswith("a variant of 001_") and variant.source.endswith("(seed 3)")
    wider = json.loads(json.dumps(find("mlp-backprop-step").default_given()))
    wider["layers"][1]["W"].append([0.5, -0.5])
    wider["layers"][1]["b"].append(0)
    wider["y"].append(0)
    other = solve("mlp-backprop-step", given=wider)
    assert "2-2-2" in other.title and "2-2-1" not in other.title and "(other givens)" in other.title
    assert "2-2-2" in other.statement
    assert solve("mlp-backprop-step").title == "One backpropagation step in a 2-2-1 sigmoid network"
    lstm = find("lstm-forward").default_given()
    lstm["x"].append([1, 1])
    lstm["y"].append(0)
    assert solve("lstm-forward", given=lstm).title.startswith(
        "Forward pass of a scalar-state LSTM with inputs in R² over 3 steps: a variant of lstm-forward")
    cnn = find("cnn-backprop-example").default_given()
    cnn["pool"]["kind"] = "average"
    assert "average-pool" in solve("cnn-backprop-example", given=cnn).title
    conv = {"input": 32, "kernel": 5, "stride": 1, "in_channels": 3, "out_channels": 8}
    assert solve("conv-layer-arithmetic", given=conv).title.startswith("Output size,")
    # the seed's remarks are about its own numbers; a variant does not repeat them
    assert "On the seed" not in render(solve("cnn-backprop-example", seed=1), "text")
    assert "seed's network" not in render(solve("hamming-network", seed=1), "text")
