"""004, probabilistic PCA, M-step: u ← Σ_i x_i E[z_i] / Σ_i E[z_i²], from the
expected complete-data log-likelihood, on explicit vectors and in sum form."""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.probability.gaussian import component_symbols
from derive.analysis.identities import LINEARITY, check_identity, expectation_from_moments
from derive.core.steps import Relation, Remark, Solved
from problems.ppca_posterior import general_form, posterior_moments
from problems import S4

#: explicit instance: N data points in d dimensions
N_EXPLICIT, D_EXPLICIT = 3, 2
sigma = sympy.Symbol("sigma", positive=True)
i = sympy.Symbol("i", integer=True, positive=True)
N = sympy.Symbol("N", integer=True, positive=True)
x_i, m_i, s_i = sympy.IndexedBase("x"), sympy.IndexedBase("m"), sympy.IndexedBase("s")
uTu, uTx = sympy.Symbol("uTu", nonnegative=True), sympy.Symbol("uTx", real=True)

STATEMENT = (
    "Probabilistic PCA as in ppca-posterior, with data x_1, …, x_N in R^d. The E-step sets "
    "q(z_i) = p(z_i | x_i, u_old). Derive the M-step: u_new = argmax_u Σ_i E_{q(z_i)}[log p(z_i, x_i)], "
    "and show u_new = Σ_i x_i E[z_i] / Σ_i E[z_i²].")

NOTATION = {"sigma": ("σ", r"\sigma"), "uTu": ("uᵀu", r"u^{\top} u"),
            "uTx": ("(uᵀx_i)", r"\left(u^{\top} x_{i}\right)"),
            "Q": ("Q(u)", r"\mathcal{Q}(u)"), "u_new": ("u_new", r"u_{\mathrm{new}}"),
            "Ez_i": ("E[z_i]", r"\mathbb{E}[z_i]"), "Ez2_i": ("E[z_i²]", r"\mathbb{E}[z_i^{2}]")}


def build(solution, given=None):
    solution.notation.update(dict(NOTATION))
    _e_step(solution)
    _m_step(solution)
    return solution


def _e_step(solution):
    part = solution.part("a", "E-step: the moments of q(z_i) = p(z_i | x_i) that the M-step needs.")
    u = component_symbols("u", D_EXPLICIT, real=True)
    x = component_symbols("x", D_EXPLICIT, real=True)
    mean, variance = posterior_moments(u, x)
    names = general_form(u, x)
    mean, variance = sympy.simplify(mean.subs(names)), sympy.simplify(variance.subs(names))
    second = variance + mean**2
    part.steps.append(Relation((sympy.Symbol("Ez_i"), mean), reason="posterior mean (ppca-posterior)"))
    part.steps.append(Relation((sympy.Symbol("Ez2_i"), sympy.Symbol("Varz") + sympy.Symbol("Ez_i")**2, second),
                               reason="E[z²] = Var[z] + E[z]²"))
    solution.notation["Varz"] = ("Var[z_i]", r"\operatorname{Var}[z_i]")
    part.answer("E_z", mean, r"\mathbb{E}[z_i]")
    part.answer("E_z2", second, r"\mathbb{E}[z_i^{2}]")


def _expected_objective(u, xs, means, seconds):
    """Σ_i E_q[log p(x_i | z_i) + log p(z_i)] up to terms free of u."""
    total = sympy.Integer(0)
    for x, m, s in zip(xs, means, seconds):
        z = sympy.Symbol("z_q", real=True)
        log_lik = -((x - u * z).T * (x - u * z))[0, 0] / (2 * sigma**2)
        total += expectation_from_moments(log_lik, [z], {z: m}, {(z, z): s})
    return sympy.expand(total)


def _m_step(solution):
    part = solution.part("b", "M-step: maximise the expected complete-data log-likelihood over u.")
    part.steps.append(Remark(
        "log p(z_i, x_i) = log p(z_i) + log p(x_i | z_i); log p(z_i) does not involve u, and "
        "log p(x_i | z_i) = −‖x_i − u z_i‖²/(2σ²) − (d/2) log(2πσ²). Expanding the square, "
        "‖x_i − u z_i‖² = x_iᵀx_i − 2 z_i uᵀx_i + z_i² uᵀu, and by linearity its expectation needs "
        "only "
        "E[z_i] and E[z_i²]."))
    u = component_symbols("u", D_EXPLICIT, real=True)
    xs = [sympy.ImmutableMatrix([sympy.Symbol(f"x_{n + 1}{k + 1}", real=True) for k in range(D_EXPLICIT)])
          for n in range(N_EXPLICIT)]
    means = [sympy.Symbol(f"m_{n + 1}", real=True) for n in range(N_EXPLICIT)]
    seconds = [sympy.Symbol(f"s_{n + 1}", positive=True) for n in range(N_EXPLICIT)]
    objective = _expected_objective(u, xs, means, seconds)

    general = sympy.Sum(-(x_i[i]**2 - 2 * m_i[i] * sympy.Symbol("uTx_i") + s_i[i] * uTu) / (2 * sigma**2),
                        (i, 1, N))
    solution.notation["uTx_i"] = ("uᵀx_i", r"u^{\top} x_{i}")
    part.steps.append(Relation((sympy.Symbol("Q"), general),
                               reason=LINEARITY + "; E[z_i] = m_i, E[z_i²] = s_i; x_i² stands for x_iᵀx_i"))
    part.steps.append(Remark(f"Explicitly, for N = {N_EXPLICIT} points in d = {D_EXPLICIT} dimensions:"))
    part.steps.append(Relation((sympy.Symbol("Q"), objective), reason="the same sum, expanded"))

    gradient = [sympy.diff(objective, u_k) for u_k in u]
    for u_k, g in zip(u, gradient):
        part.steps.append(Relation((sympy.Derivative(sympy.Symbol("Q"), u_k), sympy.factor_terms(g)),
                                   reason="differentiate"))
    solution_set = sympy.solve(gradient, list(u), dict=True)
    if len(solution_set) != 1:
        raise ValueError(f"the stationarity equations have {len(solution_set)} solutions")
    u_new = sympy.ImmutableMatrix([sympy.simplify(solution_set[0][u_k]) for u_k in u])
    part.steps.append(Solved(sympy.Eq(sympy.ImmutableMatrix(gradient), sympy.zeros(D_EXPLICIT, 1)),
                             sympy.Symbol("u_new"), (u_new,), reason="a linear system in u"))
    hessian = sympy.hessian(objective, list(u))
    if not all(sympy.simplify(ev).is_negative for ev in hessian.eigenvals()):
        raise ValueError("the expected log-likelihood is not concave in u")
    part.steps.append(Relation((sympy.Symbol("H_Q"), hessian), reason="negative definite (every s_i > 0): a maximum"))
    solution.notation["H_Q"] = ("∇²Q", r"\nabla^{2} \mathcal{Q}")

    sum_form = sympy.Sum(x_i[i] * m_i[i], (i, 1, N)) / sympy.Sum(s_i[i], (i, 1, N))
    instance = sympy.ImmutableMatrix([
        sum_form.subs(N, N_EXPLICIT).doit().xreplace({x_i[n + 1]: xs[n][k] for n in range(N_EXPLICIT)})
        .xreplace({m_i[n + 1]: means[n] for n in range(N_EXPLICIT)})
        .xreplace({s_i[n + 1]: seconds[n] for n in range(N_EXPLICIT)}) for k in range(D_EXPLICIT)])
    check_identity(u_new, instance, where="the M-step in sum form")
    part.steps.append(Relation((sympy.Symbol("u_new"), sum_form),
                               reason="component by component the same ratio, with m_i = E[z_i] and s_i = E[z_i²]"))
    part.answer("u_new", sum_form, r"u_{\mathrm{new}}")
    part.answer("u_new_explicit", u_new, rf"u_{{\mathrm{{new}}}}\ (N = {N_EXPLICIT}, d = {D_EXPLICIT})")


PROBLEM = Problem(
    name="ppca-em", title="Probabilistic PCA: the EM update",
    source=f"{S4}, M-step",
    build=build, statement=STATEMENT)
