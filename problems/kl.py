"""Family `kl`: KL(p ‖ q) between two distributions, derived from the
definition E_p[log p − log q].

Givens: `{"p": {"family": "Gamma", "concentration": 2, "rate": 3}, "q": {…}}`,
families and parameters named as in `torch.distributions`.  A parameter is a
number or a name; a name becomes a symbol (real for a location or a bound,
a positive integer for `total_count`, positive otherwise).  With numbers, the
derivation runs in symbols first and the numbers come last, as a person
would do it by hand.
"""
from __future__ import annotations

import keyword
import re

import sympy

from derive.catalog import Problem
from derive.probability.distributions import (
    FAMILIES, KINDS, Categorical, DistributionError, MultivariateNormal, NotDerivable,
)
from derive.core.givens import Givens
from derive.core.numbers import InputError, exact, json_type, settle
from derive.probability.kl import KL, kl_derivation
from derive.core.steps import Evaluation, Remark

GIVEN = {"p": {"family": "Gamma", "concentration": 2, "rate": 3},
         "q": {"family": "Gamma", "concentration": 1, "rate": 2}}

#: A name: letters and digits, single underscores between them (a double
#: underscore is kept for the engine's own placeholder symbols).
IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)*")
#: Names the derivation itself uses: the variable, the Mellin exponent, the
#: summation index, the boundary limit's ε.
RESERVED = ("x", "t", "k", "z", "epsilon")
#: Families whose parameters are vectors or matrices: derived with their entries as given.
VECTOR_FAMILIES = ("Categorical", "MultivariateNormal")
GREEK = {"mu": "μ", "sigma": "σ", "lambda": "λ", "lamda": "λ", "alpha": "α", "beta": "β", "gamma": "γ"}
#: The largest total_count accepted: exact binomial terms grow with it.
MAX_COUNT = 1000


class _Symbols:
    """Names from the givens, each one symbol with one kind."""

    def __init__(self):
        self.kinds: dict[str, tuple[str, str]] = {}

    def read(self, value, kind: str, where: str):
        if isinstance(value, str):
            if value in RESERVED:
                raise InputError(f"{where}: the name {value!r} is used by the derivation itself; "
                                 f"choose another (not {', '.join(RESERVED)})")
            if len(value) > 32 or not IDENTIFIER.fullmatch(value):
                raise InputError(f"{where}: expected a number or a name (a letter, then letters, digits or _), "
                                 f"got {value[:40]!r}")
            if keyword.iskeyword(value) and value != "lambda":
                raise InputError(f"{where}: {value!r} is a Python keyword; choose another name")
            if isinstance(getattr(sympy, value, None), sympy.Basic):  # pi, E, I, oo, EulerGamma, …
                raise InputError(f"{where}: {value!r} is the constant {getattr(sympy, value)} in SymPy, so the "
                                 "formula could not tell them apart; choose another name")
            earlier = self.kinds.setdefault(value, (kind, where))
            if earlier[0] != kind:
                raise InputError(f"{where}: the name {value!r} is already a {earlier[0]} parameter at {earlier[1]}; "
                                 f"here it would be {kind}")
            # SymPy's own spelling: `lamda` prints as λ, and its str parses back (`lambda` would not).
            return sympy.Symbol("lamda" if value == "lambda" else value, **KINDS[kind])
        if kind == "count" and isinstance(value, (int, float)) and not isinstance(value, bool) and value > MAX_COUNT:
            raise InputError(f"{where}: {value} is more than the {MAX_COUNT} trials accepted")
        return exact(value, where)


def _distribution(raw: Givens, names: _Symbols):
    family = raw.choice("family", sorted(FAMILIES))
    cls = FAMILIES[family]
    view = Givens(raw.data, raw.where, ("family",) + cls.parameters)
    if family == "Categorical":
        args = [[names.read(v, "probability", f"{view.where}.probs[{i}]") for i, v in enumerate(view.items("probs"))]]
    elif family == "MultivariateNormal":
        loc = [names.read(v, "real", f"{view.where}.loc[{i}]") for i, v in enumerate(view.items("loc"))]
        rows = view.items("covariance_matrix")
        covariance = []
        for i, row in enumerate(rows):
            if not isinstance(row, list):
                raise InputError(f"{view.where}.covariance_matrix[{i}]: expected a row (a list), got {json_type(row)}")
            # a variance (diagonal) is positive, a covariance real
            covariance.append([names.read(v, "positive" if i == j else "real",
                                          f"{view.where}.covariance_matrix[{i}][{j}]") for j, v in enumerate(row)])
        args = [loc, covariance]
    else:
        args = [names.read(view.raw(p), kind, f"{view.where}.{p}") for p, kind in zip(cls.parameters, cls.kinds)]
    try:
        return cls(*args)
    except DistributionError as error:
        raise InputError(f"{view.where}: {error}") from None


def read(given: dict):
    g = Givens(given, "given", ("p", "q"))
    names = _Symbols()
    return _distribution(g.child("p"), names), _distribution(g.child("q"), names), names


def _symbolic(d, tag: str, taken: set):
    """d with a symbol for every number, and the symbols' values."""
    if d.family in VECTOR_FAMILIES:
        return d, {}
    args, values = [], {}
    for value, (base, _), kind in zip(d.args, d.symbols, d.kinds):
        name = f"{base}_{tag}"
        # a count stays a number: it fixes the support, and equal counts must cancel;
        # so does a probability of 0 or 1, where the engine takes a limit
        on_edge = kind == "probability" and value in (0, 1)
        if value.is_number and name not in taken and kind != "count" and not on_edge:
            symbol = sympy.Symbol(name, **KINDS[kind])
            args.append(symbol)
            values[symbol] = value
        else:
            args.append(value)
    return d.with_args(args), values


def _notation(distributions, tags) -> dict:
    notation = {}
    for d, tag in zip(distributions, tags):
        for base, latex in getattr(d, "symbols", ()):
            text = GREEK.get(base, base)
            subscripted = latex[:-1] + f",{tag}}}" if latex.endswith("}") and "_{" in latex else f"{latex}_{{{tag}}}"
            notation[f"{base}_{tag}"] = (f"{text}_{tag}", subscripted)
    notation["epsilon"] = ("ε", r"\varepsilon")
    if any(d.family == "MultivariateNormal" for d in distributions):
        # the matrix symbols of the multivariate derivation
        notation["x"] = ("x", "x")
        for tag in tags:
            notation[f"mu_{tag}"] = (f"μ_{tag}", rf"\mu_{{{tag}}}")
            notation[f"Sigma_{tag}"] = (f"Σ_{tag}", rf"\Sigma_{{{tag}}}")
    return notation


def build(solution, given: dict):
    names = _build(solution, given)
    # a name that is also a function of the result (gamma, log, polygamma) would make the answer's
    # `expr` unreadable: sympify with the names as symbols would call the symbol
    used = {type(f).__name__ for answer in solution.answers.values()
            for f in getattr(answer.expr, "atoms", lambda *_: ())(sympy.Function)}
    for name, (_, where) in names.kinds.items():
        if name in used:
            raise InputError(f"{where}: the name {name!r} is also the function {name}(…) in this divergence; "
                             "choose another name")


def _build(solution, given: dict):
    p, q, names = read(given)
    taken = set(names.kinds)
    symbolic_p, values_p = _symbolic(p, "p", taken)
    symbolic_q, values_q = _symbolic(q, "q", taken)
    values = {**values_p, **values_q}
    try:
        general, steps = kl_derivation(symbolic_p, symbolic_q, names=("p", "q"))
    except NotDerivable as error:
        if not values:
            raise InputError(f"given: {error}") from None
        # No closed form in symbols: the same derivation with the numbers
        # themselves (supports then compare, and quadrature can finish it).
        values = {}
        try:
            general, steps = kl_derivation(p, q, names=("p", "q"))
        except DistributionError as error:
            raise InputError(f"given: {error}") from None
    except DistributionError as error:
        raise InputError(f"given: {error}") from None
    solution.statement = solution.statement or (
        f"Derive KL(p ‖ q) from its definition for p = {p.text()} and q = {q.text()}, the distributions "
        "parameterised as in torch.distributions.")
    solution.notation.update(_notation((p, q), ("p", "q")))
    if "lambda" in names.kinds:  # the user's `lambda`, spelled `lamda` inside (see _Symbols.read)
        solution.notation["lamda"] = ("λ", r"\lambda")
    part = solution.part("a", "KL(p ‖ q) from the definition: the entropy term, the cross term and the "
                              "expectations they need.")
    part.steps += steps
    divergence = KL(sympy.Symbol("p"), sympy.Symbol("q"))
    if not values:
        part.answer("KL", general, r"\mathrm{KL}(p \,\|\, q)")
        _value(part, general)
        return names
    part.answer("KL_formula", general, r"\mathrm{KL}(p \,\|\, q)")
    part = solution.part("b", "The numbers substituted.")
    exact_value = _substitute(general, values)
    part.steps.append(Evaluation(divergence, general, bindings=dict(values), value=exact_value))
    part.answer("KL", exact_value, r"\mathrm{KL}(p \,\|\, q)")
    _value(part, exact_value)
    return names


def _value(part, exact_value):
    """KL_value, the decimal, when the divergence is a finite number."""
    if not exact_value.is_number:
        return
    if exact_value is sympy.oo:
        part.steps.append(Remark("The divergence is infinite: p gives positive probability where q gives none."))
        return
    part.answer("KL_value", sympy.Float(settle(exact_value).evalf(15), 15), r"\mathrm{KL}(p \,\|\, q)")


def _substitute(general, values):
    """The closed form at the given numbers; a limit where a number sits on
    the edge of the closed form's domain (a probability of 0 or 1)."""
    result = sympy.simplify(general.xreplace(values)) if general.has(sympy.Piecewise) else general.xreplace(values)
    if result.has(sympy.nan, sympy.zoo):
        raise InputError("given: the closed form is undefined at these numbers")
    return result


def random_given(rng) -> dict:
    """A same-family pair with small decimal parameters."""
    def positive():
        return round(rng.uniform(0.5, 4), 1)

    def probability():
        return round(rng.uniform(0.1, 0.9), 2)

    def loc():
        return round(rng.uniform(-2, 2), 1)

    draw = {
        "Normal": lambda: {"loc": loc(), "scale": positive()},
        "Laplace": lambda: {"loc": loc(), "scale": positive()},
        "Cauchy": lambda: {"loc": loc(), "scale": positive()},
        "Exponential": lambda: {"rate": positive()},
        "Gamma": lambda: {"concentration": positive(), "rate": positive()},
        "Beta": lambda: {"concentration1": positive(), "concentration0": positive()},
        "Poisson": lambda: {"rate": positive()},
        "Bernoulli": lambda: {"probs": probability()},
        "Geometric": lambda: {"probs": probability()},
        "Binomial": lambda: {"total_count": 5, "probs": probability()},
        "Pareto": lambda: {"scale": positive(), "alpha": positive()},
        "Uniform": lambda: (lambda a: {"low": a, "high": round(a + positive(), 1)})(loc()),
    }
    def categorical():
        # tenths that add up to exactly one (0.1 is read as 1/10)
        i = rng.randint(1, 8)
        j = rng.randint(1, 9 - i)
        return {"probs": [i / 10, j / 10, round(1 - i / 10 - j / 10, 1)]}

    def multivariate_normal():
        # |c| ≤ 0.4 < √(a·b) for a, b ≥ 0.5: positive definite
        a, b, c = round(rng.uniform(0.5, 2), 1), round(rng.uniform(0.5, 2), 1), round(rng.uniform(-0.4, 0.4), 1)
        return {"loc": [loc(), loc()], "covariance_matrix": [[a, c], [c, b]]}

    draw.update(Categorical=categorical, MultivariateNormal=multivariate_normal)
    family = rng.choice(sorted(draw))
    return {"p": {"family": family, **draw[family]()}, "q": {"family": family, **draw[family]()}}


PROBLEM = Problem(
    name="kl", title="KL divergence between two distributions", source="family", family="kl",
    build=build, given=GIVEN, random_given=random_given)
