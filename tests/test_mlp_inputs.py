"""mlp inputs of issue 20: a softmax output with cross-entropy (∂L/∂z = p − y),
leaky_relu, ELU's α per layer, layers without a bias — against a NumPy forward
pass written here and central finite differences, over random instances."""
import numpy as np
import pytest
from hypothesis import given, seed, settings, strategies as st

from derive import solve
from derive.core.numbers import InputError
from reference import central_difference


def act(name, z, alpha):
    return {"tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
            "elu": lambda v: np.where(v > 0, v, alpha * (np.exp(np.minimum(v, 0)) - 1)),
            "leaky_relu": lambda v: np.where(v > 0, v, alpha * v),
            "softmax": lambda v: np.exp(v) / np.sum(np.exp(v))}[name](z)


def forward(x, layers, y, kind):
    a = x
    for layer in layers:
        a = act(layer["activation"], np.array(layer["W"]) @ a + np.array(layer.get("b") or 0.0), layer.get("alpha"))
    return -float(y @ np.log(a)) if kind == "nll" else 0.5 * float(np.sum((y - a) ** 2))


number = st.floats(-1.2, 1.2, allow_nan=False).map(lambda v: round(v, 2))


@seed(20)
@settings(max_examples=12, deadline=None)
@given(sizes=st.lists(st.integers(1, 3), min_size=2, max_size=3), classes=st.integers(2, 4),
       hidden=st.sampled_from(["tanh", "elu", "leaky_relu"]), alpha=st.floats(0.05, 1.5).map(lambda v: round(v, 2)),
       bias=st.booleans(), data=st.data())
def test_softmax_cross_entropy_network_against_numpy(sizes, classes, hidden, alpha, bias, data):
    sizes = sizes + [classes]
    layers = []
    for l in range(len(sizes) - 1):
        layer = {"W": [[data.draw(number) for _ in range(sizes[l])] for _ in range(sizes[l + 1])],
                 "activation": hidden if l < len(sizes) - 2 else "softmax"}
        if bias:
            layer["b"] = [data.draw(number) for _ in range(sizes[l + 1])]
        if layer["activation"] in ("elu", "leaky_relu"):
            layer["alpha"] = alpha
        layers.append(layer)
    x = np.array([data.draw(number) for _ in range(sizes[0])])
    y = np.zeros(classes)
    y[data.draw(st.integers(0, classes - 1))] = 1
    g = {"x": x.tolist(), "layers": layers, "y": y.tolist(), "loss": "nll", "lr": 0.1, "update_biases": True}
    answers = solve("mlp", given=g).answers
    assert answers["loss"].value == pytest.approx(forward(x, layers, y, "nll"), abs=1e-10)
    p = act("softmax", np.array(answers[f"z_{len(layers)}"].value, float), None)
    assert np.array(answers[f"delta_{len(layers)}"].value, float) == pytest.approx(p - y, abs=1e-12)
    for k, layer in enumerate(layers):
        if any(abs(v) < 1e-3 for v in np.ravel(answers[f"z_{k + 1}"].value)):
            continue  # a kink of ELU or LeakyReLU
        W = np.array(layer["W"], float)

        def loss(M, k=k):
            changed = [dict(l, W=M.reshape(W.shape).tolist()) if j == k else l for j, l in enumerate(layers)]
            return forward(x, changed, y, "nll")
        engine = np.array(answers[f"dL_dW_{k + 1}"].value, float).reshape(W.shape)
        assert engine == pytest.approx(central_difference(loss, W.ravel()).reshape(W.shape), abs=1e-6)
        assert ("dL_db_" + str(k + 1) in answers) == bias


def test_the_softmax_gradient_is_written_p_minus_y():
    g = {"x": [0.5, -0.3], "layers": [{"W": [[0.2, -0.4], [0.7, 0.1], [0.1, 0.1]], "activation": "softmax"}],
         "y": [0, 1, 0], "loss": "nll", "lr": 0.5}
    from derive.printing import render
    text = render(solve("mlp", given=g), "text")
    assert "∂L/∂z_1 = a_1 − y" in text


def test_elu_alpha_per_layer_changes_each_layer():
    base = {"x": [-0.5, -0.3], "y": [0.2], "loss": "half_sse", "lr": 0.1,
            "layers": [{"W": [[0.2, 0.4], [0.7, 0.1]], "b": [0.1, 0], "activation": "elu", "alpha": 0.3},
                       {"W": [[0.3, -0.6]], "activation": "elu", "alpha": 2}]}
    answers = solve("mlp", given=base).answers
    z1 = np.array([[0.2, 0.4], [0.7, 0.1]]) @ np.array([-0.5, -0.3]) + [0.1, 0]
    a1 = np.where(z1 > 0, z1, 0.3 * (np.exp(z1) - 1))
    z2 = np.array([[0.3, -0.6]]) @ a1
    assert answers["a_2"].value == pytest.approx(float(np.where(z2 > 0, z2, 2 * (np.exp(z2) - 1))[0]), abs=1e-12)


@pytest.mark.parametrize("layer,message", [
    ({"W": [[1, 2]], "activation": "tanh", "alpha": 0.5}, "has no α"),
    ({"W": [[1, 2]], "activation": "elu", "alpha": -1}, "alpha"),
])
def test_bad_layer_inputs_are_refused(layer, message):
    with pytest.raises(InputError, match=message):
        solve("mlp", given={"x": [1, 2], "layers": [layer], "y": [0.5], "lr": 0.1})


def test_softmax_targets_must_add_up_to_one():
    with pytest.raises(InputError, match="add up to 1"):
        solve("mlp", given={"x": [1, 2], "layers": [{"W": [[1, 2], [0, 1]], "activation": "softmax"}],
                            "y": [0.5, 0.7], "loss": "nll", "lr": 0.1})
