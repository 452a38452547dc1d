"""000 Problem 1: a scalar RNN with activation φ(z) = α(σ(z) − ½); the
backward recursion, and the α that keeps the gradient from vanishing or
exploding at the zero state.

The seed has the solution only; the statement is reconstructed from it.
"""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.core.functions import sigmoid
from derive.core.givens import Givens
from derive.core.graph import Graph
from derive.core.steps import Relation, Remark, Solved
from derive.printing import math
from problems import S0

#: the recurrent weight of part (b)
GIVEN = {"w": 1}


def read(given: dict):
    return Givens(given, "given", ("w",)).positive("w")


def statement(given: dict) -> str:
    return ("Reconstructed from the solution: a scalar RNN has state h_t = φ(z_t) with z_t = w h_(t−1) + u x_t and "
            "activation φ(z) = α(σ(z) − ½). (a) Find ∂h_t/∂h_(t−1) and the backward recursion for ∇h_t = ∂L/∂h_t "
            "(the loss L depends on the last state). (b) At the zero state (h = 0, x = 0), for which α does the "
            f"gradient neither vanish nor explode when w = {math.text(read(given))}?")

STEPS = 3          # the unrolled graph of part (a)
HORIZON = 20       # the numeric check of part (b)
#: α off by 2.5 % either way: 3.9 and 4.1 for the seed's α = 4
TRIALS = (sympy.Rational(39, 40), sympy.Rational(41, 40))

alpha, w, u, z = sympy.symbols("alpha w u z", real=True)
NOTATION = {"alpha": ("α", r"\alpha"), "w": ("w", "w"), "u": ("u", "u"), "z": ("z", "z"),
            "phi_z": ("φ(z)", r"\phi(z)"), "dphi_z": ("φ′(z)", r"\phi'(z)"),
            "dh_dhprev": ("∂h_t/∂h_(t−1)", r"\frac{\partial h_t}{\partial h_{t-1}}"),
            "factor": ("∂h_t/∂h_(t−1) at 0", r"\left.\frac{\partial h_t}{\partial h_{t-1}}\right|_{0}"),
            "grad_h_tm1": ("∇h_(t−1)", r"\nabla h_{t-1}"), "grad_h_t": ("∇h_t", r"\nabla h_t"),
            "z_t": ("z_t", "z_t"), "phi_0": ("φ(0)", r"\phi(0)"), "dsigma_0": ("σ′(0)", r"\sigma'(0)")}


def activation(argument, scale=alpha):
    return scale * (sigmoid(argument) - sympy.Rational(1, 2))


def build(solution, given: dict):
    solution.notation.update(dict(NOTATION))
    recursion_part(solution)
    scale_part(solution, read(given))
    return solution


def unrolled(steps, *, alpha_value=None, w_value=None, zero_input=False):
    """h_t = φ(z_t), z_t = w h_(t−1) + u x_t for t = 1…steps, L = ℓ(h_steps)."""
    graph = Graph()
    a = graph.given("alpha", alpha_value, latex=r"\alpha", text="α", symbol=None if alpha_value is not None
                    else alpha)
    weight = graph.given("w", w_value, symbol=None if w_value is not None else w)
    u_ = graph.given("u", 0 if zero_input else None)
    h = graph.given("h_0", 0 if zero_input else None)
    for t in range(1, steps + 1):
        x = graph.given(f"x_{t}", 0 if zero_input else None)
        z_t = graph.define(f"z_{t}", weight * h + u_ * x)
        h = graph.define(f"h_{t}", activation(z_t, a))
    loss = sympy.Function("ell")
    graph.define("L", h if zero_input else loss(h))
    return graph


def recursion_part(solution):
    part = solution.part("a", "∂h_t/∂h_(t−1) and the backward recursion for ∇h_t.")
    phi_z, dphi_z = activation(z), sympy.diff(activation(z), z)
    part.steps.append(Relation((sympy.Symbol("phi_z"), phi_z)))
    part.steps.append(Relation((sympy.Symbol("dphi_z"), dphi_z), reason="σ′ = σ(1 − σ)"))
    h_prev = sympy.Symbol("h_tm1", real=True)
    solution.notation["h_tm1"] = ("h_(t−1)", r"h_{t-1}")
    x_t = sympy.Symbol("x_t", real=True)
    solution.notation["x_t"] = ("x_t", "x_t")
    z_t = sympy.Symbol("z_t", real=True)
    local = sympy.diff(activation(w * h_prev + u * x_t), h_prev).xreplace({w * h_prev + u * x_t: z_t})
    part.steps.append(Relation((sympy.Symbol("dh_dhprev"), local),
                               reason="chain rule through z_t = w h_(t−1) + u x_t"))
    graph = unrolled(STEPS)
    graph.backward("L")
    solution.keep(graph)
    part.steps.append(Remark(f"Reverse mode over the unrolled network (T = {STEPS}) gives, step by step:"))
    for t in range(STEPS, 0, -1):
        part.steps.append(graph.step(graph.adjoint_name(f"z_{t}")))
        part.steps.append(graph.step(graph.adjoint_name(f"h_{t - 1}")))
    # Read the recursion off the graph: ∇h_(t−1) = ∇h_t · (∂h_t/∂z_t) · w.
    t = STEPS
    grad_prev = graph[graph.adjoint_name(f"h_{t - 1}")].formula
    grad_z = graph[graph.adjoint_name(f"z_{t}")].formula
    recursion = grad_prev.xreplace({graph[graph.adjoint_name(f"z_{t}")].symbol: grad_z})
    ratio = sympy.simplify(recursion / graph[graph.adjoint_name(f"h_{t}")].symbol)
    ratio = ratio.xreplace({graph[f"h_{t}"].symbol: activation(graph[f"z_{t}"].symbol)})
    if sympy.simplify(ratio - local.xreplace({z_t: graph[f"z_{t}"].symbol})) != 0:
        raise RuntimeError("rnn-gradient-scale: the graph's recursion differs from the chain rule")
    general = sympy.Symbol("grad_h_t") * local.xreplace({z_t: sympy.Symbol("z_t")})
    part.steps.append(Relation((sympy.Symbol("grad_h_tm1"), general),
                               reason="the factor multiplying ∇h_t at every step"))
    part.steps.append(Remark(
        "The seed writes ∇h_t = ∇h_(t+1) σ′(z_t) w and φ(z) = σ(z) − 0.5: both drop α. With φ = α(σ − ½) "
        "the factor is φ′ = α σ′, so ∇h_t = ∇h_(t+1) · α σ′(z_(t+1)) · w (z_(t+1) is the pre-activation of the "
        "step that consumes h_t; the seed's z_t indexes it by the earlier state). Its part (b) uses α, so "
        "the slip is in (a) only."))
    part.answer("dh_dhprev", local, r"\frac{\partial h_t}{\partial h_{t-1}}")


def scale_part(solution, w_value):
    at = f"w = {math.text(w_value)}"
    part = solution.part("b", f"At the zero state, choose α so that ∇h_t neither vanishes nor explodes ({at}).")
    fixed = activation(sympy.Integer(0))
    part.steps.append(Relation((sympy.Symbol("phi_0"), fixed),
                               reason="φ(0) = α(σ(0) − ½) = 0, so h = 0, x = 0 stays at 0: z_t = 0 at every step"))
    sigma_prime_0 = sympy.diff(sigmoid(z), z).xreplace({z: 0})
    part.steps.append(Relation((sympy.Symbol("dsigma_0"), sigma_prime_0),
                               reason="σ′(0) = σ(0)(1 − σ(0)) = ½ · ½"))
    local = sympy.diff(activation(w * sympy.Symbol("h") + u * sympy.Symbol("x")), sympy.Symbol("h"))
    factor = sympy.simplify(local.xreplace({sympy.Symbol("h"): 0, sympy.Symbol("x"): 0}))
    part.steps.append(Relation((sympy.Symbol("factor"), factor),
                               reason="∂h_t/∂h_(t−1) = α σ′(0) w at the zero state"))
    part.steps.append(Remark("After k steps back, ∇h_(t−k) = (α w / 4)^k ∇h_t: it vanishes when |α w/4| < 1 "
                             "and explodes when |α w/4| > 1, so the gradient is preserved exactly when the "
                             "factor is 1 (−1 would preserve its size but flip its sign every step)."))
    equation = sympy.Eq(factor, 1)
    general = sympy.solve(equation, alpha)
    part.steps.append(Solved(equation, alpha, tuple(general)))
    at_w = sympy.solve(equation.xreplace({w: w_value}), alpha)
    part.steps.append(Solved(equation.xreplace({w: w_value}), alpha, tuple(at_w), reason=at))
    if len(at_w) != 1:
        raise RuntimeError(f"rnn-gradient-scale: expected one α for {at}")
    chosen = at_w[0]
    part.steps.append(Remark("The seed's remark that α = 0 gives h_t = 0 for all t is right, and then the "
                             "factor is 0: the gradient vanishes at once."))
    check_horizon(part, solution, chosen, w_value)
    part.steps.append(zero_state_figure(chosen, w_value))
    part.answer("alpha_general", general[0], r"\alpha(w)")
    part.answer("alpha", chosen, r"\alpha")


def zero_state_figure(chosen, w_value):
    """The first STEPS steps of the zero-state network with the chosen α and w: the
    horizon's graph is too long to draw box by box, and every step repeats these."""
    graph = unrolled(STEPS, alpha_value=chosen, w_value=w_value, zero_input=True)
    graph.evaluate()
    graph.backward("L")
    graph.evaluate()
    return graph.figure(f"{STEPS} steps at the zero state with α = {math.text(chosen)}, w = {math.text(w_value)} "
                        "and L the last state: "
                        "the gradient keeps its size from step to step")


def check_horizon(part, solution, chosen, w_value):
    """Run reverse mode over HORIZON zero-input steps: ∂h_T/∂h_0 = (αw/4)^T."""
    for value in (chosen,) + tuple(chosen * trial for trial in TRIALS):
        graph = unrolled(HORIZON, alpha_value=value, w_value=w_value, zero_input=True)
        graph.evaluate()
        graph.backward("L")
        graph.evaluate()
        gradient = graph.value(graph.adjoint_name("h_0"))
        name = f"dh_T_dh_0_{str(value).replace('/', '_')}"
        solution.notation[name] = (f"∂h_{HORIZON}/∂h_0 (α = {float(value):g})",
                                   rf"\left.\frac{{\partial h_{{{HORIZON}}}}}{{\partial h_0}}\right|_{{\alpha = {float(value):g}}}")
        expected = (value * w_value / 4) ** HORIZON
        part.steps.append(Relation((sympy.Symbol(name), sympy.Float(gradient, 15), sympy.Float(expected, 15)),
                                   ("=", "=" if abs(gradient - expected) < 1e-20 else "≠"),
                                   reason=f"reverse mode through {HORIZON} steps at the zero state, against "
                                          + (f"(α/4)^{HORIZON}" if w_value == 1 else f"(αw/4)^{HORIZON}")))
        if value == chosen:
            part.answer("gradient_after_horizon", gradient, rf"\frac{{\partial h_{{{HORIZON}}}}}{{\partial h_0}}")


def random_given(rng) -> dict:
    """A recurrent weight for which α = 4/w comes out a short decimal."""
    return {"w": rng.choice([0.25, 0.4, 0.5, 0.8, 1.25, 1.6, 2, 2.5, 4, 5])}


PROBLEM = Problem(
    name="rnn-gradient-scale", title="Scaling a scalar RNN so its gradient neither vanishes nor explodes",
    source=f"{S0}, Problem 1",
    build=build, given=GIVEN, statement=statement, random_given=random_given)
