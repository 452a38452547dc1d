"""003 1.1(a): derivatives and subdifferentials of ReLU, ELU (0 < α ≤ 1) and
softplus, derived from their definitions."""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.core.functions import elu, relu, sigmoid, softplus
from derive.printing import math
from derive.core.steps import Relation, Remark
from derive.analysis.subgradients import derivative_off_kink, subdifferential
from problems import S3

x = sympy.Symbol("x", real=True)
alpha = sympy.Symbol("alpha", positive=True)
RELU = sympy.Max(0, x)
ELU = sympy.Piecewise((x, x > 0), (alpha * (sympy.exp(x) - 1), True))
SOFTPLUS = sympy.log(1 + sympy.exp(x))

STATEMENT = ("Calculate the derivative/subdifferential of (1) Relu(x) = max(0, x); (2) elu(x) = x for x > 0, "
             "α(exp(x) − 1) for x ≤ 0, with 0 < α ≤ 1; (3) softplus(x) = ln(1 + exp(x)).")


def build(solution, given=None):
    solution.notation.update({"alpha": ("α", r"\alpha"), "f'_-": ("f'₋(0)", r"f'_{-}(0)"),
                                  "f'_+": ("f'₊(0)", r"f'_{+}(0)")})
    kinked(solution, "a", "relu", "Relu", RELU, relu(x), True)
    kinked(solution, "b", "elu", "elu", ELU, elu(x, alpha), sympy.Q.le(alpha, 1))
    smooth_softplus(solution)
    return solution


def kinked(solution, part_id, key, name, f, vocabulary, assumptions):
    part = solution.part(part_id, f"{name}: its derivative away from 0, and its subdifferential at 0.")
    off = derivative_off_kink(f, x, 0)
    solution.notation.update({f"{key}_prime": (f"{name}'(x)", rf"\operatorname{{{name}}}'(x)"),
                              f"{key}_sub": (f"∂{name}(0)", rf"\partial\operatorname{{{name}}}(0)"),
                              f"{key}_engine": (f"{name}' used by backpropagation, at 0",
                                                rf"\operatorname{{{name}}}'_{{\text{{backprop}}}}(0)")})
    part.steps.append(Relation((sympy.Symbol(f"{key}_prime"), sympy.Derivative(f, x), off),
                               reason="each piece differentiated (x ≠ 0)"))
    interval, steps = subdifferential(f, x, 0, assumptions)
    part.steps += steps
    part.steps.append(Relation((sympy.Symbol(f"{key}_sub"), interval), reason=(
        f"{name} is convex (each piece has f'' ≥ 0, and the left slope does not exceed the right one), so its "
        "subdifferential at the kink is the interval between the one-sided derivatives")))
    if isinstance(interval, sympy.Interval):
        part.steps.append(Remark(f"At α = 1 the interval closes to one point: ELU(·, 1) is differentiable."
                                 if key == "elu" else f"{name} is not differentiable at 0; any g in "
                                 f"{math.text(interval)} is a subgradient."))
    # The engine's own derivative must agree off the kink and pick a subgradient at it.
    engine = sympy.diff(vocabulary, x)
    agrees = all(sympy.simplify(engine.rewrite(sympy.Piecewise).subs(x, s) - off.subs(x, s)) == 0
                 for s in (sympy.Rational(-3, 2), sympy.Rational(-1, 3), sympy.Rational(1, 2), 2))
    at_kink = engine.subs(x, 0)
    part.steps.append(Relation((sympy.Symbol(f"{key}_engine"), at_kink), reason=(
        f"the derivative backpropagation uses, {math.text(engine)}, agrees off 0 and takes this subgradient at 0")))
    part.answer(f"{key}_prime", off, rf"\operatorname{{{name}}}'(x)")
    part.answer(f"{key}_subdifferential_0", interval, rf"\partial\operatorname{{{name}}}(0)")
    inside = interval.contains(at_kink)
    inside = inside == sympy.true or sympy.ask(inside, assumptions) is True
    part.answer(f"{key}_engine_consistent", bool(agrees and inside),
                r"\text{engine consistent}")


def smooth_softplus(solution):
    part = solution.part("c", "softplus: its derivative, and why it is the sigmoid.")
    d = sympy.diff(SOFTPLUS, x)
    sigma = 1 / (1 + sympy.exp(-x))
    equal = sympy.simplify(d - sigma) == 0
    solution.notation["softplus_prime"] = ("softplus'(x)", r"\operatorname{softplus}'(x)")
    part.steps.append(Relation((sympy.Symbol("softplus_prime"), sympy.Derivative(SOFTPLUS, x), d,
                                sympy.Mul(1, sigma, evaluate=False), sigmoid(x)),
                               ("=", "=", "=" if equal else "≠", "="),
                               reason="chain rule; divide numerator and denominator by e^x"))
    part.steps.append(Remark("softplus is smooth, so its subdifferential at every x is {σ(x)}: no kink."))
    engine = sympy.diff(softplus(x), x)
    part.answer("softplus_prime", sigmoid(x) if equal else d, r"\operatorname{softplus}'(x)")
    part.answer("softplus_prime_is_sigmoid", equal and engine == sigmoid(x), r"\text{softplus}' = \sigma")


PROBLEM = Problem(
    name="activation-derivatives", title="Derivatives of ReLU, ELU and softplus",
    source=f"{S3}, 1.1(a)",
    build=build, statement=STATEMENT)
