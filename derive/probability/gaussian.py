"""Gaussian identities derived, not looked up: marginals by integration,
posteriors by completing the square, expectations from moments, the KL of
multivariate Gaussians from its definition."""
from __future__ import annotations

import sympy

from derive.probability import kl as probability
from derive.analysis.identities import (
    IdentityError, check_identity, complete_square, expectation_from_moments,
)


def log_normal(variable, mean, variance):
    """log N(variable; mean, variance), variance (not the scale) as the parameter."""
    return probability.Normal(mean, sympy.sqrt(variance)).log_density(variable)


def normal_expectation(expr, variable, mean, variance):
    """E[expr] for expr polynomial in `variable` ~ N(mean, variance), from the
    distribution's moments (each derived by integration in derive.probability)."""
    # probability.X is a dummy: the data's own x is a different symbol
    distribution = probability.Normal(mean, sympy.sqrt(variance))
    return probability.expectation(distribution, sympy.expand(expr).xreplace({variable: probability.X}))[0]


def normal_kl(mean_p, variance_p, mean_q, variance_q):
    """KL(N(mean_p, variance_p) ‖ N(mean_q, variance_q)) from derive.probability.kl."""
    return probability.kl(probability.Normal(mean_p, sympy.sqrt(variance_p)),
                          probability.Normal(mean_q, sympy.sqrt(variance_q)))


def marginal_by_integration(joint_density, variable):
    """∫ joint dz over the real line; an unevaluated integral is an error."""
    result = sympy.integrate(joint_density, (variable, -sympy.oo, sympy.oo), conds="none")
    if result.has(sympy.Integral):
        raise IdentityError(f"the engine could not integrate {joint_density} over {variable}")
    return sympy.simplify(result)


def gaussian_posterior(log_joint, latent):
    """p(latent | data) ∝ p(latent, data): mean and variance by completing the
    square in the (scalar) latent variable."""
    mean, variance, _ = complete_square(log_joint, latent)
    return mean, variance


def component_symbols(name: str, d: int, **assumptions) -> sympy.ImmutableMatrix:
    """An explicit d×1 vector of symbols name_1 … name_d."""
    return sympy.ImmutableMatrix([sympy.Symbol(f"{name}_{i + 1}", **assumptions) for i in range(d)])


def moments_of_vector(variables, mean, covariance):
    """First and second moments E[w_i], E[w_i w_j] = S_ij + m_i m_j of a random vector."""
    variables = list(variables)
    first = {w: mean[i] for i, w in enumerate(variables)}
    second = {(variables[i], variables[j]): covariance[i, j] + mean[i] * mean[j]
              for i in range(len(variables)) for j in range(len(variables))}
    return first, second


def log_mvn_density(w, mean, covariance):
    """log N(w; mean, covariance) for explicit matrices."""
    d = w.shape[0]
    residual = w - mean
    quadratic = (residual.T * covariance.inv() * residual)[0, 0]
    return -quadratic / 2 - sympy.log(covariance.det()) / 2 - d * sympy.log(2 * sympy.pi) / 2


def kl_mvn_explicit(mean_p, cov_p, mean_q, cov_q):
    """KL(N(mean_p, cov_p) ‖ N(mean_q, cov_q)) for explicit matrices, from the
    definition E_p[log p(w) − log q(w)]: both log-densities are quadratic in w,
    so their expectation needs only the first two moments of p."""
    d = mean_p.shape[0]
    w = component_symbols("w_kl", d, real=True)
    integrand = log_mvn_density(w, mean_p, cov_p) - log_mvn_density(w, mean_q, cov_q)
    first, second = moments_of_vector(list(w), mean_p, cov_p)
    return sympy.simplify(expectation_from_moments(integrand, list(w), first, second))


def quadratic_form_expectation(A, a, mean, covariance):
    """E[(w − a)ᵀ A (w − a)] = Tr(A Σ) + (m − a)ᵀ A (m − a) for w with mean m and
    covariance Σ, in matrix notation; the identity is checked on an explicit
    2-dimensional instance from moments before it is returned.

    Returns the two terms (a scalar trace and a 1×1 matrix expression), since
    SymPy does not add a scalar to a 1×1 matrix expression."""
    _check_quadratic_form_rule()
    return sympy.Trace(A * covariance), (mean - a).T * A * (mean - a)


_QUADRATIC_RULE_CHECKED = []


def _check_quadratic_form_rule():
    if _QUADRATIC_RULE_CHECKED:
        return
    d = 2
    w = component_symbols("w", d, real=True)
    a = component_symbols("a", d, real=True)
    m = component_symbols("m", d, real=True)
    A = sympy.ImmutableMatrix(d, d, sympy.symbols(f"A_1:{d + 1}_1:{d + 1}", real=True))
    S = sympy.ImmutableMatrix(d, d, lambda i, j: sympy.Symbol(f"S_{min(i, j) + 1}{max(i, j) + 1}", real=True))
    first, second = moments_of_vector(list(w), m, S)
    lhs = expectation_from_moments(((w - a).T * A * (w - a))[0, 0], list(w), first, second)
    rhs = (A * S).trace() + ((m - a).T * A * (m - a))[0, 0]
    check_identity(lhs, rhs, where="E[(w − a)ᵀA(w − a)] = Tr(AΣ) + (m − a)ᵀA(m − a)")
    _QUADRATIC_RULE_CHECKED.append(True)


def linear_gaussian(prior_mean, prior_cov, A, b, noise_cov, observed):
    """The linear-Gaussian identities for z ~ N(μ, Λ⁻¹), x | z ~ N(Az + b, L⁻¹),
    with explicit matrices (as in Bishop's PRML §2.3.3, the appendix the seeds cite):

        p(x)     = N(Aμ + b, L⁻¹ + A Λ⁻¹ Aᵀ)
        p(z | x) = N(C (Aᵀ L (x − b) + Λ μ), C),   C = (Λ + Aᵀ L A)⁻¹.

    Returns (marginal mean, marginal covariance, posterior mean, posterior
    covariance).  Callers cross-check them against a derivation from first
    principles (completing the square, moments), which is what makes them more
    than a table look-up.
    """
    prior_precision = prior_cov.inv()
    noise_precision = noise_cov.inv()
    marginal_mean = A * prior_mean + b
    marginal_cov = noise_cov + A * prior_cov * A.T
    C = (prior_precision + A.T * noise_precision * A).inv()
    posterior_mean = C * (A.T * noise_precision * (observed - b) + prior_precision * prior_mean)
    simplify = lambda M: sympy.ImmutableMatrix(M.applyfunc(sympy.simplify))  # noqa: E731
    return simplify(marginal_mean), simplify(marginal_cov), simplify(posterior_mean), simplify(C)


def moments_of_linear_map(coefficients, noise_first, noise_second):
    """Mean vector and second-moment matrix of outputs that are linear (or
    affine) in independent random variables, from those variables' moments:
    E[x_a] and E[x_a x_b] by expectation_from_moments, entry by entry."""
    variables = list(noise_first)
    mean = sympy.ImmutableMatrix([expectation_from_moments(c, variables, noise_first, noise_second)
                                  for c in coefficients])
    second = sympy.ImmutableMatrix(len(coefficients), len(coefficients), lambda a, b: expectation_from_moments(
        coefficients[a] * coefficients[b], variables, noise_first, noise_second))
    return mean, second
