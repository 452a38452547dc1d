"""The SymPy classes of the functions SymPy lacks (σ, ReLU, ELU, softmax …).

SymPy has tanh, exp, log and Abs already; what deep-learning courses add is
the logistic sigmoid, written σ and differentiated as σ(1 − σ).  Keeping it
an unevaluated function (rather than 1/(1 + e^{−x})) is what lets a step read
`σ(1.2) = 0.768525` the way a person writes it.

Every function here differentiates (`fdiff`) to the form a person writes:
σ′ = σ(1 − σ), ReLU′ = 1[x > 0], softplus′ = σ, |x|′ = sign x, ELU′ = 1 for
x > 0 and α eˣ otherwise, LeakyReLU′ = 1 for x > 0 and α otherwise,
step′ = 0.  At a kink the value taken is a subgradient (0 for ReLU and sign
at 0, α for LeakyReLU), as automatic differentiation takes it.
SymPy's own Abs is not used for |x|: applied element-wise its argument is a
complex dummy, and its derivative becomes a mess of re and im.

The derivative, the printed names and the NumPy form come from each class's
`record` (its `derive.core.functions.Function`), which the registry attaches:
this module does not import the registry, so there is no cycle.
"""
from __future__ import annotations

import sympy
from sympy import HadamardProduct, MatAdd, MatMul, Transpose

from derive.core.matrices import Operation, ShapeMismatch
from derive.core.numbers import InputError


def _written_derivative(function, argindex=1):
    """f′ from f's record, in the form a person writes it."""
    if argindex != 1:
        raise sympy.ArgumentIndexError(function, argindex)
    record = type(function).record
    x, *values = function.args
    return record.derivative(x, **dict(zip((p for p, _ in record.parameters), values)))


def _named(function, printer, exp=None):
    """`name(arguments)` with the record's LaTeX name."""
    record = type(function).record
    return _power(rf"{record.latex}\left({_arguments(function, printer)}\right)", exp)


def _written(function, printer):
    """`ELU(z)` with the record's text name in a solution, and a call that
    sympify parses back (`elu(z, 1)`) in plain str()."""
    if not _for_reading(printer):
        return f"{type(function).__name__}({', '.join(printer._print(a) for a in function.args)})"
    return f"{type(function).record.text}({_arguments(function, printer)})"


class sigmoid(sympy.Function):
    """The logistic function σ(x) = 1 / (1 + e^{−x})."""

    @classmethod
    def eval(cls, x):
        # A structural test: `x.is_zero` would run SymPy's assumption
        # inference on every symbolic argument, which dominates reverse mode.
        if x == 0:
            return sympy.Rational(1, 2)
        return None

    fdiff = _written_derivative

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

    fdiff = _written_derivative

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

    fdiff = _written_derivative


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

    fdiff = _written_derivative

    _latex = _named


class absolute(sympy.Function):
    """|x| for real x; its derivative is sign x (the subgradient 0 at 0)."""

    @classmethod
    def eval(cls, x):
        if x.is_number and x.is_real:
            return sympy.Abs(x)
        return None

    fdiff = _written_derivative

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

    fdiff = _written_derivative

    def _eval_rewrite_as_log(self, x, **kwargs):
        return sympy.log(1 + sympy.exp(x))

    def _eval_evalf(self, prec):
        return sympy.log(1 + sympy.exp(self.args[0]))._eval_evalf(prec)

    def _eval_is_real(self):
        return self.args[0].is_real

    _latex = _named


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
        if argindex == 1:
            return _written_derivative(self)
        x, _ = self.args
        return sympy.Piecewise((0, x > 0), (sympy.exp(x) - 1, True))

    def _eval_rewrite_as_Piecewise(self, x, alpha, **kwargs):
        return sympy.Piecewise((x, x > 0), (alpha * (sympy.exp(x) - 1), True))

    _latex = _named

    _sympystr = _written


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

    _latex = _named

    _sympystr = _written


class leaky_relu(sympy.Function):
    """LeakyReLU(x, α) = x for x > 0, α x otherwise; α defaults to 0.01.

    ∂/∂x is 1 for x > 0 and α otherwise (α taken at 0); ∂/∂α is 0 and x.
    """

    nargs = (1, 2)

    @classmethod
    def eval(cls, x, alpha=None):
        if alpha is None:
            return cls(x, sympy.Rational(1, 100))
        if x.is_number and x.is_real:
            return x if x.is_positive else alpha * x
        return None

    def fdiff(self, argindex=1):
        if argindex == 1:
            return _written_derivative(self)
        x, _ = self.args
        return sympy.Piecewise((0, x > 0), (x, True))

    def _eval_rewrite_as_Piecewise(self, x, alpha, **kwargs):
        return sympy.Piecewise((x, x > 0), (alpha * x, True))

    _latex = _named

    _sympystr = _written


class leaky_relu_derivative(sympy.Function):
    """LeakyReLU′(x, α) = 1 for x > 0, α otherwise, kept unevaluated (as ELU′)."""

    nargs = 2

    @classmethod
    def eval(cls, x, alpha):
        if x.is_number and x.is_real:
            return sympy.Integer(1) if x.is_positive else alpha
        return None

    def fdiff(self, argindex=1):
        x, _ = self.args
        return sympy.Integer(0) if argindex == 1 else sympy.Piecewise((0, x > 0), (1, True))

    def _eval_rewrite_as_Piecewise(self, x, alpha, **kwargs):
        return sympy.Piecewise((1, x > 0), (alpha, True))

    _latex = _named

    _sympystr = _written


class Softmax(Operation):
    """softmax(z)ᵢ = e^{zᵢ} / Σⱼ e^{zⱼ} of a column vector z.

    Its pullback of a cotangent g is the Jacobian (diag p − p pᵀ) applied to
    g, written p ⊙ g − p (pᵀ g) with p = softmax(z)."""

    operand_count = 1

    def __new__(cls, z):
        if z.shape[1] != 1:
            raise ShapeMismatch(f"softmax: expected a column vector, got {z.shape[0]}×{z.shape[1]}")
        return super().__new__(cls, z)

    @property
    def shape(self):
        return self.args[0].shape

    def entry(self, operands, i, j):
        (z,) = operands
        return sympy.exp(z[i, j]) / sympy.Add(*[sympy.exp(z[k, j]) for k in range(z.shape[0])])

    def numpy(self, z):
        return type(self).record.numpy(z)

    def pullback(self, index, cotangent):
        return MatAdd(HadamardProduct(self, cotangent), -MatMul(self, Transpose(self), cotangent))

    def _latex(self, printer, exp=None):
        return _power(rf"{type(self).record.latex}\left({printer._print(self.args[0])}\right)", exp)

    def _sympystr(self, printer):
        return f"{type(self).record.text}({printer._print(self.args[0])})"


def _arguments(function, printer) -> str:
    """x, or x, α when α is not its default (1 for ELU)."""
    x, alpha = (function.args + (None,))[:2]
    if alpha is None or alpha == type(function).record.parameters[0][1]:
        return printer._print(x)
    return f"{printer._print(x)}, {printer._print(alpha)}"


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

    fdiff = _written_derivative

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
