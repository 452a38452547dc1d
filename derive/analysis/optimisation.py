"""Optimisation: gradients in matrix notation, update rules as data, linear
recurrences solved in closed form, and the step sizes for which gradient
descent on a quadratic converges.

An update rule (momentum, Nesterov, Adagrad, Adam) is a record of formulas
for one coordinate, over the previous state `prev("v")`, the current state
`cur("v")`, the gradient `GRADIENT`, the iteration number `T` and its
hyperparameters; `run` unrolls it on a graph of scalar quantities, one
quantity per (state, iteration, coordinate), so that every number of every
iteration is a step with its formula and its numbers substituted.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy import MatAdd, MatMul
from sympy.printing.precedence import PRECEDENCE

from derive.core.graph import Graph
from derive.core.numbers import PRECISION
from derive.core.steps import Relation, Solved

#: the iteration number t and the gradient of this coordinate at this iteration
T = sympy.Symbol("t", integer=True, positive=True)
GRADIENT = sympy.Symbol("g", real=True)


def prev(name: str) -> sympy.Symbol:
    """The state `name` before this iteration (at t − 1)."""
    return sympy.Symbol(f"{name}@prev", real=True)


def cur(name: str) -> sympy.Symbol:
    """The state `name` as this iteration has just updated it (at t)."""
    return sympy.Symbol(f"{name}@cur", real=True)


def hyper(name: str) -> sympy.Symbol:
    """A hyperparameter; the same symbol the graph gives the given `name`."""
    return sympy.Symbol(name, real=True)


#: how names print: name → (text, LaTeX)
NAMES = {"theta": ("θ", r"\theta"), "thetatilde": ("θ̃", r"\tilde{\theta}"), "g": ("g", "g"),
         "v": ("v", "v"), "m": ("m", "m"), "r": ("r", "r"), "mhat": ("m̂", r"\hat{m}"), "vhat": ("v̂", r"\hat{v}"),
         "alpha": ("α", r"\alpha"), "beta": ("β", r"\beta"), "beta_1": ("β₁", r"\beta_{1}"),
         "beta_2": ("β₂", r"\beta_{2}"), "eps": ("ε", r"\epsilon")}


@dataclass(frozen=True)
class UpdateRule:
    """One optimiser, coordinate by coordinate.

    `look_ahead` is the point (in terms of the previous state) where the
    gradient is taken; `updates` are (state, formula) in the order computed;
    the state `theta` is the parameter itself.  Every state starts at 0
    except `theta`, which starts at the given θ_0.
    """

    name: str
    title: str
    hyper: tuple
    look_ahead: sympy.Expr
    updates: tuple
    note: str = ""

    @property
    def states(self) -> tuple:
        return tuple(name for name, _ in self.updates)

    def carried(self) -> tuple:
        """States read at t − 1 (they need a value at t = 0)."""
        used = set()
        for _, formula in self.updates:
            used |= formula.free_symbols
        used |= self.look_ahead.free_symbols
        return tuple(name for name in self.states if prev(name) in used)


alpha, beta, beta_1, beta_2, eps = (hyper(n) for n in ("alpha", "beta", "beta_1", "beta_2", "eps"))
g = GRADIENT

RULES = {
    "momentum": UpdateRule(
        "momentum", "Momentum", ("alpha", "beta"), prev("theta"),
        (("v", beta * prev("v") + (1 - beta) * g), ("theta", prev("theta") - alpha * cur("v"))),
        "v_t = β v_(t−1) + (1 − β) ∇f(θ_(t−1)), θ_t = θ_(t−1) − α v_t"),
    "nesterov": UpdateRule(
        "nesterov", "Nesterov accelerated gradient", ("alpha", "beta"), prev("theta") - alpha * prev("v"),
        (("v", beta * prev("v") + (1 - beta) * g), ("theta", prev("theta") - alpha * cur("v"))),
        "the gradient is taken at the look-ahead point θ̃_t = θ_(t−1) − α v_(t−1)"),
    "adagrad": UpdateRule(
        "adagrad", "Adagrad", ("alpha", "eps"), prev("theta"),
        (("r", prev("r") + g**2), ("theta", prev("theta") - alpha / sympy.sqrt(cur("r") + eps) * g)),
        "r_t = r_(t−1) + g_t² accumulates squared gradients (the seed's g_t); θ_t = θ_(t−1) − α g_t / √(r_t + ε)"),
    "adam": UpdateRule(
        "adam", "Adam", ("alpha", "beta_1", "beta_2", "eps"), prev("theta"),
        (("m", beta_1 * prev("m") + (1 - beta_1) * g), ("v", beta_2 * prev("v") + (1 - beta_2) * g**2),
         ("mhat", cur("m") / (1 - beta_1**T)), ("vhat", cur("v") / (1 - beta_2**T)),
         ("theta", prev("theta") - alpha * cur("mhat") / (sympy.sqrt(cur("vhat")) + eps))),
        "bias-corrected moments m̂_t = m_t/(1 − β₁ᵗ), v̂_t = v_t/(1 − β₂ᵗ)"),
}


def quantity_name(state: str, t: int, i: int, coordinates: int) -> str:
    return f"{state}_{t}_{i}" if coordinates > 1 else f"{state}_{t}"


def _labels(state: str, t: int, i: int, coordinates: int) -> tuple[str, str]:
    text, latex = NAMES.get(state, (state, state))
    index = (f"{t},{i}", f"{t},{i}") if coordinates > 1 else (str(t), str(t))
    return f"{text}_{index[0]}", f"{latex}_{{{index[1]}}}"


@dataclass
class Run:
    """The graph of an unrolled optimiser and the names of its steps, per iteration."""

    rule: UpdateRule
    graph: Graph
    iterations: list  # one list of quantity names per iteration
    coordinates: int

    def theta(self, t: int) -> sympy.ImmutableMatrix:
        return sympy.ImmutableMatrix([self.graph.value(quantity_name("theta", t, i, self.coordinates))
                                      for i in range(1, self.coordinates + 1)])


def run(rule: UpdateRule, variables, gradient, start, hyperparameters: dict, iterations: int) -> Run:
    """Unroll `rule` for `iterations` steps from `start`.

    `gradient` is a list of expressions in `variables` (one per coordinate);
    `hyperparameters` maps names (alpha, beta, …) to exact numbers.
    """
    graph = Graph()
    d = len(variables)
    for name in rule.hyper:
        text, latex = NAMES[name]
        graph.given(name, hyperparameters[name], latex=latex, text=text)
    symbols = {}  # (state, t, i) → graph symbol
    for i in range(1, d + 1):
        for state in ("theta",) + tuple(s for s in rule.carried() if s != "theta"):
            value = start[i - 1] if state == "theta" else sympy.Integer(0)
            name = quantity_name(state, 0, i, d)
            text, latex = _labels(state, 0, i, d)
            symbols[state, 0, i] = graph.given(name, value, latex=latex, text=text)
    steps = []
    for t in range(1, iterations + 1):
        names = []
        points = []
        for i in range(1, d + 1):
            point = rule.look_ahead.xreplace(_previous(symbols, rule, t, i))
            if point != symbols["theta", t - 1, i]:
                point = _define(graph, symbols, names, "thetatilde", t, i, d, point)
            points.append(point)
        at = dict(zip(variables, points))
        for i in range(1, d + 1):
            _define(graph, symbols, names, "g", t, i, d, gradient[i - 1].xreplace(at))
        for state, formula in rule.updates:
            for i in range(1, d + 1):
                local = {**_previous(symbols, rule, t, i), GRADIENT: symbols["g", t, i], T: sympy.Integer(t)}
                local.update({cur(s): symbols[s, t, i] for s in rule.states if (s, t, i) in symbols})
                _define(graph, symbols, names, state, t, i, d, formula.xreplace(local))
        steps.append(names)
    return Run(rule, graph, steps, d)


def _previous(symbols, rule, t, i):
    return {prev(s): symbols[s, t - 1, i] for s in rule.carried()}


def _define(graph, symbols, names, state, t, i, d, formula):
    name = quantity_name(state, t, i, d)
    text, latex = _labels(state, t, i, d)
    symbols[state, t, i] = graph.define(name, formula, latex=latex, text=text)
    names.append(name)
    graph.evaluate()
    quantity = graph[name]
    if _unwieldy(quantity.value):
        quantity.value = quantity.value.evalf(PRECISION)
    return symbols[state, t, i]


def _unwieldy(value) -> bool:
    """A surd (√(r + ε)) nests deeper every iteration and a fraction such as
    190000001/200000001 grows its digits: carry those as decimals instead."""
    if value is None or not value.is_number:
        return False
    if not value.is_Rational:
        return True
    q = int(value.q)
    for prime in (2, 5):
        while q % prime == 0:
            q //= prime
    return q != 1 or value.q > 10**12


# --- matrix calculus --------------------------------------------------------

def factor_left(expr):
    """Σ_k L·R_k as L·(Σ_k R_k) when every term starts with the same matrix L
    (SymPy expands but does not factor matrix sums)."""
    if not isinstance(expr, MatAdd):
        return expr
    heads, rests = [], []
    for term in expr.args:
        coefficient, factors = term.as_coeff_matrices()
        if len(factors) < 2:
            return expr
        heads.append(factors[0])
        rests.append(MatMul(coefficient, *factors[1:]).doit())
    if any(head != heads[0] for head in heads):
        return expr
    return MatMul(heads[0], MatAdd(*rests))


def gradient_and_hessian(f, w, symbol_of_gradient, symbol_of_hessian, symmetric=()):
    """∇_w f and ∇²_w f by SymPy's matrix calculus, with the steps that tidy them.

    Returns (gradient, hessian, steps); the gradient is factored as a person
    writes it (Xᵀ(Xw − y), not XᵀXw − Xᵀy) and checked equal to the raw one.
    Matrices listed in `symmetric` have their transposes replaced by themselves.
    """
    raw = f.diff(w).xreplace({m.T: m for m in symmetric})
    expanded = raw.expand().doit()
    factored = factor_left(expanded)
    if factored.expand().doit() != expanded:
        raise ValueError("factoring the gradient changed it")
    hessian = raw.diff(w).doit()
    hessian = hessian.T if hessian.shape != (w.shape[0], w.shape[0]) else hessian
    chain = [symbol_of_gradient, raw] + ([expanded, factored] if factored != raw else [])
    steps = [Relation(tuple(chain), reason="matrix calculus (SymPy's MatrixSymbol.diff)"
                      + (", then expanded and factored" if len(chain) > 2 else "")),
             Relation((symbol_of_hessian, sympy.Derivative(factored, w), hessian),
                      reason="differentiate the gradient once more; a constant matrix remains")]
    return factored, hessian, steps


def is_zero_matrix(expr) -> bool:
    """True when a matrix expression simplified to zero (SymPy returns 0 or a ZeroMatrix)."""
    expr = expr.expand().doit()
    return expr == 0 or isinstance(expr, sympy.ZeroMatrix) or getattr(expr, "is_zero_matrix", False) is True


# --- recurrences --------------------------------------------------------------

def solve_recurrence(function, index, recurrence, initial: dict, *, check=(), reason=""):
    """Solve `recurrence` (an expression equal to zero) for function(index).

    Returns (solution, steps).  `check` lists substitutions for the other
    symbols under which the closed form is compared with iterating the
    recurrence for the first indices: a wrong solution raises, it is never shown.
    """
    solution = sympy.rsolve(recurrence, function(index), initial)
    if solution is None:
        raise ValueError(f"SymPy cannot solve the recurrence {recurrence} = 0")
    solution = sympy.factor_terms(sympy.simplify(solution))
    for values in check:
        _check_recurrence(function, index, recurrence, initial, solution, values)
    equation = sympy.Eq(function(index), sympy.solve(recurrence, function(index))[0])
    start = ", ".join(f"{k} = {v}" for k, v in initial.items())
    steps = [Solved(equation, function(index), (solution,),
                    reason=(reason + "; " if reason else "") + f"solved with sympy.rsolve from {start}")]
    return solution, steps


def _check_recurrence(function, index, recurrence, initial, solution, values):
    (start, value), = initial.items()
    current = sympy.sympify(value, strict=True).xreplace(values)  # a number or expression, never text
    step = sympy.solve(recurrence, function(index))[0]
    previous = function(index - 1)
    first = int(start.args[0])
    for n in range(first, first + 6):
        if n > first:
            current = sympy.expand(step.xreplace(values).subs(previous, current).subs(index, n))
        closed = solution.xreplace(values).subs(index, n)
        if sympy.simplify(closed - current) != 0:
            raise ValueError(f"the closed form {solution} disagrees with the recurrence at {index} = {n}")


# --- convergence of gradient descent on a quadratic -------------------------

def limit_step(expr, variable, point, reason="", display=None):
    """sympy.limit(expr, variable, point) and the step `lim expr = value`."""
    value = sympy.limit(expr, variable, point)
    if value.has(sympy.Limit, sympy.AccumBounds):
        raise ValueError(f"SymPy cannot find the limit of {expr} as {variable} → {point}")
    shown_expr = display if display is not None else expr
    # dir="+-": the limit is printed without a side, as it is written
    return value, Relation((sympy.Limit(shown_expr, variable, point, dir="+-"), value), reason=reason)


def shown(expr):
    """`expr` as it is shown in a step: the printers write Abs as |x|, Max
    as max(…) and Limit as lim, so nothing is left to change (kept for the
    problem modules that call it)."""
    return expr


def step_size_interval(step, eigenvalue):
    """The step sizes α with |1 − α λ| < 1 for an eigenvalue λ > 0, solved
    with SymPy's inequality solver: returns (lower, upper) and the steps."""
    condition = sympy.Abs(1 - step * eigenvalue) < 1
    interval = sympy.solve_univariate_inequality(condition, step, relational=False)
    if not isinstance(interval, sympy.Interval) or not (interval.left_open and interval.right_open):
        raise ValueError(f"|1 − αλ| < 1 did not give an open interval: {interval}")
    steps = [Relation((shown(sympy.Abs(1 - step * eigenvalue)), 1), ("<",),
                      reason="the factor of the eigen-direction must shrink"),
             Relation((interval.start, step, interval.end), ("<", "<"),
                      reason="solved for α with sympy.solve_univariate_inequality (λ > 0)")]
    return (interval.start, interval.end), steps


def geometric_weight_sum(decay, t, i):
    """Σ_{i=1}^{t} (1 − β) β^{t−i}, summed by SymPy, with its step."""
    weights = sympy.Sum((1 - decay) * decay**(t - i), (i, 1, t))
    total = sympy.simplify(weights.doit())
    return total, Relation((weights, total), reason="a finite geometric series, summed with sympy.summation")
