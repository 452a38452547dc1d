"""Formulas of a problem file, read by `derive.reading`, for arrays.

The reader reads the LaTeX (its tokenizer, its grammar, its builder); this
adapter changes what a few constructs mean when the names are vectors and
matrices of a graph, the way a person writing a formula means them:

- a number (or a 1×1 array such as xᵀx) added to an array is added to
  every entry (`1 - z` is 1 − z entry by entry, written 𝟙 − z);
- `\\lVert v \\rVert^2` of a vector is vᵀv, of a matrix the sum of its
  squared entries (1ᵀ(W ⊙ W)1), so that the gradient reads 2v, not entry by
  entry; `\\lVert v \\rVert` is its square root, `\\lVert v \\rVert_1` the sum of
  absolute values;
- `\\operatorname{softmax}` of a vector is one graph operation with its own
  backward rule, ∂L/∂z = s ⊙ (g − 1 sᵀg) (of each row of a matrix, as in
  softmax(QKᵀ/√d));
- a sum of arrays of different shapes names both shapes;
- the engine's losses are functions of (output, target), in PyTorch's
  order: `\\operatorname{MSE}(\\hat{y}, y)`, `SSE`, `MAE`, `L1`, `BCE`, and
  `NLL` or `CE` (−Σ y log p), unless the file names a quantity so.

Everything else is the reader's own meaning.
"""
from __future__ import annotations

import re
from typing import Mapping

import sympy
from lark import Tree
from sympy import HadamardProduct, ImmutableMatrix, MatMul, OneMatrix, Transpose
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.printing.precedence import PRECEDENCE

from derive.core.functions import absolute, relu
from derive.core.matrices import Operation
from derive.nn import layers
from derive.nn.layers import sum_of_entries
from derive.reading import ReadError
from derive.reading import _tree as parse_tree
from derive.reading.build import Builder, elementwise, is_array


#: The largest exponent a formula may write (x^{1000000} would be a number of a million bits).
MAX_POWER = 1000


def read_formula(latex: str, names: Mapping[str, object], counts: Mapping[str, int] | None = None):
    """One formula as a SymPy expression over the symbols in `names`;
    `counts`: scalar givens with whole-number values, which a sum's range
    may use (\\sum_{i=1}^{m})."""
    ones = ONES.search(latex)
    if ones:
        raise ReadError("a vector of ones (\\mathbf{1}) is not read (it would be the number 1); write the sum "
                        "as \\sum_{i=1}^{n} x_i", ones.start())
    builder = ArrayBuilder({**LOSS_FUNCTIONS, **names}, strict=True)
    builder.counts = dict(counts or {})
    try:
        sides, relations = builder.chain(parse_tree(latex))
    except RecursionError:
        raise ReadError("nested too deeply", 0) from None
    except ReadError:
        raise
    except (TypeError, ValueError, AttributeError, IndexError, KeyError, ZeroDivisionError,
            NotImplementedError) as error:
        text = str(error).strip().splitlines()[0][:120] if str(error).strip() else type(error).__name__
        raise ReadError(f"cannot combine these: {text}", 0) from None
    if relations:
        raise ReadError(f"a formula, not a relation ({relations[0]}); write only the right-hand side", 0)
    return sides[0]


#: \mathbf{1}, \boldsymbol{1}, \mathbb{1}: the reader takes these for the number 1.
ONES = re.compile(r"\\(?:mathbf|boldsymbol|bm|mathbb|pmb)\s*(?:\{\s*1\s*\}|1)")


class _Formula:
    """Stands in for a graph: `layers.loss` defines its quantity here, and the
    formula is what is kept."""

    def define(self, name, formula, latex=None):
        return formula


def _loss(kind):
    def loss(output, target):
        if is_array(output) != is_array(target) or (is_array(output) and output.shape != target.shape):
            raise ReadError(f"{kind}(output, target) of a {_shape(output)} and a {_shape(target)}: the shapes must "
                            "be equal")
        return layers.loss(_Formula(), kind, kind, [target], [output])
    loss.__name__ = kind
    return loss


#: The engine's losses as functions of (output, target), PyTorch's order:
#: \operatorname{MSE}(\hat{y}, y), \operatorname{BCE}(p, y), \operatorname{NLL}(p, y) = −Σ y log p.
LOSS_FUNCTIONS = {spelled: _loss(kind) for kind, spellings in {
    "mse": ("mse", "MSE"), "sse": ("sse", "SSE"), "mae": ("mae", "MAE"), "l1": ("L1",),
    "bce": ("bce", "BCE"), "nll": ("nll", "NLL", "CE", "crossentropy", "CrossEntropy"),
}.items() for spelled in spellings}


def _shape(value) -> str:
    return "×".join(str(n) for n in value.shape) if is_array(value) else "scalar"


def broadcast(scalar, like):
    """A number as an array of the shape of `like`, every entry that number."""
    ones = OneMatrix(*like.shape)
    return ones if scalar == 1 else MatMul(scalar, ones)


def _column(node) -> int:
    from derive.reading.build import _column as column
    return column(node)


class ArrayBuilder(Builder):
    """The reader's builder, with the array meanings described above."""

    def _add(self, node, a, b):
        return self.combine(node, self.build(a), self.build(b), "plus", 1)

    def _sub(self, node, a, b):
        return self.combine(node, self.build(a), self.build(b), "minus", -1)

    def combine(self, node, x, y, word, sign):
        if is_array(x) and is_array(y) and x.shape != y.shape:
            # xᵀx is a number: a 1×1 array added to a larger one is added to every entry
            if x.shape == (1, 1):
                x = x[0, 0]
            elif y.shape == (1, 1):
                y = y[0, 0]
        if is_array(x) and is_array(y):
            if x.shape != y.shape:
                raise ReadError(f"a {_shape(x)} {word} a {_shape(y)}: the shapes must be equal", _column(node))
        elif is_array(x):
            y = broadcast(y, x)
        elif is_array(y):
            x = broadcast(x, y)
        return x + y if sign > 0 else x - y

    # --- products and quotients ----------------------------------------------
    def _juxt(self, node, *_):
        factors = self.factors(node)
        values, i = [], 0
        while i < len(factors):
            factor, following = factors[i], factors[i + 1] if i + 1 < len(factors) else None
            applied = self.application(factor, following)
            if applied is not None:
                values.append(applied)
                i += 2
                continue
            values.append(self.build(factor))
            i += 1
        result = values[0]
        for value in values[1:]:
            result = self.multiply(node, result, value)
        return result

    def _times(self, node, a, b):
        return self.multiply(node, self.build(a), self.build(b))

    def multiply(self, node, x, y):
        """A product; a 1×1 factor (xᵀx) of a larger array is a number."""
        if is_array(x) and is_array(y) and x.shape[1] != y.shape[0]:
            if x.shape == (1, 1):
                x = x[0, 0]
            elif y.shape == (1, 1):
                y = y[0, 0]
            else:
                what = " (a transpose is missing?)" if x.shape == y.shape and 1 in x.shape else ""
                raise ReadError(f"a {_shape(x)} times a {_shape(y)} does not multiply{what}", _column(node))
        return x * y

    def _divide(self, node, a, b):
        return self.quotient(node, self.build(a), self.build(b))

    def _fraction(self, node, numerator, denominator):
        derivative = self.derivative(numerator, denominator)
        if derivative is not None:
            return derivative
        return self.quotient(node, self.build(numerator), self.build(denominator))

    def quotient(self, node, x, y):
        """x / y; by an array, entry by entry (1/(1 + exp(−z)))."""
        if is_array(y) and y.shape != (1, 1):
            if is_array(x) and x.shape != y.shape:
                raise ReadError(f"a {_shape(x)} divided by a {_shape(y)}: entry by entry, the shapes must be equal",
                                _column(node))
            v = sympy.Dummy("x")
            inverse = ElementwiseApplyFunction(sympy.Lambda(v, 1 / v), y)
            if is_array(x):
                return HadamardProduct(x, inverse)
            return inverse if x == 1 else MatMul(x, inverse)
        from derive.reading.build import divide
        return divide(x, y, _column(node))

    def _absolute(self, node, inner):
        value = self.build(inner)
        if is_array(value) and not isinstance(value, sympy.MatrixBase):
            return value.applyfunc(absolute)
        return super()._absolute(node, inner)

    # --- sums over a given count ---------------------------------------------
    def big(self, node, limits, body, combine):
        """Σ and Π whose range may end at a count given in the file (m = 4):
        while the sum is read, each count stands for its number."""
        saved = dict(self.bound)
        self.bound.update({name: sympy.Integer(n) for name, n in self.counts.items() if name not in self.bound})
        try:
            return super().big(node, limits, body, combine)
        finally:
            self.bound = saved

    # --- norms ---------------------------------------------------------------
    def _norm(self, node, inner):
        return self.norm(node, self.build(inner), 2, squared=False)

    def _power(self, node, base, exponent):
        power = self.build(exponent)
        if isinstance(power, sympy.Basic) and power.is_Number and abs(power) > MAX_POWER:
            raise ReadError(f"a power of {power}; at most {MAX_POWER} is read", _column(node))
        if isinstance(power, sympy.Basic) and any(isinstance(p, sympy.Pow) and not p.exp.is_Number
                                                  for p in sympy.preorder_traversal(power)):
            raise ReadError("a tower of powers (a power in an exponent) is not read", _column(node))
        if isinstance(base, Tree) and base.data == "name" and base.children[0].value == "e" and "e" not in self.names:
            power = self.build(exponent)
            if is_array(power):
                return elementwise(sympy.exp, power)
        norm = self.norm_node(base)
        if norm is not None:
            inner, order = norm
            power = self.build(exponent)
            if power == 2 and order == 2:
                return self.norm(node, self.build(inner), 2, squared=True)
            value = self.norm(node, self.build(inner), order, squared=False)
            if is_array(value):
                x = sympy.Dummy("x")
                return ElementwiseApplyFunction(sympy.Lambda(x, x ** power), value)
            return value ** power
        return super()._power(node, base, exponent)

    def _subscript(self, node, inner, script):
        norm = self.norm_node(node)
        if norm is not None:
            return self.norm(node, self.build(norm[0]), norm[1], squared=False)
        return super()._subscript(node, inner, script)

    def norm_node(self, node):
        """(inner, order) when `node` is ‖·‖ or ‖·‖_1, ‖·‖_2, ‖·‖_F; else None."""
        if not isinstance(node, Tree):
            return None
        if node.data == "norm":
            return [c for c in node.children if isinstance(c, Tree) or c.type not in ("LNORM", "RNORM")][0], 2
        if node.data == "subscript":
            inner, script = [c for c in node.children if isinstance(c, Tree) or c.type != "UNDERSCORE"]
            if isinstance(inner, Tree) and inner.data == "norm":
                order = _norm_order(script)
                if order is None:
                    raise ReadError("a norm ‖·‖ with a subscript other than 1, 2 or F", _column(node))
                return self.norm_node(inner)[0], order
        return None

    def norm(self, node, value, order, squared):
        if not is_array(value) or isinstance(value, ImmutableMatrix) and not value.free_symbols:
            if is_array(value):
                entries = list(value)
                if order == 1:
                    return sum(abs(v) for v in entries)
                total = sum(v ** 2 for v in entries)
                return total if squared else sympy.sqrt(total)
            if squared:
                return value ** 2
            return absolute(value)
        if order == 1:
            return sum_of_entries(value.applyfunc(absolute))
        if value.shape[1] == 1:
            total = MatMul(Transpose(value), value)
        elif value.shape[0] == 1:
            total = MatMul(value, Transpose(value))
        else:
            total = sum_of_entries(HadamardProduct(value, value))
        if squared:
            return total
        x = sympy.Dummy("x")
        return ElementwiseApplyFunction(sympy.Lambda(x, sympy.sqrt(x)), total)

    # --- functions -----------------------------------------------------------
    def apply(self, name: str, arguments: list, node):
        lower = name.lower()
        if lower in ("max", "min") and len(arguments) == 1:
            values = self.build(arguments[0])
            values = list(values.args) if isinstance(values, sympy.Tuple) else [values]
            arrays = [v for v in values if is_array(v)]
            if len(values) == 2 and len(arrays) == 1 and not isinstance(arrays[0], sympy.MatrixBase):
                (array,), (number,) = arrays, [v for v in values if not is_array(v)]
                if lower == "max" and number == 0:
                    return elementwise(relu, array)  # max(0, z) = ReLU(z), entry by entry
                v = sympy.Dummy("x")
                extreme = sympy.Max if lower == "max" else sympy.Min
                return ElementwiseApplyFunction(sympy.Lambda(v, extreme(number, v)), array)
        if lower == "diag" and len(arguments) == 1:
            value = self.build(arguments[0])
            if is_array(value) and not isinstance(value, sympy.MatrixBase):
                if value.shape[1] != 1:
                    raise ReadError(f"diag of a {_shape(value)}: give it a column vector", _column(node))
                return sympy.DiagMatrix(value)
        if name.lower() == "softmax":
            value = self.build(arguments[0]) if len(arguments) == 1 else None
            if value is None or isinstance(value, sympy.Tuple):
                raise ReadError("softmax takes one vector", _column(node))
            if not is_array(value):
                raise ReadError("softmax of a scalar (it is 1); give it a vector", _column(node))
            return Softmax(value)
        return super().apply(name, arguments, node)


def _norm_order(script):
    text = "".join(t.value for t in script.scan_values(lambda t: True)) if isinstance(script, Tree) else script.value
    text = text.strip("{}")
    return {"1": 1, "2": 2, "F": 2}.get(text)


class Softmax(Operation):
    """softmax(z): exp(zᵢ)/Σⱼ exp(zⱼ) along a vector, or along each row of a
    matrix (softmax(QKᵀ/√d) in attention). Its pullback of a cotangent g is
    s ⊙ (g − 1 sᵀg) for a column s (row by row: s ⊙ (g − (s ⊙ g)𝟙))."""

    operand_count = 1
    precedence = PRECEDENCE["Atom"]

    def __new__(cls, z):
        return super().__new__(cls, z)

    @property
    def shape(self):
        return self.args[0].shape

    def entry(self, operands, i, j):
        (z,) = operands
        rows, cols = self.shape
        along = [z[k, j] for k in range(rows)] if cols == 1 else [z[i, k] for k in range(cols)]
        return sympy.exp(z[i, j]) / sympy.Add(*[sympy.exp(v) for v in along])

    def pullback(self, index, cotangent):
        rows, cols = self.shape
        if cols == 1:
            return HadamardProduct(self, cotangent - MatMul(OneMatrix(rows, 1), MatMul(Transpose(self), cotangent)))
        return HadamardProduct(self, cotangent - MatMul(HadamardProduct(self, cotangent), OneMatrix(cols, cols)))

    def _latex(self, printer):
        return rf"\operatorname{{softmax}}\left({printer._print(self.args[0])}\right)"

    def _sympystr(self, printer):
        return f"softmax({printer._print(self.args[0])})"
