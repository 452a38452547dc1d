"""Matrix expressions: evaluating them to explicit matrices, and their
vector–Jacobian products in matrix notation.

SymPy's `doit` leaves Hadamard products with `OneMatrix` unevaluated, and
differentiating `W x` element by element loses the form a person writes
(∂L/∂W = δ xᵀ).  So the two operations the graph needs on matrix formulas live
here, one rule per operation, the way micrograd gives every operation its own
backward rule.
"""
from __future__ import annotations

import sympy
from sympy import (
    HadamardProduct,
    Identity,
    ImmutableMatrix,
    MatAdd,
    MatMul,
    MatrixBase,
    MatrixExpr,
    MatrixSymbol,
    OneMatrix,
    Transpose,
    ZeroMatrix,
)
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.hadamard import HadamardPower, hadamard_product


class ShapeMismatch(ValueError):
    """Two operands whose shapes do not fit; the message names both."""


class NoMatrixRule(Exception):
    """The matrix rules do not cover this operation; use elements instead."""


class Operation(MatrixExpr):
    """A matrix operation that carries its own value and backward rule.

    Convolutions, pooling and reshapes are not products of matrices, so the
    rules below cannot see through them; like a micrograd node, such an
    operation says how to compute itself from explicit operands
    (`compute`) and what each operand receives from a cotangent
    (`pullback`, itself a formula, so that ∂L/∂F = X ⋆ ∂L/∂O stays readable).
    `args` are the matrix operands first (`operand_count` of them), then
    integer parameters.
    """

    operand_count = 1

    @property
    def operands(self):
        return self.args[:self.operand_count]

    @property
    def parameters(self):
        return tuple(int(a) for a in self.args[self.operand_count:])

    def compute(self, *operands) -> ImmutableMatrix:
        rows, cols = self.shape
        return ImmutableMatrix(rows, cols, [self.entry(operands, i, j) for i in range(rows) for j in range(cols)])

    def entry(self, operands, i, j):
        raise NotImplementedError

    def _entry(self, i, j, **kwargs):
        return self.entry(self.operands, int(i), int(j))

    def pullback(self, index: int, cotangent):
        raise NoMatrixRule


def is_matrix(expr) -> bool:
    return isinstance(expr, (MatrixExpr, MatrixBase))


def shape_of(expr) -> tuple[int, ...]:
    return tuple(int(n) for n in expr.shape) if is_matrix(expr) else ()


def explicit(expr, values: dict) -> sympy.Basic:
    """Evaluate `expr` with symbols replaced by `values`, matrices explicitly."""
    if not is_matrix(expr):
        if any(isinstance(s, MatrixSymbol) for s in expr.free_symbols):
            return expr.xreplace(_explicit_values(values)).doit()
        return expr.xreplace(values)
    return ImmutableMatrix(_explicit(expr, values))


def _explicit_values(values):
    return {k: ImmutableMatrix(v) if isinstance(v, MatrixBase) else v for k, v in values.items()}


def _explicit(expr, values):
    if isinstance(expr, MatrixBase):
        return expr.xreplace(values)
    if isinstance(expr, MatrixSymbol):
        return values[expr] if expr in values else expr.as_explicit()
    if isinstance(expr, MatAdd):
        parts = [_explicit(a, values) for a in expr.args]
        total = parts[0]
        for part in parts[1:]:
            total = total + part
        return total
    if isinstance(expr, MatMul):
        result = None
        coefficient = sympy.Integer(1)
        for a in expr.args:
            if is_matrix(a):
                factor = _explicit(a, values)
                result = factor if result is None else result * factor
            else:
                coefficient = coefficient * explicit(a, values)
        return result * coefficient
    if isinstance(expr, HadamardProduct):
        parts = [_explicit(a, values) for a in expr.args]
        result = parts[0]
        for part in parts[1:]:
            result = result.multiply_elementwise(part)
        return result
    if isinstance(expr, HadamardPower):
        base = _explicit(expr.base, values)
        exponent = explicit(expr.exp, values)
        return base.applyfunc(lambda v: v**exponent)
    if isinstance(expr, Transpose):
        return _explicit(expr.arg, values).T
    if isinstance(expr, ElementwiseApplyFunction):
        return _explicit(expr.expr, values).applyfunc(expr.function.xreplace(values))
    if isinstance(expr, Operation):
        return expr.compute(*[_explicit(a, values) for a in expr.operands])
    if isinstance(expr, (OneMatrix, Identity, ZeroMatrix)):
        return expr.as_explicit()
    return expr.xreplace(_explicit_values(values)).doit().as_explicit()


def vjp(expr, wrt, cotangent, output=None):
    """The contribution of `wrt` to the adjoint, through the formula `expr`.

    `cotangent` is the adjoint of the quantity `expr` defines; `output`, when
    given, is that quantity's symbol, so that σ′(z) can be written σ(1 − σ) in
    terms of the quantity itself, as a person writes it.  Returns None when
    `expr` does not depend on `wrt`.
    """
    if wrt not in expr.free_symbols:
        return None
    if not is_matrix(expr) and not is_matrix(wrt):
        return cotangent * local_derivative(expr, wrt, output)
    if is_matrix(expr) and isinstance(wrt, MatrixSymbol):
        try:
            return _matrix_vjp(expr, wrt, cotangent, expr, output)
        except NoMatrixRule:
            pass
    return _elementwise_vjp(expr, wrt, cotangent)


def local_derivative(expr, wrt, output=None):
    """∂expr/∂wrt for a scalar formula, in terms of `output` (= expr) where it appears.

    An unrolled network repeats a handful of formula shapes (tanh(w h + u x)
    at every step), so each shape is differentiated once: the formula's
    symbols are renamed to placeholders in a fixed order, the derivative of
    that template is remembered, and the step's own symbols are put back.
    SymPy's differentiation, with its assumption queries, then costs once per
    shape instead of once per step."""
    symbols = sorted(expr.free_symbols, key=sympy.default_sort_key)
    if not all(type(s) is sympy.Symbol for s in symbols) or (output is not None and type(output) is not sympy.Symbol):
        derivative = sympy.diff(expr, wrt)  # entries of matrices, dummies: no template
        return derivative.xreplace({expr: output}) if output is not None else derivative
    to_template = {s: _placeholder(i, s) for i, s in enumerate(symbols)}
    result = _placeholder(len(symbols), output) if output is not None else None
    key = (expr.xreplace(to_template), to_template[wrt], result)
    derivative = _TEMPLATES.get(key)
    if derivative is None:
        derivative = sympy.diff(key[0], key[1])
        if result is not None:
            derivative = derivative.xreplace({key[0]: result})
        if len(_TEMPLATES) < 4096:
            _TEMPLATES[key] = derivative
    back = {placeholder: s for s, placeholder in to_template.items()}
    if result is not None:
        back[result] = output
    return derivative.xreplace(back)


_TEMPLATES: dict = {}


def forget_derivatives():
    """Empty the memo of differentiated shapes (benchmarks measure from cold)."""
    _TEMPLATES.clear()


def _placeholder(index, like):
    """The index-th template symbol, with the assumptions of `like`."""
    assumptions = tuple(sorted(like.assumptions0.items()))
    key = (index, assumptions)
    if key not in _PLACEHOLDERS:
        _PLACEHOLDERS[key] = sympy.Dummy(f"t{index}", **dict(assumptions))
    return _PLACEHOLDERS[key]


_PLACEHOLDERS: dict = {}


def _matrix_vjp(expr, wrt, cotangent, whole, output):
    if expr == wrt:
        return cotangent
    if wrt not in expr.free_symbols:
        return None
    if isinstance(expr, MatAdd):
        return _sum([_matrix_vjp(a, wrt, cotangent, whole, output) for a in expr.args])
    if isinstance(expr, MatMul):
        coefficient, factors = expr.as_coeff_matrices()
        if wrt in getattr(coefficient, "free_symbols", ()):
            raise NoMatrixRule
        contributions = []
        for i, factor in enumerate(factors):
            left, right = factors[:i], factors[i + 1:]
            g = cotangent
            if left:
                g = MatMul(Transpose(MatMul(*left)).doit(), g).doit()
            if right:
                g = MatMul(g, Transpose(MatMul(*right)).doit()).doit()
            contributions.append(_matrix_vjp(factor, wrt, coefficient * g, whole, output))
        return _sum(contributions)
    if isinstance(expr, HadamardProduct):
        contributions = []
        for i, factor in enumerate(expr.args):
            others = expr.args[:i] + expr.args[i + 1:]
            contributions.append(_matrix_vjp(factor, wrt, _hadamard(cotangent, *others), whole, output))
        return _sum(contributions)
    if isinstance(expr, Transpose):
        return _matrix_vjp(expr.arg, wrt, Transpose(cotangent).doit(), whole, output)
    if isinstance(expr, ElementwiseApplyFunction):
        derivative = elementwise_derivative(expr, output if expr == whole else None)
        # A 1×1 loss is seeded with I₁: ∂L/∂p = 1/p, not I ⊙ 1/p.
        scaled = derivative if cotangent == Identity(1) else _hadamard(cotangent, derivative)
        return _matrix_vjp(expr.expr, wrt, scaled, whole, output)
    if isinstance(expr, Operation):
        return _sum([_matrix_vjp(operand, wrt, expr.pullback(k, cotangent), whole, output)
                     for k, operand in enumerate(expr.operands) if wrt in operand.free_symbols])
    raise NoMatrixRule


def elementwise_derivative(applied: ElementwiseApplyFunction, output=None):
    """f′ applied element by element; in terms of `output` = f(arg) if possible."""
    variable = applied.function.variables[0]
    body = applied.function.expr
    derivative = sympy.diff(body, variable)
    if output is not None:
        y = sympy.Dummy("y")
        in_output = derivative.xreplace({body: y})
        if variable not in in_output.free_symbols:
            try:
                return _hadamard_polynomial(in_output, y, output)
            except NoMatrixRule:
                pass
    return ElementwiseApplyFunction(sympy.Lambda(variable, derivative), applied.expr)


def _hadamard_polynomial(poly, y, matrix):
    """A polynomial in y, as an element-wise expression in `matrix`."""
    ones = OneMatrix(*matrix.shape)
    if poly == y:
        return matrix
    if poly.is_Number:
        return poly * ones
    if poly.is_Add:
        # 1 − y² reads better than −y² + 1: constants first.
        terms = sorted(poly.args, key=lambda t: (not t.is_Number, sympy.default_sort_key(t)))
        return MatAdd(*[_hadamard_polynomial(t, y, matrix) for t in terms])
    if poly.is_Mul:
        coefficient, rest = poly.as_coeff_Mul()
        factors = sympy.Mul.make_args(rest)
        product = [_hadamard_polynomial(f, y, matrix) for f in factors]
        result = product[0] if len(product) == 1 else HadamardProduct(*product)
        return result if coefficient == 1 else coefficient * result
    if poly.is_Pow and poly.base == y and poly.exp.is_Integer and poly.exp > 0:
        return HadamardPower(matrix, poly.exp)
    raise NoMatrixRule


def _elementwise_vjp(expr, wrt, cotangent):
    elements = expr.as_explicit() if is_matrix(expr) else ImmutableMatrix([[expr]])
    if is_matrix(expr):
        cot = [[cotangent[i, j] for j in range(elements.shape[1])] for i in range(elements.shape[0])]
    else:
        cot = [[cotangent]]

    def adjoint_of(variable):
        return sympy.Add(*[cot[i][j] * sympy.diff(elements[i, j], variable)
                           for i in range(elements.shape[0]) for j in range(elements.shape[1])])

    if isinstance(wrt, MatrixSymbol):
        rows, cols = wrt.shape
        return ImmutableMatrix(rows, cols, [adjoint_of(wrt[k, l]) for k in range(rows) for l in range(cols)])
    return adjoint_of(wrt)


def _hadamard(*factors):
    """The Hadamard product, with all-ones factors (c·1) taken out as scalars,
    so that ∂/∂a of (1/n)·1ᵀ|a − y| reads (1/n) sign(a − y), not ((1/n)·1) ⊙ …"""
    coefficient, kept = sympy.Integer(1), []
    for factor in factors:
        scalar, matrices = factor.as_coeff_matrices() if isinstance(factor, MatMul) else (1, [factor])
        if len(matrices) == 1 and isinstance(matrices[0], OneMatrix):
            coefficient *= scalar
        else:
            kept.append(factor)
    if not kept:
        return MatMul(coefficient, factors[0]).doit() if coefficient != 1 else OneMatrix(*factors[0].shape)
    product = kept[0] if len(kept) == 1 else hadamard_product(*kept)
    return product if coefficient == 1 else MatMul(coefficient, product)


def _sum(contributions):
    present = [c for c in contributions if c is not None]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    if all(is_matrix(c) for c in present):
        return MatAdd(*present).doit(deep=False)
    return sympy.Add(*present)


def check_shapes(operation: str, left_name: str, left, right_name: str, right, rule: str):
    """Raise ShapeMismatch naming both operands when `rule` does not hold."""
    ls, rs = shape_of(left), shape_of(right)
    ok = {
        "product": len(ls) == 2 and len(rs) == 2 and ls[1] == rs[0],
        "same": ls == rs,
    }[rule]
    if not ok:
        need = "columns of the first must equal rows of the second" if rule == "product" else "shapes must be equal"
        raise ShapeMismatch(
            f"{operation}: {left_name} is {_describe(ls)} and {right_name} is {_describe(rs)}; {need}")


def _describe(shape):
    return "a scalar" if not shape else "×".join(str(n) for n in shape)
