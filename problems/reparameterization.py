"""003 4.2(ii): the reparameterisation gradient.  The general argument (change
of variables, differentiation under the integral, linearity for
unbiasedness), then a closed-form confirmation for q = N(μ, σ²), z = μ + σε
and a polynomial f given by its coefficients."""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.probability.gaussian import normal_expectation
from derive.core.givens import Givens
from derive.analysis.identities import LINEARITY, check_identity
from derive.core.numbers import InputError
from derive.probability.kl import Expectation
from derive.core.steps import Relation, Remark
from problems import S3

#: f(z) = Σ_k coefficients[k] z^k; reconstructed: the exam leaves f arbitrary
GIVEN = {"coefficients": [0, 2, -3, 0, 1]}
MAX_DEGREE = 8

mu = sympy.Symbol("mu", real=True)
sigma = sympy.Symbol("sigma", positive=True)
z, eps, phi = sympy.symbols("z epsilon phi", real=True)
L, ell = sympy.symbols("L ell", integer=True, positive=True)
q_phi = sympy.Function("q_phi", positive=True)
p_eps = sympy.Function("p_epsilon", positive=True)
f = sympy.Function("f")
g = sympy.Function("g_phi")

STATEMENT = (
    "Training a VAE's encoder needs grad_φ E_{q_φ(z|x)}[f(z)] = grad_φ (integral of q_φ(z | x) f(z) dz) "
    "for a smooth f. "
    "Given a transformation z = g_φ(x, ε), ε ~ p(ε), with q_φ(z | x) dz = p(ε) dε, show that the gradient "
    "has an unbiased estimator from samples ε_1, …, ε_L of p(ε). Reconstructed from the catalog: confirm "
    "it in closed form for q = N(μ, σ²), z = μ + σε with ε ~ N(0, 1), and the polynomial f given.")

NOTATION = {"mu": ("μ", r"\mu"), "sigma": ("σ", r"\sigma"), "epsilon": ("ε", r"\varepsilon"),
            "phi": ("φ", r"\phi"), "ell": ("l", r"\ell"), "E_q": ("q", "q"), "E_eps": ("ε", r"\varepsilon"),
            "grad": ("∇_φ E_q[f(z)]", r"\nabla_{\phi} \mathbb{E}_{q}[f(z)]"),
            "estimator": ("ĝ_L", r"\hat{g}_{L}")}


def read_polynomial(given) -> sympy.Expr:
    data = Givens(given, allowed=("coefficients",))
    raw = data.items("coefficients")
    if len(raw) > MAX_DEGREE + 1:
        raise InputError(f"given.coefficients: at most {MAX_DEGREE + 1} coefficients (degree {MAX_DEGREE})")
    view = Givens(dict(enumerate(raw)), "given.coefficients")
    view._path = lambda index: f"given.coefficients[{index}]"
    coefficients = [view.number(k) for k in range(len(raw))]
    return sympy.Add(*[c * z**k for k, c in enumerate(coefficients)])


def random_given(rng):
    degree = rng.randint(2, 5)
    return {"coefficients": [rng.randint(-3, 3) for _ in range(degree)] + [rng.choice([-2, -1, 1, 2])]}


def build(solution, given: dict):
    polynomial = read_polynomial(given)
    solution.notation.update(dict(NOTATION))
    _general(solution)
    _gaussian(solution, polynomial)
    return solution


def _general(solution):
    part = solution.part("a", "The estimator and why it is unbiased.")
    grad = sympy.Symbol("grad")
    inner = sympy.Integral(q_phi(z) * f(z), z)
    moved = sympy.Integral(p_eps(eps) * f(g(eps)), eps)
    part.steps.append(Relation((grad, sympy.Derivative(inner, phi), sympy.Derivative(moved, phi)),
                               reason="the definition; then substitute z = g_φ(x, ε), q_φ(z | x) dz = p(ε) dε"))
    under = sympy.Integral(p_eps(eps) * sympy.Derivative(f(g(eps)), phi), eps)
    part.steps.append(Relation((sympy.Derivative(moved, phi), under,
                                Expectation(sympy.Derivative(f(g(eps)), phi), sympy.Symbol("E_eps"))),
                               reason="p(ε) does not depend on φ: differentiate under the integral sign"))
    estimator = sympy.Sum(sympy.Derivative(f(g(sympy.Indexed("epsilon", ell))), phi), (ell, 1, L)) / L
    part.steps.append(Relation((sympy.Symbol("estimator"), estimator),
                               reason="the Monte-Carlo estimator with ε_1, …, ε_L drawn from p(ε)"))
    term = sympy.Symbol("Y")
    expectation = sympy.Sum(Expectation(term, sympy.Symbol("E_eps")), (ell, 1, L)) / L
    part.steps.append(Relation((Expectation(sympy.Symbol("estimator"), sympy.Symbol("E_eps")), expectation,
                                expectation.doit(), grad),
                               reason=LINEARITY + "; the L terms Y are identically distributed, each with "
                                                  "mean the gradient above"))
    solution.notation["Y"] = ("grad_φ f(g_φ(x, ε_l))", r"\nabla_{\phi} f(g_{\phi}(x, \varepsilon_{\ell}))")
    part.steps.append(Remark("So the estimator is unbiased for every L ≥ 1; its variance falls as 1/L."))


def _gaussian(solution, polynomial):
    part = solution.part("b", "Closed form for q = N(μ, σ²), z = μ + σε, and f as given.")
    part.steps.append(Relation((f(z), polynomial), reason="the given polynomial"))
    expected = sympy.expand(normal_expectation(polynomial, z, mu, sigma**2))
    part.steps.append(Relation((Expectation(f(z), sympy.Symbol("E_q")), expected),
                               reason="linearity and the moments of N(μ, σ²), each derived by integration"))
    path = polynomial.xreplace({z: mu + sigma * eps})
    results, agreements = {}, []
    for name, parameter in (("mu", mu), ("sigma", sigma)):
        exact = sympy.expand(sympy.diff(expected, parameter))
        pathwise = sympy.expand(sympy.diff(path, parameter))
        estimate = sympy.expand(normal_expectation(pathwise, eps, 0, 1))
        check_identity(estimate, exact, where=f"the reparameterised gradient with respect to {name}")
        agreements.append(sympy.expand(estimate - exact) == 0)
        part.steps.append(Relation((sympy.Derivative(Expectation(f(z), sympy.Symbol("E_q")), parameter), exact),
                                   reason="differentiate the closed form"))
        part.steps.append(Relation(
            (Expectation(sympy.Derivative(f(mu + sigma * eps), parameter), sympy.Symbol("E_eps")),
             Expectation(pathwise, sympy.Symbol("E_eps")), estimate),
            reason="differentiate inside, then the moments of N(0, 1): equal to the line above"))
        results[name] = exact
    part.answer("E_f", expected, r"\mathbb{E}_{q}[f(z)]")
    part.answer("grad_mu", results["mu"], r"\partial_{\mu} \mathbb{E}_{q}[f(z)]")
    part.answer("grad_sigma", results["sigma"], r"\partial_{\sigma} \mathbb{E}_{q}[f(z)]")
    part.answer("unbiased", sympy.true if all(agreements) else sympy.false, r"\text{unbiased}")


PROBLEM = Problem(
    name="reparameterization", title="The reparameterization gradient", source=f"{S3}, 4.2(ii)",
    build=build, given=GIVEN, statement=STATEMENT, random_given=random_given)
