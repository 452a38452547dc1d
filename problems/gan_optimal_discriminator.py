"""000 Problem 5(b,d) and 001 §15.1.3: the optimal discriminator of a GAN,
by pointwise maximisation of the value function, and the value at D*."""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.analysis.identities import (
    CHANGE_OF_VARIABLES, LINEARITY, NORMALISATION, identity, maximise_pointwise,
)
from derive.probability.kl import Expectation
from derive.core.steps import Relation, Remark
from problems import S0, S1

x = sympy.Symbol("x", real=True)
z = sympy.Symbol("z", real=True)
p_data = sympy.Function("p_data", positive=True)
p_g = sympy.Function("p_g", positive=True)
D = sympy.Function("D")
G = sympy.Function("G")
#: the value D(x) takes at one point, and the two density values there
y = sympy.Symbol("y", positive=True)
a, b = sympy.symbols("a b", positive=True)
JSD = sympy.Symbol("JSD")
V = sympy.Symbol("V")
C = sympy.Symbol("C_G")

STATEMENT = (
    "A GAN's discriminator D maximises V(D) = E_{x ~ p_data}[log D(x)] + E_{z ~ p_z}[log(1 − D(G(z)))] "
    "for a fixed generator G whose samples have density p_g. (001 §15.1.3) Using calculus of variations, "
    "find the optimal discriminator D*. (000 5(b)) Early in training, is D(G(z)) closer to 0 or to 1. "
    "(000 5(d)) Reconstructed from the solution, which gives only the verdict 'False' and the value 0.5: "
    "true or false, at the end of training (when G has learned p_data) D(G(z)) is close to 1. "
    "Finally, the value of the game at D*, C(G) = V(D*), in terms of the Jensen-Shannon divergence.")

NOTATION = {
    "x_data": ("x ~ p_data", r"x \sim p_{\mathrm{data}}"),
    "x_g": ("x ~ p_g", r"x \sim p_{g}"),
    "z_p": ("z ~ p_z", r"z \sim p_{z}"),
    "JSD": ("JSD(p_data ‖ p_g)", r"\mathrm{JSD}\left(p_{\mathrm{data}} \,\|\, p_{g}\right)"),
    "V": ("V(D)", r"V(D)"),
    "D_star": ("D⋆(x)", r"D^{*}(x)"),
    "C_G": ("C(G)", r"C(G)"),
    "KL_data_m": ("KL(p_data ‖ m)", r"\mathrm{KL}\left(p_{\mathrm{data}} \,\|\, m\right)"),
    "KL_g_m": ("KL(p_g ‖ m)", r"\mathrm{KL}\left(p_{g} \,\|\, m\right)"),
}


def _E(expr, under):
    return Expectation(expr, sympy.Symbol(under))


def build(solution, given=None):
    solution.notation.update(dict(NOTATION))
    D_star = _value_function_and_maximiser(solution)
    _early_training(solution, D_star)
    _equilibrium(solution, D_star)
    _value_at_optimum(solution, D_star)
    return solution


def _value_function_and_maximiser(solution):
    part = solution.part("a", "The optimal discriminator D*(x) for a fixed generator (001 §15.1.3).")
    integrand = p_data(x) * sympy.log(D(x)) + p_g(x) * sympy.log(1 - D(x))
    part.steps.append(Relation(
        (V, _E(sympy.log(D(x)), "x_data") + _E(sympy.log(1 - D(G(z))), "z_p"),
         _E(sympy.log(D(x)), "x_data") + _E(sympy.log(1 - D(x)), "x_g")), reason=CHANGE_OF_VARIABLES))
    part.steps.append(Relation((V, sympy.Integral(integrand, x)), reason="expectations as integrals; " + LINEARITY))
    part.steps.append(Remark(
        "D(x) can be chosen separately at every x, so V is maximised by maximising the integrand at each x: "
        "with a = p_data(x) > 0, b = p_g(x) > 0 and y = D(x) in (0, 1), maximise a log y + b log(1 − y). "
        "(The seed differentiates log D(x) + log(1 − D(G(z))), mixing a real sample x with a generated one; "
        "the integrand must weight both terms by their densities at the same x.)"))
    objective = a * sympy.log(y) + b * sympy.log(1 - y)
    best, steps = maximise_pointwise(objective, y, 0, 1)
    part.steps += steps
    D_star = best.xreplace({a: p_data(x), b: p_g(x)})
    part.steps.append(Relation((sympy.Symbol("D_star"), D_star), reason="a = p_data(x), b = p_g(x)"))
    part.answer("D_star", D_star, r"D^{*}(x)")
    return D_star


def _early_training(solution, D_star):
    part = solution.part("b", "Early in training (000 5(b)): is D(G(z)) near 0 or near 1.")
    part.steps.append(Remark(
        "Early on, G's samples lie where the data has almost no mass: at such x, p_data(x) → 0 "
        "while p_g(x) stays positive."))
    limit = sympy.limit(D_star.xreplace({p_data(x): a}), a, 0, "+")
    part.steps.append(Relation((sympy.Limit(D_star.xreplace({p_data(x): a}), a, 0, "+"), limit),
                               reason="D* at a generated sample as p_data(x) = a → 0"))
    part.steps.append(Remark("So D(G(z)) is close to 0: the discriminator confidently rejects the fakes."))
    part.answer("D_star_early", limit, r"\lim_{p_{\mathrm{data}} \to 0} D^{*}")


def _equilibrium(solution, D_star):
    part = solution.part("d", "At the end of training, p_g = p_data (000 5(d)).")
    half = sympy.simplify(D_star.xreplace({p_g(x): p_data(x)}))
    shown = sympy.Mul(p_data(x), sympy.Pow(sympy.Add(p_data(x), p_data(x), evaluate=False), -1), evaluate=False)
    part.steps.append(Relation((sympy.Symbol("D_star"), shown, half), reason="p_g = p_data"))
    claim = bool(sympy.Eq(half, 1))
    part.steps.append(Remark(
        f"D* = {half} everywhere: the discriminator can only guess, so the claim that D(G(z)) is close "
        f"to 1 is {'true' if claim else 'false'}, as the seed answers."))
    part.answer("D_star_equilibrium", half, r"D^{*}\big|_{p_g = p_{\mathrm{data}}}")
    part.answer("claim_d", sympy.false if not claim else sympy.true, r"\text{claim (d)}")


def _value_at_optimum(solution, D_star):
    part = solution.part("e", "The value C(G) = V(D*) in terms of the Jensen-Shannon divergence.")
    m = (p_data(x) + p_g(x)) / 2
    integrand = p_data(x) * sympy.log(D_star) + p_g(x) * sympy.log(1 - D_star)
    split = (p_data(x) * sympy.log(p_data(x) / m) + p_g(x) * sympy.log(p_g(x) / m)
             - (p_data(x) + p_g(x)) * sympy.log(2))
    part.steps.append(Relation((C, sympy.Integral(integrand, x)), reason="D = D* in V"))
    part.steps.append(identity(sympy.Integral(integrand, x), sympy.Integral(split, x),
                               reason="p/(p_data + p_g) = (p/m)/2 with m = (p_data + p_g)/2, then " + "log rules",
                               check=(integrand, split)))
    value = -2 * sympy.log(2) + sympy.Symbol("KL_data_m") + sympy.Symbol("KL_g_m")
    part.steps.append(Relation((sympy.Integral(split, x), value),
                               reason="definition of KL; " + NORMALISATION + " (twice, for the log 2 term)"))
    C_G = -sympy.log(4) + 2 * JSD
    part.steps.append(Relation((value, C_G), reason="JSD = (KL(p_data ‖ m) + KL(p_g ‖ m))/2, and 2 log 2 = log 4"))
    part.answer("C_G", C_G, r"C(G)")
    at_equilibrium = sympy.expand_log(sympy.simplify(integrand.xreplace({p_g(x): p_data(x)})), force=True)
    # the integrand is a constant times p_data(x), which integrates to 1
    constant = sympy.simplify(at_equilibrium / p_data(x))
    if constant.has(x):
        raise ValueError("the integrand at equilibrium is not a multiple of p_data")
    minimum = sympy.logcombine(constant, force=True)
    part.steps.append(Relation((sympy.Integral(integrand.xreplace({p_g(x): p_data(x)}), x),
                                sympy.Integral(at_equilibrium, x), minimum),
                               reason="p_g = p_data, so D* = 1/2 and JSD = 0; " + NORMALISATION))
    part.answer("C_min", minimum, r"\min_G C(G)")



def _density(name):
    """An arbitrary density's value at x: a free positive scale times a fixed
    shape, so that random points give independent values of p_data(x), p_g(x)."""
    x, scale = sympy.Symbol("x", real=True), sympy.Symbol(f"scale_{name}", positive=True)
    return lambda: ((x,), scale * sympy.exp(-x ** 2 / 2))


def student_names() -> dict:
    """How hand solutions name this problem's quantities (for `derive check`).
    The seed writes the generator's density p_G where the problem writes p_g."""
    return {
        "D^*(x)": "D_star", "D^{*}(x)": "D_star",
        "FUNCTIONS": lambda: {r"p_{\text{data}}": ("function", _density("data")),
                              "p_G": ("function", _density("g")), "p_g": ("function", _density("g"))},
    }


PROBLEM = Problem(
    names=student_names,
    name="gan-optimal-discriminator", title="The optimal GAN discriminator",
    source=f"{S0}, Problem 5(b,d); {S1} §15.1.3",
    build=build, statement=STATEMENT)
