"""Activation functions as SymPy functions, each carrying its derivative.

SymPy has tanh, exp, log and Abs already; what deep-learning courses add is
the logistic sigmoid, written σ and differentiated as σ(1 − σ).  Keeping it
an unevaluated function (rather than 1/(1 + e^{−x})) is what lets a step read
`σ(1.2) = 0.768525` the way a person writes it.

Every function here differentiates (`fdiff`) to the form a person writes:
σ′ = σ(1 − σ), ReLU′ = 1[x > 0], softplus′ = σ, |x|′ = sign x, ELU′ = 1 for
x > 0 and α eˣ otherwise, step′ = 0.  At a kink the value taken is a
subgradient (0 for ReLU and sign at 0), as automatic differentiation takes it.
SymPy's own Abs is not used for |x|: applied element-wise its argument is a
complex dummy, and its derivative becomes a mess of re and im.
"""
from __future__ import annotations

import sympy

from derive.core.numbers import InputError


class sigmoid(sympy.Function):
    """The logistic function σ(x) = 1 / (1 + e^{−x})."""

    @classmethod
    def eval(cls, x):
        # A structural test: `x.is_zero` would run SymPy's assumption
        # inference on every symbolic argument, which dominates reverse mode.
        if x == 0:
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

    def _eval_rewrite_as_Abs(self, x, **kwargs):
        return (x + sympy.Abs(x)) / 2


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


class step(sympy.Function):
    """The threshold unit: 1 for x ≥ 0, else 0 (Heaviside with H(0) = 1).

    Its derivative is 0 wherever it exists (everywhere but 0), so reverse
    mode passes no gradient through it: why threshold networks are designed,
    not trained by backpropagation.
    """

    @classmethod
    def eval(cls, x):
        if x.is_number and x.is_real:
            return sympy.Integer(1) if x.is_nonnegative else sympy.Integer(0)
        return None

    def fdiff(self, argindex=1):
        return sympy.Integer(0)

    def _latex(self, printer, exp=None):
        return _power(rf"\operatorname{{step}}\left({printer._print(self.args[0])}\right)", exp)


class absolute(sympy.Function):
    """|x| for real x; its derivative is sign x (the subgradient 0 at 0)."""

    @classmethod
    def eval(cls, x):
        if x.is_number and x.is_real:
            return sympy.Abs(x)
        return None

    def fdiff(self, argindex=1):
        return sympy.sign(self.args[0])

    def _eval_rewrite_as_Abs(self, x, **kwargs):
        return sympy.Abs(x)

    def _eval_is_nonnegative(self):
        if self.args[0].is_real:
            return True
        return None

    def _latex(self, printer, exp=None):
        return _power(rf"\left|{printer._print(self.args[0])}\right|", exp)

    def _sympystr(self, printer):
        if not _for_reading(printer):
            return f"absolute({printer._print(self.args[0])})"
        return f"|{printer._print(self.args[0])}|"


class softplus(sympy.Function):
    """ln(1 + eˣ); its derivative is σ(x)."""

    @classmethod
    def eval(cls, x):
        return None

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _eval_rewrite_as_log(self, x, **kwargs):
        return sympy.log(1 + sympy.exp(x))

    def _eval_evalf(self, prec):
        return sympy.log(1 + sympy.exp(self.args[0]))._eval_evalf(prec)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _latex(self, printer, exp=None):
        return _power(rf"\operatorname{{softplus}}\left({printer._print(self.args[0])}\right)", exp)


class elu(sympy.Function):
    """ELU(x, α) = x for x > 0, α(eˣ − 1) otherwise; α defaults to 1.

    ∂/∂x is 1 for x > 0 and α eˣ otherwise; ∂/∂α is 0 and eˣ − 1.
    """

    nargs = (1, 2)

    @classmethod
    def eval(cls, x, alpha=None):
        if alpha is None:
            return cls(x, sympy.Integer(1))
        if x.is_number and x.is_real:
            return x if x.is_positive else alpha * (sympy.exp(x) - 1)
        return None

    def fdiff(self, argindex=1):
        x, alpha = self.args
        if argindex == 1:
            return elu_derivative(x, alpha)
        return sympy.Piecewise((0, x > 0), (sympy.exp(x) - 1, True))

    def _eval_rewrite_as_Piecewise(self, x, alpha, **kwargs):
        return sympy.Piecewise((x, x > 0), (alpha * (sympy.exp(x) - 1), True))

    def _latex(self, printer, exp=None):
        return _power(rf"\operatorname{{ELU}}\left({_arguments(self, printer)}\right)", exp)

    def _sympystr(self, printer):
        if not _for_reading(printer):
            return f"elu({', '.join(printer._print(a) for a in self.args)})"
        return f"ELU({_arguments(self, printer)})"


class elu_derivative(sympy.Function):
    """ELU′(x, α) = 1 for x > 0, α eˣ otherwise; kept unevaluated so that a
    step reads ELU′(z) instead of a piecewise formula over a whole vector."""

    nargs = 2

    @classmethod
    def eval(cls, x, alpha):
        if x.is_number and x.is_real:
            return sympy.Integer(1) if x.is_positive else alpha * sympy.exp(x)
        return None

    def fdiff(self, argindex=1):
        x, alpha = self.args
        if argindex == 1:
            return sympy.Piecewise((0, x > 0), (alpha * sympy.exp(x), True))
        return sympy.Piecewise((0, x > 0), (sympy.exp(x), True))

    def _eval_rewrite_as_Piecewise(self, x, alpha, **kwargs):
        return sympy.Piecewise((1, x > 0), (alpha * sympy.exp(x), True))

    def _latex(self, printer, exp=None):
        return _power(rf"\operatorname{{ELU}}'\left({_arguments(self, printer)}\right)", exp)

    def _sympystr(self, printer):
        if not _for_reading(printer):
            return f"elu_derivative({', '.join(printer._print(a) for a in self.args)})"
        return f"ELU′({_arguments(self, printer)})"


def _arguments(function, printer) -> str:
    """x, or x, α when α is not the default 1."""
    x, alpha = function.args
    return printer._print(x) if alpha == 1 else f"{printer._print(x)}, {printer._print(alpha)}"


class probability_log(sympy.Function):
    """log p for a probability p, as the cross-entropy losses take it: a
    number outside (0, 1] is refused with a message instead of becoming a
    complex or infinite loss."""

    @classmethod
    def eval(cls, p):
        if p.is_number and p.is_real is not False:
            value = p.evalf()
            if value.is_real and (value <= 0 or value > 1):
                raise InputError(f"log-probability of {float(value):.6g}: the output must lie in (0, 1] for this "
                                 "loss (use a sigmoid output layer)")
            if p == 1:
                return sympy.Integer(0)
        return None

    def fdiff(self, argindex=1):
        return 1 / self.args[0]

    def _eval_evalf(self, prec):
        return sympy.log(self.args[0])._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        return _power(rf"\log\left({printer._print(self.args[0])}\right)", exp)

    def _sympystr(self, printer):
        shown = "log" if _for_reading(printer) else "probability_log"
        return f"{shown}({printer._print(self.args[0])})"


def _for_reading(printer) -> bool:
    """A solution's text printer (it carries a notation) gets the written form;
    plain str() gets a function call that sympify can parse back."""
    return "notation" in getattr(printer, "_settings", {})


def _power(text: str, exp) -> str:
    return f"{text}^{{{exp}}}" if exp else text


#: How each function is written in plain text and in LaTeX.
FUNCTION_NAMES = {
    "sigmoid": ("σ", r"\sigma"),
    "tanh": ("tanh", r"\tanh"),
    "relu": ("ReLU", r"\operatorname{ReLU}"),
    "indicator": ("1", r"\mathbf{1}"),  # amssymb has no blackboard 1
    "step": ("step", r"\operatorname{step}"),
    "absolute": ("abs", r"\left|\cdot\right|"),
    "softplus": ("softplus", r"\operatorname{softplus}"),
    "elu": ("ELU", r"\operatorname{ELU}"),
    "elu_derivative": ("ELU′", r"\operatorname{ELU}'"),
    "sign": ("sign", r"\operatorname{sign}"),
    "exp": ("exp", r"\exp"),
    "log": ("log", r"\log"),
}


#: Element-wise activations by the name a user gives them (None: identity).
ACTIVATIONS = {
    "sigmoid": sigmoid,
    "tanh": sympy.tanh,
    "relu": relu,
    "elu": elu,
    "softplus": softplus,
    "identity": None,
    "step": step,
    "abs": absolute,
}

#: Each activation's derivative as a person writes it, for explanations.
DERIVATIVE_FORMS = {
    "sigmoid": "σ′(z) = σ(z)(1 − σ(z))",
    "tanh": "tanh′(z) = 1 − tanh²(z)",
    "relu": "ReLU′(z) = 1[z > 0] (0 taken at z = 0)",
    "elu": "ELU′(z) = 1 for z > 0, α e^z otherwise",
    "softplus": "softplus′(z) = σ(z)",
    "identity": "id′(z) = 1",
    "step": "step′(z) = 0 for z ≠ 0 (no gradient passes)",
    "abs": "|z|′ = sign(z) (0 taken at z = 0)",
}


def abstract_activation(name: str = "varphi", text: str = "φ", latex: str = r"\varphi"):
    """An unspecified element-wise function φ and its derivative φ′, both left
    unevaluated, for results stated for any activation (∂L/∂z = φ′(z) ⊙ …)."""

    def printer(symbol_text, symbol_latex):
        def _latex(self, p, exp=None):
            return _power(rf"{symbol_latex}\left({p._print(self.args[0])}\right)", exp)

        def _sympystr(self, p):
            shown = symbol_text if _for_reading(p) else type(self).__name__
            return f"{shown}({p._print(self.args[0])})"
        return {"_latex": _latex, "_sympystr": _sympystr, "nargs": 1}

    prime = type(f"{name}_prime", (sympy.Function,), printer(f"{text}′", f"{latex}'"))

    def fdiff(self, argindex=1):
        return prime(self.args[0])

    function = type(name, (sympy.Function,), {**printer(text, latex), "fdiff": fdiff})
    return function, prime
