"""001 §11: momentum, Nesterov, Adagrad and Adam, unrolled for a few
iterations on a small quadratic, and Adam's bias correction derived.

    {"A": [[2, 0], [0, 20]], "b": [0, 0], "theta_0": [1, 1], "alpha": 0.05,
     "beta": 0.9, "beta_1": 0.9, "beta_2": 0.999, "eps": 1e-8, "iterations": 3,
     "optimizers": ["momentum", "nesterov", "adagrad", "adam"]}

The objective is f(θ) = ½ θᵀAθ − bᵀθ with A symmetric.
"""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.core.givens import Givens
from derive.core.numbers import PRECISION, InputError, exact, format_decimal
from derive.analysis.optimisation import NAMES, RULES, geometric_weight_sum, run
from derive.core.steps import Evaluation, Relation, Remark
from problems import S1

GIVEN = {"A": [[2, 0], [0, 20]], "b": [0, 0], "theta_0": [1, 1], "alpha": 0.05, "beta": 0.9,
         "beta_1": 0.9, "beta_2": 0.999, "eps": 1e-8, "iterations": 3,
         "optimizers": ["momentum", "nesterov", "adagrad", "adam"]}
HYPER = ("alpha", "beta", "beta_1", "beta_2", "eps")
MAX_ITERATIONS = 10
MAX_COORDINATES = 4

STATEMENT = ("The seed (001 §11) states the update rules of momentum, Nesterov accelerated gradient (NAG), "
             "Adagrad and Adam, but no objective and no numbers. Reconstructed as the smallest instance that "
             "shows them at work: minimise f(θ) = θ₁² + 10θ₂² = ½ θᵀAθ with A = diag(2, 20), from θ₀ = (1, 1), "
             "with α = 0.05, β = β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸, for three iterations of each method. "
             "Then explain Adam's bias correction: show that the weights of m_t sum to 1 − β₁ᵗ.")


def read(given: dict):
    g = Givens(given, "given", ("A", "b", "theta_0") + HYPER + ("iterations", "optimizers"))
    A = g.matrix("A")
    d = A.shape[0]
    if A.shape != (d, d) or d > MAX_COORDINATES:
        raise InputError(f"given.A: expected a square matrix of size at most {MAX_COORDINATES}, "
                         f"got {A.shape[0]}×{A.shape[1]}")
    if A != A.T:
        raise InputError("given.A: expected a symmetric matrix (f = ½ θᵀAθ − bᵀθ)")
    b = g.vector("b", d) if g.has("b") else sympy.zeros(d, 1)
    start = g.vector("theta_0", d)
    hyper = {name: g.number(name) if g.has(name) else exact(GIVEN[name], f"given.{name}") for name in HYPER}
    _check_hyper(hyper)
    iterations = g.raw("iterations", GIVEN["iterations"])
    if isinstance(iterations, bool) or not isinstance(iterations, int) or not 1 <= iterations <= MAX_ITERATIONS:
        raise InputError(f"given.iterations: expected an integer from 1 to {MAX_ITERATIONS}, got {iterations!r}")
    chosen = g.raw("optimizers", GIVEN["optimizers"])
    if not isinstance(chosen, list) or not chosen:
        raise InputError("given.optimizers: expected a non-empty list of names")
    for index, name in enumerate(chosen):
        if not isinstance(name, str) or name not in RULES:  # a list or object is no name (nor hashable)
            raise InputError(f"given.optimizers[{index}]: expected one of {', '.join(RULES)}, got {name!r}")
    return A, b, start, hyper, iterations, list(dict.fromkeys(chosen))


def _check_hyper(hyper):
    if not hyper["alpha"] > 0:
        raise InputError(f"given.alpha: expected a learning rate > 0, got {hyper['alpha']}")
    for name in ("beta", "beta_1", "beta_2"):
        if not 0 <= hyper[name] < 1:
            raise InputError(f"given.{name}: expected a decay rate in [0, 1), got {hyper[name]}")
    if not hyper["eps"] > 0:
        raise InputError(f"given.eps: expected ε > 0, got {hyper['eps']}")


def objective(A, b):
    """f(θ) in scalar symbols θ_1…θ_d, and those symbols."""
    d = A.shape[0]
    # Not theta_1, …: those name the graph's iterates θ_t.
    variables = sympy.symbols(f"vartheta_1:{d + 1}", real=True)
    theta = sympy.Matrix(variables)
    f = sympy.expand((theta.T * A * theta)[0] / 2 - (b.T * theta)[0])
    return f, list(variables)


def build(solution, given: dict):
    A, b, start, hyper, iterations, chosen = read(given)
    f, variables = objective(A, b)
    gradient = [sympy.diff(f, v) for v in variables]
    d = len(variables)

    if solution.variant:
        solution.statement = describe(A, b, start, hyper, iterations)
    notation = {v.name: (f"θ{_subscript(i)}", rf"\theta_{{{i}}}") for i, v in enumerate(variables, 1)}
    notation.update({name: names for name, names in NAMES.items()})
    notation["f"] = ("f(θ)", r"f(\theta)")
    notation["grad_f"] = ("∇f(θ)", r"\nabla f(\theta)")
    notation.update(BIAS_NOTATION)
    solution.notation = notation

    part = solution.part("a", "The objective and its gradient, coordinate by coordinate.")
    theta = sympy.ImmutableMatrix(variables)
    quadratic = sympy.MatMul(sympy.Rational(1, 2), theta.T, A, theta)
    matrix_form = quadratic if b.is_zero_matrix else sympy.MatAdd(quadratic, -sympy.MatMul(b.T, theta))
    chain = (sympy.Symbol("f"), matrix_form, f) if len(variables) > 1 else (sympy.Symbol("f"), f)
    part.steps.append(Relation(chain, reason="½ θᵀAθ − bᵀθ written out"))
    part.steps.append(Relation((sympy.Symbol("grad_f"),
                                sympy.ImmutableMatrix([sympy.Derivative(f, v) for v in variables]),
                                sympy.ImmutableMatrix(gradient)), reason="differentiate in each coordinate"))
    part.answer("grad_f", sympy.ImmutableMatrix(gradient), r"\nabla f(\theta)")
    minimiser = _minimiser(A, b)
    if minimiser is not None:
        part.steps.append(Remark(f"A is positive definite, so f has its minimum where ∇f = 0: "
                                 f"θ* = A⁻¹b = ({', '.join(_short(x) for x in minimiser)})."))

    runs = {}
    for letter, name in zip("bcdefghi", chosen):
        rule = RULES[name]
        unrolled = runs[name] = run(rule, variables, gradient, list(start), hyper, iterations)
        part = solution.part(letter, f"{rule.title}: {rule.note}; {iterations} iterations from θ₀.")
        for t, names in enumerate(unrolled.iterations, start=1):
            part.steps.append(Remark(f"Iteration t = {t}."))
            part.steps += unrolled.graph.steps(names)
            part.answer(f"{name}_theta_{t}", unrolled.theta(t), rf"\theta_{{{t}}}^{{\mathrm{{{name}}}}}")
        notation.update(unrolled.graph.notation())
        final = unrolled.theta(iterations)
        value = f.xreplace(dict(zip(variables, final)))
        shown = value if value.is_Integer else value.evalf(PRECISION)
        part.steps.append(Evaluation(sympy.Symbol("f"), f, dict(zip(variables, final)), shown,
                                     note=f"the objective after {iterations} iterations"))
        part.answer(f"{name}_f", shown, rf"f(\theta_{{{iterations}}}^{{\mathrm{{{name}}}}})")
        # The hyperparameters feed every update: their edges would cross the whole figure.
        states = [q.name for q in unrolled.graph if q.name not in rule.hyper]
        part.steps.append(unrolled.graph.figure(f"{rule.title} unrolled (hyperparameters left out): each state "
                                                "from the previous ones and the gradient g where the rule "
                                                "evaluates it", names=states))

    part = solution.part("bcdefghi"[len(chosen)], "Side by side: θ_t and f(θ_t) of every method, per iteration.")
    for t in range(0, iterations + 1):
        cells = []
        for name, unrolled in runs.items():
            theta = start if t == 0 else unrolled.theta(t)
            value = f.xreplace(dict(zip(variables, theta)))
            cells.append(f"{RULES[name].title.split()[0]} ({', '.join(_short(x) for x in theta)}), f = {_short(value)}")
        part.steps.append(Remark(f"t = {t}: " + "; ".join(cells)))
    part = solution.part("bcdefghi"[len(chosen) + 1], "Adam's bias correction: the weights of m_t sum to 1 − β₁ᵗ.")
    part.steps += bias_correction_steps(part)
    return solution


def bias_correction_steps(part) -> list:
    """Unroll m_t = β₁ m_(t−1) + (1 − β₁) g_t from m_0 = 0 and sum its weights."""
    b1 = sympy.Symbol("beta_1", positive=True)
    t, i = sympy.symbols("t i", integer=True, positive=True)
    grad = sympy.IndexedBase("g")
    m = sympy.Function("m")
    unrolled = (1 - b1) * sympy.Sum(b1**(t - i) * grad[i], (i, 1, t))
    steps = [Relation((m(t), b1 * m(t - 1) + (1 - b1) * grad[t]), reason="Adam's first moment, m_0 = 0"),
             Relation((m(t), unrolled), reason="unrolled: g_i enters at step i and is multiplied by β₁ once "
                                                "per later step")]
    # The unrolled sum satisfies the recurrence: checked term by term for t = 1…6 (it is an identity in g).
    current = sympy.Integer(0)
    for n in range(1, 7):
        current = sympy.expand(b1 * current + (1 - b1) * grad[n])
        if sympy.expand(unrolled.subs(t, n).doit() - current) != 0:
            raise ValueError(f"unrolling m_t disagrees with the recurrence at t = {n}")
    steps.append(Remark("Checked: iterating the recurrence for t = 1…6 gives exactly the unrolled sum."))
    total, step = geometric_weight_sum(b1, t, i)
    steps.append(step)
    part.answer("adam_weight_sum", total, r"\sum_{i=1}^{t} (1-\beta_1)\beta_1^{t-i}")
    mean = sympy.Symbol("E_g")
    expected = sympy.Symbol("E_m")
    steps.append(Relation((expected, total * mean),
                          reason="if every g_i has the same mean E[g], E[m_t] = (weights' sum)·E[g]: "
                                 "biased toward 0 by the factor 1 − β₁ᵗ, because m_0 = 0"))
    steps.append(Relation((sympy.Symbol("E_mhat"), expected / total, mean),
                          reason="so m̂_t = m_t/(1 − β₁ᵗ) is unbiased; the same argument with β₂ and g_i² "
                                 "gives v̂_t = v_t/(1 − β₂ᵗ)"))
    at_one = total.subs({t: 1, b1: sympy.Rational(9, 10)})
    steps.append(Evaluation(sympy.Symbol("weights_1"), total.subs(t, 1), {b1: sympy.Rational(9, 10)}, at_one,
                            note="at t = 1 with β₁ = 0.9, m_1 = 0.1 g_1: ten times too small without the correction"))
    part.answer("adam_weight_sum_t1", at_one, r"1-\beta_1")
    return steps


BIAS_NOTATION = {"E_g": ("E[g]", r"\mathbb{E}[g]"), "E_m": ("E[m_t]", r"\mathbb{E}[m_t]"),
                 "E_mhat": ("E[m̂_t]", r"\mathbb{E}[\hat{m}_t]"),
                 "weights_1": ("Σ weights at t = 1", r"\textstyle\sum_{i=1}^{1} (1-\beta_1)\beta_1^{1-i}")}


def _minimiser(A, b):
    if not A.is_positive_definite:
        return None
    return list(A.inv() * b)


def _short(value) -> str:
    """Six significant digits, as the steps print them."""
    return format_decimal(float(value), 6)


def _subscript(i: int) -> str:
    return "".join("₀₁₂₃₄₅₆₇₈₉"[int(c)] for c in str(i))


def describe(A, b, start, hyper, iterations) -> str:
    h = {name: _short(value) for name, value in hyper.items()}
    return (f"Minimise f(θ) = ½ θᵀAθ − bᵀθ with A = {_rows(A)}, b = {_rows(b.T)}, from θ₀ = {_rows(start.T)}, "
            f"with α = {h['alpha']}, β = {h['beta']}, β₁ = {h['beta_1']}, β₂ = {h['beta_2']}, "
            f"ε = {h['eps']}, for {iterations} iterations of each method; explain Adam's bias correction.")


def _rows(matrix) -> str:
    rows = ["(" + ", ".join(_short(x) for x in matrix.row(r)) + ")" for r in range(matrix.rows)]
    return rows[0] if len(rows) == 1 else "(" + ", ".join(rows) + ")"


def random_given(rng) -> dict:
    a, c = rng.choice([1, 2, 4]), rng.choice([5, 10, 20])
    return {"A": [[a, 0], [0, c]], "b": [rng.randint(-2, 2), rng.randint(-2, 2)],
            "theta_0": [rng.choice([-1, 1, 2]), rng.choice([-1, 1])], "alpha": rng.choice([0.01, 0.05, 0.1]),
            "beta": 0.9, "beta_1": 0.9, "beta_2": 0.999, "eps": 1e-8, "iterations": rng.randint(2, 4),
            "optimizers": ["momentum", "nesterov", "adagrad", "adam"]}


PROBLEM = Problem(
    name="optimizer-updates", title="Momentum, Nesterov, Adagrad and Adam updates", source=f"{S1}, §11",
    build=build, given=GIVEN, statement=STATEMENT, random_given=random_given)
