"""The numeric path: a graph's formulas evaluated with NumPy, vectorised.

`Graph.evaluate` substitutes numbers into the symbolic formulas, exactly, so
that every step can be printed; that is right for coursework sizes and far too
slow for a 256-128-10 network.  Here each formula is compiled once into a
tree of NumPy closures (a matrix product becomes `@`, σ becomes one
vectorised call over the array), and the program then runs on float arrays.
The formulas are the engine's own — never text from a user — and nothing is
passed to `eval` or `lambdify`.
"""
from __future__ import annotations

import functools
from typing import Callable

import numpy as np
import sympy
from sympy import (
    HadamardProduct,
    Identity,
    MatAdd,
    MatMul,
    MatrixBase,
    MatrixSymbol,
    OneMatrix,
    Transpose,
    ZeroMatrix,
)
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.hadamard import HadamardPower

from derive.core import functions

Environment = dict  # symbol → float or ndarray
Closure = Callable[[Environment], object]


#: SymPy function name → vectorised NumPy function: every registered
#: function (`derive.core.functions`), and SymPy's own few the engine's
#: formulas use (|x| after a rewrite, max and min of a pooling or a ReLU).
UFUNCS = {
    **{cls: record.numpy for cls, record in functions.BY_CLASS.items()},
    "Abs": np.abs,
    "Heaviside": lambda x: (np.asarray(x) > 0).astype(float),
    "Max": lambda *xs: functools.reduce(np.maximum, xs),
    "Min": lambda *xs: functools.reduce(np.minimum, xs),
}


class NotNumeric(ValueError):
    """A formula uses an operation the numeric path does not know."""


class Program:
    """The defined quantities of a graph, compiled in definition order."""

    def __init__(self, graph, names=None):
        wanted = None if names is None else set(names)
        self.inputs = [q for q in graph if q.formula is None]
        self.outputs = [(q.name, q.symbol, compile_formula(q.formula))
                        for q in graph if q.formula is not None and (wanted is None or q.name in wanted)]

    def run(self, values: dict) -> dict:
        """Values of every compiled quantity, from `values` keyed by given name."""
        environment: Environment = {}
        for quantity in self.inputs:
            if quantity.name not in values:
                raise KeyError(f"numeric evaluation: no value for the given {quantity.name!r}")
            environment[quantity.symbol] = _array(values[quantity.name], quantity.shape)
        results = {}
        for name, symbol, closure in self.outputs:
            environment[symbol] = results[name] = closure(environment)
        return results


def evaluate(graph, values: dict, names=None) -> dict:
    """Compile `graph` and run it once on `values`."""
    return Program(graph, names).run(values)


def _array(value, shape):
    array = np.asarray(value, dtype=float)
    return array.reshape(shape) if shape else float(array)


def compile_formula(expr) -> Closure:
    """A closure computing `expr` from an environment of arrays."""
    if hasattr(expr, "compute") and hasattr(expr, "operands"):
        return _operation(expr)
    for kind, compiler in _COMPILERS:
        if isinstance(expr, kind):
            return compiler(expr)
    raise NotNumeric(f"the numeric path cannot evaluate {type(expr).__name__}: {expr}")


def _symbol(expr):
    return lambda env: env[expr]


def _constant(expr):
    value = float(expr)
    return lambda env: value


def _explicit_matrix(expr):
    entries = [[compile_formula(expr[i, j]) for j in range(expr.cols)] for i in range(expr.rows)]
    return lambda env: np.array([[entry(env) for entry in row] for row in entries], dtype=float)


def _special_matrix(expr):
    rows, cols = (int(n) for n in expr.shape)
    make = {Identity: lambda: np.eye(rows), OneMatrix: lambda: np.ones((rows, cols)),
            ZeroMatrix: lambda: np.zeros((rows, cols))}[type(expr)]
    constant = make()
    return lambda env: constant


def _add(expr):
    terms = [compile_formula(a) for a in expr.args]

    def add(env):
        total = terms[0](env)
        for term in terms[1:]:
            total = total + term(env)
        return total
    return add


def _product(multiply):
    def compiler(expr):
        factors = [compile_formula(a) for a in expr.args]

        def product(env):
            result = factors[0](env)
            for factor in factors[1:]:
                result = multiply(result, factor(env))
            return result
        return product
    return compiler


def _matmul_factor(left, right):
    if np.ndim(left) == 2 and np.ndim(right) == 2:
        return left @ right
    return left * right  # a scalar coefficient


def _power(expr):
    base, exponent = compile_formula(expr.args[0]), compile_formula(expr.args[1])
    return lambda env: np.power(base(env), exponent(env))


def _transpose(expr):
    argument = compile_formula(expr.arg)
    return lambda env: argument(env).T


def _elementwise(expr):
    variable = expr.function.variables[0]
    body = compile_formula(expr.function.expr)
    argument = compile_formula(expr.expr)

    def apply(env):
        inner = dict(env)
        inner[variable] = argument(env)
        return body(inner)
    return apply


def _function(expr):
    name = type(expr).__name__
    ufunc = UFUNCS.get(name) or getattr(type(expr), "numpy", None)
    if ufunc is None:
        raise NotNumeric(f"the numeric path has no vectorised form of {name}")
    record = functions.of_class(name)
    if record is not None and record.parameters:  # ELU(z, α): α by its name
        names = [p for p, _ in record.parameters]
        x, *rest = [compile_formula(a) for a in expr.args]
        return lambda env: ufunc(x(env), **{n: r(env) for n, r in zip(names, rest)})
    arguments = [compile_formula(a) for a in expr.args]
    return lambda env: ufunc(*(a(env) for a in arguments))


def _piecewise(expr):
    pieces = [(compile_formula(value), compile_formula(condition)) for value, condition in expr.args]

    def select(env):
        values = [value(env) for value, _ in pieces]
        conditions = [np.asarray(condition(env), dtype=bool) for _, condition in pieces]
        return np.select(conditions, values)
    return select


def _relational(expr):
    compare = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
               "==": np.equal, "!=": np.not_equal}[expr.rel_op]
    left, right = compile_formula(expr.lhs), compile_formula(expr.rhs)
    return lambda env: compare(left(env), right(env))


def _operation(expr):
    """A `derive.matrices.Operation` (convolution, pooling, reshape …):
    its vectorised `numpy` form if it has one, else its exact `compute`."""
    operands = [compile_formula(a) for a in expr.operands]
    vectorised = getattr(expr, "numpy", None)
    if vectorised is not None:
        return lambda env: vectorised(*(operand(env) for operand in operands))

    def exact(env):
        arrays = [np.atleast_2d(operand(env)) for operand in operands]
        return np.array(expr.compute(*(sympy.ImmutableMatrix(a) for a in arrays)).tolist(), dtype=float)
    return exact


def _matrix_element(expr):
    parent, row, column = compile_formula(expr.parent), int(expr.i), int(expr.j)
    return lambda env: np.atleast_2d(parent(env))[row, column]


def _true(expr):
    return lambda env: True


# Order matters: explicit and special matrices before the general classes.
_COMPILERS = (
    (MatrixBase, _explicit_matrix),
    ((Identity, OneMatrix, ZeroMatrix), _special_matrix),
    ((MatrixSymbol, sympy.Symbol, sympy.Dummy), _symbol),
    (sympy.Number, _constant),
    (sympy.NumberSymbol, _constant),
    ((MatAdd, sympy.Add), _add),
    (MatMul, _product(_matmul_factor)),
    ((HadamardProduct, sympy.Mul), _product(lambda a, b: a * b)),
    ((HadamardPower, sympy.Pow), _power),
    (Transpose, _transpose),
    (sympy.matrices.expressions.matexpr.MatrixElement, _matrix_element),
    (ElementwiseApplyFunction, _elementwise),
    (sympy.Piecewise, _piecewise),
    (sympy.core.relational.Relational, _relational),
    (sympy.logic.boolalg.BooleanTrue, _true),
    (sympy.Function, _function),
)

