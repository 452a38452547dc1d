"""The layer vocabulary: every activation and loss, differentiated by reverse
mode, against central finite differences of a plain NumPy forward pass."""
import numpy as np
import pytest
import sympy
from hypothesis import given, settings, strategies as st

from derive.nn import layers
from derive.core.functions import ACTIVATIONS, absolute, elu, relu, sigmoid, softplus, step
from derive.core.graph import Graph
from reference import central_difference

NUMPY_ACTIVATIONS = {
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0),
    "elu": lambda z: np.where(z > 0, z, np.exp(np.minimum(z, 0)) - 1), "softplus": lambda z: np.log1p(np.exp(z)),
    "identity": lambda z: z, "step": lambda z: (z >= 0) * 1.0, "abs": np.abs,
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z), "softmax": lambda z: np.exp(z) / np.sum(np.exp(z)),
}
NUMPY_LOSSES = {
    "half_sse": lambda y, a: 0.5 * np.sum((y - a) ** 2), "sse": lambda y, a: np.sum((y - a) ** 2),
    "mse": lambda y, a: np.mean((y - a) ** 2), "l1": lambda y, a: np.sum(np.abs(a - y)),
    "mae": lambda y, a: np.mean(np.abs(a - y)),
    "bce": lambda y, a: -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)),
    "log_prob": lambda y, a: np.sum(y * np.log(a)), "nll": lambda y, a: -np.sum(y * np.log(a)),
}
PROBABILITY_LOSSES = ("bce", "log_prob", "nll")


def test_every_activation_and_loss_has_a_numpy_reference():
    assert set(NUMPY_ACTIVATIONS) == set(ACTIVATIONS)
    assert set(NUMPY_LOSSES) == set(layers.LOSSES)


def exact(array):
    return sympy.ImmutableMatrix(np.vectorize(lambda v: sympy.Rational(repr(float(v))))(np.atleast_2d(array)))


def one_layer(W, x, y, activation, kind):
    graph = Graph()
    z = layers.affine(graph, "z", graph.given("W", exact(W)), graph.given("x", exact(x).T))
    a = layers.activation(graph, "a", activation, z)
    layers.loss(graph, "loss", kind, [graph.given("y", exact(y).T)], [a])
    graph.evaluate()
    graph.backward("loss")
    return graph.evaluate()


rounded = st.floats(-1.5, 1.5, allow_nan=False).map(lambda v: round(v, 2))


@settings(max_examples=25, deadline=None)
@given(rows=st.integers(1, 3), cols=st.integers(1, 3), activation=st.sampled_from(sorted(ACTIVATIONS)),
       kind=st.sampled_from(sorted(layers.LOSSES)), data=st.data())
def test_reverse_mode_gradient_matches_finite_differences(rows, cols, activation, kind, data):
    if kind in PROBABILITY_LOSSES:
        activation = "sigmoid"  # the output must be a probability
    W = np.array([[data.draw(rounded) for _ in range(cols)] for _ in range(rows)])
    x = np.array([data.draw(rounded) for _ in range(cols)])
    y = np.array([data.draw(st.floats(0.05, 0.95).map(lambda v: round(v, 2))) for _ in range(rows)])
    z = W @ x
    # Kinks (ReLU, |x|, step at 0; |ŷ − y| at 0) have no derivative to compare with.
    if np.min(np.abs(z)) < 1e-3 or np.min(np.abs(NUMPY_ACTIVATIONS[activation](z) - y)) < 1e-3:
        return
    graph = one_layer(W, x, y, activation, kind)
    assert float(graph.value("loss")[0, 0]) == pytest.approx(NUMPY_LOSSES[kind](y, NUMPY_ACTIVATIONS[activation](z)))
    numeric = central_difference(lambda M: NUMPY_LOSSES[kind](y, NUMPY_ACTIVATIONS[activation](M @ x)), W)
    engine = np.array(graph.value("dL_dW").tolist(), float)
    assert engine == pytest.approx(numeric, abs=1e-6)


def test_gradient_of_the_weights_is_delta_times_input_transposed():
    W, x, y = np.array([[0.3, -0.7], [0.5, 0.2], [-0.4, 0.9]]), np.array([0.6, -0.8]), np.array([0.2, 0.7, 0.4])
    graph = one_layer(W, x, y, "tanh", "half_sse")
    delta = np.array(graph.value("dL_dz").tolist(), float)
    assert np.array(graph.value("dL_dW").tolist(), float) == pytest.approx(delta @ x[None, :], abs=1e-12)
    # … and the formula the engine wrote says so: ∂L/∂W = ∂L/∂z · xᵀ.
    assert graph["dL_dW"].formula == graph["dL_dz"].symbol * graph["x"].symbol.T


def test_derivatives_read_as_a_person_writes_them():
    x = sympy.Symbol("x", real=True)
    alpha = sympy.Symbol("alpha", positive=True)
    assert sympy.diff(sigmoid(x), x) == sigmoid(x) * (1 - sigmoid(x))
    assert sympy.diff(sympy.tanh(x), x) == 1 - sympy.tanh(x) ** 2
    assert sympy.diff(softplus(x), x) == sigmoid(x)
    assert sympy.diff(absolute(x), x) == sympy.sign(x)
    assert sympy.diff(step(x), x) == 0
    assert sympy.diff(elu(x, alpha), x).rewrite(sympy.Piecewise) == sympy.Piecewise((1, x > 0), (alpha * sympy.exp(x), True))
    graph = one_layer(np.array([[0.5]]), np.array([1.0]), np.array([0.3]), "sigmoid", "half_sse")
    assert str(graph["dL_dz"].formula) == "HadamardProduct(I - a, a, dL_da)"  # σ′ = a ⊙ (1 − a)


def test_numeric_values_at_and_around_the_kinks():
    assert relu(sympy.Integer(0)) == 0 and step(sympy.Integer(0)) == 1 and step(sympy.Rational(-1, 2)) == 0
    assert absolute(sympy.Rational(-3, 2)) == sympy.Rational(3, 2)
    assert float(elu(sympy.Rational(-1, 2), sympy.Rational(1, 2))) == pytest.approx(0.5 * (np.exp(-0.5) - 1))
    assert float(softplus(sympy.Float(0.3)).evalf()) == pytest.approx(np.log1p(np.exp(0.3)))


def test_unknown_activation_or_loss_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        layers.apply("swish", sympy.Symbol("z"))
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        layers.loss(Graph(), "loss", "hinge", [], [])


def test_elu_with_its_own_alpha_element_wise():
    graph = Graph()
    z = graph.given("z", exact(np.array([[-1.0, 2.0]])).T)
    a = layers.activation(graph, "a", "elu", z, sympy.Rational(1, 2))
    layers.loss(graph, "loss", "sse", [graph.given("y", exact(np.array([[0.0, 0.0]])).T)], [a])
    graph.evaluate()
    graph.backward("loss")
    graph.evaluate()
    values = np.array(graph.value("a").tolist(), float).ravel()
    assert values == pytest.approx([0.5 * (np.exp(-1) - 1), 2.0])
    expected = central_difference(lambda v: np.sum(np.where(v > 0, v, 0.5 * (np.exp(np.minimum(v, 0)) - 1)) ** 2),
                                  np.array([-1.0, 2.0]))
    assert np.array(graph.value("dL_dz").tolist(), float).ravel() == pytest.approx(expected, abs=1e-6)


@settings(max_examples=15, deadline=None)
@given(sizes=st.lists(st.integers(1, 3), min_size=2, max_size=3), kind=st.sampled_from(sorted(layers.LOSSES)),
       data=st.data())
def test_mlp_family_with_every_activation_and_loss(sizes, kind, data):
    from derive import solve
    names = sorted(ACTIVATIONS)
    acts = [data.draw(st.sampled_from(names)) for _ in range(len(sizes) - 1)]
    if kind in PROBABILITY_LOSSES:
        acts[-1] = "sigmoid"
    weights = [np.array([[data.draw(rounded) for _ in range(sizes[l])] for _ in range(sizes[l + 1])])
               for l in range(len(sizes) - 1)]
    biases = [np.array([data.draw(rounded) for _ in range(sizes[l + 1])]) for l in range(len(sizes) - 1)]
    x = np.array([data.draw(rounded) for _ in range(sizes[0])])
    y = np.array([data.draw(st.floats(0.05, 0.95).map(lambda v: round(v, 2))) for _ in range(sizes[-1])])

    def forward(ws, return_pre=False):
        a, pre = x, []
        for W, b, f in zip(ws, biases, acts):
            pre.append(W @ a + b)
            a = NUMPY_ACTIVATIONS[f](pre[-1])
        return (a, pre) if return_pre else NUMPY_LOSSES[kind](y, a)

    out, pre = forward(weights, return_pre=True)
    if min(np.min(np.abs(z)) for z in pre) < 1e-3 or np.min(np.abs(out - y)) < 1e-3:
        return  # a kink: no derivative to compare with
    g = {"x": x.tolist(), "y": y.tolist(), "loss": kind, "lr": 0.1, "update_biases": False,
         "layers": [{"W": W.tolist(), "b": b.tolist(), "activation": f} for W, b, f in zip(weights, biases, acts)]}
    answers = solve("mlp", given=g).answers
    assert answers["loss"].value == pytest.approx(forward(weights), abs=1e-9)
    for k in range(len(weights)):
        numeric = central_difference(lambda W, k=k: forward(weights[:k] + [W] + weights[k + 1:]), weights[k])
        engine = np.array(answers[f"dL_dW_{k + 1}"].value, float).reshape(weights[k].shape)
        assert engine == pytest.approx(numeric, abs=1e-6)


def test_cross_entropy_of_an_output_outside_zero_one_is_refused():
    from derive import solve
    from derive.core.numbers import InputError
    g = {"x": [0.5, -0.2], "layers": [{"W": [[0.1, 0.4], [-0.3, 0.2]], "b": [0.1, 0.0], "activation": "relu"}],
         "y": [0.3, 1], "loss": "bce", "lr": 0.1}
    with pytest.raises(InputError, match=r"log-probability of 0: the output must lie in \(0, 1\]"):
        solve("mlp", given=g)
