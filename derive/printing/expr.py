"""The `expr` of a JSON answer: SymPy text that `sympy.sympify` parses back.

DESIGN.md promises that `expr` parses with the problem's symbols and
function classes given by name.  `str()` does not keep that promise: it
prints the display forms of the engine's own classes (`KL(q ‖ p)`,
`E_q[…]`, `X ⋆ F`), an element-wise function as `Lambda(_d, f(_d)).(X)`,
the identity as `I` (which sympify reads as the imaginary unit) and a
matrix of ones as `1`.  This printer writes every object as the
constructor call that builds it instead.
"""
from __future__ import annotations

import sympy
from mpmath.libmp import from_str, prec_to_dps, repr_dps, round_nearest, to_str
from sympy.printing.str import StrPrinter


class ExprPrinter(StrPrinter):
    """StrPrinter without the classes' own `_sympystr` display forms: any
    object that has no method here prints as `ClassName(arg, …)`."""

    # No class defines this, so no display form (`_sympystr`) is consulted.
    printmethod = "_derive_expr_never"

    def _constructor(self, expr):
        return f"{type(expr).__name__}({', '.join(self._print(a) for a in expr.args)})"

    _print_Basic = _print_Function = _constructor
    # the blocks themselves, not the matrix str() lays them out as
    _print_BlockMatrix = _constructor

    def _print_Identity(self, expr):
        return f"Identity({self._print(expr.rows)})"

    def _print_OneMatrix(self, expr):
        return f"OneMatrix({self._print(expr.rows)}, {self._print(expr.cols)})"

    def _print_ZeroMatrix(self, expr):
        return f"ZeroMatrix({self._print(expr.rows)}, {self._print(expr.cols)})"

    def _print_ElementwiseApplyFunction(self, expr):
        return f"({self._print(expr.expr)}).applyfunc({self._print(expr.function)})"

    def _print_IndexedBase(self, expr):
        shape = f", shape={self._print(expr.shape)}" if expr.shape is not None else ""
        return f"IndexedBase({self._print(expr.label)}{shape})"

    def _print_Indexed(self, expr):
        return f"{self._print(expr.base)}[{', '.join(self._print(i) for i in expr.indices)}]"

    def _print_Symbol(self, expr):
        if expr.name.isidentifier():
            return expr.name
        # A name that is not an identifier (a display name such as "ReLU(x)")
        # would parse as an expression: construct the symbol instead.
        assumptions = "".join(f", {k}={v}" for k, v in sorted(expr._assumptions_orig.items()))
        return f"Symbol({expr.name!r}{assumptions})"

    def _print_Transpose(self, expr):
        # `(A ⊙ B).T` would parse to Aᵀ ⊙ Bᵀ: sympify evaluates `.T`
        if isinstance(expr.arg, sympy.MatrixSymbol):
            return f"{self._print(expr.arg)}.T"
        return f"Transpose({self._print(expr.arg)})"

    def _print_MatMul(self, expr):
        return self._constructor(expr) if _evaluates_away(expr) else super()._print_MatMul(expr)

    def _print_MatAdd(self, expr):
        return self._constructor(expr) if _evaluates_away(expr) else self._print_Add(expr)

    def _print_Integer(self, expr):
        try:
            return super()._print_Integer(expr)
        except ValueError:  # more digits than Python prints: hexadecimal is exact and sympify reads it
            return hex(expr.p)

    def _print_Rational(self, expr):
        try:
            return super()._print_Rational(expr)
        except ValueError:
            return f"Rational({hex(expr.p)}, {hex(expr.q)})"

    def _print_Float(self, expr):
        """The shortest decimal that parses back to the same binary number;
        its precision stated when sympify would not infer it from the digits."""
        precision = expr._prec
        for digits in range(prec_to_dps(precision), repr_dps(precision) + 1):
            text = to_str(expr._mpf_, digits, strip_zeros=False)
            # mpmath's reader: sympy.Float(text) takes minutes for exponents like e-3040061
            if from_str(text, precision, round_nearest) == expr._mpf_:
                break
        huge = abs(expr._mpf_[2]) > 10**4  # an exponent sympy.Float would read slowly: say the precision
        if not huge and sympy.Float(text)._prec == precision:
            return text
        return f"Float('{text}', precision={precision})"

    def _print_ImmutableDenseMatrix(self, expr):
        return f"ImmutableMatrix({self._print(expr.tolist())})"


def _evaluates_away(expr) -> bool:
    """Whether `a*b` or `a + b` would change `expr`: sympify evaluates them
    with doit(), which distributes a transpose over a product or a sum."""
    return any(isinstance(node, sympy.Transpose) and not isinstance(node.arg, sympy.MatrixSymbol)
               for node in sympy.preorder_traversal(expr))


def expr_text(expr) -> str:
    """`expr` as text that sympify parses back (see the module's docstring)."""
    return ExprPrinter().doprint(expr)
