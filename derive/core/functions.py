"""Functions the engine knows (activations and special functions): one record each.

`FUNCTIONS` holds one `Function` record per function: its SymPy class or
constructor, its derivative in the form a person writes it, NumPy and interval
forms, how it is printed and how students spell it.  The SymPy classes
(`derive.core.sympy_functions`) take their derivative and names from their
record, and the graph, the numeric path, the printers and the parser read the
records, so adding a function is its record here (and its class, when SymPy
has none).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import sympy
from mpmath import iv, mp

from derive.core.matrices import is_matrix
from derive.core.numbers import InputError
from derive.core.sympy_functions import (  # noqa: F401 (the classes are imported from here)
    Softmax,
    abstract_activation,
    absolute,
    elu,
    elu_derivative,
    indicator,
    leaky_relu,
    leaky_relu_derivative,
    probability_log,
    relu,
    sigmoid,
    softplus,
    step,
)


# --- the registry ------------------------------------------------------------
#
# One record per function: everything the engine knows about it, so that the
# graph, the numeric path, the interval checker, the parser and the printers
# read one place, and adding a function touches only this module.


def _sigmoid_numpy(x):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=float)))  # no overflow warning for large |x|


def _softplus_numpy(x):
    x = np.asarray(x, dtype=float)
    return np.logaddexp(0.0, x)  # ln(1 + eˣ) without overflow


def _softmax_numpy(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - np.max(z, axis=0))
    return e / np.sum(e, axis=0)


def _softmax_interval(values):
    """Enclosures of pᵢ = 1 / Σⱼ e^{zⱼ − zᵢ} for a list of intervals zᵢ."""
    return [1 / sum((iv.exp(v - u) for v in values), iv.mpf(0)) for u in values]


def _softmax_jacobian(z, **params):
    """∂pᵢ/∂zⱼ = pᵢ(δᵢⱼ − pⱼ), as an explicit matrix for an explicit z."""
    p = Softmax(z).as_explicit()
    n = p.shape[0]
    return sympy.ImmutableMatrix(n, n, lambda i, j: p[i] * ((1 if i == j else 0) - p[j]))


def _ends(v):
    """An interval's end points as plain mpf numbers."""
    return mp.make_mpf(v._mpi_[0]), mp.make_mpf(v._mpi_[1])


def _increasing(on_points):
    """An increasing function on intervals: `on_points` maps a point interval
    to an enclosure of the value, so the ends enclose the whole image."""
    def on_interval(v, **params):
        lo, hi = _ends(v)
        return iv.mpf([on_points(iv.mpf(lo), **params).a, on_points(iv.mpf(hi), **params).b])
    return on_interval


def _pieces(split, left, right):
    """f = left below `split`, right above it: the hull of both pieces' images
    (at the split itself both, so either may own the point: f(0) of ReLU′,
    step or sign needs no case of its own)."""
    def on_interval(v, **params):
        lo, hi = _ends(v)
        parts = []
        if lo <= split:
            parts.append(left(iv.mpf([lo, min(hi, split)]), **params))
        if hi >= split:
            parts.append(right(iv.mpf([max(lo, split), hi]), **params))
        return iv.mpf([min(p.a for p in parts), max(p.b for p in parts)])
    return on_interval


def _constant(value):
    return lambda v, **params: iv.mpf(value)


def _parameter(value):
    """A parameter (α, exact or float) as an interval."""
    return iv.mpf(mp.mpf(sympy.Float(value, 30)._mpf_))


def _iv_sigmoid(t, **params):
    return 1 / (1 + iv.exp(-t))


def _iv_tanh(t, **params):
    e = iv.exp(2 * t)
    return 1 - 2 / (e + 1)  # (e − 1)/(e + 1) without t twice in the expression


@dataclass(frozen=True)
class Function:
    """Everything the engine knows about one function.

    `sympy` builds the SymPy expression (`sympy(x, *parameter values)`);
    `derivative(x, **params)` is f′ in the form a person writes it (σ(1 − σ),
    1[x > 0]); `numpy(array, **params)` is the vectorised value;
    `interval(v, **params)` encloses f over an mpmath interval;
    `latex`/`text` are how printers write its name; `spellings` are the names
    students write after a backslash or inside \\operatorname, \\mathrm or
    \\text; `parameters` are (name, default) pairs after the argument.
    `activation`: offered as a layer's activation; `vector`: it maps a whole
    vector (softmax), so `derivative` is its Jacobian.
    """

    name: str
    sympy: object
    derivative: Callable
    numpy: Callable
    interval: Callable | None
    latex: str
    text: str
    spellings: tuple[str, ...] = ()
    derivative_text: str = ""
    parameters: tuple[tuple[str, object], ...] = ()
    activation: bool = False
    vector: bool = False

    def arguments(self, params: dict) -> tuple:
        """The parameter values in the constructor's order, defaults filled in."""
        unknown = set(params) - {p for p, _ in self.parameters}
        if unknown:
            raise InputError(f"{self.name} has no parameter {', '.join(sorted(unknown))}")
        return tuple(params.get(p, default) for p, default in self.parameters)


def _identity_derivative(x, **params):
    return sympy.Integer(1)


_RECORDS = (
    Function("sigmoid", sigmoid, lambda x, **p: sigmoid(x) * (1 - sigmoid(x)), _sigmoid_numpy,
             _increasing(_iv_sigmoid), r"\sigma", "σ", ("sigma", "sigmoid", "logistic", "sigm"),
             "σ′(z) = σ(z)(1 − σ(z))", activation=True),
    Function("tanh", sympy.tanh, lambda x, **p: 1 - sympy.tanh(x)**2, np.tanh, _increasing(_iv_tanh),
             r"\tanh", "tanh", ("tanh",), "tanh′(z) = 1 − tanh²(z)", activation=True),
    Function("relu", relu, lambda x, **p: indicator(x), lambda x: np.maximum(x, 0.0),
             _pieces(0, _constant(0), lambda t: t),
             r"\operatorname{ReLU}", "ReLU", ("relu", "ReLU"), "ReLU′(z) = 1[z > 0] (0 taken at z = 0)",
             activation=True),
    Function("leaky_relu", leaky_relu, lambda x, alpha=sympy.Rational(1, 100), **p: leaky_relu_derivative(x, alpha),
             lambda x, alpha=0.01: np.where(np.asarray(x) > 0, x, float(alpha) * np.asarray(x, dtype=float)),
             _pieces(0, lambda t, alpha=sympy.Rational(1, 100): _parameter(alpha) * t, lambda t, **p: t),
             r"\operatorname{LeakyReLU}", "LeakyReLU", ("leakyrelu", "LeakyReLU", "lrelu", "leaky_relu"),
             "LeakyReLU′(z) = 1 for z > 0, α otherwise (α taken at z = 0)", (("alpha", sympy.Rational(1, 100)),),
             activation=True),
    Function("elu", elu, lambda x, alpha=1, **p: elu_derivative(x, alpha),
             lambda x, alpha=1.0: np.where(np.asarray(x) > 0, x, float(alpha) * np.expm1(np.minimum(x, 0.0))),
             _pieces(0, lambda t, alpha=1: _parameter(alpha) * (iv.exp(t) - 1), lambda t, **p: t),
             r"\operatorname{ELU}", "ELU", ("elu", "ELU"), "ELU′(z) = 1 for z > 0, α e^z otherwise",
             (("alpha", sympy.Integer(1)),), activation=True),
    Function("softplus", softplus, lambda x, **p: sigmoid(x), _softplus_numpy,
             _increasing(lambda t: iv.log(1 + iv.exp(t))), r"\operatorname{softplus}", "softplus",
             ("softplus",), "softplus′(z) = σ(z)", activation=True),
    Function("abs", absolute, lambda x, **p: sympy.sign(x), np.abs,
             _pieces(0, lambda t: -t, lambda t: t), r"\left|\cdot\right|", "abs", ("abs", "lvert", "vert"),
             "|z|′ = sign(z) (0 taken at z = 0)", activation=True),
    Function("step", step, lambda x, **p: sympy.Integer(0), lambda x: (np.asarray(x) >= 0).astype(float),
             _pieces(0, _constant(0), _constant(1)), r"\operatorname{step}", "step", ("step", "heaviside"),
             "step′(z) = 0 for z ≠ 0 (no gradient passes)", activation=True),
    Function("identity", None, _identity_derivative, lambda x: np.asarray(x, dtype=float),
             lambda v, **p: v, r"\operatorname{id}", "id", ("id", "identity", "linear"), "id′(z) = 1",
             activation=True),
    Function("softmax", Softmax, _softmax_jacobian, _softmax_numpy, lambda vs, **p: _softmax_interval(vs),
             r"\operatorname{softmax}", "softmax", ("softmax", "Softmax"),
             "∂softmax(z)ᵢ/∂zⱼ = pᵢ(δᵢⱼ − pⱼ), p = softmax(z)", activation=True, vector=True),
    Function("indicator", indicator, lambda x, **p: sympy.Integer(0), lambda x: (np.asarray(x) > 0).astype(float),
             _pieces(0, _constant(0), _constant(1)),
             r"\mathbf{1}", "1", ("mathbb{1}", "mathbf{1}", "indicator"), "1′[z > 0] = 0 for z ≠ 0"),
    Function("sign", sympy.sign, lambda x, **p: sympy.Integer(0), np.sign,
             _pieces(0, _constant(-1), _constant(1)),
             r"\operatorname{sign}", "sign", ("sign", "sgn"), "sign′(z) = 0 for z ≠ 0"),
    Function("exp", sympy.exp, lambda x, **p: sympy.exp(x), np.exp, _increasing(iv.exp), r"\exp", "exp",
             ("exp",), "exp′(z) = exp(z)"),
    Function("log", sympy.log, lambda x, **p: 1 / x, np.log, _increasing(iv.log), r"\log", "log",
             ("log", "ln"), "log′(z) = 1/z"),
    Function("probability_log", probability_log, lambda x, **p: 1 / x, np.log, _increasing(iv.log), r"\log", "log",
             (), "log′(p) = 1/p"),
    Function("sqrt", sympy.sqrt, lambda x, **p: 1 / (2 * sympy.sqrt(x)), np.sqrt, _increasing(iv.sqrt),
             r"\sqrt", "sqrt", ("sqrt",), "√′(z) = 1/(2√z)"),
    Function("sin", sympy.sin, lambda x, **p: sympy.cos(x), np.sin, lambda v, **p: iv.sin(v), r"\sin", "sin",
             ("sin",), "sin′(z) = cos(z)"),
    Function("cos", sympy.cos, lambda x, **p: -sympy.sin(x), np.cos, lambda v, **p: iv.cos(v), r"\cos", "cos",
             ("cos",), "cos′(z) = −sin(z)"),
    Function("elu_derivative", elu_derivative,
             lambda x, alpha=1, **p: sympy.Piecewise((0, x > 0), (alpha * sympy.exp(x), True)),
             lambda x, alpha=1.0: np.where(np.asarray(x) > 0, 1.0, float(alpha) * np.exp(np.minimum(x, 0.0))),
             _pieces(0, lambda t, alpha=1: _parameter(alpha) * iv.exp(t), _constant(1)),
             r"\operatorname{ELU}'", "ELU′", (), "ELU″(z) = 0 for z > 0, α e^z otherwise",
             (("alpha", sympy.Integer(1)),)),
    Function("leaky_relu_derivative", leaky_relu_derivative, lambda x, **p: sympy.Integer(0),
             lambda x, alpha=0.01: np.where(np.asarray(x) > 0, 1.0, float(alpha)),
             _pieces(0, lambda t, alpha=sympy.Rational(1, 100): _parameter(alpha), _constant(1)),
             r"\operatorname{LeakyReLU}'", "LeakyReLU′", (), "LeakyReLU″(z) = 0 for z ≠ 0",
             (("alpha", sympy.Rational(1, 100)),)),
)

#: Every function by its key.
FUNCTIONS: dict[str, Function] = {record.name: record for record in _RECORDS}
#: SymPy class name → record (`absolute` → abs), for the numeric path and printers.
BY_CLASS: dict[str, Function] = {record.sympy.__name__: record for record in _RECORDS if record.sympy is not None}
for _record in _RECORDS:  # the engine's own classes read their record (derivative, names)
    if getattr(_record.sympy, "__module__", None) == "derive.core.sympy_functions":
        _record.sympy.record = _record
#: Greek letters are case-sensitive (\sigma is σ, \Sigma a covariance).
_EXACT_ONLY = {"sigma"}
_SPELLINGS = {spelling: record for record in _RECORDS for spelling in (record.name,) + record.spellings}
_FOLDED = {spelling.casefold(): record for spelling, record in _SPELLINGS.items() if spelling not in _EXACT_ONLY}


def lookup(spelling: str) -> Function | None:
    """The function a student's name denotes (`sigma`, `ReLU`, `lrelu`, `ln`),
    exactly or ignoring case (not for Greek letters), or None."""
    spelling = spelling.strip().lstrip("\\")
    return _SPELLINGS.get(spelling) or _FOLDED.get(spelling.casefold())


def of_class(name: str) -> Function | None:
    """The record of a SymPy class by its name (`absolute`, `sigmoid`, `tanh`)."""
    return BY_CLASS.get(name)


def apply(name: str, x, **params):
    """f(x) for a registered function: element by element on a matrix
    (a vector function such as softmax takes the whole vector); identity
    returns x.  `params` are the record's parameters (ELU's `alpha`)."""
    record = FUNCTIONS.get(name)
    if record is None:
        raise InputError(f"unknown function {name!r}; choose one of {', '.join(FUNCTIONS)}")
    values = record.arguments(params)
    if record.sympy is None:
        return x
    if record.vector:
        return record.sympy(x, *values)
    if is_matrix(x):
        return x.applyfunc(lambda v: record.sympy(v, *values))
    return record.sympy(x, *values)


#: How each function is written in plain text and in LaTeX, by SymPy class name.
FUNCTION_NAMES = {cls: (record.text, record.latex) for cls, record in BY_CLASS.items()}

#: Element-wise (and vector) activations by the name a user gives them (None: identity).
ACTIVATIONS = {record.name: record.sympy for record in _RECORDS if record.activation}

#: Each activation's derivative as a person writes it, for explanations.
DERIVATIVE_FORMS = {record.name: record.derivative_text for record in _RECORDS if record.activation}
