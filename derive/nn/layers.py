"""Layer vocabulary: shape-checked building blocks of formulas.

The expression builders (`product`, `elementwise_product`, `total`,
`apply`) return formulas and report a shape mismatch with the names of the
operands; the layer builders (`affine`, `activation`, `loss`)
add a named quantity to a graph.
"""
from __future__ import annotations

import sympy
import numpy as np
from sympy import HadamardProduct, Identity, MatAdd, MatMul, OneMatrix, Transpose
from sympy.printing.precedence import PRECEDENCE

from derive.core import functions
from derive.core.functions import ACTIVATIONS, FUNCTIONS, probability_log
from derive.core.matrices import Operation, check_shapes, is_matrix


def product(left, right, where: str):
    """The matrix product `left · right`."""
    check_shapes(where, _name(left), left, _name(right), right, "product")
    return MatMul(left, right)


def elementwise_product(left, right, where: str):
    """The Hadamard product `left ⊙ right`."""
    if not is_matrix(left):
        return left * right
    check_shapes(where, _name(left), left, _name(right), right, "same")
    return HadamardProduct(left, right)


def total(terms, where: str):
    """The sum of terms of one shape."""
    for term in terms[1:]:
        check_shapes(where, _name(terms[0]), terms[0], _name(term), term, "same")
    return sympy.MatAdd(*terms) if is_matrix(terms[0]) else sympy.Add(*terms)


def apply(function: str, argument, *parameters):
    """An activation applied element by element (softmax to the whole
    vector); `parameters` follow the argument (ELU's α: `apply("elu", z, alpha)`)."""
    if function not in ACTIVATIONS:
        raise ValueError(f"unknown activation {function!r}; choose one of {', '.join(ACTIVATIONS)}")
    record = FUNCTIONS[function]
    return functions.apply(function, argument, **dict(zip((p for p, _ in record.parameters), parameters)))


def affine(graph, name, weight, inputs, bias=None, *, latex=None):
    """`name = weight · inputs (+ bias)`."""
    terms = [product(weight, inputs, f"affine {name}")] + ([bias] if bias is not None else [])
    return graph.define(name, total(terms, f"affine {name}"), latex=latex)


def activation(graph, name, function: str, argument, *parameters, latex=None):
    """`name = f(argument)` element by element."""
    return graph.define(name, apply(function, argument, *parameters), latex=latex)


#: Losses by name, with how they read.  Sums run over every entry of every
#: (target, output) pair; `mse` and `mae` divide by the number of entries.
LOSSES = {
    "half_sse": "½ Σ (y − ŷ)²",
    "sse": "Σ (y − ŷ)²",
    "mse": "(1/n) Σ (y − ŷ)²",
    "l1": "Σ |ŷ − y|",
    "mae": "(1/n) Σ |ŷ − y|",
    "bce": "−Σ [y log ŷ + (1 − y) log(1 − ŷ)]",
    "log_prob": "Σ y log ŷ (the log-probability of the targets; maximised, not minimised)",
    "nll": "−Σ y log ŷ",
}


#: Objectives that are maximised: a training step goes up their gradient.
MAXIMISED = ("log_prob",)


def loss(graph, name, kind: str, targets, outputs, *, latex=None):
    """A loss over pairs of (target, output), of a kind named in LOSSES."""
    if kind not in LOSSES:
        raise ValueError(f"unknown loss {kind!r}; choose one of {', '.join(LOSSES)}")
    terms = []
    for target, output in zip(targets, outputs):
        check_shapes(f"loss {name}", _name(target), target, _name(output), output, "same")
        terms.append(_LOSS_TERMS[kind](target, output))
    summed = total(terms, f"loss {name}")
    count = sum(int(sympy.prod(t.shape)) if is_matrix(t) else 1 for t in targets)
    factor = {"half_sse": sympy.Rational(1, 2), "mse": sympy.Rational(1, count), "mae": sympy.Rational(1, count),
              "bce": sympy.Integer(-1), "nll": sympy.Integer(-1)}.get(kind, sympy.Integer(1))
    if factor != 1:
        summed = MatMul(factor, summed) if is_matrix(summed) else factor * summed
    return graph.define(name, summed, latex=latex)


def _squares(target, output):
    difference = target - output
    return MatMul(Transpose(difference), difference) if is_matrix(difference) else difference**2


def _absolute_values(target, output):
    # ŷ − y, not y − ŷ: the derivative then reads sign(ŷ − y), as people write it.
    return sum_of_entries(apply("abs", output - target))


def _cross_entropy(target, output):
    if not is_matrix(target):
        return target * probability_log(output) + (1 - target) * probability_log(1 - output)
    ones = OneMatrix(*target.shape)
    return sympy.MatAdd(_weighted_log(target, output), _weighted_log(ones - target, ones - output))


def _log_probability(target, output):
    if not is_matrix(target):
        return target * probability_log(output)
    return _weighted_log(target, output)


def _weighted_log(weights, probabilities):
    """Σ wᵢ log pᵢ: wᵀ log p for vectors (its gradient reads w ⊙ 1/p)."""
    logs = probabilities.applyfunc(probability_log)
    if weights.shape[1] == 1:
        return MatMul(Transpose(weights), logs)
    return sum_of_entries(HadamardProduct(weights, logs))


_LOSS_TERMS = {"half_sse": _squares, "sse": _squares, "mse": _squares, "l1": _absolute_values,
               "mae": _absolute_values, "bce": _cross_entropy, "log_prob": _log_probability,
               "nll": _log_probability}


def sum_of_entries(matrix):
    """Σ of a matrix's entries as 1ᵀ M (1): a 1×1 matrix, differentiable by the matrix rules."""
    if not is_matrix(matrix) or matrix.shape == (1, 1):
        return matrix
    rows, cols = matrix.shape
    result = MatMul(Transpose(OneMatrix(rows, 1)), matrix)  # printed 1ᵀ M, as people write it
    return MatMul(result, OneMatrix(cols, 1)) if cols != 1 else result


def _name(expr) -> str:
    name = getattr(expr, "name", None)
    return name if isinstance(name, str) else str(expr)


class SoftmaxCrossEntropy(Operation):
    """−yᵀ log softmax(z) = log Σᵢ e^{zᵢ} − yᵀz, for targets y that add up to one.

    The loss of a softmax output, taken from the logits z, as every course
    writes its gradient: ∂L/∂z = p − y with p = softmax(z).  `p` is the
    graph's symbol for the softmax output; it is carried for that formula
    only (not an operand: L is computed from z and y), so it is left out of
    `free_symbols` and the graph does not differentiate through it again."""

    operand_count = 2
    precedence = PRECEDENCE["Mul"]

    def __new__(cls, z, y, p):
        return super().__new__(cls, z, y, p)

    @property
    def shape(self):
        return (1, 1)

    @property
    def free_symbols(self):
        return self.args[0].free_symbols | self.args[1].free_symbols

    def entry(self, operands, i, j):
        z, y = operands
        n = z.shape[0]
        return sympy.log(sympy.Add(*[sympy.exp(z[k, 0]) for k in range(n)])) - sympy.Add(*[y[k, 0] * z[k, 0]
                                                                                           for k in range(n)])

    def numpy(self, z, y):
        z, y = np.asarray(z, dtype=float).reshape(-1), np.asarray(y, dtype=float).reshape(-1)
        top = np.max(z)
        return np.array([[top + np.log(np.sum(np.exp(z - top))) - y @ z]])

    def pullback(self, index, cotangent):
        z, y, p = self.args
        local = MatAdd(p, -y) if index == 0 else -p.applyfunc(probability_log)
        return local if cotangent == Identity(1) else MatMul(local, cotangent)

    def _latex(self, printer, exp=None):
        z, y, _ = (printer._print(a) for a in self.args)
        return rf"-{y}^{{\top}} \log \operatorname{{softmax}}\left({z}\right)"

    def _sympystr(self, printer):
        z, y, _ = (printer._print(a) for a in self.args)
        return f"−{y}ᵀ log softmax({z})"


def softmax_cross_entropy(graph, name, target, logits, probabilities, *, latex=None):
    """The cross-entropy of a softmax output, as a function of its logits
    (so that the adjoint of the logits is p − y); targets must add up to one."""
    check_shapes(f"loss {name}", _name(target), target, _name(logits), logits, "same")
    return graph.define(name, SoftmaxCrossEntropy(logits, target, probabilities), latex=latex)
