"""000 Problem 4(a): KL(N(μ₁, σ₁²) ‖ N(μ₂, σ₂²)), then against N(0, 1)."""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.probability.kl import KL, Normal, kl_derivation
from derive.core.steps import Relation
from problems import S0

mu_1, mu_2, mu = sympy.symbols("mu_1 mu_2 mu", real=True)
sigma_1, sigma_2, sigma = sympy.symbols("sigma_1 sigma_2 sigma", positive=True)

STATEMENT = ("Let q(x) = N(μ₁, σ₁²) and p(x) = N(μ₂, σ₂²). Derive KL(q ‖ p) from its definition, then "
             "specialise it to p = N(0, 1) and q = N(μ, σ²), the KL term of a VAE.")

NOTATION = {"mu_1": ("μ₁", r"\mu_{1}"), "mu_2": ("μ₂", r"\mu_{2}"), "mu": ("μ", r"\mu"),
            "sigma_1": ("σ₁", r"\sigma_{1}"), "sigma_2": ("σ₂", r"\sigma_{2}"), "sigma": ("σ", r"\sigma")}


def build(solution, given=None):
    solution.notation.update(dict(NOTATION))
    general, steps = kl_derivation(Normal(mu_1, sigma_1), Normal(mu_2, sigma_2), names=("q", "p"))
    part = solution.part("a", "KL(q ‖ p) for two univariate Gaussians, from the definition.")
    part.steps += steps
    part.answer("KL", general, r"\mathrm{KL}(q \,\|\, p)")

    part = solution.part("b", "Specialise to p = N(0, 1), q = N(μ, σ²).")
    special = {mu_2: 0, sigma_2: 1, mu_1: mu, sigma_1: sigma}
    standard = sympy.expand(general.xreplace(special))
    divergence = KL(sympy.Symbol("q"), sympy.Symbol("p"))
    part.steps.append(Relation((divergence, general.xreplace(special), standard),
                               reason="μ₂ = 0, σ₂ = 1, μ₁ = μ, σ₁ = σ"))
    part.answer("KL_std", standard, r"\mathrm{KL}(\mathcal{N}(\mu, \sigma^2) \,\|\, \mathcal{N}(0, 1))")
    return solution


PROBLEM = Problem(
    name="kl-gaussian", title="KL divergence between two univariate Gaussians",
    source=f"{S0}, Problem 4(a)",
    build=build, statement=STATEMENT)
