"""Printing formulas: in LaTeX and in plain text, with the problem's notation,
and optionally with numbers substituted for symbols.

Substitution is a printing concern, not an algebraic one: `σ(W_f x_1 + b_f)`
with numbers in it must read `σ([1 2] [1; 0] + 0.2)`, which SymPy would
evaluate away if we substituted into the expression.  So the printers below
print a bound symbol as its value, parenthesised when it is negative or
compound, the way a person writes it.
"""
from __future__ import annotations

import math

import sys

import mpmath
import sympy
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from sympy import MatMul
from sympy.printing.precedence import PRECEDENCE, precedence

from derive.core.functions import FUNCTION_NAMES
from derive.core.matrices import is_matrix
from derive.core.numbers import format_decimal


class Verbatim(sympy.Symbol):
    """A symbol printed exactly as its name (already rendered text)."""

    precedence = PRECEDENCE["Atom"]

    def _latex(self, printer):
        return self.name

    def _sympystr(self, printer):
        return self.name


_VERBATIM_CLASSES: dict[int, type] = {}


def verbatim(text: str, level: int) -> Verbatim:
    """Rendered text that the printers bracket as an expression of
    precedence `level` (a class per level: SymPy caches symbols by class)."""
    if level not in _VERBATIM_CLASSES:
        _VERBATIM_CLASSES[level] = type(f"Verbatim{level}", (Verbatim,), {"precedence": level})
    return _VERBATIM_CLASSES[level](text)


def _shown_precedence(expr) -> int:
    """Precedence of `expr` as printed: an element-wise function prints as
    its formula (1 − tanh(c)², an Add), not as one call."""
    if isinstance(expr, sympy.matrices.expressions.applyfunc.ElementwiseApplyFunction):
        return precedence(expr.function.expr)
    return precedence(expr)


def _is_negative_term(term) -> bool:
    if isinstance(term, MatMul):
        coefficient = term.args[0]
        return not is_matrix(coefficient) and coefficient.could_extract_minus_sign()
    return False


def _needs_parentheses(value) -> bool:
    if isinstance(value, sympy.MatrixBase):
        return value.shape == (1, 1) and _needs_parentheses(value[0, 0])
    if isinstance(value, sympy.Basic):
        if value.is_number and value.is_real:
            fraction = value.is_Rational and terminating_places(value) is None
            # a compound number (2/√10, 1 + √2) reads as one only in brackets
            compound = not value.is_Atom and precedence(value) < PRECEDENCE["Pow"]
            return bool(value.is_negative) or fraction or compound
        return not value.is_Atom
    return False


def _is_scalar_shaped(expr) -> bool:
    """A 1×1 matrix expression: a scalar, however SymPy typed it."""
    return getattr(expr, "shape", None) == (1, 1)


def _negative(term) -> bool:
    return isinstance(term, sympy.Basic) and not is_matrix(term) and bool(term.could_extract_minus_sign())


def textbook_order(terms: list) -> list:
    """Terms of a sum as a textbook writes them: a positive term first, the
    rest as they came (θ₀ − α·v, n − l + 1, x − μ rather than −μ + x)."""
    if terms and _negative(terms[0]):
        for i, term in enumerate(terms):
            if not _negative(term):
                return [term] + terms[:i] + terms[i + 1:]
    return terms


def _scalar_factors(factors) -> list[tuple[object, int]]:
    """Factors of a product of scalars with transposes dropped (a scalar is
    its own transpose) and equal neighbours gathered: (y − a)ᵀ(y − a) is (y − a)²."""
    gathered: list[list] = []
    for factor in factors:
        factor = _without_scalar_transposes(factor)
        if gathered and gathered[-1][0] == factor:
            gathered[-1][1] += 1
        else:
            gathered.append([factor, 1])
    return [(factor, count) for factor, count in gathered]


def _without_scalar_transposes(expr):
    if not isinstance(expr, sympy.Basic):
        return expr
    return expr.replace(lambda e: isinstance(e, sympy.Transpose) and _is_scalar_shaped(e.arg), lambda e: e.arg)


def _ones(factor) -> str:
    """𝟏 or 𝟏ᵀ for a vector of ones (a factor that sums), else ""."""
    transposed = isinstance(factor, sympy.Transpose)
    if transposed:
        factor = factor.arg
    if not isinstance(factor, sympy.OneMatrix) or factor.shape == (1, 1):
        return ""
    return "𝟏ᵀ" if (factor.shape[0] == 1) != transposed else "𝟏"


def _sums_last(factors) -> list:
    """Factors of a commutative product with the bracketed sums last, as a
    person writes σ′: ∂L/∂f ⊙ f ⊙ (1 − f)."""
    return sorted(factors, key=lambda f: _shown_precedence(f) < PRECEDENCE["Mul"])


class _NotationMixin:
    """What the LaTeX and text printers share: notation, values, numbers,
    and the notation decided by shapes (no scalar transposed, no ⊙ between
    scalars) and by sign (a sum starts with a positive term)."""

    _name_index = 1  # (text, latex) position in the notation tuples

    def _as_ordered_terms(self, expr, order=None):
        return textbook_order(list(super()._as_ordered_terms(expr, order=order)))

    def _print_Transpose(self, expr):
        if _is_scalar_shaped(expr.arg):
            return self._scalar_product([expr.arg])
        return self._transposed(expr)

    def _print_HadamardProduct(self, expr):
        if _is_scalar_shaped(expr):
            return self._scalar_product(_sums_last(expr.args))
        level = PRECEDENCE["Mul"]
        return f" {self._hadamard_sign} ".join(
            self._brackets(self._print(a)) if _shown_precedence(a) < level else self.parenthesize(a, level)
            for a in _sums_last(expr.args))

    def _print_HadamardPower(self, expr):
        if _is_scalar_shaped(expr.base):
            return self._power(expr.base, expr.exp)
        return self._hadamard_power(expr)

    def _scalar_product(self, factors) -> str:
        """A product of scalars (1×1 matrices among them): `·` between
        factors, brackets around sums, equal neighbours as a power."""
        factors = list(factors)
        sign = ""
        if factors and not is_matrix(factors[0]) and factors[0] == -1 and len(factors) > 1:
            sign, factors = "-", factors[1:]
        printed = []
        for factor, count in _scalar_factors(factors):
            if count > 1:
                printed.append(self._power(factor, sympy.Integer(count)))
            elif len(factors) == 1 and not sign:
                text = self._print(factor)
                printed.append(self._brackets(text) if _shown_precedence(factor) < PRECEDENCE["Mul"]
                               and not self._bound(factor) else text)
            else:
                printed.append(self._factor(factor))
        return sign + self._times.join(printed)

    def _factor(self, factor) -> str:
        if _shown_precedence(factor) < PRECEDENCE["Mul"] and self._bound(factor) is None:
            return self._brackets(self._print(factor))
        return self._print(factor)

    def _power(self, base, exponent) -> str:
        shown = self._print(base)
        if self._bound(base) is None and (_shown_precedence(base) <= PRECEDENCE["Pow"] or shown.startswith("-")):
            shown = self._brackets(shown)
        return self._superscript(shown, self._print(exponent))

    def _notation_name(self, name):
        entry = self._settings["notation"].get(name)
        return entry[self._name_index] if entry else None

    def _bound(self, symbol):
        values = self._settings["values"]
        if values and symbol in values:
            value = values[symbol]
            printed = self._print(value)
            return f"({printed})" if _needs_parentheses(value) else printed
        return None

    def _print_Symbol(self, expr, **kwargs):
        bound = self._bound(expr)
        if bound is not None:
            return bound
        name = self._notation_name(expr.name)
        return name if name is not None else self._default_symbol(expr, **kwargs)

    def _print_MatrixSymbol(self, expr, **kwargs):
        bound = self._bound(expr)
        if bound is not None:
            return bound
        name = self._notation_name(expr.name)
        return name if name is not None else self._default_symbol(expr, **kwargs)

    def _print_Float(self, expr):
        return format_decimal(float(expr), self._settings["digits"])

    def _huge(self, expr):
        """A number whose digits Python will not print (more than
        sys.get_int_max_str_digits(), as log Γ(2000) = log 1999! has):
        rounded, 1.65814 × 10^5732."""
        limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
        if not limit or max(abs(expr.p).bit_length(), expr.q.bit_length()) * 0.30103 < limit - 2:
            return None
        mantissa, exponent = mpmath.nstr(mpmath.mpf(expr.p) / expr.q, self._settings["digits"]).split("e")
        exponent = int(exponent)
        return rf"{mantissa} \times 10^{{{exponent}}}" if isinstance(self, LatexPrinter) else f"{mantissa}e{exponent}"

    def _decimal(self, expr):
        """0.1 rather than 1/10 in numbers (inputs were typed as decimals);
        fractions stay fractions inside symbolic formulas."""
        if not self._settings["decimals"] or expr.is_Integer:
            return None
        places = terminating_places(expr)
        if places is None or places > 8:
            return None
        digits = str(abs(expr.p) * 10**places // expr.q).rjust(places + 1, "0")
        text = f"{digits[:-places]}.{digits[-places:]}"
        return f"-{text}" if expr.p < 0 else text

    def _print_ElementwiseApplyFunction(self, expr):
        """f(x) applied element-wise reads as the formula of f with x in
        place: x keeps the precedence of what it stands for, so a compound
        argument is bracketed where the formula needs it (1/(1 − a)) and
        only there (tanh(−0.2), not tanh((−0.2)))."""
        argument = expr.expr
        values = self._settings["values"]
        if values and argument in values:
            value = values[argument]
            level = PRECEDENCE["Add"] if _needs_parentheses(value) else PRECEDENCE["Atom"]
            shown = verbatim(self._print(value), level)
        else:
            shown = verbatim(self._print(argument), precedence(argument))
        variable = expr.function.variables[0]
        return self._print(expr.function.expr.xreplace({variable: shown}))

    def _brackets(self, text):
        return f"({text})"

    def _print_MatAdd(self, expr):
        """Positive terms first, then `− term`: W − η G, not (−η) G + W."""
        terms = sorted(expr.args, key=_is_negative_term)
        out = self._print(terms[0])
        for term in terms[1:]:
            if _is_negative_term(term):
                out += " - " + self.parenthesize(MatMul(-1, term).doit(), PRECEDENCE["Add"], strict=True)
            else:
                out += " + " + self._print(term)
        return out

    def _element_of(self, matrix, i, j):
        values = self._settings["values"]
        if values and matrix in values:
            value = values[matrix][i, j]
            printed = self._print(value)
            return f"({printed})" if _needs_parentheses(value) else printed
        return None


def uniform_entries(matrix):
    """A numeric matrix whose entries would print partly as fractions (or
    surds) and partly as decimals, with every non-integer a decimal: exact
    results stay exact, decimal results decimal, never both in one matrix."""
    if not isinstance(matrix, sympy.MatrixBase):
        return matrix
    exact = decimal = False
    for entry in matrix:
        if not (isinstance(entry, sympy.Basic) and entry.is_number) or entry.is_Integer:
            continue
        if entry.is_Float or (entry.is_Rational and terminating_places(entry) is not None):
            decimal = True
        else:
            exact = True
    if not (exact and decimal):
        return matrix
    return matrix.applyfunc(lambda e: e if not (isinstance(e, sympy.Basic) and e.is_number) or e.is_Integer
                            else sympy.Float(e.evalf(15), 15))


#: A column of more entries is written as a transposed row where the row fits.
TALL = 6

#: Entries this small print in scientific notation: a matrix of them has its power of ten factored out.
SMALL = 1e-4


def common_power(matrix):
    """(k, matrix / 10^k) for a numeric matrix whose non-zero entries are all
    small enough to print as ×10⁻ⁿ (10⁻⁶ [2.5  2.3] rather than a row of
    2.5×10⁻⁶  2.3×10⁻⁶), else (None, matrix)."""
    numbers = [e for e in matrix if isinstance(e, sympy.Basic) and e.is_number]
    if len(numbers) != len(matrix) or not any(numbers):
        return None, matrix
    magnitudes = [abs(float(e)) for e in numbers if e != 0]
    if max(magnitudes) >= SMALL or not all(magnitudes):  # 0.0: beyond a float (σ(−10⁷) ≈ 10^−4342945)
        return None, matrix
    power = math.floor(math.log10(max(magnitudes)))
    return power, matrix.applyfunc(lambda e: sympy.Float(e * sympy.Integer(10)**-power, 15) if e != 0 else e)


_SUPERSCRIPT_DIGITS = set("0123456789-")
_TO_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _times_ten(text: str) -> str:
    """5.4396e-6 as 5.4396×10⁻⁶."""
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa}×10{str(int(exponent)).translate(_TO_SUPERSCRIPT)}"


def terminating_places(rational) -> int | None:
    """Decimal places of a rational whose expansion terminates, else None."""
    q = int(rational.q)
    twos = fives = 0
    while q % 2 == 0:
        q //= 2
        twos += 1
    while q % 5 == 0:
        q //= 5
        fives += 1
    return max(twos, fives) if q == 1 else None


#: Matrices printed in full in documents: up to 8×8, or as many entries in at most 16 columns.
FULL_MATRIX_ENTRIES, FULL_MATRIX_SIDE = 64, 16


def fits_in_full(shape) -> bool:
    rows, columns = shape
    return (rows <= 8 and columns <= 8) or (rows * columns <= FULL_MATRIX_ENTRIES
                                            and max(rows, columns) <= FULL_MATRIX_SIDE)


class MathLatexPrinter(_NotationMixin, LatexPrinter):
    _default_settings = {**LatexPrinter._default_settings, "notation": {}, "values": None, "digits": 6,
                         "decimals": True, "summarise": False}
    _name_index = 1
    _hadamard_sign = r"\odot"

    def _brackets(self, text):
        return rf"\left({text}\right)"

    def _default_symbol(self, expr, **kwargs):
        if isinstance(expr, sympy.MatrixSymbol):
            # Not LatexPrinter._print_MatrixSymbol: it calls back into our _print_Symbol.
            kwargs.setdefault("style", self._settings["mat_symbol_style"])
        return LatexPrinter._print_Symbol(self, expr, **kwargs)

    def _print(self, expr, **kwargs):
        """A function of a substituted number: the function's own brackets
        are enough, tanh(−0.2) rather than tanh((−0.2))."""
        values = self._settings["values"]
        if values and isinstance(expr, sympy.Function) and any(a in values for a in expr.args):
            shown = {a: verbatim(self._print(values[a]), PRECEDENCE["Atom"]) for a in expr.args
                     if a in values and not is_matrix(values[a])}
            if shown:
                expr = expr.xreplace(shown)
        return super()._print(expr, **kwargs)

    def _print_Float(self, expr):
        text = format_decimal(float(expr), self._settings["digits"])
        if "e" in text:
            mantissa, exponent = text.split("e")
            return rf"{mantissa} \times 10^{{{exponent}}}"
        return text

    def _print_indicator(self, expr, exp=None):
        return rf"\mathbf{{1}}\left[{self._print(expr.args[0])} > 0\right]"

    def _print_relu(self, expr, exp=None):
        text = rf"{FUNCTION_NAMES['relu'][1]}\left({self._print(expr.args[0])}\right)"
        return f"{text}^{{{exp}}}" if exp else text

    def _print_sigmoid(self, expr, exp=None):
        text = rf"{FUNCTION_NAMES['sigmoid'][1]}\left({self._print(expr.args[0])}\right)"
        return f"{text}^{{{exp}}}" if exp else text

    def _print_Rational(self, expr):
        return self._huge(expr) or self._decimal(expr) or super()._print_Rational(expr)

    def _print_MatrixElement(self, expr):
        bound = self._element_of(expr.parent, int(expr.i), int(expr.j))
        if bound is not None:
            return bound
        parent = self._print(expr.parent)
        index = _index(expr)
        if "_" in parent or "^" in parent:
            return rf"\left[{parent}\right]_{{{index}}}"
        return f"{parent}_{{{index}}}"

    def _print_OneMatrix(self, expr):
        return "1" if expr.shape == (1, 1) else r"\mathbf{1}"

    def _print_Identity(self, expr):
        # SymPy turns a 1×1 matrix of ones in a sum into Identity(1): it is the number 1
        return "1" if expr.shape == (1, 1) else LatexPrinter._print_Identity(self, expr)

    def _print_MatMul(self, expr):
        if _is_scalar_shaped(expr) and all(_is_scalar_shaped(a) or not is_matrix(a) for a in expr.args):
            return self._scalar_product(expr.args)
        if not self._settings["values"]:
            return super()._print_MatMul(expr)
        # With numbers in place, juxtaposition would read 0.5 0 as one number.
        args = list(expr.args)
        sign = ""
        if not is_matrix(args[0]) and args[0] == -1:
            sign, args = "-", args[1:]
        level = PRECEDENCE["Mul"]
        return sign + r" \cdot ".join(self.parenthesize(a, level, strict=False) for a in args)

    @property
    def _times(self):
        return self._settings["mul_symbol_latex"]

    def _superscript(self, base, exponent):
        return f"{base}^{{{exponent}}}"

    def _transposed(self, expr):
        return LatexPrinter._print_Transpose(self, expr)

    def _hadamard_power(self, expr):
        return LatexPrinter._print_HadamardPower(self, expr)

    def _print_bool(self, expr):
        return r"\text{true}" if expr else r"\text{false}"

    def _print_BooleanTrue(self, expr):
        return r"\text{true}"

    def _print_BooleanFalse(self, expr):
        return r"\text{false}"

    def _print_Xor(self, expr):
        return self._print_LogOp(list(expr.args), r"\oplus")

    def _print_polygamma(self, expr, exp=None):
        order, argument = expr.args
        head = r"\psi" if order == 0 else rf"\psi^{{({self._print(order)})}}"
        text = rf"{head}\left({self._print(argument)}\right)"
        return f"{text}^{{{exp}}}" if exp else text

    def _print_digamma(self, expr, exp=None):
        return self._print_polygamma(sympy.polygamma(0, expr.args[0], evaluate=False), exp)

    def _print_loggamma(self, expr, exp=None):
        text = rf"\log\Gamma\left({self._print(expr.args[0])}\right)"
        return rf"\left({text}\right)^{{{exp}}}" if exp else text

    def _print_ImmutableDenseMatrix(self, expr):
        if expr.shape == (1, 1):
            return self._print(expr[0, 0])
        expr = uniform_entries(expr)
        power, expr = common_power(expr)
        if self._settings["summarise"] and not fits_in_full(expr.shape):
            shown = self._summary(expr)
        else:
            shown = LatexPrinter._print_MatrixBase(self, expr)
            if expr.shape[1] == 1 and expr.shape[0] > TALL:  # a long column, written as a row
                row = LatexPrinter._print_MatrixBase(self, expr.T) + "^{T}"
                from derive.printing.breaking import LINE, width
                shown = row if width(row) < 0.8 * LINE else shown
        return shown if power is None else rf"10^{{{power}}} {shown}"

    def _summary(self, expr):
        """A large matrix as its corners and its size (the JSON keeps every entry)."""
        rows, columns = expr.shape
        row_ids = [0, 1, None, rows - 1] if rows > 3 else list(range(rows))
        column_ids = [0, 1, None, columns - 1] if columns > 3 else list(range(columns))

        def cell(i, j):
            if i is None and j is None:
                return r"\ddots"
            if i is None:
                return r"\vdots"
            if j is None:
                return r"\cdots"
            return self._print(expr[i, j])

        body = r" \\ ".join(" & ".join(cell(i, j) for j in column_ids) for i in row_ids)
        return rf"\underbrace{{\begin{{bmatrix}}{body}\end{{bmatrix}}}}_{{{rows}\times {columns}}}"

    _print_MutableDenseMatrix = _print_ImmutableDenseMatrix


class MathTextPrinter(_NotationMixin, StrPrinter):
    """Plain text; with `blocks` (a `layout.Blocks`), every matrix of two or
    more rows prints as a placeholder for its two-dimensional block (too
    large a one as its corners), for the terminal's layout to draw."""

    _default_settings = {**StrPrinter._default_settings, "notation": {}, "values": None, "digits": 6,
                         "decimals": True, "blocks": None}
    _name_index = 0
    _hadamard_sign = "⊙"

    def _default_symbol(self, expr, **kwargs):
        return expr.name

    def _print_Function(self, expr):
        name = FUNCTION_NAMES.get(expr.func.__name__, (expr.func.__name__,))[0]
        return f"{name}({', '.join(self._argument(a) for a in expr.args)})"

    def _print_indicator(self, expr):
        return f"1[{self._argument(expr.args[0])} > 0]"

    def _argument(self, expr):
        """A function's argument: its own parentheses are enough."""
        printed = self._print(expr)
        if self._bound(expr) is not None and printed.startswith("(") and printed.endswith(")"):
            return printed[1:-1]
        return printed

    def _print_Integer(self, expr):
        return self._huge(expr) or super()._print_Integer(expr)

    def _print_Rational(self, expr):
        return self._huge(expr) or self._decimal(expr) or super()._print_Rational(expr)

    def _print_MatrixElement(self, expr):
        bound = self._element_of(expr.parent, int(expr.i), int(expr.j))
        if bound is not None:
            return bound
        return f"{self._print(expr.parent)}[{_index(expr)}]"

    def _print_MatrixBase(self, expr):
        if expr.shape == (1, 1):
            return self._print(expr[0, 0])
        expr = uniform_entries(expr)
        power, expr = common_power(expr)
        factor = "" if power is None else f"10{str(power).translate(_TO_SUPERSCRIPT)}·"
        blocks = self._settings["blocks"]
        if blocks is not None and expr.shape[1] == 1 and expr.shape[0] > TALL and fits_in_full(expr.shape):
            row = "[" + "  ".join(_finished(self._print(v)) for v in expr) + "]ᵀ"
            if blocks.width is None or len(row) < 0.8 * blocks.width:  # a long column, written as a row
                return factor + row
        if blocks is not None and expr.shape[0] > 1:
            from derive.printing.layout import matrix_block
            return factor + blocks.add(matrix_block(self._cells(expr), blocks.width))
        rows = ["  ".join(self._print(v) for v in expr.row(i)) for i in range(expr.shape[0])]
        return factor + "[" + "; ".join(rows) + "]"

    def _cells(self, expr) -> list[list[str]]:
        """Entries as printed; a matrix too large to read in full as its
        corners (the JSON keeps every entry)."""
        rows, columns = expr.shape
        if fits_in_full(expr.shape):
            return [[_finished(self._print(v)) for v in expr.row(i)] for i in range(rows)]
        row_ids = [0, 1, None, rows - 1] if rows > 3 else list(range(rows))
        column_ids = [0, 1, None, columns - 1] if columns > 3 else list(range(columns))
        return [[("⋱" if j is None else "⋮") if i is None else "⋯" if j is None else _finished(self._print(expr[i, j]))
                 for j in column_ids] for i in row_ids]

    _print_ImmutableDenseMatrix = _print_MatrixBase
    _print_MutableDenseMatrix = _print_MatrixBase

    _times = "·"

    def _transposed(self, expr):
        return f"{self.parenthesize(expr.arg, PRECEDENCE['Pow'])}ᵀ"

    def _hadamard_power(self, expr):
        return f"{self.parenthesize(expr.base, PRECEDENCE['Pow'])}^∘{self._print(expr.exp)}"

    def _superscript(self, base, exponent):
        """x², e⁻¹ in superscript digits; x^t, x^(n+1) otherwise."""
        if all(ch in _SUPERSCRIPT_DIGITS for ch in exponent):
            return base + exponent.translate(_TO_SUPERSCRIPT)
        return f"{base}^{exponent}" if len(exponent) == 1 or exponent.startswith("(") else f"{base}^({exponent})"

    def _print_MatMul(self, expr):
        if _is_scalar_shaped(expr) and all(_is_scalar_shaped(a) or not is_matrix(a) for a in expr.args):
            return self._scalar_product(expr.args)
        # a vector of ones in a product sums (𝟏ᵀx); in a sum it is the number 1, broadcast (1 − a)
        if not any(_ones(a) for a in expr.args):
            return super()._print_MatMul(expr)
        return "·".join(_ones(a) or self.parenthesize(a, PRECEDENCE["Mul"]) for a in expr.args)

    def _print_Pow(self, expr, rational=False):
        """√x and 1/√x, x² with a superscript, 1/x; x^(t + 1) otherwise."""
        base, exponent = expr.base, expr.exp
        if exponent is sympy.S.Half:
            return "√" + self._radicand(base)
        if expr.is_commutative and -exponent is sympy.S.Half:
            return "1/√" + self._radicand(base)
        if expr.is_commutative and exponent is sympy.S.NegativeOne:
            return "1/" + self.parenthesize(base, PRECEDENCE["Pow"], strict=False)
        if exponent.is_Integer and exponent > 0:
            return self._power(base, exponent)
        shown = self.parenthesize(base, PRECEDENCE["Pow"], strict=False)
        exponent_text = self.parenthesize(exponent, PRECEDENCE["Pow"], strict=False)
        return self._superscript(shown, exponent_text)

    def _print_MatPow(self, expr):
        return self._power(expr.base, expr.exp)

    def _radicand(self, base):
        shown = self._print(base)
        bound = self._bound(base)
        if bound is not None or base.is_Atom and not shown.startswith("-"):
            return shown
        return f"({shown})"

    def _print_Float(self, expr):
        return _times_ten(super()._print_Float(expr))

    def _print_bool(self, expr):
        return "true" if expr else "false"

    def _print_BooleanTrue(self, expr):
        return "true"

    def _print_BooleanFalse(self, expr):
        return "false"

    def _logical(self, expr, sign):
        """A ∧ ¬B, (A ∧ C) ∨ B: every compound operand bracketed."""
        return f" {sign} ".join(self._print(a) if a.is_Atom or isinstance(a, sympy.Not) else f"({self._print(a)})"
                                for a in expr.args)

    def _print_And(self, expr):
        return self._logical(expr, "∧")

    def _print_Or(self, expr):
        return self._logical(expr, "∨")

    def _print_Xor(self, expr):
        return self._logical(expr, "⊕")

    def _print_Not(self, expr):
        return "¬" + self.parenthesize(expr.args[0], PRECEDENCE["Not"])

    def _print_Implies(self, expr):
        return self.stringify(expr.args, " ⇒ ", PRECEDENCE["Xor"])

    def _print_Equivalent(self, expr):
        return self.stringify(expr.args, " ⇔ ", PRECEDENCE["Xor"])

    def _print_KroneckerDelta(self, expr):
        return f"δ_({self._print(expr.args[0])},{self._print(expr.args[1])})"

    def _print_Determinant(self, expr):
        return f"det({self._print(expr.arg)})"

    def _print_Trace(self, expr):
        return f"tr({self._print(expr.arg)})"

    def _print_Inverse(self, expr):
        return self._superscript(self.parenthesize(expr.arg, PRECEDENCE["Pow"]), "-1")

    def _print_polygamma(self, expr):
        order, argument = expr.args
        head = "ψ" if order == 0 else ("ψ′" if order == 1 else f"ψ^({self._print(order)})")
        return f"{head}({self._argument(argument)})"

    def _print_digamma(self, expr):
        return f"ψ({self._argument(expr.args[0])})"

    def _print_loggamma(self, expr):
        return f"log Γ({self._argument(expr.args[0])})"

    def _print_gamma(self, expr):
        return f"Γ({self._argument(expr.args[0])})"

    def _print_beta(self, expr):
        return f"B({', '.join(self._argument(a) for a in expr.args)})"

    def _print_Heaviside(self, expr):
        return f"H({self._argument(expr.args[0])})"

    def _print_OneMatrix(self, expr):
        return "1"

    def _print_Identity(self, expr):
        # SymPy turns a 1×1 matrix of ones in a sum into Identity(1): it is the number 1
        return "1" if expr.shape == (1, 1) else "I"

    def _print_Derivative(self, expr):
        variables = "".join(f"∂{self._print(v)}" for v in expr.variables)
        body = self._print(expr.expr)
        if not expr.expr.is_Atom:
            body = f"({body})"
        order = "" if len(expr.variables) == 1 else f"^{len(expr.variables)}"
        return f"∂{order}{body}/{variables}"

    def _print_Equality(self, expr):
        return f"{self._print(expr.lhs)} = {self._print(expr.rhs)}"

    def _print_Pi(self, expr):
        return "π"

    def _print_Infinity(self, expr):
        return "∞"

    def _print_NegativeInfinity(self, expr):
        return "-∞"

    def _print_Exp1(self, expr):
        return "e"

    def _print_Sum(self, expr):
        return self._big_operator("Σ", expr)

    def _print_Product(self, expr):
        return self._big_operator("Π", expr)

    def _big_operator(self, sign, expr):
        bounds = ", ".join(f"{self._print(v)}={self._print(a)}..{self._print(b)}" for v, a, b in expr.limits)
        return f"{sign}_({bounds}) {self.parenthesize(expr.function, PRECEDENCE['Mul'])}"

    def _print_Integral(self, expr):
        (variable, *limits), = expr.limits
        bounds = f"_{self._print(limits[0])}^{self._print(limits[1])}" if limits else ""
        return f"∫{bounds} {self._print(expr.function)} d{self._print(variable)}"

    def _print_Dummy(self, expr):
        """A dummy (an integration or bound variable) by its name, as written."""
        return self._print_Symbol(expr)

    def _notation_name(self, name):
        shown = super()._notation_name(name)
        # a name's own * (D*) is no multiplication sign: shielded from doprint's ·
        return shown.replace("*", _NAME_STAR) if shown is not None else None

    def _print_Piecewise(self, expr):
        cases = [f"{self._print(value)} otherwise" if condition == True  # noqa: E712 - SymPy's true
                 else f"{self._print(value)} if {self._print(condition)}" for value, condition in expr.args]
        return "{" + "; ".join(cases) + "}"

    def _print_Interval(self, expr):
        left = "(" if expr.left_open else "["
        right = ")" if expr.right_open else "]"
        return f"{left}{self._print(expr.start)}, {self._print(expr.end)}{right}"

    def _print_Limit(self, expr):
        body, variable, point, _ = expr.args
        return f"lim_({self._print(variable)}→{self._print(point)}) {self.parenthesize(body, PRECEDENCE['Mul'])}"

    def _print_Max(self, expr):
        return f"max({', '.join(self._print(a) for a in expr.args)})"

    def _print_Min(self, expr):
        return f"min({', '.join(self._print(a) for a in expr.args)})"

    def _print_Abs(self, expr):
        return f"|{self._print(expr.args[0])}|"

    def _print_Subs(self, expr):
        """f(x)|_(x=a), as evaluation at a point is written."""
        body, variables, points = expr.args
        at = ", ".join(f"{self._print(v)}={self._print(p)}" for v, p in zip(variables, points))
        return f"{self.parenthesize(body, PRECEDENCE['Mul'])}|_({at})"

    def _print_Unequality(self, expr):
        return f"{self._print(expr.lhs)} ≠ {self._print(expr.rhs)}"

    def doprint(self, expr):
        return _finished(super().doprint(expr))


def _finished(text: str) -> str:
    """StrPrinter's text as people write it: · for *, ^ for **, − for -."""
    return text.replace("**", "^").replace("*", "·").replace("-", MINUS).replace(_NAME_STAR, "*")


#: The one minus sign of plain text (U+2212), in formulas as in the statements.
MINUS = "\u2212"

#: Stands for a `*` inside a notation name while the printer turns the
#: multiplication signs * into ·.
_NAME_STAR = "\ue000"


def _index(element) -> str:
    """1-based index as people write it: one index for vectors."""
    rows, cols = element.parent.shape
    i, j = int(element.i) + 1, int(element.j) + 1
    if cols == 1:
        return str(i)
    if rows == 1:
        return str(j)
    return f"{i},{j}"


def _numeric(expr, values) -> bool:
    """Numbers print as decimals when the printed result is all numbers."""
    if not isinstance(expr, sympy.Basic):
        return True
    return all(s in (values or {}) for s in expr.free_symbols)


def latex(expr, notation=None, values=None, **settings) -> str:
    if isinstance(expr, str):
        return expr
    if values:
        # Juxtaposed numbers would read as one number: 2.5 0 is 2.5·0.
        settings.setdefault("mul_symbol", "dot")
    settings.setdefault("decimals", _numeric(expr, values))
    return MathLatexPrinter({"notation": notation or {}, "values": values, **settings}).doprint(expr)


def text(expr, notation=None, values=None, **settings) -> str:
    if isinstance(expr, str):
        return expr
    settings.setdefault("decimals", _numeric(expr, values))
    return MathTextPrinter({"notation": notation or {}, "values": values, **settings}).doprint(expr)
