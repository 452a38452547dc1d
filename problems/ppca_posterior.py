"""004, probabilistic PCA: z ~ N(0, 1), x | z ~ N(u z, σ² I) in d dimensions;
the marginal p(x) and the posterior p(z | x), derived from first principles
(moments of x = u z + ε, completing the square in z) and confirmed by the
linear-Gaussian identities the seed uses, on explicit d-vectors and in
matrix form."""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.probability.gaussian import (
    component_symbols, gaussian_posterior, linear_gaussian, log_mvn_density, moments_of_linear_map,
)
from derive.analysis.identities import check_identity
from derive.core.steps import Relation, Remark
from problems import S4

#: the explicit instance's dimension: small enough to expand, large enough to be a vector
D_EXPLICIT = 3
d = sympy.Symbol("d", integer=True, positive=True)
sigma = sympy.Symbol("sigma", positive=True)
z = sympy.Symbol("z", real=True)
u_mat, x_mat = sympy.MatrixSymbol("u", d, 1), sympy.MatrixSymbol("x", d, 1)
#: the two scalars the general formulas need
uTu, uTx = sympy.Symbol("uTu", nonnegative=True), sympy.Symbol("uTx", real=True)

STATEMENT = (
    "Probabilistic PCA with a one-dimensional latent code: z ~ N(0, 1) and x | z ~ N(u z, σ² I) with x, u in "
    "R^d. Using the linear-Gaussian relations (the seed's appendix), find p(x) and p(z | x). "
    "The seed's answers: p(x) = N(0, u uᵀ + σ² I) and p(z | x) = N(uᵀx/(σ² + uᵀu), σ²/(σ² + uᵀu)).")

NOTATION = {"sigma": ("σ", r"\sigma"), "uTu": ("uᵀu", r"u^{\top} u"), "uTx": ("uᵀx", r"u^{\top} x"),
            "Ex": ("E[x]", r"\mathbb{E}[x]"), "Covx": ("Cov[x]", r"\operatorname{Cov}[x]"),
            "Ez": ("E[z | x]", r"\mathbb{E}[z \mid x]"), "Varz": ("Var[z | x]", r"\operatorname{Var}[z \mid x]"),
            "log_joint": ("log p(x, z)", r"\log p(x, z)"),
            # matrix symbols need an entry: the LaTeX printer recurses on a MatrixSymbol without one
            "u": ("u", "u"), "x": ("x", "x")}


def explicit_instance(dim=D_EXPLICIT):
    u = component_symbols("u", dim, real=True)
    x = component_symbols("x", dim, real=True)
    return u, x


def posterior_moments(u, x):
    """E[z | x] and Var[z | x] by completing the square in z (explicit vectors)."""
    log_joint = -z**2 / 2 - ((x - u * z).T * (x - u * z))[0, 0] / (2 * sigma**2)
    return gaussian_posterior(log_joint, z)


def general_form(u, x):
    """Replace the sums Σ u_k², Σ u_k x_k of an explicit instance by uᵀu, uᵀx."""
    return {(u.T * u)[0, 0]: uTu, (u.T * x)[0, 0]: uTx}


def build(solution, given=None):
    solution.notation.update(dict(NOTATION))
    u, x = explicit_instance()
    _marginal(solution, u, x)
    _posterior(solution, u, x)
    return solution


def _marginal(solution, u, x):
    part = solution.part("a", "The marginal p(x).")
    part.steps.append(Remark(
        "Write x = u z + ε with z ~ N(0, 1) and ε ~ N(0, σ² I) independent: x is a linear map of Gaussians, "
        "so Gaussian, and only its mean and covariance are needed. Explicitly, with d = "
        f"{D_EXPLICIT} and u = (u_1, …, u_{D_EXPLICIT}):"))
    noise = component_symbols("epsilon", len(u), real=True)
    first = {z: 0, **{e: 0 for e in noise}}
    second = {(a, b): (sigma**2 if a == b and a != z else 1 if a == b else 0)
              for a in [z, *noise] for b in [z, *noise]}
    outputs = [u[k] * z + noise[k] for k in range(len(u))]
    mean, moment2 = moments_of_linear_map(outputs, first, second)
    covariance = sympy.ImmutableMatrix(moment2 - mean * mean.T)
    part.steps.append(Relation((sympy.Symbol("Ex"), mean), reason="linearity: E[z] = 0, E[ε] = 0"))
    part.steps.append(Relation((sympy.Symbol("Covx"), covariance),
                               reason="E[x_a x_b] = u_a u_b E[z²] + E[ε_a ε_b]; the cross terms vanish by "
                                      "independence"))
    general_cov = u_mat * u_mat.T + sigma**2 * sympy.Identity(d)
    at_instance = sympy.ImmutableMatrix(
        general_cov.subs(d, len(u)).xreplace({sympy.MatrixSymbol("u", len(u), 1): u}).as_explicit())
    check_identity(covariance, at_instance, where="Cov[x] = u uᵀ + σ² I")
    part.steps.append(Relation((sympy.Symbol("Covx"), general_cov), reason="the same, in matrix form"))
    seed_marginal_mean, seed_marginal_cov, _, _ = linear_gaussian(
        sympy.ImmutableMatrix([0]), sympy.ImmutableMatrix([1]), u, sympy.zeros(len(u), 1),
        sigma**2 * sympy.eye(len(u)), x)
    check_identity(seed_marginal_cov, covariance, where="linear-Gaussian marginal covariance")
    check_identity(seed_marginal_mean, mean, where="linear-Gaussian marginal mean")
    part.steps.append(Remark("The linear-Gaussian relation p(x) = N(Aμ + b, S + A Lambda⁻¹ Aᵀ) with A = u, "
                             "μ = 0, "
                             "Lambda = 1, b = 0, S = σ² I gives the same, as the seed finds."))
    part.answer("marginal_mean", sympy.ZeroMatrix(d, 1), r"\mathbb{E}[x]")
    part.answer("marginal_cov", general_cov, r"\operatorname{Cov}[x]")
    part.answer("marginal_cov_d3", covariance, r"\operatorname{Cov}[x]\ (d = 3)")


def _posterior(solution, u, x):
    part = solution.part("b", "The posterior p(z | x).")
    log_joint = -z**2 / 2 - ((x - u * z).T * (x - u * z))[0, 0] / (2 * sigma**2)
    part.steps.append(Relation((sympy.Symbol("log_joint"), log_joint),
                               reason="log p(z) + log p(x | z), dropping terms free of z"))
    mean, variance = posterior_moments(u, x)
    part.steps.append(Relation((sympy.Symbol("Ez"), mean), reason="completing the square in z"))
    part.steps.append(Relation((sympy.Symbol("Varz"), variance),
                               reason="minus one over twice the coefficient of z²"))
    _, _, seed_mean, seed_var = linear_gaussian(
        sympy.ImmutableMatrix([0]), sympy.ImmutableMatrix([1]), u, sympy.zeros(len(u), 1),
        sigma**2 * sympy.eye(len(u)), x)
    check_identity(seed_mean[0], mean, where="linear-Gaussian posterior mean")
    check_identity(seed_var[0], variance, where="linear-Gaussian posterior variance")
    part.steps.append(Remark("The linear-Gaussian relation C = (Lambda + Aᵀ S⁻¹ A)⁻¹ = (1 + uᵀu/σ²)⁻¹, "
                             "mean C Aᵀ S⁻¹ x = C uᵀx/σ², agrees with the square completed above."))
    names = general_form(u, x)
    general_mean, general_var = sympy.simplify(mean.subs(names)), sympy.simplify(variance.subs(names))
    if general_mean.free_symbols & set(x) or general_var.free_symbols & set(u):
        raise ValueError("the posterior did not reduce to uᵀu and uᵀx")
    part.steps.append(Relation((sympy.Symbol("Ez"), general_mean), reason="Σ_k u_k x_k = uᵀx, Σ_k u_k² = uᵀu"))
    part.steps.append(Relation((sympy.Symbol("Varz"), general_var), reason="the same, for any d"))
    _check_evidence(u, x, mean, variance)
    part.steps.append(Remark(
        "Check: log p(x, z) − log p(z | x) is free of z and equals log N(x; 0, u uᵀ + σ² I) for the explicit "
        "instance, so marginal and posterior are consistent."))
    part.answer("posterior_mean", general_mean, r"\mathbb{E}[z \mid x]")
    part.answer("posterior_var", general_var, r"\operatorname{Var}[z \mid x]")
    part.answer("posterior_mean_d3", mean, r"\mathbb{E}[z \mid x]\ (d = 3)")
    part.answer("posterior_var_d3", variance, r"\operatorname{Var}[z \mid x]\ (d = 3)")


def _check_evidence(u, x, mean, variance):
    """log p(x) = log p(x, z) − log p(z | x) for every z: compare with the marginal's density."""
    full_joint = (-z**2 / 2 - sympy.log(2 * sympy.pi) / 2
                  + log_mvn_density(x, u * z, sigma**2 * sympy.eye(len(u))))
    log_posterior = -(z - mean)**2 / (2 * variance) - sympy.log(2 * sympy.pi * variance) / 2
    evidence = sympy.expand(full_joint - log_posterior)
    target = log_mvn_density(x, sympy.zeros(len(u), 1), u * u.T + sigma**2 * sympy.eye(len(u)))
    check_identity(evidence, target, where="log p(x, z) − log p(z | x) = log N(x; 0, u uᵀ + σ² I)")


PROBLEM = Problem(
    name="ppca-posterior", title="Probabilistic PCA: marginal and posterior",
    source=f"{S4}, probabilistic PCA",
    build=build, statement=STATEMENT)
