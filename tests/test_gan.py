"""Family `gan` and its instance `gan-forward-backward`: a plain NumPy forward
pass with loops for the (de)convolution, central finite differences for every
gradient, and the seed's published numbers at their printed precision."""
import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from derive import render, solve
from derive.catalog import find
from derive.core.numbers import InputError
from problems import gan, gan_forward_backward as seed_module
from reference import agrees_with_printed, central_difference, modified


def deconvolve(h, w, convention, stride=1, padding=0):
    """Loops: 'transposed' stamps w scaled by h[i, j] at (s·i, s·j), then crops
    the padding; 'padded_correlation' cross-correlates h padded by k − 1 zeros with w."""
    h, w = np.asarray(h, float), np.asarray(w, float)
    k = w.shape[0]
    n = h.shape[0] + k - 1
    if convention == "transposed":
        full = (h.shape[0] - 1) * stride + k
        out = np.zeros((full, full))
        for i in range(h.shape[0]):
            for j in range(h.shape[1]):
                for m in range(k):
                    for q in range(k):
                        out[stride * i + m, stride * j + q] += h[i, j] * w[m, q]
        return out[padding:full - padding, padding:full - padding]
    out = np.zeros((n, n))
    padded = np.pad(h, k - 1)
    for r in range(n):
        for c in range(n):
            for m in range(k):
                for q in range(k):
                    out[r, c] += padded[r + m, c + q] * w[m, q]
    return out


def forward(g, **override):
    p = {key: np.asarray(value, float) if key not in ("deconvolution", "stride", "padding") else value
         for key, value in {**g, **override}.items()}
    convention = g.get("deconvolution", "transposed")
    a0 = p["w0"].T @ p["z"] + p["b0"]
    h0 = np.maximum(a0, 0)
    channels = len(p["w1"])
    side = int(round(np.sqrt(h0.size / channels)))
    h1 = [h0[c * side * side:(c + 1) * side * side].reshape(side, side, order="F") for c in range(channels)]
    stride, padding = int(g.get("stride", 1)), int(g.get("padding", 0))
    d2 = sum(deconvolve(h1[c], p["w1"][c], convention, stride, padding) for c in range(channels))
    a2 = d2 + p["b1"]
    h2 = np.maximum(a2, 0)
    H2 = h2.reshape(-1, order="F")
    s = p["w2"] @ H2 + float(p["b2"])
    prob = 1 / (1 + np.exp(-s))
    return {"a0": a0, "h0": h0, "h1": h1, "d2": d2, "a2": a2, "h2": h2, "H2": H2, "p": prob, "L": np.log(prob)}


def engine(sol, key):
    return np.array(sol.answers[key].value, float)


def check_gradients(g, sol, tolerance=1e-7):
    values = forward(g)
    assert engine(sol, "d2").reshape(values["d2"].shape) == pytest.approx(values["d2"], abs=1e-12)
    assert engine(sol, "H2").reshape(values["H2"].shape) == pytest.approx(values["H2"], abs=1e-12)
    assert sol.answers["L"].value == pytest.approx(values["L"], rel=1e-9, abs=1e-15)
    scale = max(1e-300, abs(1 - values["p"]))  # gradients of log p are of the order of 1 − p

    def numeric(key, value):
        return central_difference(lambda x: forward(g, **{key: x})["L"], np.array(value, float), eps=1e-6)

    for key in ("w0", "b0", "b1", "w2"):
        expected = numeric(key, g[key])
        assert engine(sol, f"dL_d{key}").reshape(expected.shape) == pytest.approx(
            expected, abs=tolerance * max(scale, abs(expected).max())), key
    for c in range(len(g["w1"])):
        def loss_of_kernel(kernel, c=c):
            kernels = [np.asarray(k, float) for k in g["w1"]]
            kernels[c] = kernel
            return forward(g, w1=kernels)["L"]
        expected = central_difference(loss_of_kernel, np.array(g["w1"][c], float), eps=1e-6)
        assert engine(sol, f"dL_dw1_{c + 1}").reshape(expected.shape) == pytest.approx(
            expected, abs=tolerance * max(scale, abs(expected).max())), c
    b2 = central_difference(lambda x: forward(g, b2=x[0])["L"], np.array([float(g["b2"])]), eps=1e-6)[0]
    assert sol.answers["dL_db2"].value == pytest.approx(b2, abs=tolerance * max(scale, abs(b2)))


def test_family_default_against_numpy_and_finite_differences():
    check_gradients(gan.GIVEN, solve("gan"), tolerance=1e-4)


def test_conventions_agree_with_the_kernel_rotated():
    g = json.loads(json.dumps(gan.GIVEN))
    g["deconvolution"] = "padded_correlation"
    g["w1"] = [[row[::-1] for row in kernel[::-1]] for kernel in g["w1"]]
    a, b = solve("gan", given=g).answers, solve("gan").answers
    assert np.array(a["d2"].value) == pytest.approx(np.array(b["d2"].value), abs=1e-12)
    assert np.array(a["dL_dh0"].value) == pytest.approx(np.array(b["dL_dh0"].value), abs=1e-18)
    assert np.array(a["dL_dw1_1"].value) == pytest.approx(np.array(b["dL_dw1_1"].value)[::-1, ::-1], abs=1e-18)


number = st.integers(-10, 10).map(lambda v: v / 10)


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_random_instances_match_finite_differences(data):
    channels, side, kernel = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2)), data.draw(st.integers(2, 3))
    convention = data.draw(st.sampled_from(["transposed", "padded_correlation"]))
    stride, padding = (data.draw(st.integers(1, 2)), data.draw(st.integers(0, 1))) if convention == "transposed" \
        else (1, 0)
    out = (side - 1) * stride + kernel - 2 * padding
    width = channels * side * side
    if out < 1:
        bad_given = json.loads(json.dumps(gan.GIVEN))
        bad_given.update(z=[0.1, 0.2], w0=[[0.1] * width] * 2, b0=[0.1] * width,
                         w1=[[[0.1] * kernel] * kernel] * channels, stride=stride, padding=padding)
        with pytest.raises(InputError, match="given.padding"):
            solve("gan", given=bad_given)
        return
    g = {"z": [data.draw(number) for _ in range(2)],
         "w0": [[data.draw(number) for _ in range(width)] for _ in range(2)],
         "b0": [data.draw(number) for _ in range(width)],
         "w1": [[[data.draw(number) for _ in range(kernel)] for _ in range(kernel)] for _ in range(channels)],
         "b1": [[data.draw(number) for _ in range(out)] for _ in range(out)],
         "deconvolution": convention, "stride": stride, "padding": padding,
         "w2": [data.draw(number) for _ in range(out * out)], "b2": data.draw(number)}
    values = forward(g)
    if min(abs(values["a0"]).min(), abs(values["a2"]).min()) < 1e-3:
        return  # a ReLU exactly at its kink has no derivative to compare
    check_gradients(g, solve("gan", given=g), tolerance=1e-5)


def published(name):
    return seed_module.PUBLISHED[name]


def test_seed_instance_reproduces_the_published_forward_values():
    a = solve("gan-forward-backward").answers
    for value, printed in zip(a["h0"].value, published("h0")):
        assert agrees_with_printed(value, printed)
    for row, printed_row in zip(a["d2"].value, published("d2")):
        for value, printed in zip(row, printed_row.split()):
            assert agrees_with_printed(value, printed)
    # h₁ as the seed prints it: h₁¹ = [0.38 0.96; 1.40 1.06], h₁² = [0.70 1.62; 1.54 1.06].
    assert a["h1_1"].value == [[0.38, 0.96], [1.4, 1.06]]
    assert a["h1_2"].value == [[0.7, 1.62], [1.54, 1.06]]


def test_seed_H2_step_has_a_slip_in_entry_12():
    # Step "After reshape, we have H₂": entry 12 is printed 1.078, but h₂[4,3] = 0.978 + 0.2 = 1.178.
    H2 = solve("gan-forward-backward").answers["H2"].value
    for k, (value, printed) in enumerate(zip(H2, published("H2"))):
        if k == 11:
            assert not agrees_with_printed(value, printed)
            assert agrees_with_printed(value, "1.178")
        else:
            assert agrees_with_printed(value, printed), k


def test_seed_p_was_computed_from_the_mistyped_H2():
    # Step "p(y=0) = σ(w₂ᵀH₂ + b₂) = 0.999994394742746": it uses H₂[12] = 1.078.
    p = solve("gan-forward-backward").answers["p"].value
    assert not agrees_with_printed(p, published("p"))
    assert abs(float(seed_module.seed_p_from_mistyped_H2()) - float(published("p"))) < 1e-15
    # The published gradients use the correct 1 − p (≈ 5.44e-6, not 5.6053e-6).
    assert 1 - p == pytest.approx(5.4397e-6, rel=1e-4)


@pytest.mark.parametrize("key, scale", [("dL_dH2", 1e-5), ("dL_dh0", 1e-5)])
def test_seed_published_gradient_vectors(key, scale):
    value = solve("gan-forward-backward").answers[key].value
    for v, printed in zip(value, published(key)):
        assert agrees_with_printed(v / scale, printed), (key, printed)


@pytest.mark.parametrize("key, scale", [("dL_dw1_1", 1e-4), ("dL_dw1_2", 1e-4),
                                        ("dL_dh1_1", 1e-5), ("dL_dh1_2", 1e-5)])
def test_seed_published_gradient_matrices(key, scale):
    value = solve("gan-forward-backward").answers[key].value
    for row, printed_row in zip(value, published(key)):
        for v, printed in zip(row, printed_row.split()):
            assert agrees_with_printed(v / scale, printed), (key, printed)


def test_seed_grad_w0_is_printed_transposed():
    # Step "∇w₀ = ∇h₀ z₁ᵀ": an 8×2 matrix, the gradient with respect to w₀ᵀ; w₀ itself is 2×8.
    value = np.array(solve("gan-forward-backward").answers["dL_dw0"].value)
    assert value.shape == (2, 8)
    for row, printed_row in zip(value.T, published("dL_dw0T")):
        for v, printed in zip(row, printed_row.split()):
            assert agrees_with_printed(v / 1e-5, printed)


def test_seed_instance_gradients_match_finite_differences():
    check_gradients(find("gan-forward-backward").default_given(), solve("gan-forward-backward"), tolerance=1e-4)


def test_recovery_is_consistent():
    exact, kernels, decimals = seed_module.recover_w1()
    assert decimals == 1
    assert max(abs(float(v) - round(float(v), 1)) for v in exact) < 2e-4
    assert list(seed_module.gradient_pattern()) == [1, 2, 3, 2, 4, 6, 7, 1, 1, 2, 5, 3, 1, 2, 6, 9]
    g = find("gan-forward-backward").default_given()
    assert g["b2"] == 0.3
    # w₀ᵀz = h₀ with b₀ = 0, and w₀ is the minimum-norm solution (columns parallel to z).
    w0 = np.array(g["w0"])
    assert w0.T @ np.array(g["z"]) == pytest.approx(np.array([float(v) for v in published("h0")]))
    z = np.array(g["z"])
    assert w0[0] * z[1] - w0[1] * z[0] == pytest.approx(np.zeros(8))


def test_json_given_reproduces_the_solution():
    first = json.loads(render(solve("gan-forward-backward"), "json"))
    again = json.loads(render(solve("gan-forward-backward", given=first["given"]), "json"))
    assert again == first
    variant = json.loads(render(solve("gan", seed=4), "json"))
    assert json.loads(render(solve("gan", given=variant["given"]), "json"))["parts"] == variant["parts"]
    assert json.loads(render(solve("gan", seed=4), "json")) == variant


def bad(**changes):
    return modified(gan.GIVEN, **changes)


@pytest.mark.parametrize("g, words", [
    (bad(w2=[0.1] * 15), ["given.w2", "16×1"]),
    (bad(b1=[[0.1] * 3] * 3), ["given.b1", "4×4"]),
    (bad(w0=[[0.1] * 8] * 3), ["given.w0", "2×n"]),
    (bad(w1=[[[0.1] * 3] * 3] * 3), ["given.w1", "length"]),
    (bad(deconvolution="upsample"), ["given.deconvolution", "transposed"]),
    (bad(z=[0.4, "x"]), ["given.z[1]", "number"]),
    (bad(b2=None), ["given.b2", "missing"]),
])
def test_bad_givens_name_the_key(g, words):
    with pytest.raises(InputError) as error:
        solve("gan", given=g)
    for word in words:
        assert word in str(error.value)
