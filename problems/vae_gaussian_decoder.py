"""003 4.2(i): with a Gaussian decoder N(μ_θ(z), σ² I), the reconstruction term
of the ELBO is a scaled sum of squares plus a constant."""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.probability.gaussian import component_symbols, log_mvn_density, log_normal
from derive.analysis.identities import LINEARITY, check_identity
from derive.probability.kl import Expectation
from derive.core.steps import Relation, Remark
from problems import S3

D = sympy.Symbol("D", integer=True, positive=True)
sigma = sympy.Symbol("sigma", positive=True)
x, mu = sympy.MatrixSymbol("x", D, 1), sympy.MatrixSymbol("mu", D, 1)
#: E_q‖x − μ_θ(z)‖², the expected sum of squares
SSE = sympy.Symbol("E_sse")
D_EXPLICIT = 3

STATEMENT = (
    "A VAE with encoder q_φ(z | x) and Gaussian decoder p_θ(x | z) = N(μ_θ(z), σ² I) in D dimensions. "
    "Show that the reconstruction term E_{q_φ(z|x_i)}[log p_θ(x_i | z)] is, up to a constant and a "
    "positive factor, minus the expected sum of squared errors between x_i and μ_θ(z). Hint: a Gaussian "
    "density is exp(−½ (x − μ)ᵀ Σ⁻¹ (x − μ))/c.")

NOTATION = {"sigma": ("σ", r"\sigma"), "mu": ("μ_θ(z)", r"\mu_{\theta}(z)"), "x": ("x_i", r"x_{i}"),
            "E_sse": ("E_q‖x_i − μ_θ(z)‖²", r"\mathbb{E}_{q}\left\|x_{i} - \mu_{\theta}(z)\right\|^{2}"),
            "log_p": ("log p_θ(x_i | z)", r"\log p_{\theta}(x_{i} \mid z)"), "q": ("q", "q"),
            "log_c": ("log c", r"\log c"), "D": ("D", "D")}


def build(solution, given=None):
    solution.notation.update(dict(NOTATION))
    part = solution.part("i", "The reconstruction term for the Gaussian decoder.")
    covariance = sigma**2 * sympy.Identity(D)
    quadratic = (x - mu).T * covariance.I * (x - mu)
    log_p = sympy.Symbol("log_p")
    quad = sympy.Symbol("quad")
    solution.notation["quad"] = ("(x_i − μ_θ(z))ᵀ Σ⁻¹ (x_i − μ_θ(z))",
                                 r"(x_{i} - \mu_{\theta}(z))^{\top} \Sigma^{-1} (x_{i} - \mu_{\theta}(z))")
    part.steps.append(Relation((log_p, -quad / 2 - sympy.Symbol("log_c")), reason="the hint"))
    part.steps.append(Relation((quad, quadratic, quadratic.doit()),
                               reason="Σ = σ² I, whose inverse is I/σ²"))
    # c = sqrt(det(2π Σ)); det of a multiple of the identity is the multiple to the D-th power
    determinant = sympy.det(2 * sympy.pi * covariance).doit()
    if not (determinant.is_Pow and determinant.exp == D):
        raise ValueError(f"det(2πΣ) = {determinant} is not a D-th power")
    log_c = D * sympy.log(determinant.base) / 2
    unevaluated = sympy.log(sympy.sqrt(sympy.Determinant(2 * sympy.pi * covariance)))
    part.steps.append(Relation((sympy.Symbol("log_c"), unevaluated,
                                log_c), reason="c = det(2πΣ)^{1/2} and det(a I_D) = a^D"))
    norm = sympy.Symbol("sse")
    solution.notation["sse"] = ("‖x_i − μ_θ(z)‖²", r"\left\|x_{i} - \mu_{\theta}(z)\right\|^{2}")
    log_density = -norm / (2 * sigma**2) - log_c
    part.steps.append(Relation((log_p, log_density), reason="(x − μ)ᵀ(x − μ) = ‖x − μ‖²"))
    _check_explicit(log_density, norm)
    part.steps.append(Remark(f"Check: for D = {D_EXPLICIT} with explicit vectors, this equals both the "
                             "multivariate density with det and inverse computed and the sum of D univariate "
                             "log-densities (the coordinates are independent given z)."))
    expected = -SSE / (2 * sigma**2) - log_c
    part.steps.append(Relation((Expectation(log_p, sympy.Symbol("q")), expected),
                               reason=LINEARITY + "; the constant comes out of the expectation"))
    part.steps.append(Remark("σ is fixed, so maximising the reconstruction term over θ is minimising the "
                             "expected sum of squares E_q‖x_i − μ_θ(z)‖², weighted by 1/(2σ²)."))
    part.answer("reconstruction", expected, r"\mathbb{E}_{q}[\log p_{\theta}(x_i \mid z)]")
    part.answer("log_c", log_c, r"\log c")
    return solution


def _check_explicit(log_density, norm):
    xs = component_symbols("x", D_EXPLICIT, real=True)
    ms = component_symbols("m", D_EXPLICIT, real=True)
    squared = ((xs - ms).T * (xs - ms))[0, 0]
    ours = log_density.xreplace({norm: squared, D: D_EXPLICIT})
    check_identity(ours, log_mvn_density(xs, ms, sigma**2 * sympy.eye(D_EXPLICIT)),
                   where="the decoder's log-density against det and inverse")
    check_identity(ours, sympy.Add(*[log_normal(xs[k], ms[k], sigma**2) for k in range(D_EXPLICIT)]),
                   where="the decoder's log-density against D univariate densities")


PROBLEM = Problem(
    name="vae-gaussian-decoder", title="Expected log-likelihood of a Gaussian VAE decoder",
    source=f"{S3}, 4.2(i)",
    build=build, statement=STATEMENT)
