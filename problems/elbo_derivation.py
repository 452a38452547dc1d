"""002 Problem 3: the evidence lower bound by importance weighting and
Jensen's inequality, then a conjugate Gaussian model where every term is a
closed form and the gap log p(x) − ELBO is KL(q ‖ p(z | x))."""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.probability.gaussian import (
    gaussian_posterior, log_normal, marginal_by_integration, normal_expectation, normal_kl,
)
from derive.analysis.identities import (
    JENSEN_LOG, LINEARITY, LOG_RULES, NORMALISATION, check_identity, density_function, identity,
)
from derive.probability.kl import KL, Expectation
from derive.core.steps import Relation, Remark
from problems import S2

x = sympy.Symbol("x", real=True)
z = sympy.Symbol("z", real=True)
s = sympy.Symbol("s", positive=True)
m = sympy.Symbol("m", real=True)
v = sympy.Symbol("v", positive=True)

# Abstract densities at one (x, z): prior, likelihood, variational, posterior, evidence.
prior = density_function("p_z", "p(z)")
likelihood = density_function("p_x_z", r"p(x \mid z)")
q = density_function("q", r"q(z \mid x)")
posterior = density_function("p_z_x", r"p(z \mid x)")
evidence = sympy.Symbol("p_x", positive=True)
Q = sympy.Symbol("q_z")

STATEMENT = (
    "For a latent-variable model p(x, z) = p(z) p(x | z) and any density q(z | x) (positive wherever p(z) is), "
    "derive log p(x) ≥ E_q[log p(x | z)] − KL(q(z | x) ‖ p(z)) by writing p(x) as an expectation, "
    "changing the measure to q and applying Jensen's inequality; name every step. Then, for the conjugate "
    "model p(z) = N(0, 1), p(x | z) = N(z, s²) and q(z) = N(m, v), compute log p(x), the ELBO and "
    "KL(q ‖ p(z | x)) in closed form and show log p(x) − ELBO = KL(q ‖ p(z | x)).")

NOTATION = {
    "p_z": ("p(z)", "p(z)"), "p_x_z": ("p(x | z)", r"p(x \mid z)"), "q": ("q(z | x)", r"q(z \mid x)"),
    "p_z_x": ("p(z | x)", r"p(z \mid x)"), "p_x": ("p(x)", "p(x)"), "q_z": ("q", "q"),
    "ELBO": ("ELBO", r"\mathrm{ELBO}"), "prior_z": ("p(z)", "p(z)"), "post": ("p(z | x)", r"p(z \mid x)"),
    "log_p_x": ("log p(x)", r"\log p(x)"),
    "post_mean": ("E[z | x]", r"\mathbb{E}[z \mid x]"),
    "post_var": ("Var[z | x]", r"\operatorname{Var}[z \mid x]"), "s": ("s", "s"), "m": ("m", "m"), "v": ("v", "v"),
}


def build(solution, given=None):
    solution.notation.update(dict(NOTATION))
    _bound(solution)
    _conjugate_model(solution)
    return solution


def _E(expr):
    return Expectation(expr, Q)


def _bound(solution):
    part = solution.part("a", "The bound, step by step (seed's equations (1)–(7)).")
    joint = prior(z) * likelihood(z)
    weight = joint / q(z)
    log_px = sympy.log(evidence)
    part.steps.append(Relation((log_px, sympy.log(sympy.Integral(joint, z))),
                               reason="(1) marginalisation: p(x) is the integral of p(z) p(x | z) over z, "
                                      "i.e. E_{p(z)}[p(x | z)]"))
    weighted = sympy.Integral(sympy.Mul(q(z), weight, evaluate=False), z)
    part.steps.append(identity(sympy.log(sympy.Integral(joint, z)), sympy.log(weighted),
                               reason="(2) multiply and divide by q(z) > 0", check=(joint, q(z) * weight)))
    part.steps.append(Relation((sympy.log(weighted), sympy.log(_E(weight))),
                               reason="(3) change of measure: an integral against q is an expectation under q"))
    part.steps.append(Relation((sympy.log(_E(weight)), _E(sympy.log(weight))), relations=("≥",),
                               reason="(4) " + JENSEN_LOG))
    split = _E(sympy.log(likelihood(z))) + _E(sympy.log(prior(z) / q(z)))
    part.steps.append(identity(_E(sympy.log(weight)), split, reason="(5) " + LOG_RULES + "; " + LINEARITY,
                               check=(sympy.log(weight), sympy.log(likelihood(z)) + sympy.log(prior(z) / q(z)))))
    bound = _E(sympy.log(likelihood(z))) - KL(q(z), prior(z))
    part.steps.append(identity(split, bound,
                               reason="(6) KL(q ‖ p(z)) = E_q[log(q(z)/p(z))], and log(p/q) = −log(q/p)",
                               check=(sympy.log(prior(z) / q(z)), -sympy.log(q(z) / prior(z)))))
    part.steps.append(Remark(
        "(7) The seed writes the prior as p(z | φ) up to (6) and as p(z) in (7): the prior has no decoder "
        "parameters φ, so the two are the same density; nothing is assumed about independence of z."))
    part.steps.append(Remark(
        "The gap of the one inequality: with p(z | x) = p(z) p(x | z)/p(x), the integrand identity "
        "log p(x) − log(p(z) p(x | z)/q(z)) = log(q(z | x)/p(z | x)) holds at every z, so, p(x) being constant "
        "under q, log p(x) − ELBO = KL(q(z | x) ‖ p(z | x)) ≥ 0, with equality iff q is the posterior."))
    gap_integrand = sympy.log(evidence) - sympy.log(weight)
    check_identity(gap_integrand, sympy.log(q(z) / (joint / evidence)), where="the ELBO gap integrand")
    part.steps.append(Relation((log_px - sympy.Symbol("ELBO"), _E(gap_integrand), KL(q(z), posterior(z))),
                               reason=NORMALISATION + " (E_q of a constant); the integrand identity above"))
    part.answer("bound", bound, r"\mathrm{ELBO}")


def _conjugate_model(solution):
    part = solution.part("b", "Conjugate Gaussian model: p(z) = N(0, 1), p(x | z) = N(z, s²), q(z) = N(m, v).")
    log_prior, log_lik = log_normal(z, 0, 1), log_normal(x, z, s**2)
    part.steps.append(Relation((sympy.log(prior(z)), log_prior), reason="log-density of N(0, 1)"))
    part.steps.append(Relation((sympy.log(likelihood(z)), log_lik), reason="log-density of N(z, s²) at x"))

    density = marginal_by_integration(sympy.exp(log_prior + log_lik), z)
    log_evidence = sympy.expand(sympy.expand_log(sympy.log(density), force=True))
    part.steps.append(Relation((evidence, sympy.Integral(sympy.exp(log_prior + log_lik), (z, -sympy.oo, sympy.oo)),
                                density), reason="marginalisation, integrated over z"))
    check_identity(log_evidence, log_normal(x, 0, 1 + s**2), where="p(x) = N(0, 1 + s²)")
    part.steps.append(Relation((sympy.log(evidence), log_evidence), reason="so x ~ N(0, 1 + s²)"))
    part.answer("log_p_x", log_evidence, r"\log p(x)")

    post_mean, post_var = gaussian_posterior(log_prior + log_lik, z)
    part.steps.append(Relation((sympy.Symbol("post_mean"), post_mean),
                               reason="completing the square in z of log p(z) + log p(x | z)"))
    part.steps.append(Relation((sympy.Symbol("post_var"), post_var), reason="the same square: minus one over "
                               "twice the coefficient of z²"))
    part.answer("posterior_mean", post_mean, r"\mathbb{E}[z \mid x]")
    part.answer("posterior_var", post_var, r"\operatorname{Var}[z \mid x]")

    expected_log_lik = sympy.expand(normal_expectation(log_lik, z, m, v))
    part.steps.append(Relation((_E(sympy.log(likelihood(z))), expected_log_lik),
                               reason="E_q[z] = m, E_q[z²] = v + m², each moment derived by integration"))
    kl_prior = normal_kl(m, v, 0, 1)
    part.steps.append(Relation((KL(Q, sympy.Symbol("prior_z")), kl_prior),
                               reason="KL between univariate Gaussians, derived from its definition"))
    elbo = sympy.expand(expected_log_lik - kl_prior)
    part.steps.append(Relation((sympy.Symbol("ELBO"), expected_log_lik - kl_prior, elbo),
                               reason="E_q[log p(x | z)] − KL(q ‖ p(z))"))
    check_identity(elbo, normal_expectation(log_lik + log_prior - log_normal(z, m, v), z, m, v),
                   where="ELBO = E_q[log p(x, z) − log q(z)]")
    part.answer("ELBO", elbo, r"\mathrm{ELBO}")

    # Derived with the posterior's moments as symbols, so the result reads as
    # the familiar form before they are substituted.
    mean_hat, var_hat = sympy.Symbol("post_mean", real=True), sympy.Symbol("post_var", positive=True)
    kl_symbolic = normal_kl(m, v, mean_hat, var_hat)
    kl_post = kl_symbolic.xreplace({mean_hat: post_mean, var_hat: post_var})
    part.steps.append(Relation((KL(Q, sympy.Symbol("post")), kl_symbolic, kl_post),
                               reason="KL between univariate Gaussians derived from its definition, "
                                      "then the posterior's mean and variance"))
    part.answer("KL_q_posterior", kl_post, r"\mathrm{KL}(q \,\|\, p(z \mid x))")

    gap = sympy.simplify(sympy.expand_log(log_evidence - elbo - kl_post, force=True))
    check_identity(log_evidence - elbo, kl_post, where="log p(x) − ELBO = KL(q ‖ p(z | x))")
    part.steps.append(Relation((sympy.log(evidence) - sympy.Symbol("ELBO") - KL(Q, sympy.Symbol("post")), gap),
                               reason="the gap identity, verified symbolically and at random numeric points"))
    part.answer("gap", gap, r"\log p(x) - \mathrm{ELBO} - \mathrm{KL}(q \,\|\, p(z \mid x))")


PROBLEM = Problem(
    name="elbo-derivation", title="The evidence lower bound",
    source=f"{S2}, Problem 3",
    build=build, statement=STATEMENT)
