"""000 Problem 4(a): KL(N(μ₁, σ₁²) ‖ N(μ₂, σ₂²)), then against N(0, 1).

The givens name the distribution p the general form is specialised to (the
seed's N(0, 1)) and, for a variant, a q with numbers to evaluate it at.
"""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.core.givens import Givens
from derive.core.steps import Evaluation, Relation
from derive.printing import math
from derive.probability.kl import KL, Normal, kl_derivation
from problems import S0, draw

mu_1, mu_2, mu = sympy.symbols("mu_1 mu_2 mu", real=True)
sigma_1, sigma_2, sigma = sympy.symbols("sigma_1 sigma_2 sigma", positive=True)

GIVEN = {"p": {"mu": 0, "sigma": 1}}

NOTATION = {"mu_1": ("μ₁", r"\mu_{1}"), "mu_2": ("μ₂", r"\mu_{2}"), "mu": ("μ", r"\mu"),
            "sigma_1": ("σ₁", r"\sigma_{1}"), "sigma_2": ("σ₂", r"\sigma_{2}"), "sigma": ("σ", r"\sigma")}


def read(given: dict):
    """(μ₂, σ₂) of p, and (μ, σ) of q or None."""
    g = Givens(given, "given", ("p", "q"))
    p = g.child("p", ("mu", "sigma"))
    q = g.child("q", ("mu", "sigma")) if g.has("q") else None
    return ((p.number("mu"), p.positive("sigma")),
            (q.number("mu"), q.positive("sigma")) if q is not None else None)


def normal(mean, deviation) -> str:
    return f"N({math.text(mean)}, {math.text(deviation**2)})"


def statement(given: dict) -> str:
    (m, s), q = read(given)
    standard = (m, s) == (0, 1)
    text = ("Let q(x) = N(μ₁, σ₁²) and p(x) = N(μ₂, σ₂²). Derive KL(q ‖ p) from its definition, then "
            f"specialise it to p = {normal(m, s)} and q = N(μ, σ²)" + (", the KL term of a VAE" if standard else ""))
    if q is not None:
        text += f", and evaluate it for μ = {math.text(q[0])}, σ = {math.text(q[1])}"
    return text + "."


def build(solution, given: dict):
    (m, s), q = read(given)
    solution.notation.update(dict(NOTATION))
    general, steps = kl_derivation(Normal(mu_1, sigma_1), Normal(mu_2, sigma_2), names=("q", "p"))
    part = solution.part("a", "KL(q ‖ p) for two univariate Gaussians, from the definition.")
    part.steps += steps
    part.answer("KL", general, r"\mathrm{KL}(q \,\|\, p)")

    part = solution.part("b", f"Specialise to p = {normal(m, s)}, q = N(μ, σ²).")
    special = {mu_2: m, sigma_2: s, mu_1: mu, sigma_1: sigma}
    standard = sympy.expand(general.xreplace(special))
    divergence = KL(sympy.Symbol("q"), sympy.Symbol("p"))
    part.steps.append(Relation((divergence, general.xreplace(special), standard),
                               reason=f"μ₂ = {math.text(m)}, σ₂ = {math.text(s)}, μ₁ = μ, σ₁ = σ"))
    latex = rf"\mathrm{{KL}}(\mathcal{{N}}(\mu, \sigma^2) \,\|\, \mathcal{{N}}({math.latex(m)}, {math.latex(s**2)}))"
    part.answer("KL_std", standard, latex)
    if q is not None:
        part = solution.part("c", f"Evaluate at μ = {math.text(q[0])}, σ = {math.text(q[1])}.")
        value = sympy.nsimplify(standard.xreplace({mu: q[0], sigma: q[1]}))
        part.steps.append(Evaluation(divergence, standard, {mu: q[0], sigma: q[1]}, value))
        part.answer("KL_value", value, r"\mathrm{KL}(q \,\|\, p)")
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


def random_given(rng) -> dict:
    """p with a small whole mean and σ₂ ∈ {½, 1, 2}; q with one-decimal μ and σ."""
    return {"p": {"mu": rng.randint(-1, 2), "sigma": rng.choice([0.5, 1, 2])},
            "q": {"mu": draw.decimal(rng, -2, 2), "sigma": draw.decimal(rng, 0.2, 3)}}


PROBLEM = Problem(
    names=student_names,
    name="kl-gaussian", title="KL divergence between two univariate Gaussians",
    source=f"{S0}, Problem 4(a)",
    build=build, given=GIVEN, statement=statement, random_given=random_given)
