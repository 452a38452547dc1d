"""001 §12: gradient descent on a quadratic error from w = 0, solved in the
eigenbasis of the Hessian; its limit and early stopping.

    {"H": [[50.005, 49.995], [49.995, 50.005]], "w_star": [1, 2], "rho": 0.005, "tau": 10}

H must be symmetric positive definite (at most 3×3, for exact eigenvectors).
"""
from __future__ import annotations

import mpmath
import sympy
from sympy import Identity, MatrixSymbol

from derive.catalog import Problem
from derive.core.givens import Givens
from derive.core.numbers import PRECISION, InputError, format_decimal
from derive.analysis.optimisation import (
    gradient_and_hessian, is_zero_matrix, limit_step, shown, solve_recurrence,
)
from derive.core.steps import Evaluation, Relation, Remark
from problems import S1

GIVEN = {"H": [[50.005, 49.995], [49.995, 50.005]], "w_star": [1, 2], "rho": 0.005, "tau": 10}
MAX_SIZE = 3
MAX_STEPS = 1000

STATEMENT = ("E = E_0 + ½(w − w*)ᵀH(w − w*) with H positive definite; gradient descent w^τ = w^(τ−1) − ρ∇E "
             "from w^(0) = 0. Show that the components along the eigenvectors u_j of H (Hu_j = η_j u_j) are "
             "w_j^τ = {1 − (1 − ρη_j)^τ} w_j*; that w^τ → w* as τ → ∞ if |1 − ρη_j| < 1; and that after "
             "finitely many steps w_j^τ ≈ w_j* when η_j ≫ (ρτ)⁻¹ and |w_j^τ| ≪ |w_j*| when η_j ≪ (ρτ)⁻¹. "
             "The seed is symbolic; the numeric instance (not in the seed) is H with eigenvalues 100 and "
             "0.01 along (1, 1)/√2 and (1, −1)/√2, w* = (1, 2), ρ = 0.005, τ = 10, so that ρτ = 1/20 "
             "separates the two eigenvalues.")

d = sympy.Symbol("d", integer=True, positive=True)
H = MatrixSymbol("H", d, d)
w, w_prev, w_tau, w_star = (MatrixSymbol(name, d, 1) for name in ("w", "w_prev", "w_tau", "w_star"))
rho, eta = sympy.symbols("rho eta_j", positive=True)
tau = sympy.Symbol("tau", integer=True, nonnegative=True)
component_star = sympy.Symbol("w_j_star", real=True)
component = sympy.Function("w_j")

NOTATION = {
    "H": ("H", r"\mathbf{H}"), "w": ("w", r"\mathbf{w}"), "w_prev": ("w^(τ−1)", r"\mathbf{w}^{\tau-1}"),
    "w_tau": ("w^τ", r"\mathbf{w}^{\tau}"), "w_star": ("w⋆", r"\mathbf{w}^{*}"), "rho": ("ρ", r"\rho"),
    "eta_j": ("η_j", r"\eta_{j}"), "tau": ("τ", r"\tau"), "w_j_star": ("w_j⋆", r"w_{j}^{*}"),
    "grad_E": ("∇E", r"\nabla E"), "hess_E": ("∇²E", r"\nabla^{2} E"), "E": ("E − E_0", r"E - E_{0}"),
    "w_j": ("w_j", "w_{j}"), "kappa": ("κ", r"\kappa"), "c": ("c", "c"), "x": ("x", "x"),
    "ratio": ("w_j^τ / w_j⋆", r"w_{j}^{\tau} / w_{j}^{*}"),
}


def read(given: dict):
    g = Givens(given, "given", ("H", "w_star", "rho", "tau"))
    H_ = g.matrix("H")
    if H_.shape[0] != H_.shape[1] or H_.shape[0] > MAX_SIZE:
        raise InputError(f"given.H: expected a square matrix of size at most {MAX_SIZE}, "
                         f"got {H_.shape[0]}×{H_.shape[1]}")
    if H_ != H_.T:
        raise InputError("given.H: expected a symmetric matrix (a Hessian)")
    if not H_.is_positive_definite:
        raise InputError("given.H: expected a positive definite matrix (every eigenvalue > 0)")
    star = g.vector("w_star", H_.shape[0])
    step = g.number("rho")
    if step <= 0:
        raise InputError(f"given.rho: expected a learning rate > 0, got {step}")
    steps = g.raw("tau")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= MAX_STEPS:
        raise InputError(f"given.tau: expected an integer from 0 to {MAX_STEPS}, got {steps!r}")
    return H_, star, step, steps


def build(solution, given: dict):
    H_, star, step, steps = read(given)
    if solution.variant:
        solution.statement = (f"{STATEMENT.split(' The seed')[0]} Numeric instance: H = {given['H']}, "
                              f"w* = {given['w_star']}, ρ = {given['rho']}, τ = {given['tau']}.")
    solution.notation.update(dict(NOTATION))
    part_gradient(solution)
    closed = part_components(solution)
    part_limit(solution, closed)
    part_early_stopping(solution, closed)
    part_numeric(solution, closed, H_, star, step, steps)
    return solution


def part_gradient(solution):
    part = solution.part("a", "The gradient and the error recursion in matrix form.")
    quadratic = sympy.MatMul(sympy.S.Half, sympy.Transpose(w - w_star), H, w - w_star)
    part.steps.append(Relation((sympy.Symbol("E"), quadratic), reason="E_0 is constant"))
    gradient, _, steps = gradient_and_hessian(quadratic, w, sympy.Symbol("grad_E"), sympy.Symbol("hess_E"),
                                              symmetric=(H,))
    part.steps.append(steps[0])
    part.answer("grad_E", gradient, r"\nabla E")
    update = w_prev - rho * gradient.xreplace({w: w_prev})
    recursion = (Identity(d) - rho * H) * (w_prev - w_star)
    if not is_zero_matrix(update - w_star - recursion):
        raise ValueError("the error recursion does not hold")
    part.steps.append(Relation((w_tau - w_star, update - w_star, recursion),
                               reason="the update w^τ = w^(τ−1) − ρ∇E(w^(τ−1)), minus w*"))
    part.steps.append(Relation((w_tau - w_star, sympy.MatMul(sympy.MatPow(Identity(d) - rho * H, tau),
                                                              -w_star)),
                               reason="applied τ times from w^(0) = 0"))


def part_components(solution):
    part = solution.part("b", "The components w_j = u_jᵀw: the recurrence, solved.")
    part.steps.append(Remark("H is symmetric, so u_jᵀH = η_j u_jᵀ and u_jᵀ(I − ρH) = (1 − ρη_j)u_jᵀ. "
                             "Multiplying the recursion by u_jᵀ leaves one scalar recurrence per eigenvector."))
    recurrence = component(tau) - component_star - (1 - rho * eta) * (component(tau - 1) - component_star)
    checks = [{rho: sympy.Rational(1, 10), eta: 3, component_star: 2},
              {rho: sympy.Rational(1, 100), eta: 250, component_star: -sympy.Rational(3, 7)}]
    part.steps.append(Relation((component(tau) - component_star,
                                (1 - rho * eta) * (component(tau - 1) - component_star)),
                               reason="u_jᵀ times the error recursion; w_j^0 = u_jᵀ0 = 0"))
    solved, steps = solve_recurrence(component, tau, recurrence, {component(0): 0}, check=checks,
                                     reason="checked against iterating it for τ = 0…5")
    part.steps += steps
    closed = (1 - (1 - rho * eta)**tau) * component_star
    if sympy.simplify(solved - closed) != 0:
        raise ValueError(f"rsolve gave {solved}, not the expected form")
    if solved != closed:
        part.steps.append(Relation((component(tau), solved, closed), reason="collect w_j*"))
    part.answer("w_j_tau", closed, r"w_{j}^{\tau}")
    return closed


def part_limit(solution, closed):
    part = solution.part("c", "τ → ∞ with |1 − ρη_j| < 1.")
    kappa = sympy.Symbol("kappa", positive=True)
    part.steps.append(Relation((shown(sympy.Abs(1 - rho * eta)**tau), sympy.exp(-kappa * tau)),
                               reason="write |1 − ρη_j| = e^(−κ) with κ > 0, as |1 − ρη_j| < 1"))
    _, step = limit_step(sympy.exp(-kappa * tau), tau, sympy.oo, reason="so (1 − ρη_j)^τ → 0")
    part.steps.append(step)
    limit_value, step = limit_step(closed.xreplace({(1 - rho * eta)**tau: sympy.exp(-kappa * tau)}), tau,
                                   sympy.oo, display=closed, reason="so every component tends to its optimum")
    part.steps.append(step)
    part.steps.append(Remark("Hence w^τ = Σ_j w_j^τ u_j → Σ_j w_j* u_j = w*. If some |1 − ρη_j| ≥ 1 "
                             "(ρ ≥ 2/η_j), that component does not converge."))
    part.answer("limit", limit_value, r"\lim_{\tau\to\infty} w_{j}^{\tau}")


def part_early_stopping(solution, closed):
    part = solution.part("d", "Stopping after finitely many steps: η_j ≫ (ρτ)⁻¹ and η_j ≪ (ρτ)⁻¹.")
    c, x = sympy.symbols("c x", positive=True)
    ratio = closed / component_star
    # Small ρ with c = ρη_jτ held fixed: x = ρη_j → 0 and τ = c/x.
    limit, step = limit_step((1 - x)**(c / x), x, 0,
                             reason="(1 − ρη_j)^τ = (1 − x)^(c/x) with x = ρη_j and c = ρη_jτ held fixed, "
                                    "as ρ → 0 (the seed's small ρ)")
    part.steps.append(step)
    approx = 1 - limit
    part.steps.append(Relation((sympy.Symbol("ratio"), ratio, approx), ("=", "≈"),
                               reason="so the fraction of w_j* reached depends on c = ρη_jτ only"))
    large, step = limit_step(approx, c, sympy.oo, reason="c → ∞, i.e. η_j ≫ (ρτ)⁻¹: w_j^τ ≈ w_j*")
    part.steps.append(step)
    series = sympy.series(approx, c, 0, 2).removeO()
    part.steps.append(Relation((approx, series), ("≈",),
                               reason="first-order series at c = 0, i.e. η_j ≪ (ρτ)⁻¹: "
                                      "|w_j^τ| ≈ ρη_jτ |w_j*| ≪ |w_j*|"))
    part.steps.append(Remark("Without the limit the same holds as bounds, for 0 ≤ ρη_j ≤ 1: "
                             "(1 − ρη_j)^τ ≤ e^(−ρη_jτ) (as 1 − x ≤ e^(−x)), so |w_j^τ − w_j*| ≤ e^(−ρη_jτ)|w_j*|; "
                             "and 1 − (1 − ρη_j)^τ ≤ ρη_jτ (Bernoulli), so |w_j^τ| ≤ ρη_jτ |w_j*|. Early stopping "
                             "thus keeps the directions of small curvature near 0, like L2 regularisation."))
    part.answer("ratio_approx", approx.xreplace({c: rho * eta * tau}), r"w_{j}^{\tau}/w_{j}^{*}")
    part.answer("ratio_large", large, r"w_{j}^{\tau}/w_{j}^{*}\ (\eta_j \gg (\rho\tau)^{-1})")
    part.answer("ratio_small", series.xreplace({c: rho * eta * tau}),
                r"w_{j}^{\tau}/w_{j}^{*}\ (\eta_j \ll (\rho\tau)^{-1})")


def eigenbasis(H_):
    """(η_j, u_j) with orthonormal u_j, eigenvalues ascending: exact when the
    characteristic polynomial has radical roots, else to PRECISION digits."""
    lam = sympy.Symbol("lambda")
    if any(isinstance(r, sympy.CRootOf) for r in H_.charpoly(lam).all_roots()):
        return _numeric_eigenbasis(H_)
    pairs = []
    for value, _, vectors in sorted(H_.eigenvects(), key=lambda item: float(item[0])):
        for vector in sympy.GramSchmidt(vectors, orthonormal=True):
            pairs.append((value, sympy.ImmutableMatrix(sympy.simplify(vector))))
    return pairs


def _numeric_eigenbasis(H_):
    with mpmath.workdps(PRECISION + 10):
        values, vectors = mpmath.eigsy(mpmath.matrix(H_.tolist()))
        order = sorted(range(len(values)), key=lambda index: values[index])
        return [(sympy.Float(values[c], PRECISION),
                 sympy.ImmutableMatrix([sympy.Float(vectors[r, c], PRECISION) for r in range(H_.rows)]))
                for c in order]


def part_numeric(solution, closed, H_, star, step, steps):
    part = solution.part("e", "The numeric instance: components from the closed form and from iterating.")
    pairs = eigenbasis(H_)
    iterate = sympy.zeros(H_.shape[0], 1)
    for _ in range(steps):
        iterate = iterate - step * H_ * (iterate - star)
    part.steps.append(Relation((sympy.Symbol("rho_tau_inverse"), 1 / (step * steps) if steps else sympy.oo),
                               reason="(ρτ)⁻¹, the curvature that separates the two regimes"))
    solution.notation["rho_tau_inverse"] = ("(ρτ)⁻¹", r"(\rho\tau)^{-1}")
    from_formula, from_iteration = [], []
    for j, (value, vector) in enumerate(pairs, start=1):
        projected = _tidy((vector.T * star)[0])
        bindings = {rho: step, eta: value, tau: sympy.Integer(steps), component_star: projected}
        result = sympy.simplify(closed.xreplace(bindings))
        # A compound surd prints unbracketed when substituted: show such numbers as decimals.
        shown_bindings = {k: v if v.is_Rational else v.evalf(PRECISION) for k, v in bindings.items()}
        check = sympy.simplify((vector.T * iterate)[0])
        if abs(sympy.N(result - check, PRECISION)) > sympy.Float(10) ** (5 - PRECISION):
            raise ValueError(f"component {j}: the closed form {result} disagrees with iterating ({check})")
        regime = ">" if value * step * steps > 1 else "<"
        part.steps.append(Evaluation(sympy.Symbol(f"w_{j}_tau"), closed, shown_bindings, _decimal(result),
                                     note=f"η_{j} = {_short(value)} {regime} (ρτ)⁻¹ (ρη_{j}τ = {_short(value * step * steps)}), u_{j} ≈ "
                                          f"({', '.join(_short(x) for x in vector)}), w_{j}* = u_{j}ᵀw* ≈ "
                                          f"{_short(projected)}; equal to u_{j}ᵀw^τ from iterating"))
        solution.notation[f"w_{j}_tau"] = (f"w_{j}^τ", rf"w_{{{j}}}^{{\tau}}")
        from_formula.append(result)
        from_iteration.append(check)
    part.answer("eta", sympy.ImmutableMatrix([value for value, _ in pairs]), r"\eta")
    part.answer("components", sympy.ImmutableMatrix([_decimal(v) for v in from_formula]), r"(w_{j}^{\tau})_j")
    part.answer("components_star", sympy.ImmutableMatrix([_tidy((u.T * star)[0]) for _, u in pairs]),
                r"(w_{j}^{*})_j")
    part.answer("w_tau", sympy.ImmutableMatrix([_decimal(v) for v in iterate]), r"\mathbf{w}^{\tau}")
    part.steps.append(Relation((w_tau, sympy.ImmutableMatrix([_decimal(v) for v in iterate])),
                               reason=f"{steps} steps of w ← w − ρH(w − w*) from 0, exactly"))


def _tidy(value):
    """Exact surds simplified; decimals (from a numeric eigenbasis) kept as they are."""
    return value if value.has(sympy.Float) else sympy.radsimp(sympy.simplify(value))


def _short(value) -> str:
    return format_decimal(float(value), 6)


def _decimal(value):
    """Exact when short, else a decimal (a 10-step power of 0.99995 has 50 digits)."""
    if value.is_Rational and len(str(value)) <= 16:
        return value
    return value.evalf(PRECISION)


def random_given(rng) -> dict:
    a, b = rng.choice([1, 2, 4]), rng.choice([0, 1])
    return {"H": [[a + 1, b], [b, a + 1]], "w_star": [rng.randint(-2, 2), rng.randint(1, 3)],
            "rho": rng.choice([0.01, 0.05, 0.1]), "tau": rng.randint(1, 20)}



STUDENT_NAMES = {r"w_j^\tau": "w_j_tau", r"w_j^*": ("same", "w_j_star"),
                                    r"\mathbf{w}^*": ("same", "w_star"), r"\mathbf{w}": ("same", "w"),
                                    r"\mathbf{H}": ("same", "H"), r"\nabla E": "grad_E"}


PROBLEM = Problem(
    names=STUDENT_NAMES,
    name="quadratic-gd-early-stopping", title="Gradient descent on a quadratic and early stopping", source=f"{S1}, §12",
    build=build, given=GIVEN, statement=STATEMENT, random_given=random_given)
