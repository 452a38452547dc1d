"""Activation functions as SymPy functions, each carrying its derivative.

SymPy has tanh, exp, log and Abs already; what deep-learning courses add is
the logistic sigmoid, written σ and differentiated as σ(1 − σ).  Keeping it
an unevaluated function (rather than 1/(1 + e^{−x})) is what lets a step read
`σ(1.2) = 0.768525` the way a person writes it.
"""
from __future__ import annotations

import sympy


class sigmoid(sympy.Function):
    """The logistic function σ(x) = 1 / (1 + e^{−x})."""

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return sympy.Rational(1, 2)
        return None

    def fdiff(self, argindex=1):
        return self * (1 - self)

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + sympy.exp(-x))

    def _eval_evalf(self, prec):
        return (1 / (1 + sympy.exp(-self.args[0])))._eval_evalf(prec)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        if self.args[0].is_real:
            return True
        return None


class relu(sympy.Function):
    """max(0, x); its derivative is the indicator [x > 0] (taken 0 at 0)."""

    @classmethod
    def eval(cls, x):
        if x.is_number and x.is_real:
            return sympy.Max(0, x)
        return None

    def fdiff(self, argindex=1):
        return indicator(self.args[0])


class indicator(sympy.Function):
    """[x > 0]: 1 for positive x, else 0 (ReLU's derivative, 0 taken at 0).

    SymPy's Heaviside raises on matrix arguments, which element-wise
    application probes; this one simply stays unevaluated.
    """

    @classmethod
    def eval(cls, x):
        if x.is_number and x.is_real:
            return sympy.Integer(1) if x.is_positive else sympy.Integer(0)
        return None

    def fdiff(self, argindex=1):
        return sympy.Integer(0)


#: How each function is written in plain text and in LaTeX.
FUNCTION_NAMES = {
    "sigmoid": ("σ", r"\sigma"),
    "tanh": ("tanh", r"\tanh"),
    "relu": ("ReLU", r"\operatorname{ReLU}"),
    "indicator": ("1", r"\mathbb{1}"),
    "exp": ("exp", r"\exp"),
    "log": ("log", r"\log"),
}



#: Element-wise activations by the name a user gives them.
ACTIVATIONS = {
    "sigmoid": sigmoid,
    "tanh": sympy.tanh,
    "relu": relu,
    "identity": None,
}
