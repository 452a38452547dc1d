"""Evaluating parsed sides with interval arithmetic, and comparing them.

A decimal the author wrote stands for every number that rounds to it:
0.7685 is [0.76845, 0.76855]. Evaluating a side with such intervals
(mpmath.iv, outward rounding) gives every value the side can mean; two
sides agree when their intervals meet. So a value right up to the author's
rounding, including rounding done in earlier lines, is accepted, and
0.0993 for 0.10048 is not.

The evaluator walks the SymPy tree itself: it never calls `evalf`, `subs`
or `lambdify` on a tree built from user text, and it refuses towers and
huge factorials before computing them.
"""
from __future__ import annotations

import math
import random
import re
from fractions import Fraction

import sympy
from mpmath import iv, mp
from mpmath.libmp import finf, fnan, fninf

from derive.checking.parse import Side, canonical, placeholder
from derive.core.functions import FUNCTIONS

iv.dps = 20
mp.dps = 20
#: The largest power of ten a value may reach before the checker refuses it.
MAX_MAGNITUDE = 10 ** 300
MAX_BITS = 997
MAX_FACTORIAL = 200
MAX_TERMS = 2000
#: Random points at which symbolic sides are compared.
POINTS = 3
#: names that are small integers at random points: layer and step counts
INDEX_NAMES = {"n", "m", "N", "T", "t", "L", "l"}


#: quadratures done, by (scope, trial, variable, integrand, bounds)
INTEGRALS: dict = {}


class Unbound(Exception):
    """A name the checker has no value for: the side is symbolic."""

    def __init__(self, name):
        super().__init__(name)
        self.name = name


class Unsupported(Exception):
    """Something the evaluator does not do (derivatives, unknown functions)."""


class TooLarge(Unsupported):
    pass


class Matrix:
    """A matrix of intervals, rows of iv.mpf."""

    def __init__(self, rows):
        self.rows = [list(row) for row in rows]

    @property
    def shape(self):
        return len(self.rows), len(self.rows[0])

    def entries(self):
        return [v for row in self.rows for v in row]

    def map(self, function):
        return Matrix([[function(v) for v in row] for row in self.rows])

    def transpose(self):
        return Matrix(list(zip(*self.rows)))


def scalar_or_matrix(value):
    if isinstance(value, Matrix) and value.shape == (1, 1):
        return value.rows[0][0]
    return value


def point(x) -> iv.mpf:
    return iv.mpf(x)


def significant_digits(text: str) -> int:
    return len(text.replace(".", "").lstrip("0"))


def literal_interval(text: str, exact_values: set, alone: bool = False) -> iv.mpf:
    """The numbers that round to a decimal as written.

    A decimal standing alone on a side is a result the author rounded. Inside
    an expression, a decimal that is one of the problem's givens, or has at
    most two significant digits and two decimals (1.2, 0.5, −0.3: data, not
    rounded results), is taken as exact; others (0.9241, 0.0069) as rounded.
    """
    fraction = Fraction(text)
    decimals = len(text.split(".")[1]) if "." in text else 0
    if not alone and (fraction in exact_values or (significant_digits(text) <= 2 and decimals <= 2)):
        return iv.mpf(fraction.numerator) / fraction.denominator
    decimals = len(text.split(".")[1]) if "." in text else 0
    half = Fraction(1, 2 * 10 ** decimals)
    lo, hi = fraction - half, fraction + half
    return iv.mpf([iv.mpf(lo.numerator) / lo.denominator, iv.mpf(hi.numerator) / hi.denominator])


class Context:
    """Where names get their values while one side is evaluated."""

    def __init__(self, lookup, exact_values=frozenset(), randoms=None, functions=None, rename=None):
        #: name → value or None; may raise Unbound
        self.lookup = lookup
        self.exact_values = exact_values
        #: shared random values for unbound names (symbolic comparison), or None
        self.randoms = randoms
        self.functions = functions or {}
        self.used: set[str] = set()
        #: what, besides the random point, the names' values depend on; integrals
        #: (quadrature is the costliest step) are cached under it, or not at all when None
        self.scope = None
        #: names that took random values while evaluating
        self.random_used: set[str] = set()
        #: another spelling of a name (the seed's u_2 for μ_2) → the name
        self.rename = rename or (lambda name: name)
        self.locals: dict[str, iv.mpf] = {}
        #: decimal as written → the value it stands for instead (an earlier wrong
        #: result replaced by the engine's, to see whether a line only carries it)
        self.literal_values: dict[str, object] = {}


def evaluate(side: Side, context: Context):
    return scalar_or_matrix(Evaluator(side, context).run(side.expr))


class Evaluator:
    def __init__(self, side: Side, context: Context, inner: bool = False):
        self.side = side
        self.context = context
        #: a function's argument or a matrix cell inside an expression
        self.inner = inner

    def alone(self) -> bool:
        if self.inner:
            return False
        expr = self.side.expr
        if isinstance(expr, sympy.Mul) and len(expr.args) == 2 and expr.args[0] == -1:
            expr = expr.args[1]
        return isinstance(expr, sympy.Symbol)

    def run(self, expr):
        method = getattr(self, "_" + type(expr).__name__, None)
        if method is not None:
            return method(expr)
        if isinstance(expr, sympy.Symbol):
            return self.symbol(expr.name)
        if isinstance(expr, sympy.Integer):
            return self.check(iv.mpf(int(expr)))
        if isinstance(expr, sympy.Rational):
            return iv.mpf(int(expr.p)) / int(expr.q)
        if isinstance(expr, sympy.Float):
            return iv.mpf(mp.mpf(expr._mpf_))
        if isinstance(expr, sympy.core.function.AppliedUndef):
            return self.applied(type(expr).__name__, expr.args)
        if isinstance(expr, sympy.Function):
            name = type(expr).__name__.lower()
            if name in ACTIVATIONS:  # the engine's own σ, ReLU, … classes
                return self.applied(name, expr.args)
            return self.builtin(name, expr.args)
        if isinstance(expr, sympy.MatrixBase):
            return Matrix([[self.run(expr[i, j]) for j in range(expr.cols)] for i in range(expr.rows)])
        raise Unsupported(f"cannot evaluate {type(expr).__name__}")

    # --- atoms ---------------------------------------------------------------
    def _Pi(self, expr):
        return iv.pi

    def _Exp1(self, expr):
        return iv.e

    def _Half(self, expr):
        return iv.mpf(1) / 2

    def _UnevaluatedExpr(self, expr):
        return self.run(expr.args[0])

    def _Indexed(self, expr):
        if self.context.randoms is not None and all(_index_form(str(i)) for i in expr.indices):
            # X[i + m, j + n] in letters: the entry at random integer indices
            return self.entry(str(expr.base.label), [str(i) for i in expr.indices])
        index = [self.integer(self.run(i)) for i in expr.indices]
        return self.symbol(f"{expr.base.label}_{'_'.join(map(str, index))}")

    def entry(self, base: str, indices: list[str]):
        """X_{i+m,j+n} at a random point: the letters are random small integers
        (the same in every side), and the entry a random value of its own."""
        values = []
        for text in indices:
            total = 0
            for sign, term in re.findall(r"([+-]?)\s*([A-Za-z]|\d+)", text):
                if term.isdigit():
                    number = int(term)
                elif term in self.context.locals:
                    number = self.integer(self.context.locals[term])
                else:
                    trial = getattr(self.context.randoms, "trial", 0)
                    number = random.Random(f"{trial}:index:{term}").randint(1, 6)
                    self.context.random_used.add(term)
                total += -number if sign == "-" else number
            values.append(total)
        return self.symbol(f"{base}_{'_'.join(map(str, values))}")

    def symbol(self, name: str):
        lifted = placeholder(name)
        if lifted is not None:
            kind, index = lifted
            if kind == "numlit":
                written = self.side.literals[index]
                if written in self.context.literal_values:
                    return self.context.literal_values[written]
                return literal_interval(written, self.context.exact_values, self.alone())
            if kind.startswith("matlit"):
                cells = self.side.matrices[index]
                inner = not self.alone()
                value = Matrix([[scalar(Evaluator(cell, self.context, inner).run(cell.expr)) for cell in row]
                                for row in cells])
                return value.transpose() if kind.endswith("^T") else value
            if kind == "caselit":
                return self.case(self.side.cases[index])
            argument = self.side.arguments[index]
            return scalar_or_matrix(Evaluator(argument, self.context, inner=True).run(argument.expr))
        if name in self.context.locals:
            return self.context.locals[name]
        key = canonical(name)
        m = re.fullmatch(r"([A-Za-z])_\{([^{},]+(?:,[^{},]+)+)\}", name.replace(" ", ""))
        if m and self.context.randoms is not None and all(_index_form(i) for i in m.group(2).split(",")):
            return self.entry(m.group(1), m.group(2).split(","))
        if key.endswith("^T"):
            value = self.symbol(name.replace("^T", ""))
            return value.transpose() if isinstance(value, Matrix) else value
        # a subscript that is an index: k_i inside Σ_i, or k_n
        m = re.fullmatch(r"(.+?)_\{?([a-zA-Z])\}?", name)
        if m and self.index(m.group(2)) is not None:
            return self.symbol(f"{m.group(1)}_{self.index(m.group(2))}")
        key = self.context.rename(key)
        self.context.used.add(key)
        value = self.context.lookup(key)
        if value is not None:
            return value
        if self.index(key) is not None:
            return iv.mpf(self.index(key))
        if self.context.randoms is not None and not key.startswith("D_"):
            self.context.random_used.add(key)
            if key not in self.context.randoms:
                trial = getattr(self.context.randoms, "trial", 0)
                low, high = (0.05, 0.45) if trial >= 100 else (0.6, 1.9)
                self.context.randoms[key] = iv.mpf(random.Random(f"{trial}:{key}").uniform(low, high))
            return self.context.randoms[key]
        raise Unbound(key)

    def case(self, rows):
        """The value of the first row whose condition holds; a condition the
        intervals cannot decide (x > 0 with x = 0.0001 ± 0.0005) is refused."""
        for value, condition in rows:
            if condition is None or self.holds(condition):
                return scalar(Evaluator(value, self.context, True).run(value.expr))
        raise Unsupported("no case of the \\begin{cases} applies")

    def holds(self, condition) -> bool:
        relation, left, right = condition
        a = ends(scalar(Evaluator(left, self.context, True).run(left.expr)))
        b = ends(scalar(Evaluator(right, self.context, True).run(right.expr)))
        surely = {">": a[0] > b[1], "gt": a[0] > b[1], "<": a[1] < b[0], "lt": a[1] < b[0],
                  ">=": a[0] >= b[1], "geq": a[0] >= b[1], "ge": a[0] >= b[1],
                  "<=": a[1] <= b[0], "leq": a[1] <= b[0], "le": a[1] <= b[0],
                  "=": a[0] == a[1] == b[0] == b[1], "neq": a[1] < b[0] or a[0] > b[1], "ne": a[1] < b[0] or a[0] > b[1]}
        surely_not = {">": a[1] <= b[0], "<": a[0] >= b[1], ">=": a[1] < b[0], "geq": a[1] < b[0], "ge": a[1] < b[0],
                      "<=": a[0] > b[1], "leq": a[0] > b[1], "le": a[0] > b[1],
                      "=": a[1] < b[0] or a[0] > b[1], "neq": a[0] == a[1] == b[0] == b[1],
                      "ne": a[0] == a[1] == b[0] == b[1]}
        if surely[relation]:
            return True
        if surely_not[relation]:
            return False
        raise Unsupported("a case condition the author's precision cannot decide")

    def index(self, letter: str) -> int | None:
        """The value of an index: a summation variable, or at random points
        a name such as n that counts layers or steps (a small integer)."""
        if letter in self.context.locals:
            return self.integer(self.context.locals[letter])
        if self.context.randoms is not None and letter in INDEX_NAMES:
            return 3 + getattr(self.context.randoms, "trial", 0) % 100
        return None

    def _ImaginaryUnit(self, expr):
        # in coursework I is an identity matrix or an input size, not √−1
        return self.symbol("I")

    # --- arithmetic ----------------------------------------------------------
    def _Add(self, expr):
        total = None
        for arg in expr.args:
            value = self.run(arg)
            total = value if total is None else add(total, value)
        return total

    def _MatAdd(self, expr):
        return self._Add(expr)

    def _Mul(self, expr):
        product = None
        for arg in expr.args:
            value = self.run(arg)
            product = value if product is None else multiply(product, value)
        return product

    def _MatMul(self, expr):
        return self._Mul(expr)

    def _Pow(self, expr):
        base = self.run(expr.args[0])
        exponent = scalar(self.run(expr.args[1]))
        if isinstance(base, Matrix):
            raise Unsupported("powers of matrices")
        magnitude = max(abs(x) for x in ends(base))
        if magnitude > 1 and max(abs(x) for x in ends(exponent)) * mp.log10(magnitude) > 300:
            raise TooLarge("a power too large to evaluate")
        lo, hi = ends(exponent)
        if lo == hi and lo == int(lo):
            return self.check(base ** int(lo))
        if lo == hi == 0.5:
            return iv.sqrt(base) if ends(base)[0] >= 0 else _raise(Unsupported("the square root of a negative number"))
        if ends(base)[0] <= 0:
            raise Unsupported("a non-integer power of a number that may be negative")
        return self.check(iv.exp(exponent * iv.log(base)))

    def _factorial(self, expr):
        n = self.integer(self.run(expr.args[0]))
        if not 0 <= n <= MAX_FACTORIAL:
            raise TooLarge(f"a factorial of {n}")
        return self.check(iv.mpf(math.factorial(n)))

    def _Abs(self, expr):
        value = self.run(expr.args[0])
        return elementwise(value, lambda v: iv.mpf([0 if v.a <= 0 <= v.b else min(abs(v.a), abs(v.b)),
                                                    max(abs(v.a), abs(v.b))]))

    def _Max(self, expr):
        values = [scalar(self.run(a)) for a in expr.args]
        return iv.mpf([max(v.a for v in values), max(v.b for v in values)])

    def _Min(self, expr):
        values = [scalar(self.run(a)) for a in expr.args]
        return iv.mpf([min(v.a for v in values), min(v.b for v in values)])

    def _log(self, expr):
        value = self.run(expr.args[0])
        result = elementwise(value, positive_log)
        if len(expr.args) > 1:
            base = scalar(self.run(expr.args[1]))
            result = elementwise(result, lambda v: v / positive_log(base))
        return result

    def _exp(self, expr):
        value = self.run(expr.args[0])
        return elementwise(value, lambda v: self.check(iv.exp(self.bounded(v, below=False))))

    def _Sum(self, expr):
        return self.loop(expr, add)

    def _Product(self, expr):
        return self.loop(expr, multiply)

    def _Integral(self, expr):
        if len(expr.limits) != 1 or (self.context.randoms is None and len(expr.limits[0]) != 3):
            raise Unbound("an integral")
        if expr.args[0].has(sympy.Integral) or self.context.locals:
            raise Unsupported("an integral inside an integral or sum")
        variable = expr.limits[0][0].name
        bounds = expr.limits[0][1:] or (-sympy.oo, sympy.oo)
        lo, hi = (mp.mpf("-inf") if b == -sympy.oo else mp.mpf("inf") if b == sympy.oo
                  else mp.make_mpf(scalar(self.run(b)).mid._mpi_[0]) for b in bounds)

        key = None
        if self.context.scope is not None:
            key = (self.context.scope, getattr(self.context.randoms, "trial", None), variable,
                   self.key_of(expr.args[0]), tuple(str(b) for b in bounds))
            if key in INTEGRALS:
                result, used, random_used = INTEGRALS[key]
                self.context.used |= used
                self.context.random_used |= random_used  # which names were random decides identities
                return result

        def integrand(x):
            self.context.locals[variable] = iv.mpf(x)
            try:
                return mp.make_mpf(scalar(self.run(expr.args[0])).mid._mpi_[0])
            finally:
                self.context.locals.pop(variable, None)
        # the names the integrand alone uses, cached with its value (not those of
        # the rest of the side, evaluated before it)
        outer_used, outer_random = self.context.used, self.context.random_used
        self.context.used, self.context.random_used = set(), set()
        # 15 digits and degree 4 keep a Gaussian moment to ~1e-6 in ~200 evaluations
        saved = iv.prec
        try:
            iv.prec = 53
            with mp.workdps(15):
                value, error = mp.quad(integrand, [lo, hi], maxdegree=4, error=True)
        finally:
            iv.prec = saved
            inner_used, inner_random = self.context.used, self.context.random_used
            self.context.used, self.context.random_used = outer_used | inner_used, outer_random | inner_random
        result = iv.mpf(value)
        if self.context.randoms is None:
            if not mp.isfinite(value) or abs(error) > mp.mpf(10) ** -6 * (1 + abs(value)):
                raise Unsupported("an integral whose quadrature does not converge")
            # a definite integral in numbers (∫₀¹ x² dx) is compared exactly with the
            # other side: it stands for every value within the quadrature's error
            slack = max(10 * abs(error), mp.mpf(10) ** -9 * (1 + abs(value)))
            result = iv.mpf([value - slack, value + slack])
        if key is not None:
            if len(INTEGRALS) > 2000:
                INTEGRALS.clear()
            INTEGRALS[key] = (result, frozenset(inner_used), frozenset(inner_random))
        return result

    def key_of(self, expr) -> str:
        """A text for a subtree with its placeholders written out, so that the
        same integral on two lines has the same key."""
        if isinstance(expr, sympy.Symbol):
            lifted = placeholder(expr.name)
            if lifted is None:
                return expr.name
            kind, index = lifted
            if kind == "numlit":
                return f"#{self.side.literals[index]}"
            if kind == "arglit":
                argument = self.side.arguments[index]
                return Evaluator(argument, self.context, True).key_of(argument.expr)
            cells = self.side.matrices[index]
            return "[" + ";".join(",".join(Evaluator(c, self.context, True).key_of(c.expr) for c in row)
                                  for row in cells) + "]" + kind[6:]
        if not expr.args:
            return sympy.srepr(expr)
        return f"{type(expr).__name__}({','.join(self.key_of(a) for a in expr.args)})"

    def _Derivative(self, expr):
        raise Unbound("a derivative")

    def loop(self, expr, combine):
        (variable, start, stop), = expr.limits
        first, last = self.integer(self.run(start)), self.integer(self.run(stop))
        if last - first > MAX_TERMS:
            raise TooLarge(f"more than {MAX_TERMS} terms")
        total = None
        saved = self.context.locals.get(variable.name)
        try:
            for k in range(first, last + 1):
                self.context.locals[variable.name] = iv.mpf(k)
                value = self.run(expr.args[0])
                total = value if total is None else combine(total, value)
        finally:
            self.context.locals.pop(variable.name, None)
            if saved is not None:
                self.context.locals[variable.name] = saved
        if total is None:
            return iv.mpf(0 if combine is add else 1)
        return total

    # --- functions -----------------------------------------------------------
    def builtin(self, name, args):
        functions = {"tanh": monotone(mp.tanh), "sin": iv.sin, "cos": iv.cos, "tan": iv.tan,
                     "sqrt": iv.sqrt, "sinh": monotone(mp.sinh), "asinh": monotone(mp.asinh),
                     "atan": monotone(mp.atan)}
        if name not in functions or len(args) != 1:
            raise Unsupported(f"the function {name}")
        value = self.run(args[0])
        return elementwise(value, lambda v: functions[name](self.bounded(v)))

    def applied(self, name, args):
        key = canonical(name)
        known = ACTIVATIONS
        if key in known and len(args) == 1:
            before = len(self.context.random_used)
            value = self.run(args[0])
            if key in PARAMETERISED and len(self.context.random_used) > before:
                # ELU(x) at random x: its α matters below 0 and the line does not give it
                raise Unsupported(f"{name} at random values without its parameter")
            return elementwise(value, lambda v: known[key](self.bounded(v)))
        function = self.context.functions.get(key)
        if function is None:
            self.context.used.add(key)
            raise Unbound(key)
        self.context.used.add(key)
        return function([self.run(a) for a in args], self.context)

    # --- safety --------------------------------------------------------------
    def check(self, value):
        for v in (value.entries() if isinstance(value, Matrix) else [value]):
            for end in v._mpi_:
                # an mpf is (sign, mantissa, exponent, bits): its size is 2^(exponent + bits)
                if end in (finf, fninf, fnan) or (end[1] and end[2] + end[3] > MAX_BITS):
                    raise TooLarge("a number beyond 1e300")
        return value

    def bounded(self, v, below=True):
        """Refuses arguments too large to mean anything (exp(1e9)); exp of a
        very negative number is fine: it is tiny."""
        lo, hi = ends(v)
        if not (hi < 1e6 and (not below or lo > -1e6)):
            raise TooLarge("a function of a number beyond 1e6")
        return v

    def integer(self, value) -> int:
        value = scalar(value)
        if value.a != value.b or value.a != int(value.a) or abs(value.a) > 10 ** 6:
            raise Unsupported("a bound or index that is not a small integer")
        return int(value.a)


def _index_form(text: str) -> bool:
    """Whether an index is integers and letters added: i + m, j - n, 2."""
    return bool(re.fullmatch(r"\s*[+-]?\s*(?:[A-Za-z]|\d{1,3})(?:\s*[+-]\s*(?:[A-Za-z]|\d{1,3}))*\s*", text))


def _raise(error):
    raise error


def ends(v) -> tuple:
    """The end points of an interval as plain mpf numbers."""
    return mp.make_mpf(v._mpi_[0]), mp.make_mpf(v._mpi_[1])


def scalar(value):
    value = scalar_or_matrix(value)
    if isinstance(value, Matrix):
        raise Unsupported(f"a {value.shape[0]}×{value.shape[1]} matrix where a number is expected")
    return value


def positive_log(v):
    if v.a <= 0:
        raise Unsupported("the logarithm of a number that may not be positive")
    return iv.log(v)


def monotone(function):
    """An increasing function on intervals, from its values at the ends."""
    def on_interval(v):
        lo, hi = function(mp.mpf(v.a)), function(mp.mpf(v.b))
        slack = mp.mpf(10) ** (-mp.dps + 3) * (1 + abs(hi))
        return iv.mpf([lo - slack, hi + slack])
    return on_interval


def _sigmoid(v):
    return monotone(lambda x: 1 / (1 + mp.exp(-x)))(v)


def _relu(v):
    lo, hi = ends(v)
    return iv.mpf([max(lo, 0), max(hi, 0)])


def _dsigmoid(v):
    s = _sigmoid(v)
    return s * (1 - s)


def _dtanh(v):
    t = monotone(mp.tanh)(v)
    return 1 - t * t


#: activations as functions of intervals (σ′ and tanh′ enclosed through σ and tanh)
def _activations() -> dict:
    """The engine's element-wise functions by class name, as intervals (from
    the function registry), and the checker's σ′ and tanh′ of written σ'(z)."""
    table = {"sigmoid": _sigmoid, "relu": _relu, "dsigmoid": _dsigmoid, "dtanh": _dtanh}
    for record in FUNCTIONS.values():
        if record.vector or record.interval is None or record.sympy is None:
            continue
        # one argument: a parameter (ELU's α) takes its default, as ELU(1) does when written
        table.setdefault(record.sympy.__name__, record.interval)
        table.setdefault(record.sympy.__name__.replace("_", ""), record.interval)  # as the normaliser writes it
    return table


ACTIVATIONS = _activations()
#: functions whose value depends on a parameter (ELU's α): judged at numbers only, at its default
PARAMETERISED = {name for record in FUNCTIONS.values() if record.parameters and record.sympy
                 for name in (record.sympy.__name__, record.sympy.__name__.replace("_", ""))}


def elementwise(value, function):
    if isinstance(value, Matrix):
        return value.map(function)
    return function(value)


def add(a, b):
    a, b = scalar_or_matrix(a), scalar_or_matrix(b)
    if isinstance(a, Matrix) and isinstance(b, Matrix):
        if a.shape != b.shape:
            raise Unsupported(f"adding a {a.shape[0]}×{a.shape[1]} and a {b.shape[0]}×{b.shape[1]} matrix")
        return Matrix([[x + y for x, y in zip(r, s)] for r, s in zip(a.rows, b.rows)])
    if isinstance(a, Matrix) or isinstance(b, Matrix):
        raise Unsupported("adding a matrix and a number")
    return a + b


def multiply(a, b):
    a, b = scalar_or_matrix(a), scalar_or_matrix(b)
    if isinstance(a, Matrix) and isinstance(b, Matrix):
        if a.shape[1] != b.shape[0]:
            if a.shape == b.shape:  # ⊙ written as a product
                return Matrix([[x * y for x, y in zip(r, s)] for r, s in zip(a.rows, b.rows)])
            raise Unsupported(f"multiplying a {a.shape[0]}×{a.shape[1]} by a {b.shape[0]}×{b.shape[1]} matrix")
        return Matrix([[sum((a.rows[i][k] * b.rows[k][j] for k in range(a.shape[1])), iv.mpf(0))
                        for j in range(b.shape[1])] for i in range(a.shape[0])])
    if isinstance(a, Matrix):
        return a.map(lambda x: x * b)
    if isinstance(b, Matrix):
        return b.map(lambda x: a * x)
    return a * b


# --- comparing ---------------------------------------------------------------

def agree(a, b, relative: float = 0.0) -> bool:
    """Whether two values (intervals or matrices of them) can be equal."""
    a, b = scalar_or_matrix(a), scalar_or_matrix(b)
    if isinstance(a, Matrix) != isinstance(b, Matrix):
        return False
    if isinstance(a, Matrix):
        if a.shape != b.shape and not (1 in a.shape and 1 in b.shape and len(a.entries()) == len(b.entries())):
            return False
        return all(agree(x, y, relative) for x, y in zip(a.entries(), b.entries()))
    slack = relative * max(abs(a.mid), abs(b.mid), 1e-12)
    return a.a - slack <= b.b and b.a - slack <= a.b


def describe(value, digits: int = 6) -> str:
    value = scalar_or_matrix(value)
    if isinstance(value, Matrix):
        return "[" + "; ".join(" ".join(describe(v, digits) for v in row) for row in value.rows) + "]"
    mid = mp.mpf(value.mid)
    if mid == int(mid) and value.delta < 1e-20:
        return str(int(mid))
    text = mp.nstr(mid, digits)
    return text


def rounds_like(value, written: str) -> str:
    """The value rounded as the author rounds: as many decimals as `written`."""
    decimals = len(written.split(".")[1]) if "." in written else 0
    return f"{float(scalar(value).mid):.{decimals}f}"
