"""003 4.3(i, ii): f-divergences are non-negative (Jensen) and vanish iff P = Q
(for f strictly convex at 1); minimising KL(P ‖ Q_ω) is maximising the
expected log-likelihood E_P[log q_ω]."""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.analysis.identities import (
    JENSEN_CONVEX, NORMALISATION, check_identity, density_function, identity,
)
from derive.probability.kl import KL, Expectation, Normal, kl
from derive.core.steps import Relation, Remark
from problems import S3

x = sympy.Symbol("x", real=True)
t = sympy.Symbol("t", positive=True)
omega = sympy.Symbol("omega", real=True)
p = density_function("p", "p(x)")
q = density_function("q", "q(x)")
q_omega = density_function("q_omega", r"q_{\omega}(x)")
f = sympy.Function("f")
D_f = sympy.Symbol("D_f")

STATEMENT = (
    "For distributions P, Q with densities p, q and a convex f: R+ → R with f(1) = 0, "
    "D_f(P ‖ Q) = integral of q(x) f(p(x)/q(x)) dx. (i) Show D_f ≥ 0, and D_f = 0 if and only if P = Q "
    "(hint: Jensen). "
    "(ii) With f(t) = t log t, D_f is the KL divergence: show that minimising KL(P ‖ Q_ω) over ω is maximising "
    "E_P[log q_ω(x)]. (Part (iii) reads Figure 4, which the seed does not contain; it is not derived here.)")

NOTATION = {"D_f": ("D_f(P ‖ Q)", r"D_{f}(P \,\|\, Q)"), "Q": ("Q", "Q"), "P": ("P", "P"),
            "omega": ("ω", r"\omega"), "Q_omega": ("Q_ω", r"Q_{\omega}")}


def build(solution, given=None):
    solution.notation.update(dict(NOTATION))
    _non_negative(solution)
    _zero_iff_equal(solution)
    _maximum_likelihood(solution)
    return solution


def _non_negative(solution):
    part = solution.part("i", "D_f(P ‖ Q) ≥ 0.")
    ratio = p(x) / q(x)
    under_q = Expectation(f(ratio), sympy.Symbol("Q"))
    part.steps.append(Relation((D_f, sympy.Integral(q(x) * f(ratio), x), under_q),
                               reason="the definition, read as an expectation under Q"))
    mean_ratio = sympy.Integral(sympy.Mul(q(x), ratio, evaluate=False), x)
    part.steps.append(Relation((under_q, f(Expectation(ratio, sympy.Symbol("Q"))), f(mean_ratio)),
                               relations=("≥", "="), reason=JENSEN_CONVEX))
    part.steps.append(identity(f(mean_ratio), f(sympy.Integral(p(x), x)), reason="q (p/q) = p",
                               check=(q(x) * ratio, p(x))))
    part.steps.append(Relation((f(sympy.Integral(p(x), x)), f(1), 0), reason=NORMALISATION + "; f(1) = 0"))
    part.answer("nonnegative", sympy.true, r"D_{f} \ge 0")


def _zero_iff_equal(solution):
    part = solution.part("i-equality", "When is D_f(P ‖ Q) = 0.")
    at_equal = sympy.Integral(q(x) * f(1), x)
    part.steps.append(Relation((D_f, sympy.Integral(q(x) * f(sympy.Mul(q(x), sympy.Pow(q(x), -1), evaluate=False)), x),
                                at_equal, 0),
                               reason="if P = Q then p/q = 1 everywhere, and f(1) = 0"))
    part.steps.append(Remark(
        "Conversely, D_f = 0 makes Jensen's inequality an equality. For f strictly convex at 1 that forces "
        "p/q to be constant Q-almost everywhere; the constant is E_Q[p/q] = 1, so p = q and P = Q."))
    linear = t - 1
    integrand = sympy.expand(q(x) * linear.xreplace({t: p(x) / q(x)}))
    check_identity(integrand, p(x) - q(x), where="q (p/q − 1) = p − q")
    part.steps.append(Relation((sympy.Symbol("D_lin"), sympy.Integral(integrand, x),
                                sympy.Integral(p(x), x) - sympy.Integral(q(x), x), 0),
                               reason="f(t) = t − 1 is convex with f(1) = 0, but " + NORMALISATION
                                      + " for every P and Q"))
    solution.notation["D_lin"] = ("D_{t−1}(P ‖ Q)", r"D_{t-1}(P \,\|\, Q)")
    second = sympy.diff(linear, t, 2)
    part.steps.append(Remark(
        f"So 'only if' needs more than convexity: f(t) = t − 1 has f'' = {second} and D_f = 0 for P ≠ Q. "
        "The exam's claim holds for strictly convex f, such as t log t (f'' = 1/t > 0); and 'always positive' "
        "should read non-negative."))
    kl_f = t * sympy.log(t)
    curvature = sympy.diff(kl_f, t, 2)
    part.steps.append(Relation((sympy.Derivative(kl_f, (t, 2)), curvature, 0), relations=("=", ">"),
                               reason="t log t is strictly convex"))
    example = kl(Normal(1, 1), Normal(0, 1))
    part.steps.append(Relation((KL(sympy.Symbol("P"), sympy.Symbol("Q")), example, 0), relations=("=", ">"),
                               reason="an instance with P ≠ Q: P = N(1, 1), Q = N(0, 1), from derive.kl"))
    # The same instance under f(t) = t − 1: q (p/q − 1) = p − q (checked above), each integrated.
    p_density, q_density = (sympy.exp(-(x - m)**2 / 2) / sympy.sqrt(2 * sympy.pi) for m in (1, 0))
    counterexample = sympy.simplify(sympy.integrate(p_density, (x, -sympy.oo, sympy.oo))
                                    - sympy.integrate(q_density, (x, -sympy.oo, sympy.oo)))
    part.steps.append(Relation((sympy.Symbol("D_lin"), counterexample), reason="the same P ≠ Q, integrated"))
    part.answer("zero_iff_equal_for_strictly_convex", sympy.S(bool(example.is_positive)), r"D_{f} = 0 \iff P = Q")
    part.answer("zero_iff_equal_for_convex", sympy.S(counterexample != 0), r"\text{same for merely convex } f")
    part.answer("counterexample_D", counterexample, r"D_{t-1}(P \,\|\, Q)")


def _maximum_likelihood(solution):
    part = solution.part("ii", "Minimising KL(P ‖ Q_ω) is maximising E_P[log q_ω].")
    kl_f = t * sympy.log(t)
    ratio = p(x) / q_omega(x)
    integrand = q_omega(x) * kl_f.xreplace({t: ratio})
    shown = sympy.Mul(q_omega(x), sympy.Mul(ratio, sympy.log(ratio), evaluate=False), evaluate=False)
    as_kl = p(x) * sympy.log(p(x) / q_omega(x))
    part.steps.append(identity(sympy.Integral(shown, x), sympy.Integral(as_kl, x),
                               reason="f(t) = t log t: q (p/q) log(p/q) = p log(p/q)", check=(integrand, as_kl)))
    entropy_term = sympy.Integral(p(x) * sympy.log(p(x)), x)
    likelihood_term = sympy.Integral(p(x) * sympy.log(q_omega(x)), x)
    check_identity(as_kl, p(x) * sympy.log(p(x)) - p(x) * sympy.log(q_omega(x)), where="log(p/q) = log p − log q")
    part.steps.append(Relation((KL(sympy.Symbol("P"), sympy.Symbol("Q_omega")), entropy_term - likelihood_term,
                                entropy_term - Expectation(sympy.log(q_omega(x)), sympy.Symbol("P"))),
                               reason="log(p/q) = log p − log q, linearity"))
    # ω enters only through q_ω: make that dependence explicit to differentiate
    q_of = sympy.Function("q_omega")(x, omega)
    derivative_entropy = sympy.diff(p(x) * sympy.log(p(x)), omega)
    derivative_likelihood = sympy.diff(p(x) * sympy.log(q_of), omega)
    part.steps.append(Relation((sympy.Derivative(entropy_term, omega), sympy.Integral(derivative_entropy, x), 0),
                               reason="the first term does not depend on ω"))
    part.steps.append(Relation((sympy.Derivative(KL(sympy.Symbol("P"), sympy.Symbol("Q_omega")), omega),
                                -sympy.Integral(derivative_likelihood, x),
                                -sympy.Derivative(Expectation(sympy.log(q_omega(x)), sympy.Symbol("P")), omega)),
                               reason="differentiate under the integral"))
    part.steps.append(Remark("The two objectives differ by a constant (minus the entropy of P) and have opposite "
                             "signs, so they have the same stationary points and argmin_ω KL(P ‖ Q_ω) = "
                             "argmax_ω E_P[log q_ω(x)]: maximum likelihood."))
    if derivative_entropy != 0:
        raise ValueError("the entropy term depends on ω")
    part.answer("objective", Expectation(sympy.log(q_omega(x)), sympy.Symbol("P")), r"\arg\max_{\omega}")


PROBLEM = Problem(
    name="f-divergence", title="Properties of f-divergences",
    source=f"{S3}, 4.3(i,ii)",
    build=build, statement=STATEMENT)
