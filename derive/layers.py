"""Layer vocabulary: shape-checked building blocks of formulas.

The expression builders (`product`, `elementwise_product`, `total`,
`apply`) return formulas and report a shape mismatch with the names of the
operands; the layer builders (`affine`, `activation`, `half_sum_of_squares`)
add a named quantity to a graph.
"""
from __future__ import annotations

import sympy
from sympy import HadamardProduct, MatMul, Transpose

from .functions import ACTIVATIONS
from .matrices import check_shapes, is_matrix


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


def apply(function: str, argument):
    """An activation applied element by element."""
    if function not in ACTIVATIONS:
        raise ValueError(f"unknown activation {function!r}; choose one of {', '.join(ACTIVATIONS)}")
    f = ACTIVATIONS[function]
    if f is None:
        return argument
    return argument.applyfunc(f) if is_matrix(argument) else f(argument)


def affine(graph, name, weight, inputs, bias=None, *, latex=None):
    """`name = weight · inputs (+ bias)`."""
    terms = [product(weight, inputs, f"affine {name}")] + ([bias] if bias is not None else [])
    return graph.define(name, total(terms, f"affine {name}"), latex=latex)


def activation(graph, name, function: str, argument, *, latex=None):
    """`name = f(argument)` element by element."""
    return graph.define(name, apply(function, argument), latex=latex)


LOSSES = {
    "half_sse": "½ Σ (y − ŷ)²",
    "sse": "Σ (y − ŷ)²",
    "mse": "(1/n) Σ (y − ŷ)²",
}


def loss(graph, name, kind: str, targets, outputs, *, latex=None):
    """A loss over pairs of (target, output), of a kind named in LOSSES."""
    if kind not in LOSSES:
        raise ValueError(f"unknown loss {kind!r}; choose one of {', '.join(LOSSES)}")
    terms = []
    for target, output in zip(targets, outputs):
        check_shapes(f"loss {name}", _name(target), target, _name(output), output, "same")
        difference = target - output
        terms.append(MatMul(Transpose(difference), difference) if is_matrix(difference) else difference**2)
    summed = total(terms, f"loss {name}")
    count = sum(int(sympy.prod(t.shape)) if is_matrix(t) else 1 for t in targets)
    factor = {"half_sse": sympy.Rational(1, 2), "sse": sympy.Integer(1), "mse": sympy.Rational(1, count)}[kind]
    if factor != 1:
        summed = MatMul(factor, summed) if is_matrix(summed) else factor * summed
    return graph.define(name, summed, latex=latex)


def _name(expr) -> str:
    name = getattr(expr, "name", None)
    return name if isinstance(name, str) else str(expr)
