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



def _gaussian(mu, sigma):
    x = sympy.Symbol("x", real=True)
    m, s = sympy.Symbol(mu, real=True), sympy.Symbol(sigma, positive=True)
    return lambda: ((x,), sympy.exp(-(x - m) ** 2 / (2 * s ** 2)) / sympy.sqrt(2 * sympy.pi * s ** 2))


def student_names() -> dict:
    """How hand solutions name this problem's quantities (for `derive check`)."""
    return {
        r"\mathrm{KL}(q, p)": ("choose", "KL", "KL_std"), "u_1": ("same", r"\mu_1"), "u_2": ("same", r"\mu_2"),
        "FUNCTIONS": lambda: {"q": ("function", _gaussian("mu_1", "sigma_1")),
                              "p": ("function", _gaussian("mu_2", "sigma_2"))},
    }


PROBLEM = Problem(
    names=student_names,
    name="kl-gaussian", title="KL divergence between two univariate Gaussians",
    source=f"{S0}, Problem 4(a)",
    build=build, statement=STATEMENT)
