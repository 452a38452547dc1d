"""Probability distributions, named and parameterised as `torch.distributions`.

A distribution here is data: its parameters (exact numbers or SymPy
symbols), their validation, its log-density as a SymPy expression in x and
its support.  Expectations and KL divergences are derived from these by
`derive.expectations` and `derive.probability`; nothing here knows a closed
form of a KL.

Parameters are checked on construction; a bad one raises
`DistributionError` (an `InputError`) naming the family and the parameter.
"""
from __future__ import annotations

import sympy

from derive.core.numbers import InputError, exact

#: The variable densities are written in and integrated over.  A dummy, so
#: that a user's own real symbol x (a parameter such as the mean x/(1 + s²))
#: is a different symbol and is not integrated away; it still prints as x.
class BoundVariable(sympy.Dummy):
    """A dummy that sorts as the symbol of its name does, so that steps
    keep their order (E[x] before E[x²])."""

    def sort_key(self, order=None):
        return sympy.Symbol(self.name).sort_key(order)


X = BoundVariable("x", real=True)

#: What a parameter may be: its SymPy assumptions and how a number is checked.
KINDS = {
    "real": dict(real=True),
    "positive": dict(positive=True),
    "probability": dict(positive=True),
    "count": dict(integer=True, positive=True),
}

#: Largest finite support summed term by term.
FINITE_SUM_LIMIT = 400


class DistributionError(InputError):
    """A parameter outside its support, or a pair the engine cannot derive."""


class NotDerivable(DistributionError):
    """The engine has no route to an expectation this KL needs."""


def _parameter(value, where: str):
    """A parameter as an exact SymPy value; text is never parsed."""
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return exact(value, where)
    raise DistributionError(f"{where}: expected a number or a SymPy expression, got {type(value).__name__}")


def _check_kind(value, kind: str, where: str):
    if kind == "real":
        if value.is_real is False:
            raise DistributionError(f"{where}: must be real, got {value}")
        return
    if value.is_number:
        if kind == "probability":
            if not (0 <= value <= 1):
                raise DistributionError(f"{where}: must lie in [0, 1], got {value}")
        elif kind == "count":
            if not (value.is_integer and value >= 0):
                raise DistributionError(f"{where}: must be a non-negative integer, got {value}")
        elif not value.is_positive:
            raise DistributionError(f"{where}: must be positive, got {value}")
        return
    if kind == "count" and not (value.is_integer and value.is_nonnegative):
        raise DistributionError(f"{where}: the symbol {value} must be declared a non-negative integer")
    if kind != "count" and value.is_positive is not True:
        raise DistributionError(f"{where}: the symbol {value} must be declared positive")


class Distribution:
    #: torch's parameter names, in torch's order
    parameters: tuple[str, ...] = ()
    #: the kind of each parameter (a key of KINDS)
    kinds: tuple[str, ...] = ()
    #: the base name and LaTeX of each parameter's symbol in a derivation
    symbols: tuple[tuple[str, str], ...] = ()
    discrete = False
    #: the point about which the density is symmetric, as a parameter name
    centre: str | None = None

    def __init__(self, *args, **kwargs):
        name = type(self).__name__
        if len(args) + len(kwargs) != len(self.parameters):
            raise DistributionError(f"{name} takes {len(self.parameters)} parameters: {', '.join(self.parameters)}")
        values = dict(zip(self.parameters, args))
        for key, value in kwargs.items():
            if key not in self.parameters or key in values:
                raise DistributionError(f"{name}: unexpected parameter {key!r}; expected {', '.join(self.parameters)}")
            values[key] = value
        self.args = tuple(_parameter(values[p], f"{name}.{p}") for p in self.parameters)
        for value, kind, parameter in zip(self.args, self.kinds, self.parameters):
            _check_kind(value, kind, f"{name}.{parameter}")
        self.validate()

    def validate(self):
        """Checks that involve more than one parameter."""

    def __getattr__(self, name):
        # torch's parameter names as attributes: Normal(0, 1).scale
        parameters = type(self).parameters
        if name in parameters:
            return self.args[parameters.index(name)]
        raise AttributeError(name)

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(map(str, self.args))})"

    def __eq__(self, other):
        return type(self) is type(other) and self.args == other.args

    def __hash__(self):
        return hash((type(self).__name__, self.args))

    @property
    def family(self) -> str:
        return type(self).__name__

    def with_args(self, args) -> "Distribution":
        return type(self)(*args)

    def generic(self, tag: str = "") -> "Distribution":
        """The same family with a symbol for every parameter (for cached derivations)."""
        return type(self)(*(sympy.Symbol(f"{base}{tag}", **KINDS[kind])
                            for (base, _), kind in zip(self.symbols, self.kinds)))

    def values_of(self, generic: "Distribution") -> dict:
        """The values this distribution gives the symbols of `generic` (its
        family's generic form), to substitute into a cached derivation."""
        return dict(zip(generic.args, self.args))

    def log_density(self, x) -> sympy.Expr:
        raise NotImplementedError

    def density(self, x) -> sympy.Expr:
        return sympy.exp(self.log_density(x))

    def support(self) -> tuple:
        """(low, high): an interval, or the integers from low to high when discrete."""
        return (-sympy.oo, sympy.oo)

    def pieces(self) -> list:
        """[(low, high, density)] on which the density is smooth (no |·| left)."""
        low, high = self.support()
        return [(low, high, self.density(X))]

    def latex(self) -> str:
        return rf"\mathrm{{{self.family}}}\left({', '.join(sympy.latex(a) for a in self.args)}\right)"

    def text(self) -> str:
        return f"{self.family}({', '.join(f'{p}={sympy.sstr(a)}' for p, a in zip(self.parameters, self.args))})"


class Normal(Distribution):
    """N(loc, scale²): `scale` is the standard deviation, as in torch."""

    parameters = ("loc", "scale")
    kinds = ("real", "positive")
    symbols = (("mu", r"\mu"), ("sigma", r"\sigma"))
    centre = "loc"

    def log_density(self, x):
        loc, scale = self.args
        return -sympy.log(2 * sympy.pi * scale**2) / 2 - (x - loc)**2 / (2 * scale**2)

    def latex(self):
        return rf"\mathcal{{N}}\left({sympy.latex(self.loc)}, {sympy.latex(self.scale)}^{{2}}\right)"


class Laplace(Distribution):
    parameters = ("loc", "scale")
    kinds = ("real", "positive")
    symbols = (("mu", r"\mu"), ("b", "b"))
    centre = "loc"

    def log_density(self, x):
        loc, scale = self.args
        return -sympy.log(2 * scale) - sympy.Abs(x - loc) / scale

    def pieces(self):
        loc, scale = self.args
        return [(-sympy.oo, loc, sympy.exp((X - loc) / scale) / (2 * scale)),
                (loc, sympy.oo, sympy.exp(-(X - loc) / scale) / (2 * scale))]


class Cauchy(Distribution):
    parameters = ("loc", "scale")
    kinds = ("real", "positive")
    symbols = (("x_0", "x_{0}"), ("gamma", r"\gamma"))
    centre = "loc"

    def log_density(self, x):
        # 1/(πγ(1 + ((x − x₀)/γ)²)) = γ/(π((x − x₀)² + γ²)): one logarithm of a quadratic
        loc, scale = self.args
        return sympy.log(scale / sympy.pi) - sympy.log((x - loc)**2 + scale**2)


class Exponential(Distribution):
    parameters = ("rate",)
    kinds = ("positive",)
    symbols = (("lambda", r"\lambda"),)

    def log_density(self, x):
        return sympy.log(self.rate) - self.rate * x

    def support(self):
        return (sympy.Integer(0), sympy.oo)


class Gamma(Distribution):
    parameters = ("concentration", "rate")
    kinds = ("positive", "positive")
    symbols = (("alpha", r"\alpha"), ("beta", r"\beta"))

    def log_density(self, x):
        alpha, beta = self.args
        return alpha * sympy.log(beta) - sympy.log(sympy.gamma(alpha)) + (alpha - 1) * sympy.log(x) - beta * x

    def density(self, x):
        alpha, beta = self.args
        return beta**alpha * x**(alpha - 1) * sympy.exp(-beta * x) / sympy.gamma(alpha)

    def support(self):
        return (sympy.Integer(0), sympy.oo)


class Beta(Distribution):
    parameters = ("concentration1", "concentration0")
    kinds = ("positive", "positive")
    symbols = (("a", "a"), ("b", "b"))

    def log_density(self, x):
        a, b = self.args
        return (a - 1) * sympy.log(x) + (b - 1) * sympy.log(1 - x) - sympy.log(sympy.beta(a, b))

    def density(self, x):
        a, b = self.args
        return x**(a - 1) * (1 - x)**(b - 1) / sympy.beta(a, b)

    def support(self):
        return (sympy.Integer(0), sympy.Integer(1))


class Pareto(Distribution):
    parameters = ("scale", "alpha")
    kinds = ("positive", "positive")
    symbols = (("x_m", r"x_{m}"), ("alpha", r"\alpha"))

    def log_density(self, x):
        scale, alpha = self.args
        return sympy.log(alpha) + alpha * sympy.log(scale) - (alpha + 1) * sympy.log(x)

    def density(self, x):
        scale, alpha = self.args
        return alpha * scale**alpha / x**(alpha + 1)

    def support(self):
        return (self.scale, sympy.oo)


class Uniform(Distribution):
    parameters = ("low", "high")
    kinds = ("real", "real")
    symbols = (("a", "a"), ("b", "b"))

    def validate(self):
        low, high = self.args
        if (high - low).is_positive is False or (high - low).is_zero:
            raise DistributionError(f"Uniform.high: must be greater than low, got low={low}, high={high}")

    def log_density(self, x):
        return -sympy.log(self.high - self.low)

    def density(self, x):
        return 1 / (self.high - self.low)

    def support(self):
        return (self.low, self.high)

    def generic(self, tag=""):
        # b = a + w with w > 0, so that the width's sign is known
        a = sympy.Symbol(f"a{tag}", real=True)
        return Uniform(a, a + sympy.Symbol(f"w{tag}", positive=True))

    def values_of(self, generic):
        # the generic high is a + w: w takes the width, not the high end
        a, high = generic.args
        (w,) = high.free_symbols - {a}
        return {a: self.low, w: self.high - self.low}


class Bernoulli(Distribution):
    parameters = ("probs",)
    kinds = ("probability",)
    symbols = (("p", "p"),)
    discrete = True

    def log_density(self, x):
        p = self.probs
        return x * sympy.log(p) + (1 - x) * sympy.log(1 - p)

    def support(self):
        return (sympy.Integer(0), sympy.Integer(1))


class Binomial(Distribution):
    parameters = ("total_count", "probs")
    kinds = ("count", "probability")
    symbols = (("n", "n"), ("p", "p"))
    discrete = True

    def log_density(self, x):
        n, p = self.args
        return sympy.log(sympy.binomial(n, x)) + x * sympy.log(p) + (n - x) * sympy.log(1 - p)

    def density(self, x):
        n, p = self.args
        return sympy.binomial(n, x) * p**x * (1 - p)**(n - x)

    def support(self):
        return (sympy.Integer(0), self.total_count)


class Geometric(Distribution):
    """Failures before the first success, as in torch: support {0, 1, …}."""

    parameters = ("probs",)
    kinds = ("probability",)
    symbols = (("p", "p"),)
    discrete = True

    def validate(self):
        if self.probs.is_zero:
            raise DistributionError("Geometric.probs: must lie in (0, 1], got 0")

    def log_density(self, x):
        p = self.probs
        return x * sympy.log(1 - p) + sympy.log(p)

    def density(self, x):
        p = self.probs
        return (1 - p)**x * p

    def support(self):
        return (sympy.Integer(0), sympy.oo)


class Poisson(Distribution):
    parameters = ("rate",)
    kinds = ("positive",)
    symbols = (("lambda", r"\lambda"),)
    discrete = True

    def log_density(self, x):
        return x * sympy.log(self.rate) - self.rate - sympy.log(sympy.factorial(x))

    def density(self, x):
        return self.rate**x * sympy.exp(-self.rate) / sympy.factorial(x)

    def support(self):
        return (sympy.Integer(0), sympy.oo)


def _vector(value, where: str) -> sympy.ImmutableMatrix:
    if isinstance(value, sympy.MatrixBase):
        matrix = sympy.ImmutableMatrix(value)
    elif isinstance(value, (list, tuple)):
        if any(isinstance(v, (list, tuple)) for v in value):
            raise DistributionError(f"{where}: expected a vector, got a nested list")
        matrix = sympy.ImmutableMatrix([[_parameter(v, f"{where}[{i}]")] for i, v in enumerate(value)])
    else:
        raise DistributionError(f"{where}: expected a vector (a list), got {type(value).__name__}")
    if matrix.shape[1] != 1 and matrix.shape[0] == 1:
        matrix = matrix.T
    if matrix.shape[1] != 1 or matrix.shape[0] == 0:
        raise DistributionError(f"{where}: expected a vector, got shape {matrix.shape[0]}×{matrix.shape[1]}")
    return matrix


def _is_matrix_expression(value) -> bool:
    return isinstance(value, sympy.MatrixExpr) and not isinstance(value, sympy.MatrixBase)


class Categorical(Distribution):
    """probs over {0, …, K − 1}; numbers must add up to one (torch would
    normalise them; here a typo should not pass silently)."""

    parameters = ("probs",)
    kinds = ("probability",)
    discrete = True

    def __init__(self, probs):
        vector = _vector(probs, "Categorical.probs")
        for i, value in enumerate(vector):
            _check_kind(value, "probability", f"Categorical.probs[{i}]")
        total = sum(vector)
        if total.is_number and total != 1:
            raise DistributionError(f"Categorical.probs: must add up to 1, got {total}")
        self.args = (vector,)

    def __repr__(self):
        return f"Categorical({list(self.probs)})"

    def __hash__(self):
        return hash(("Categorical", tuple(self.probs)))

    @property
    def probs(self):
        return self.args[0]

    def generic(self, tag=""):
        return self

    def probability(self, k: int):
        return self.probs[k]

    def support(self):
        return (sympy.Integer(0), sympy.Integer(len(self.probs) - 1))

    def latex(self):
        return rf"\mathrm{{Categorical}}\left({sympy.latex(self.probs.T)}\right)"


class MultivariateNormal(Distribution):
    """N(loc, covariance_matrix) in d dimensions: explicit vectors and
    matrices (numbers or symbols as entries), or matrix expressions of a
    symbolic dimension (`MatrixSymbol("mu", d, 1)`, `MatrixSymbol("Sigma",
    d, d)`), which are taken to be symmetric positive definite as declared."""

    parameters = ("loc", "covariance_matrix")

    def __init__(self, loc, covariance_matrix):
        if _is_matrix_expression(loc) or _is_matrix_expression(covariance_matrix):
            self._symbolic_dimension(loc, covariance_matrix)
            return
        loc = _vector(loc, "MultivariateNormal.loc")
        cov = covariance_matrix
        if isinstance(cov, (list, tuple)):
            if not cov or not all(isinstance(row, (list, tuple)) for row in cov):
                raise DistributionError("MultivariateNormal.covariance_matrix: expected a list of rows")
            if len({len(row) for row in cov}) != 1:
                raise DistributionError("MultivariateNormal.covariance_matrix: rows of different lengths")
            cov = sympy.ImmutableMatrix([[_parameter(v, f"MultivariateNormal.covariance_matrix[{i}][{j}]")
                                          for j, v in enumerate(row)] for i, row in enumerate(cov)])
        elif isinstance(cov, sympy.MatrixBase):
            cov = sympy.ImmutableMatrix(cov)
        else:
            raise DistributionError("MultivariateNormal.covariance_matrix: expected a matrix (a list of rows), "
                                    f"got {type(cov).__name__}")
        d = loc.shape[0]
        if cov.shape != (d, d):
            raise DistributionError(f"MultivariateNormal.covariance_matrix: expected {d}×{d} to match loc of "
                                    f"length {d}, got {cov.shape[0]}×{cov.shape[1]}")
        if (cov - cov.T).applyfunc(sympy.expand) != sympy.zeros(d, d):
            raise DistributionError("MultivariateNormal.covariance_matrix: must be symmetric")
        self.args = (loc, cov)
        self._check_positive_definite()

    def _symbolic_dimension(self, loc, cov):
        for value, name in ((loc, "loc"), (cov, "covariance_matrix")):
            if not isinstance(value, sympy.MatrixExpr):
                raise DistributionError(f"MultivariateNormal.{name}: with a symbolic dimension both parameters "
                                        "are matrix expressions")
        d = loc.shape[0]
        if loc.shape[1] != 1:
            raise DistributionError(f"MultivariateNormal.loc: expected a column (d×1), got {loc.shape}")
        if cov.shape != (d, d):
            raise DistributionError(f"MultivariateNormal.covariance_matrix: expected {d}×{d} to match loc, "
                                    f"got {cov.shape[0]}×{cov.shape[1]}")
        self.args = (loc, cov)

    @property
    def explicit(self) -> bool:
        """True when loc and covariance are explicit matrices."""
        return isinstance(self.covariance_matrix, sympy.MatrixBase)

    def _check_positive_definite(self):
        cov = self.covariance_matrix
        where = "MultivariateNormal.covariance_matrix"
        if cov.is_diagonal():
            for i in range(cov.shape[0]):
                _check_kind(cov[i, i], "positive", f"{where}[{i}][{i}]")
            return
        if all(v.is_number for v in cov):
            if not cov.is_positive_definite:
                raise DistributionError(f"{where}: must be positive definite")
            return
        # A symbolic full matrix: every leading minor must be provably positive.
        for k in range(1, cov.shape[0] + 1):
            if sympy.simplify(cov[:k, :k].det()).is_positive is not True:
                raise DistributionError(f"{where}: cannot show that the symbolic matrix is positive definite "
                                        f"(leading minor {k})")

    def __repr__(self):
        if not self.explicit:
            return f"MultivariateNormal({self.loc}, {self.covariance_matrix})"
        return f"MultivariateNormal({self.loc.tolist()}, {self.covariance_matrix.tolist()})"

    def __hash__(self):
        return hash(("MultivariateNormal", self.loc, self.covariance_matrix))

    @property
    def loc(self):
        return self.args[0]

    @property
    def covariance_matrix(self):
        return self.args[1]

    @property
    def dimension(self) -> int:
        return self.loc.shape[0]

    def generic(self, tag=""):
        return self

    def latex(self):
        return (rf"\mathcal{{N}}\left({sympy.latex(self.loc)}, "
                rf"{sympy.latex(self.covariance_matrix)}\right)")


#: Every family by its torch name.
FAMILIES = {cls.__name__: cls for cls in (
    Normal, MultivariateNormal, Bernoulli, Categorical, Binomial, Geometric, Poisson, Exponential,
    Gamma, Beta, Laplace, Uniform, Cauchy, Pareto)}
