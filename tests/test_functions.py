"""The function registry: each record's derivative, NumPy, SymPy and interval
forms agree with each other (finite differences, evalf, enclosure), the
spellings find their record, and every activation runs through the mlp family
and the numeric path against plain NumPy."""
import numpy as np
import pytest
import sympy
from hypothesis import given, settings, strategies as st
from mpmath import iv, mp

from derive import solve
from derive.core import functions
from derive.core.functions import FUNCTIONS, apply, lookup
from derive.core.graph import Graph
from derive.core.numeric import Program
from derive.nn import layers
from reference import central_difference

SCALARS = sorted(name for name, record in FUNCTIONS.items() if record.sympy is not None and not record.vector)
#: Where each function is defined and smooth enough to difference (away from kinks).
DOMAIN = {"log": (0.05, 3.0), "sqrt": (0.05, 3.0), "probability_log": (0.05, 1.0)}
PARAMETERS = {"alpha": st.floats(0.05, 2.0).map(lambda v: round(v, 3))}


def point(data, name):
    lo, hi = DOMAIN.get(name, (-3.0, 3.0))
    x = data.draw(st.floats(lo, hi).filter(lambda v: abs(v) > 1e-2))
    params = {p: data.draw(PARAMETERS[p]) for p, _ in FUNCTIONS[name].parameters}
    return x, params


def exact(value):
    return sympy.Rational(repr(float(value)))


def evaluated(expr) -> float:
    return float(sympy.N(expr, 30))


@pytest.mark.parametrize("name", SCALARS)
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_derivative_matches_central_differences_of_numpy(name, data):
    record = FUNCTIONS[name]
    x, params = point(data, name)
    exact_params = {p: exact(v) for p, v in params.items()}
    written = evaluated(record.derivative(exact(x), **exact_params))
    numeric = central_difference(lambda v: float(np.sum(record.numpy(v, **params))), np.array([x]))[0]
    assert written == pytest.approx(numeric, abs=1e-6)


@pytest.mark.parametrize("name", SCALARS)
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_numpy_agrees_with_sympy_and_the_interval_encloses_it(name, data):
    record = FUNCTIONS[name]
    x, params = point(data, name)
    value = float(record.numpy(np.float64(x), **params))
    symbolic = evaluated(apply(name, exact(x), **{p: exact(v) for p, v in params.items()}))
    assert value == pytest.approx(symbolic, rel=1e-12, abs=1e-12)
    enclosed = record.interval(iv.mpf(x), **params)
    assert enclosed.a - 1e-12 <= value <= enclosed.b + 1e-12
    # an interval around x encloses the values at its ends and middle
    lo, hi = DOMAIN.get(name, (-3.0, 3.0))
    a, b = max(lo, x - 0.3), min(hi, x + 0.3)
    wide = record.interval(iv.mpf([a, b]), **params)
    for t in (a, (a + b) / 2, b):
        assert wide.a - 1e-12 <= float(record.numpy(np.float64(t), **params)) <= wide.b + 1e-12


@pytest.mark.parametrize("name", SCALARS)
def test_the_sympy_class_differentiates_to_the_written_derivative(name):
    record = FUNCTIONS[name]
    x = sympy.Symbol("x", real=True)
    derivative = sympy.diff(apply(name, x), x)
    if name == "sign":  # SymPy's own sign: 2δ(x), which is 0 wherever it is defined
        derivative = derivative.subs(sympy.DiracDelta(x), 0)
    assert sympy.simplify(derivative - record.derivative(x, **dict(record.parameters))) == 0


@settings(max_examples=20, deadline=None)
@given(z=st.lists(st.floats(-3, 3).map(lambda v: round(v, 3)), min_size=1, max_size=4))
def test_softmax_jacobian_numpy_sympy_and_interval(z):
    record = FUNCTIONS["softmax"]
    column = np.array(z, float).reshape(-1, 1)
    exact_z = sympy.ImmutableMatrix([[exact(v)] for v in z])
    jacobian = np.array(record.derivative(exact_z).evalf(30).tolist(), float)
    numeric = np.column_stack([central_difference(lambda v, i=i: float(record.numpy(v.reshape(-1, 1))[i, 0]),
                                                  column.ravel()) for i in range(len(z))]).T
    assert jacobian == pytest.approx(numeric, abs=1e-6)
    reference = np.exp(column) / np.sum(np.exp(column))
    assert record.numpy(column) == pytest.approx(reference, rel=1e-12)
    symbolic = np.array(apply("softmax", exact_z).as_explicit().evalf(30).tolist(), float)
    assert symbolic == pytest.approx(reference, rel=1e-12)
    for value, enclosure in zip(reference.ravel(), record.interval([iv.mpf(v) for v in z])):
        assert enclosure.a - 1e-12 <= value <= enclosure.b + 1e-12


@pytest.mark.parametrize("spelling,name", [
    ("sigma", "sigmoid"), (r"\sigma", "sigmoid"), ("sigmoid", "sigmoid"), ("logistic", "sigmoid"),
    ("relu", "relu"), ("ReLU", "relu"), ("RELU", "relu"), ("softplus", "softplus"), ("elu", "elu"),
    ("ELU", "elu"), ("leakyrelu", "leaky_relu"), ("LeakyReLU", "leaky_relu"), ("lrelu", "leaky_relu"),
    ("tanh", "tanh"), ("ln", "log"), ("softmax", "softmax"), ("sgn", "sign")])
def test_spellings_find_their_record(spelling, name):
    assert lookup(spelling).name == name


def test_unknown_and_case_sensitive_spellings_find_nothing():
    assert lookup("Sigma") is None  # Σ is a covariance, not σ
    assert lookup("swish") is None


def test_printers_and_numeric_path_read_the_registry():
    from derive.core.numeric import UFUNCS
    from derive.printing import math
    z = sympy.Symbol("z", real=True)
    for name in SCALARS:
        record = FUNCTIONS[name]
        assert UFUNCS[record.sympy.__name__] is record.numpy
    assert math.latex(apply("elu", z)).startswith(FUNCTIONS["elu"].latex)
    assert math.latex(apply("relu", z)).startswith(FUNCTIONS["relu"].latex)
    assert math.text(apply("leaky_relu", z)).startswith(FUNCTIONS["leaky_relu"].text)
    assert functions.FUNCTION_NAMES["sigmoid"] == ("σ", r"\sigma")


NUMPY = {
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0),
    "leaky_relu": lambda z, alpha=0.01: np.where(z > 0, z, alpha * z),
    "elu": lambda z, alpha=1.0: np.where(z > 0, z, alpha * (np.exp(np.minimum(z, 0)) - 1)),
    "softplus": lambda z: np.log1p(np.exp(z)), "identity": lambda z: z, "step": lambda z: (z >= 0) * 1.0,
    "abs": np.abs, "softmax": lambda z: np.exp(z) / np.sum(np.exp(z)),
}


def test_every_activation_has_a_numpy_reference_here():
    assert set(NUMPY) == set(functions.ACTIVATIONS)


@pytest.mark.parametrize("activation", sorted(functions.ACTIVATIONS))
def test_numeric_path_runs_every_activation_with_its_gradient(activation):
    rng = np.random.default_rng(5)
    graph = Graph()
    W, x, y = graph.given("W", shape=(3, 2)), graph.given("x", shape=(2, 1)), graph.given("y", shape=(3, 1))
    params = (sympy.Rational(1, 2),) if FUNCTIONS[activation].parameters else ()
    a = layers.activation(graph, "a", activation, layers.affine(graph, "z", W, x), *params)
    layers.loss(graph, "L", "half_sse", [y], [a])
    graph.backward("L")
    program = Program(graph)
    values = {"W": rng.normal(size=(3, 2)), "x": rng.normal(size=(2, 1)), "y": rng.normal(size=(3, 1))}
    f = (lambda z: NUMPY[activation](z, 0.5)) if params else NUMPY[activation]

    def loss(Wv):
        r = values["y"] - f(Wv.reshape(3, 2) @ values["x"])
        return 0.5 * float(np.sum(r * r))
    out = program.run(values)
    assert float(np.squeeze(out["L"])) == pytest.approx(loss(values["W"]), rel=1e-12)
    expected = central_difference(loss, values["W"].ravel()).reshape(3, 2)
    assert np.asarray(out["dL_dW"]) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("activation", sorted(functions.ACTIVATIONS))
def test_mlp_family_solves_with_every_activation(activation):
    x, W1, b1 = np.array([0.5, -0.3]), np.array([[0.2, -0.4], [0.7, 0.1]]), np.array([0.1, -0.2])
    W2, b2, y = np.array([[0.3, -0.6], [0.5, 0.2]]), np.array([0.2, 0.1]), np.array([0.3, 0.7])
    given_ = {"x": x.tolist(), "y": y.tolist(), "loss": "half_sse", "lr": 0.1,
              "layers": [{"W": W1.tolist(), "b": b1.tolist(), "activation": activation},
                         {"W": W2.tolist(), "b": b2.tolist(), "activation": "sigmoid"}]}
    answers = solve("mlp", given=given_).answers

    def loss(W):
        a = NUMPY["sigmoid"](W2 @ NUMPY[activation](W.reshape(2, 2) @ x + b1) + b2)
        return 0.5 * float(np.sum((y - a) ** 2))
    assert answers["loss"].value == pytest.approx(loss(W1), abs=1e-12)
    engine = np.array(answers["dL_dW_1"].value, float).reshape(2, 2)
    assert engine == pytest.approx(central_difference(loss, W1.ravel()).reshape(2, 2), abs=1e-6)
