"""The parse tree as SymPy objects, with names resolved.

The builder makes only SymPy objects from constructors (Symbol, Rational,
ImmutableMatrix, the engine's functions): nothing is evaluated from text.
What a juxtaposition means is decided here: `σ(z)` applies σ when σ is a
function (the problem does not name a σ quantity), `f(x)` applies f when the
problem's f is a function, `a(b + c)` is a product, `\\frac{∂L}{∂W}` and
`\\nabla_W L` are the name `dL/dW`.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Callable, Mapping

import sympy
from lark import Token, Tree
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from derive.reading.errors import ReadError
from derive.reading.names import canonical, function

#: Bounds on what a formula may ask for.
MAX_DIGITS = 2000
MAX_FACTORIAL = 500
MAX_TERMS = 1000
MAX_ENTRIES = 400
#: Names that are functions when applied, unless the problem names a quantity so.
FUNCTION_LETTERS = {"sigma": "sigmoid", "phi": None, "varphi": None, "f": None, "g": None, "h": None}
DIVERGENCES = {"KL", "D_KL", "D_{KL}", "DKL", "KL", "D_JS", "JSD", "JS", "D_f"}


def exact_number(text: str) -> sympy.Rational:
    """A written number as an exact rational (no sympify)."""
    mantissa, _, exponent = text.lower().partition("e")
    value = Fraction(mantissa) * (Fraction(10) ** int(exponent or 0))
    return sympy.Rational(value.numerator, value.denominator)


def is_array(value) -> bool:
    return isinstance(value, (sympy.MatrixBase, sympy.MatrixExpr))


def is_function(value) -> bool:
    return isinstance(value, (sympy.FunctionClass, sympy.Lambda)) or (
        callable(value) and not isinstance(value, sympy.Basic))


class Builder:
    def __init__(self, names: Mapping[str, object] | None = None, number: Callable[[str], object] | None = None,
                 strict: bool = False, keep_transposes: bool = False):
        self.keep_transposes = keep_transposes
        self.names = {canonical(k): v for k, v in (names or {}).items()}
        self.number = number or exact_number
        self.strict = strict
        self.bound: dict[str, object] = {}

    # --- entry ----------------------------------------------------------------
    def chain(self, tree: Tree) -> tuple[list, list[str]]:
        chain = tree.children[0]
        sides, relations = [], []
        for child in chain.children:
            if isinstance(child, Token) and child.type == "REL":
                relations.append(child.value)
            else:
                sides.append(self.build(child))
        return sides, relations

    def build(self, node):
        if isinstance(node, Token):
            raise ReadError(f"unexpected {node.value or node.type}", node.start_pos or 0)
        method = getattr(self, "_" + node.data, None)
        if method is None:
            raise ReadError(f"cannot read this {node.data}", _column(node))
        return method(node, *[c for c in node.children if not (isinstance(c, Token) and c.type in _PUNCTUATION)])

    # --- leaves ---------------------------------------------------------------
    def _number(self, node, token):
        if len(token.value) > MAX_DIGITS:
            raise ReadError("a number with too many digits", token.start_pos)
        return self.number(token.value)

    def _name(self, node, token):
        return self.resolve(token.value, token.start_pos)

    def resolve(self, name: str, column: int = 0):
        if name in self.bound:
            return self.bound[name]
        if name in self.names:
            return self.names[name]
        element = self.element(name)
        if element is not None:
            return element
        if name == "e":
            return sympy.E
        if name == "pi":
            return sympy.pi
        if name == "infty":
            return sympy.oo
        if self.strict:
            raise ReadError(f"unknown name {name}", column)
        return sympy.Symbol(name)

    def element(self, name: str):
        """x_2 or W_{12} or x_i (i bound by a sum) as an entry of a named array."""
        base, _, index = name.rpartition("_")
        if not base or base not in self.names or not is_array(self.names[base]):
            return None
        array = self.names[base]
        parts = [self.bound.get(p, None) if not p.isdigit() else sympy.Integer(int(p)) for p in
                 (index.split(",") if "," in index else list(index))]
        if any(p is None or not p.is_Integer for p in parts):
            return None
        rows, columns = array.shape
        if len(parts) == 1:
            (k,) = [int(p) for p in parts]
            if columns == 1 and 1 <= k <= rows:
                return array[k - 1, 0]
            if rows == 1 and 1 <= k <= columns:
                return array[0, k - 1]
            return None
        if len(parts) == 2:
            i, j = (int(p) for p in parts)
            if 1 <= i <= rows and 1 <= j <= columns:
                return array[i - 1, j - 1]
        return None

    def _partial(self, node, token):
        raise ReadError("∂ outside a derivative ∂a/∂b", token.start_pos)

    def _nabla(self, node, token):
        raise ReadError("∇ without what it is the gradient of", token.start_pos)

    # --- groups ---------------------------------------------------------------
    def _group(self, node, inner):
        return self.build(inner)

    def _paren(self, node, inner):
        return self.build(inner)

    _bracket = _paren

    def _range_group(self, node, *children):
        raise ReadError("a relation inside braces", _column(node))

    def _tuple(self, node, *items):
        return sympy.Tuple(*[self.build(item) for item in items])

    def _absolute(self, node, inner):
        value = self.build(inner)
        if is_array(value):
            if hasattr(value, "det") and isinstance(value, sympy.MatrixBase) and value.is_square:
                return value.det()
            raise ReadError("|…| of an array", _column(node))
        return sympy.Abs(value)

    def _norm(self, node, inner):
        value = self.build(inner)
        if isinstance(value, sympy.MatrixBase):
            return sympy.sqrt(sum(entry ** 2 for entry in value))
        if is_array(value):
            if value.shape[1] == 1:
                return sympy.sqrt((value.T * value)[0, 0])
            return sympy.sqrt(sympy.trace(value.T * value))
        return sympy.Abs(value)

    def _matrix(self, node, begin, rows, end):
        entries = [[self.build(cell) for cell in row.children if not isinstance(cell, Token)]
                   for row in rows.children if isinstance(row, Tree)]
        if len({len(row) for row in entries}) != 1:
            raise ReadError("a matrix whose rows have different lengths", _column(node))
        if sum(len(row) for row in entries) > MAX_ENTRIES:
            raise ReadError(f"a matrix of more than {MAX_ENTRIES} entries", _column(node))
        if any(is_array(cell) for row in entries for cell in row):
            return sympy.BlockMatrix(entries).as_explicit()
        if begin.value == "vmatrix":
            return sympy.ImmutableMatrix(entries).det()
        return sympy.ImmutableMatrix(entries)

    # --- arithmetic -----------------------------------------------------------
    def _add(self, node, a, b):
        return self.build(a) + self.build(b)

    def _sub(self, node, a, b):
        return self.build(a) - self.build(b)

    def _neg(self, node, a):
        return -self.build(a)

    def _pos(self, node, a):
        return self.build(a)

    def _times(self, node, a, b):
        return multiply(self.build(a), self.build(b))

    def _hadamard(self, node, a, b):
        x, y = self.build(a), self.build(b)
        if is_array(x) and is_array(y):
            if x.shape != y.shape:
                raise ReadError(f"⊙ of a {_shape(x)} and a {_shape(y)}", _column(node))
            if isinstance(x, sympy.MatrixBase) and isinstance(y, sympy.MatrixBase):
                return x.multiply_elementwise(y)
            return sympy.hadamard_product(x, y)
        return multiply(x, y)

    def _divide(self, node, a, b):
        return divide(self.build(a), self.build(b), _column(node))

    def _fraction(self, node, numerator, denominator):
        derivative = self.derivative(numerator, denominator)
        if derivative is not None:
            return derivative
        return divide(self.build(numerator), self.build(denominator), _column(node))

    def _sqrt(self, node, inner):
        value = self.build(inner)
        if is_array(value):
            return elementwise(sympy.sqrt, value)
        return sympy.sqrt(value)

    def _root(self, node, degree, inner):
        return self.build(inner) ** (1 / self.build(degree))

    def _power(self, node, base, exponent):
        if isinstance(base, Tree) and base.data == "call" and not _is_paren(base.children[1]):
            # \ln e^{2} is ln(e²); \tanh(z)^2 keeps its parenthesised argument
            head, argument = base.children
            return self.apply(head.value, [Tree("power", [argument, Token("CARET", "^"), exponent])], node)
        b, e = self.build(base), self.build(exponent)
        if is_array(b):
            if e == -1:
                return b.inv() if isinstance(b, sympy.MatrixBase) else b.I
            if e.is_Integer and e > 0 and b.shape[0] == b.shape[1]:
                return b ** e
            if b.shape[0] == 1 or b.shape[1] == 1 or e == 2:
                return elementwise(lambda x: x ** e, b)  # written (x)^2 for an array: its squares
            raise ReadError(f"a power of a {_shape(b)} array", _column(node))
        guard_power(b, e, _column(node))
        return b ** e

    def _transpose(self, node, inner):
        value = self.build(inner)
        if is_array(value):
            return value.T
        if self.keep_transposes and isinstance(value, sympy.Symbol):
            return sympy.Symbol(value.name + "^T")  # an unknown W: its transpose is a name of its own
        return value

    def _factorial(self, node, inner):
        value = self.build(inner)
        if value.is_Integer and not 0 <= value <= MAX_FACTORIAL:
            raise ReadError(f"a factorial beyond {MAX_FACTORIAL}!", _column(node))
        return sympy.factorial(value)

    def _subscript(self, node, inner, script):
        value = self.build(inner)
        index = self.build(script)
        if is_array(value) and index.is_Integer:
            return self._entry(value, int(index), node)
        raise ReadError("a subscript on something that is not an array", _column(node))

    def _entry(self, array, k, node):
        rows, columns = array.shape
        if columns == 1 and 1 <= k <= rows:
            return array[k - 1, 0]
        if rows == 1 and 1 <= k <= columns:
            return array[0, k - 1]
        raise ReadError(f"no entry {k} in a {_shape(array)} array", _column(node))

    # --- functions ------------------------------------------------------------
    def _call(self, node, head, argument):
        if isinstance(argument, Tree) and argument.data in ("conditional", "divergence"):
            return self.function_application(head.value, argument)
        return self.apply(head.value, [argument], node)

    def _call_power(self, node, head, exponent, argument):
        return self.apply(head.value, [argument], node) ** self.build(exponent)

    def apply(self, name: str, arguments: list, node):
        base, _, sub = name.partition("_")
        values = []
        for argument in arguments:
            value = self.build(argument)
            values.extend(value.args if isinstance(value, sympy.Tuple) else [value])
        lower = base.lower()
        if lower in ("log", "ln", "lg") and sub:
            return sympy.log(values[0], exact_number(sub) if sub.isdigit() else self.resolve(sub))
        if lower == "lg":
            return sympy.log(values[0], 10)
        if lower in ("max", "min") and len(values) >= 1:
            items = list(values[0]) if len(values) == 1 and is_array(values[0]) else values
            return (sympy.Max if lower == "max" else sympy.Min)(*items)
        if lower == "det":
            return values[0].det() if is_array(values[0]) else values[0]
        if lower == "tr":
            return sympy.trace(values[0]) if is_array(values[0]) else values[0]
        if lower == "diag":
            return sympy.diag(*list(values[0])) if isinstance(values[0], sympy.MatrixBase) else sympy.diag(*values)
        if lower == "softmax":
            return softmax(values[0], _column(node))
        fn = function(base) or (self.names.get(base) if is_function(self.names.get(base)) else None)
        if fn is None:
            if self.strict:
                raise ReadError(f"unknown function {base}", _column(node))
            fn = sympy.Function(base)
        if len(values) == 1 and is_array(values[0]):
            return elementwise(fn, values[0])
        return fn(*values)

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
            result = multiply(result, value)
        return result

    def factors(self, node) -> list:
        if isinstance(node, Tree) and node.data == "juxt":
            return self.factors(node.children[0]) + self.factors(node.children[1])
        return [node]

    def application(self, factor, following):
        """σ(z), f(x), p(x | z), KL(q ‖ p), ∇_W L, ∂L/∂W: the value when the
        pair is one, else None."""
        if not isinstance(factor, Tree) or following is None:
            return None
        if factor.data == "nabla":
            of = self.name_text(following)
            return self.resolve(f"d{of}/d{factor.children[0].value}") if of else None
        if factor.data == "call" and isinstance(following, Tree) and following.data in ("paren", "conditional") \
                and _is_name(factor.children[1]):
            inner = self.application(factor.children[1], following)
            if inner is not None:
                return self.apply_value(factor.children[0].value, inner, factor)
        if factor.data != "name":
            return None
        name = factor.children[0].value
        argument = following
        power = None
        if isinstance(following, Tree) and following.data == "power" and _is_paren(following.children[0]):
            argument, power = following.children[0], following.children[2]
        if not (isinstance(argument, Tree) and argument.data in ("paren", "conditional", "divergence", "bracket")):
            return None
        value = self.function_application(name, argument)
        if value is None:
            return None
        return value ** self.build(power) if power is not None else value

    def function_application(self, name: str, argument):
        known = self.names.get(name, self.bound.get(name))
        if argument.data in ("conditional", "divergence"):
            key = f"{name}({self.text(argument)})"
            if key in self.names:
                return self.names[key]
            if self.strict:
                raise ReadError(f"unknown {key}", _column(argument))
            parts = [self.build(c) for c in argument.children if isinstance(c, Tree)]
            return sympy.Function(name)(*parts)
        if is_function(known):
            value = self.build(argument)
            return known(*value.args) if isinstance(value, sympy.Tuple) else known(value)
        if known is not None:
            return None
        derivative = name.endswith("'")
        base = name.rstrip("'")
        fn = function(FUNCTION_LETTERS.get(base) or base) if base not in self.names else None
        if fn is None and (base in FUNCTION_LETTERS or base.startswith("bb{E}") or base == "E"):
            fn = sympy.Function(base)
        if fn is None:
            return None
        value = self.build(argument)
        if derivative:
            z = sympy.Dummy("z")
            fn = sympy.Lambda(z, sympy.diff(fn(z), z))
        if is_array(value):
            return elementwise(fn, value)
        return fn(*value.args) if isinstance(value, sympy.Tuple) else fn(value)

    def apply_value(self, name, value, node):
        fn = function(name)
        if fn is None:
            return None
        return elementwise(fn, value) if is_array(value) else fn(value)

    def derivative(self, numerator, denominator):
        """∂a/∂b or da/db as the name `da/db`, or None for a plain fraction."""
        top, bottom = self.differential(numerator), self.differential(denominator)
        if top is None or bottom is None:
            return None
        return self.resolve(f"d{top}/d{bottom}", _column(numerator))

    def differential(self, group) -> str | None:
        inner = group.children[1] if isinstance(group, Tree) and group.data == "group" else group
        factors = self.factors(inner)
        if len(factors) != 2:
            return None
        mark, of = factors
        is_mark = (isinstance(mark, Tree) and mark.data == "partial") or (
            isinstance(mark, Tree) and mark.data == "name" and mark.children[0].value == "d")
        return self.name_text(of) if is_mark else None

    def name_text(self, node) -> str | None:
        return node.children[0].value if isinstance(node, Tree) and node.data == "name" else None

    def text(self, node) -> str:
        """The canonical text of a subtree (for keys such as p(x|z))."""
        if isinstance(node, Token):
            return {"MID": "|", "PARALLEL": "||"}.get(node.type, node.value if node.type in ("NAME", "NUMBER") else "")
        return "".join(self.text(c) for c in node.children)

    # --- big operators ----------------------------------------------------------
    def _sum_over(self, node, limits, body):
        return self.big(node, limits, body, sympy.Add)

    def _scaled_sum(self, node, factor, limits, body):
        """\\frac{1}{m} \\sum_{i=1}^{m} x_i: a factor before a Σ."""
        return multiply(self.build(factor), self.big(node, limits, body, sympy.Add))

    def _scaled_product(self, node, factor, limits, body):
        return multiply(self.build(factor), self.big(node, limits, body, sympy.Mul))

    def _product_over(self, node, limits, body):
        return self.big(node, limits, body, sympy.Mul)

    def big(self, node, limits, body, combine):
        if limits.data == "no_limits" or len(limits.children) < 4:
            raise ReadError("a Σ or Π needs its range, as in \\sum_{i=1}^{n}", _column(node))
        lower, upper = limits.children[1], limits.children[3]
        if not (isinstance(lower, Tree) and lower.data == "range_group"):
            raise ReadError("a Σ or Π needs its range, as in \\sum_{i=1}^{n}", _column(node))
        index = self.name_text(lower.children[1])
        start, stop = self.build(lower.children[3]), self.build(upper)
        if index is None or not (start.is_Integer and stop.is_Integer):
            raise ReadError("a Σ or Π over a range that is not two integers", _column(node))
        if int(stop) - int(start) + 1 > MAX_TERMS:
            raise ReadError(f"a Σ or Π of more than {MAX_TERMS} terms", _column(node))
        terms = []
        saved = self.bound.get(index)
        for k in range(int(start), int(stop) + 1):
            self.bound[index] = sympy.Integer(k)
            terms.append(self.build(body))
        if saved is None:
            self.bound.pop(index, None)
        else:
            self.bound[index] = saved
        if not terms:
            return sympy.Integer(0 if combine is sympy.Add else 1)
        result = terms[0]
        for term in terms[1:]:
            result = result + term if combine is sympy.Add else multiply(result, term)
        return result

    # --- relations in the wrong place --------------------------------------------
    def _conditional(self, node, *children):
        raise ReadError("a condition | outside p(… | …)", _column(node))

    def _divergence(self, node, *children):
        raise ReadError("‖ outside KL(… ‖ …)", _column(node))


_PUNCTUATION = {"LPAR", "RPAR", "LSQ", "RSQ", "LBRACE", "RBRACE", "LBAR", "RBAR", "LNORM", "RNORM", "FRAC",
                "SQRT", "PLUS", "MINUS", "TIMES", "DIV", "ODOT", "CARET", "TRANSPOSE", "BANG", "COMMA",
                "UNDERSCORE", "SUM", "PROD", "MID", "PARALLEL"}


def _is_name(node) -> bool:
    return isinstance(node, Tree) and node.data == "name"


def _is_paren(node) -> bool:
    return isinstance(node, Tree) and node.data in ("paren", "conditional")


def _column(node) -> int:
    for token in (node.scan_values(lambda t: isinstance(t, Token)) if isinstance(node, Tree) else [node]):
        return token.start_pos or 0
    return 0


def _shape(value) -> str:
    return "×".join(str(n) for n in value.shape)


def multiply(a, b):
    if is_array(a) and is_array(b) and a.shape[1] != b.shape[0]:
        if a.shape == b.shape and 1 in a.shape:
            raise ReadError(f"a {_shape(a)} times a {_shape(b)} (a transpose is missing?)", 0)
        raise ReadError(f"a {_shape(a)} times a {_shape(b)} does not multiply", 0)
    return a * b


def divide(a, b, column: int):
    if is_array(b):
        if b.shape == (1, 1):
            b = b[0, 0]
        else:
            raise ReadError("division by an array", column)
    if b == 0:
        raise ReadError("division by zero", column)
    return a * b ** -1 if is_array(a) else a / b


def elementwise(fn, value):
    if isinstance(value, sympy.MatrixBase):
        return value.applyfunc(fn)
    x = sympy.Dummy("x")
    return ElementwiseApplyFunction(sympy.Lambda(x, fn(x)), value)


def softmax(value, column: int):
    if not isinstance(value, sympy.MatrixBase):
        if is_array(value):
            raise ReadError("softmax of a symbolic vector: give its entries", column)
        return sympy.Integer(1)
    exps = value.applyfunc(sympy.exp)
    return exps / sum(exps)


def guard_power(base, exponent, column: int):
    """Refuse 2^{10^{10}} before SymPy tries it."""
    if exponent.is_Number and base.is_Number and base != 0 and abs(base) != 1:
        digits = abs(float(exponent)) * abs(math.log10(abs(float(base)) or 1))
        if digits > MAX_DIGITS or (exponent.is_Rational and not exponent.is_Integer and exponent.q > 1000):
            raise ReadError("a power too large to compute", column)
