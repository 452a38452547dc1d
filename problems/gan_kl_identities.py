"""003 4.4: which objective the alternative ("non-saturating") generator step
optimises.  (i) KL(P_G ‖ P_r) through D*; (ii) the gradient identity, whose
sign the exam's display drops."""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.analysis.identities import (
    CHANGE_OF_VARIABLES, NORMALISATION, check_identity, density_function, identity,
)
from derive.probability.kl import Expectation
from derive.core.steps import Relation, Remark
from problems import S3

x = sympy.Symbol("x", real=True)
theta, theta_0 = sympy.symbols("theta theta_0", real=True)
p_r = density_function("p_r", "P_r(x)")
p_0 = density_function("p_0", r"P_{g_{\Theta_0}}(x)")
p_theta = sympy.Function("p_g", positive=True)  # P_{g_Theta}(x), as a function of x and Theta
D_star = sympy.Symbol("D_star")

STATEMENT = (
    "The generator G_Theta of a GAN, with z ~ p(z), induces P_{g_Theta}; the real data have density P_r; "
    "D* = P_r/(P_{g_Theta_0} + P_r) is the optimal discriminator at Theta = Theta_0, and (Eq. 18) "
    "E_z[grad_Theta log(1 − D*(G_Theta(z)))]|_{Theta_0} = grad_Theta 2 JSD(P_{G_Theta} ‖ P_r)|_{Theta_0}. "
    "(i) Show KL(P_{G_Theta} ‖ P_r) = KL(P_{G_Theta} ‖ P_{G_Theta_0}) "
    "− E_z[log(D*(G_Theta(z))/(1 − D*(G_Theta(z))))]. "
    "(ii) Show which cost the alternative step DeltaTheta = −grad_Theta E_z[log D(G_Theta(z))] "
    "(with Theta ← Theta − DeltaTheta) minimises; the exam states E_z[grad_Theta log D*(G_Theta(z))]|_{Theta_0} "
    "= grad_Theta[KL(P_{G_Theta} ‖ P_r) − 2 JSD(P_{G_Theta} ‖ P_r)]|_{Theta_0}.")

NOTATION = {"theta": ("Θ", r"\Theta"), "theta_0": ("Θ0", r"\Theta_{0}"), "D_star": ("D⋆", r"D^{*}"),
            "KL_r": ("KL(P_G ‖ P_r)", r"\mathrm{KL}(P_{G_{\Theta}} \,\|\, P_{r})"),
            "KL_0": ("KL(P_G ‖ P_G0)", r"\mathrm{KL}(P_{G_{\Theta}} \,\|\, P_{G_{\Theta_0}})"),
            "JSD": ("JSD(P_G ‖ P_r)", r"\mathrm{JSD}(P_{G_{\Theta}} \,\|\, P_{r})"),
            "E_z": ("z", "z"), "x_G": ("x ~ P_G", r"x \sim P_{G_{\Theta}}"),
            "grad_log_D": ("E_z[∇ log D⋆(G(z))]",
                           r"\mathbb{E}_{z}\left[\nabla_{\Theta} \log D^{*}(G_{\Theta}(z))\right]"),
            "grad_log_1mD": ("E_z[∇ log(1 − D⋆(G(z)))]",
                             r"\mathbb{E}_{z}\left[\nabla_{\Theta} \log(1 - D^{*}(G_{\Theta}(z)))\right]"),
            "grad_KL_r": ("∇KL(P_G ‖ P_r)", r"\nabla_{\Theta} \mathrm{KL}(P_{G_{\Theta}} \,\|\, P_{r})"),
            "grad_KL_0": ("∇KL(P_G ‖ P_G0)",
                          r"\nabla_{\Theta} \mathrm{KL}(P_{G_{\Theta}} \,\|\, P_{G_{\Theta_0}})"),
            "grad_JSD": ("∇JSD(P_G ‖ P_r)", r"\nabla_{\Theta} \mathrm{JSD}(P_{G_{\Theta}} \,\|\, P_{r})")}


def build(solution, given=None):
    solution.notation.update(dict(NOTATION))
    _kl_through_discriminator(solution)
    _gradient_identity(solution)
    return solution


def _kl_through_discriminator(solution):
    part = solution.part("i", "KL(P_G ‖ P_r) in terms of D*, P_G and P_G0.")
    p_g = density_function("p_g_theta", r"P_{g_{\Theta}}(x)")
    optimal = p_r(x) / (p_0(x) + p_r(x))
    odds = sympy.simplify(optimal / (1 - optimal))
    part.steps.append(Relation((D_star / (1 - D_star), optimal / (1 - optimal), odds),
                               reason="D* = P_r/(P_G0 + P_r): the odds of D* are the density ratio"))
    check_identity(odds, p_r(x) / p_0(x), where="the odds of D*")
    whole = p_g(x) * sympy.log(p_g(x) / p_r(x))
    split = p_g(x) * sympy.log(p_g(x) / p_0(x)) - p_g(x) * sympy.log(odds)
    part.steps.append(Relation((sympy.Symbol("KL_r"), sympy.Integral(whole, x)), reason="definition of KL"))
    part.steps.append(identity(sympy.Integral(whole, x), sympy.Integral(split, x),
                               reason="log(P_G/P_r) = log(P_G/P_G0) − log(P_r/P_G0)", check=(whole, split)))
    result = sympy.Symbol("KL_0") - Expectation(sympy.log(D_star / (1 - D_star)), sympy.Symbol("x_G"))
    part.steps.append(Relation((sympy.Integral(split, x), result),
                               reason="definition of KL; the odds of D* from above"))
    final = sympy.Symbol("KL_0") - Expectation(sympy.log(sympy.Symbol("D_G") / (1 - sympy.Symbol("D_G"))),
                                               sympy.Symbol("E_z"))
    solution.notation["D_G"] = ("D⋆(G_Θ(z))", r"D^{*}(G_{\Theta}(z))")
    part.steps.append(Relation((result, final), reason=CHANGE_OF_VARIABLES))
    part.answer("KL_identity", final, r"\mathrm{KL}(P_{G_{\Theta}} \,\|\, P_{r})")


def _gradient_identity(solution):
    part = solution.part("ii", "The cost minimised by the alternative update.")
    part.steps.append(Remark(
        "D* is fixed (built from Theta_0), so for any h(x) not depending on Theta, E_z[grad_Theta h(G_Theta(z))] = "
        "grad_Theta E_z[h(G_Theta(z))] = grad_Theta E_{x ~ P_GTheta}[h(x)]: the pathwise and the density forms "
        "of the gradient agree."))
    # grad  KL(P_Theta ‖ P_Theta_0) at Theta_0: differentiate the integrand, then set Theta = Theta_0
    integrand = p_theta(x, theta) * sympy.log(p_theta(x, theta) / p_theta(x, theta_0))
    derivative = sympy.simplify(sympy.diff(integrand, theta))
    score = sympy.Derivative(p_theta(x, theta), theta)
    factor = sympy.simplify(derivative / score)
    if factor.has(sympy.Derivative) or sympy.simplify(factor.subs(theta, theta_0)) != 1:
        raise ValueError(f"the derivative {derivative} is not (factor) × ∂p/∂Theta with factor 1 at Theta_0")
    at_start = sympy.Subs(score, theta, theta_0)
    part.steps.append(Relation((sympy.Derivative(integrand, theta), derivative), reason="product rule"))
    part.steps.append(Relation((sympy.Subs(derivative, theta, theta_0), at_start),
                               reason="at Theta = Theta_0 the log term is log 1 = 0"))
    at_start_sum = sympy.Integral(at_start, x)
    part.steps.append(Relation((sympy.Symbol("grad_KL_0"), at_start_sum,
                                sympy.Subs(sympy.Derivative(sympy.Integral(p_theta(x, theta), x), theta),
                                           theta, theta_0),
                                0),
                               reason="differentiate under the integral; " + NORMALISATION + " for every Theta"))
    grad_kl, grad_log_d, grad_log_1md, grad_jsd = (sympy.Symbol(n) for n in
                                                   ("grad_KL_r", "grad_log_D", "grad_log_1mD", "grad_JSD"))
    # (i) with log(D/(1 − D)) = log D − log(1 − D), differentiated at Theta_0
    first = 0 - (grad_log_d - grad_log_1md)
    part.steps.append(Relation((grad_kl, sympy.Symbol("grad_KL_0") - (grad_log_d - grad_log_1md), first),
                               reason="gradient of (i) at Theta_0; log(D/(1 − D)) = log D − log(1 − D)"))
    with_eq18 = first.xreplace({grad_log_1md: 2 * grad_jsd})
    part.steps.append(Relation((first, with_eq18), reason="Eq. (18)"))
    solved = sympy.solve(sympy.Eq(grad_kl, with_eq18), grad_log_d)
    if len(solved) != 1:
        raise ValueError("could not solve for the pathwise gradient")
    part.steps.append(Relation((grad_log_d, solved[0]), reason="solved for E_z[grad  log D*(G(z))]"))
    target = -(grad_kl - 2 * grad_jsd)
    check_identity(solved[0], target, where="the alternative gradient")
    exam = grad_kl - 2 * grad_jsd
    holds_as_stated = sympy.simplify(solved[0] - exam) == 0
    part.steps.append(Relation((grad_log_d, target),
                               reason="= −grad_Theta[KL(P_G ‖ P_r) − 2 JSD(P_G ‖ P_r)] at Theta_0"))
    part.steps.append(Remark(
        "The exam's display has no minus sign; the derivation gives one (as in Arjovsky and Bottou, 2017, "
        "Theorem 2.5). The conclusion stands: the update Theta ← Theta − DeltaTheta = "
        "Theta + grad_Theta E_z[log D*(G_Theta(z))] = "
        "Theta − grad_Theta[KL − 2 JSD] is gradient descent on KL(P_G ‖ P_r) − 2 JSD(P_G ‖ P_r)."))
    part.answer("grad_log_D", solved[0], r"\mathbb{E}_{z}[\nabla_{\Theta} \log D^{*}(G_{\Theta}(z))]")
    part.answer("cost", sympy.Symbol("KL_r") - 2 * sympy.Symbol("JSD"), r"\text{cost}")
    part.answer("exam_display_holds", sympy.true if holds_as_stated else sympy.false,
                r"\text{(ii) as displayed}")


PROBLEM = Problem(
    name="gan-kl-identities", title="KL identities of the GAN generator objective",
    source=f"{S3}, 4.4",
    build=build, statement=STATEMENT)
