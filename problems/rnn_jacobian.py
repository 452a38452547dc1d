"""001 §14.1: the Jacobian of an RNN's state transition and its role in stability.

    h_t = φ(z_t),  z_t = W_h h_{t−1} + W_x x_t + b   ⇒   J_t = ∂h_t/∂h_{t−1} = diag(φ′(z_t)) W_h

Derived by the chain rule on a symbolic instance (hidden and input size 2,
φ any element-wise activation) and cross-checked against the Jacobian of the
composed expression; then evaluated with numbers and φ = tanh, with the
spectral radius and norm that decide whether perturbations grow or decay.
"""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.analysis.calculus import jacobian
from derive.core.graph import Graph
from derive.nn.recurrent import phi, phi_prime, spectral_norm, spectral_radius, step_jacobian, transition
from derive.core.givens import Givens
from derive.core.numbers import InputError
from derive.core.steps import Relation, Remark, Solved
from problems import S1, draw

STATEMENT = ("Derive the Jacobian matrix J_t = ∂h_t/∂h_(t−1) of the hidden-state transition "
             "h_t = φ(W_h h_(t−1) + W_x x_t + b) of an RNN, and discuss its role in the network's stability.")

CONVENTION = ("Jacobians in numerator layout: J[i, j] = ∂h_t,i/∂h_(t−1),j (row i belongs to entry i of h_t), "
              "so a perturbation maps as δh_t = J_t δh_(t−1) and a gradient flows back as J_tᵀ ∂L/∂h_t.")

#: the numeric instance of part (b), φ = tanh
GIVEN = {
    "W_h": [[0.8, -0.5], [0.4, 0.9]],
    "W_x": [[1, 0], [0, 1]],
    "b": [0.1, -0.1],
    "h_prev": [0.5, -0.2],
    "x": [0.3, 0.1],
}
#: the largest hidden or input size of part (b): its eigenvalues are roots of a polynomial of that degree
LARGEST = 4


def read(given: dict) -> dict:
    """The instance of part (b) as exact matrices, with their shapes checked."""
    g = Givens(given, "given", tuple(GIVEN))
    W_h = g.matrix("W_h")
    hidden = W_h.shape[0]
    if W_h.shape != (hidden, hidden) or hidden > LARGEST:
        raise InputError(f"given.W_h: expected a square matrix of at most {LARGEST} rows, got "
                         f"{W_h.shape[0]}×{W_h.shape[1]}")
    x = g.vector("x")
    if x.shape[0] > LARGEST:
        raise InputError(f"given.x: at most {LARGEST} entries, got {x.shape[0]}")
    return {"W_h": W_h, "W_x": g.matrix("W_x", (hidden, x.shape[0])), "b": g.vector("b", hidden),
            "h_prev": g.vector("h_prev", hidden), "x": x}
#: part (c): at the fixed point h = 0 (x = 0, b = 0) J_t = W_h; a rotation
#: scaled by 0.9 and by 1.1 makes the spectral radius exactly that scale
FIXED_POINT_SCALES = (sympy.Rational(9, 10), sympy.Rational(11, 10))
ROTATION = sympy.ImmutableMatrix([[sympy.Rational(4, 5), -sympy.Rational(3, 5)],
                                  [sympy.Rational(3, 5), sympy.Rational(4, 5)]])
HORIZON = 20
#: part (d): W_h and two pre-activations where one unit saturates in turn
SWAP = sympy.ImmutableMatrix([[0, 2], [2, 0]])
SATURATING = (sympy.ImmutableMatrix([0, 3]), sympy.ImmutableMatrix([3, 0]))


def build(solution, given: dict):
    symbolic_part(solution)
    numeric_part(solution, read(given))
    horizon_part(solution)
    caveat_part(solution)
    return solution


def symbolic_part(solution):
    graph = Graph()
    W_h, W_x = graph.given("W_h", shape=(2, 2)), graph.given("W_x", shape=(2, 2))
    b = graph.given("b", shape=(2, 1))
    h_prev = graph.given("h_tm1", shape=(2, 1), latex=r"h_{t-1}", text="h_(t−1)")
    x = graph.given("x_t", shape=(2, 1))
    z = graph.define("z_t", W_h * h_prev + W_x * x + b)
    graph.define("h_t", z.applyfunc(phi))
    solution.keep(graph)
    part = solution.part("a", "J_t = ∂h_t/∂h_(t−1) on a symbolic instance (hidden and input size 2, φ any "
                              "element-wise activation), by the chain rule through z_t.")
    part.steps.append(Relation((graph["h_t"].symbol, graph["h_t"].formula), reason="the transition"))
    z_entries = list(sympy.ImmutableMatrix(z))
    h_entries = list(sympy.ImmutableMatrix(h_prev))
    h_of_z = sympy.ImmutableMatrix([phi(v) for v in z_entries])
    outer, outer_step = jacobian(h_of_z, z_entries)
    z_of_h = sympy.ImmutableMatrix(W_h.as_explicit() * h_prev.as_explicit() + W_x.as_explicit() * x.as_explicit()
                                   + b.as_explicit())
    inner, inner_step = jacobian(z_of_h, h_entries)
    part.steps += [Remark("∂h_t/∂z_t: h_t,i depends on z_t,i alone (φ acts element by element), so the "
                          "matrix is diagonal."), outer_step,
                   Remark("∂z_t/∂h_(t−1): z_t is linear in h_(t−1) with matrix W_h."), inner_step]
    if inner != sympy.ImmutableMatrix(W_h.as_explicit()):
        raise RuntimeError("rnn-jacobian: ∂z_t/∂h_(t−1) is not W_h")
    product = sympy.ImmutableMatrix(outer * inner)
    J = sympy.Symbol("J_t")
    solution.notation["J_t"] = ("J_t", "J_{t}")
    part.steps.append(Relation((J, sympy.MatMul(outer, W_h), product),
                               reason="chain rule: J_t = (∂h_t/∂z_t)(∂z_t/∂h_(t−1)) = diag(φ′(z_t)) W_h"))
    composed = sympy.ImmutableMatrix([phi(v) for v in z_of_h])
    direct = composed.jacobian(h_entries).xreplace(dict(zip(z_of_h, z_entries)))
    agrees = sympy.simplify(direct - product) == sympy.zeros(2, 2)
    solution.notation["J_direct"] = ("∂φ(W_h h_(t−1) + W_x x_t + b)/∂h_(t−1)",
                                     r"\frac{\partial \phi(W_h h_{t-1} + W_x x_t + b)}{\partial h_{t-1}}")
    part.steps.append(Relation((sympy.Symbol("J_direct"), direct, product), ("=", "=" if agrees else "≠"),
                               reason="differentiating the composed expression entry by entry, with z_t "
                                      "written back"))
    if not agrees:
        raise RuntimeError("rnn-jacobian: the chain rule and the direct Jacobian disagree")
    part.steps.append(Remark("For any sizes, entry (i, j) is φ′(z_t,i)·[W_h]_ij: row i of W_h scaled by "
                             "φ′(z_t,i), that is J_t = diag(φ′(W_h h_(t−1) + W_x x_t + b)) W_h. The seed's "
                             "first form φ′(·) W_h means the same once φ′(·) is read as that diagonal matrix "
                             "(as a column vector times W_h it would not even have a defined product)."))
    part.answer("J_t", product, "J_t")


def numeric_part(solution, values):
    graph = Graph()
    W_h = graph.given("W_h_num", values["W_h"], latex="W_h", text="W_h")
    W_x = graph.given("W_x_num", values["W_x"], latex="W_x", text="W_x")
    b = graph.given("b_num", values["b"], latex="b", text="b")
    h_prev = graph.given("h_prev_num", values["h_prev"], latex=r"h_{t-1}", text="h_(t−1)")
    x = graph.given("x_num", values["x"], latex="x_t", text="x_t")
    z = graph.define("z_num", W_h * h_prev + W_x * x + b, latex="z_t", text="z_t")
    h = graph.define("h_num", z.applyfunc(sympy.tanh), latex="h_t", text="h_t")
    derivative = sympy.ImmutableMatrix([1 - v**2 for v in sympy.ImmutableMatrix(h)])
    graph.define("J_num", sympy.ImmutableMatrix(sympy.diag(*derivative)) * W_h, latex="J_t", text="J_t")
    graph.evaluate()
    solution.keep(graph)
    part = solution.part("b", "With numbers, φ = tanh (φ′ = 1 − tanh²): J_t, its eigenvalues and spectral "
                              "radius.")
    part.steps += graph.steps(["z_num", "h_num", "J_num"])
    J = graph.value("J_num")
    direct = step_jacobian("tanh", values["W_h"], values["W_x"], values["b"], values["h_prev"], values["x"])
    direct = sympy.ImmutableMatrix(direct.evalf(30))
    agrees = all(abs(u - v) < 1e-20 for u, v in zip(direct, J))
    solution.notation["J_num_direct"] = ("∂tanh(W_h h_(t−1) + W_x x_t + b)/∂h_(t−1)",
                                         r"\frac{\partial \tanh(W_h h_{t-1} + W_x x_t + b)}{\partial h_{t-1}}")
    part.steps.append(Relation((sympy.Symbol("J_num_direct"), direct, J), ("=", "=" if agrees else "≠"),
                               reason="differentiating tanh of the pre-activation directly"))
    lam = sympy.Symbol("lambda")
    solution.notation["lambda"] = ("λ", r"\lambda")
    roots = eigen_step(part, J, lam)
    rho, norm_J, norm_W = spectral_radius(J), spectral_norm(J), spectral_norm(values["W_h"])
    rho_symbol = sympy.Symbol("rho_J_t")
    solution.notation["rho_J_t"] = ("ρ(J_t)", r"\rho(J_t)")
    solution.notation["norm_J_t"] = ("‖J_t‖₂", r"\lVert J_t \rVert_2")
    solution.notation["norm_W_h"] = ("‖W_h‖₂", r"\lVert W_h \rVert_2")
    moduli = [sympy.Float(abs(complex(r)), 30) for r in roots]
    part.steps.append(Relation((rho_symbol, sympy.Max(*moduli, evaluate=False), rho),
                               reason="spectral radius: the largest modulus |λ| of the eigenvalues"))
    part.steps.append(Relation((rho_symbol, sympy.Symbol("norm_J_t"), sympy.Symbol("norm_W_h")),
                               ("≤", "≤"),
                               reason=f"ρ ≤ ‖·‖₂ and |tanh′| ≤ 1: {fmt(rho)} ≤ {fmt(norm_J)} ≤ {fmt(norm_W)}"))
    if not (rho <= norm_J + 1e-25 and norm_J <= norm_W + 1e-25):
        raise RuntimeError("rnn-jacobian: the norm bounds fail, which cannot be")
    part.steps.append(Remark(
        f"Here ρ(J_t) = {fmt(rho)} {'<' if rho < 1 else '≥'} 1: a small change of h_(t−1) along the leading "
        f"eigenvector is {'damped' if rho < 1 else 'amplified'} by this step; backwards, the gradient "
        f"J_tᵀ ∂L/∂h_t is scaled the same way (J_tᵀ has the same eigenvalues)."))
    part.answer("J_t_value", J, "J_t")
    part.answer("rho_J_t", rho, r"\rho(J_t)")
    part.answer("norm_W_h", norm_W, r"\lVert W_h \rVert_2")
    part.steps.append(graph.figure("one step of the RNN on the numbers (forward only), and its Jacobian Jₜ, "
                                   "computed from hₜ and the recurrent weights"))


def eigen_step(part, J, lam):
    polynomial = sympy.expand((lam * sympy.eye(J.shape[0]) - J).det())
    roots = [sympy.nsimplify(r) if r.is_real is False else r for r in
             sympy.Poly(polynomial, lam).nroots(n=30, maxsteps=500)]
    part.steps.append(Solved(sympy.Eq(polynomial.evalf(15), 0), lam, tuple(r.evalf(15) for r in roots),
                             reason="det(λI − J_t) = 0"))
    return roots


def horizon_part(solution):
    part = solution.part("c", f"Over many steps: at the fixed point h = 0 (x_t = 0, b = 0, tanh′(0) = 1) "
                              f"every J_t equals W_h, so a perturbation after k steps is W_h^k δh_0.")
    for index, scale in enumerate(FIXED_POINT_SCALES):
        W = sympy.ImmutableMatrix(scale * ROTATION)
        name = f"W_{'ab'[index]}"
        solution.notation[name] = (name, f"W_{{{'ab'[index]}}}")
        rho = spectral_radius(W)
        power = spectral_norm(W**HORIZON)
        power_symbol = sympy.Symbol(f"norm_{name}_power")
        solution.notation[f"norm_{name}_power"] = (f"‖{name}^{HORIZON}‖₂",
                                                   rf"\lVert W_{{{'ab'[index]}}}^{{{HORIZON}}} \rVert_2")
        part.steps.append(Relation((sympy.Symbol(name), W), reason=f"{fmt(scale)} times a rotation"))
        part.steps.append(Relation((power_symbol, power), reason=f"ρ({name}) = {fmt(rho)}; "
                                                                 f"{fmt(rho)}^{HORIZON} = {fmt(rho**HORIZON)}"))
        part.answer(f"norm_{name}_power", power, rf"\lVert W_{{{'ab'[index]}}}^{{{HORIZON}}} \rVert_2")
    part.steps.append(Remark("With ρ(W_h) < 1 perturbations (and gradients through time) shrink geometrically "
                             "and vanish; with ρ(W_h) > 1 they grow geometrically near the fixed point and "
                             "explode, until tanh saturates (φ′ → 0) and damps them again."))


def caveat_part(solution):
    part = solution.part("d", "A caution on the seed's criterion: the eigenvalues of each J_t being below 1 in "
                              "modulus do not make a product of different J_t's small.")
    jacobians = []
    for t, z in enumerate(SATURATING, start=1):
        D = sympy.ImmutableMatrix(sympy.diag(*[1 - sympy.tanh(v)**2 for v in z]))
        J = sympy.ImmutableMatrix((D * SWAP).evalf(30))
        name = f"J_{t}"
        solution.notation[name] = (name, f"J_{{{t}}}")
        part.steps.append(Relation((sympy.Symbol(name), sympy.MatMul(D, SWAP), J),
                                   reason=f"W_h swaps the two units; z_{t} = ({', '.join(map(str, z))}) "
                                          f"saturates unit {2 if t == 1 else 1}"))
        jacobians.append(J)
    rhos = [spectral_radius(J) for J in jacobians]
    product = sympy.ImmutableMatrix(jacobians[1] * jacobians[0])
    rho_product = spectral_radius(product)
    solution.notation["rho_J_2J_1"] = ("ρ(J_2 J_1)", r"\rho(J_2 J_1)")
    solution.notation["rho_J_1"] = ("ρ(J_1)", r"\rho(J_1)")
    solution.notation["rho_J_2"] = ("ρ(J_2)", r"\rho(J_2)")
    part.steps.append(Relation((sympy.Symbol("rho_J_1"), rhos[0], sympy.Integer(1)), ("=", "<" if rhos[0] < 1 else "≥")))
    part.steps.append(Relation((sympy.Symbol("rho_J_2"), rhos[1], sympy.Integer(1)), ("=", "<" if rhos[1] < 1 else "≥")))
    part.steps.append(Relation((sympy.Symbol("rho_J_2J_1"), rho_product, sympy.Integer(1)),
                               ("=", ">" if rho_product > 1 else "≤"), reason="the two steps together"))
    if not (max(rhos) < 1 < rho_product):
        raise RuntimeError("rnn-jacobian: the constructed counterexample does not separate the criteria")
    part.steps.append(Remark(
        "Each step alone has eigenvalues below 1, yet two steps together amplify a perturbation by "
        f"{fmt(rho_product)}. What bounds growth over time is the norm: ‖J_k ⋯ J_(t+1)‖ ≤ Π ‖J_j‖₂, and here "
        f"‖J_1‖₂ = {fmt(spectral_norm(jacobians[0]))} > 1. So: ‖J_j‖₂ ≤ γ < 1 for all j makes gradients vanish "
        "(like γ^(k−t)); large norms make explosion possible; the eigenvalues of a single J_t describe one "
        "step (or a fixed point, where every J_t is the same matrix), as in part (c)."))
    part.answer("rho_J_1", rhos[0], r"\rho(J_1)")
    part.answer("rho_J_2", rhos[1], r"\rho(J_2)")
    part.answer("rho_J_2J_1", rho_product, r"\rho(J_2 J_1)")


def fmt(value) -> str:
    from derive.core.numbers import format_decimal
    return format_decimal(float(value), 6)


#: no pre-activation of a variant beyond this: tanh′ stays above 0.07
LIMIT = 2


def random_given(rng) -> dict:
    """One-decimal weights, state and input, drawn until no unit saturates."""
    def given(rng):
        return {"W_h": draw.matrix(rng, 2, 2, -1.2, 1.2, nonzero=True), "W_x": draw.matrix(rng, 2, 2, -1, 1),
                "b": draw.decimals(rng, 2, -0.5, 0.5), "h_prev": draw.decimals(rng, 2, -1, 1, nonzero=True),
                "x": draw.decimals(rng, 2, -1, 1)}

    def unsaturated(g):
        z = [sum(w * h for w, h in zip(g["W_h"][i], g["h_prev"])) + sum(w * v for w, v in zip(g["W_x"][i], g["x"]))
             + g["b"][i] for i in range(2)]
        return all(abs(v) <= LIMIT for v in z)
    return draw.until(rng, given, unsaturated, "rnn-jacobian")


PROBLEM = Problem(
    name="rnn-jacobian", title="The Jacobian of an RNN step",
    source=f"{S1}, §14.1",
    build=build, given=GIVEN, statement=STATEMENT, random_given=random_given, convention=CONVENTION)
