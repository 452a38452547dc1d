"""001 §3: the Jacobian of f = f₂ ∘ f₁ at (1, 2), by the chain rule.

The givens are the point, the shift a of f₁'s exponential e^(x₁−a) x₂² and
the weights c of f₂'s first output c₁y₁ + c₂y₂ + c₃y₃; the seed has the
point (1, 2), a = 1 and c = (1, 1, 1). A variant puts a at the point's x₁
and x₂ at a whole number, so that e^0 = 1, sin(πx₂) = 0 and cos(πx₂) = ±1
keep the numbers those of a hand computation.
"""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.analysis.calculus import jacobian
from derive.core.givens import Givens
from derive.core.graph import Graph
from derive.core.steps import Relation, Remark
from derive.printing import math
from problems import S1

x1, x2 = sympy.symbols("x_1 x_2", real=True)
y1, y2, y3 = sympy.symbols("y_1 y_2 y_3", real=True)
GIVEN = {"point": [1, 2], "shift": 1, "weights": [1, 1, 1]}


def read(given: dict):
    g = Givens(given, "given", ("point", "shift", "weights"))
    point = g.vector("point", 2)
    shift = g.number("shift")
    weights = g.vector("weights", 3)
    F1 = sympy.ImmutableMatrix([sympy.sin(sympy.pi * x2) / sympy.pi, sympy.exp(x1 - shift) * x2**2, x1 * x2])
    F2 = sympy.ImmutableMatrix([weights[0] * y1 + weights[1] * y2 + weights[2] * y3, y1**2 + y2**2 + y3**2])
    return (point[0], point[1]), F1, F2


#: the seed's own point and functions, the names its hand solution is checked with
POINT, F1, F2 = read(GIVEN)


def statement(given: dict) -> str:
    point, _, _ = read(given)
    g = Givens(given)
    shift, weights = g.number("shift"), g.vector("weights", 3)
    exponent = "x₁" if shift == 0 else f"x₁{'−' if shift > 0 else '+'}{math.text(abs(shift))}"
    linear = combination(weights, ("y₁", "y₂", "y₃"))
    return (f"f₁(x₁, x₂) = (sin(πx₂)/π, e^({exponent}) x₂², x₁x₂) and f₂(y₁, y₂, y₃) = ({linear}, "
            f"y₁² + y₂² + y₃²); f = f₂ ∘ f₁. Find ∂f/∂x at {at(point)}. (f₂'s arguments are "
            "written y here, to keep them apart from f₁'s.)")


def combination(weights, names) -> str:
    """c₁y₁ + c₂y₂ + … as a person writes it: no 1·, − for a negative weight."""
    text = ""
    for weight, name in zip(weights, names):
        if weight == 0:
            continue
        size = "" if abs(weight) == 1 else math.text(abs(weight))
        sign = ("−" if weight < 0 else "") if not text else (" − " if weight < 0 else " + ")
        text += f"{sign}{size}{name}"
    return text or "0"


def at(point) -> str:
    return f"({math.text(point[0])}, {math.text(point[1])})"


def build(solution, given: dict):
    point, F1, F2 = read(given)
    J1, step1 = jacobian(F1, (x1, x2))
    J2, step2 = jacobian(F2, (y1, y2, y3))

    graph = Graph()
    x = graph.given("x", sympy.ImmutableMatrix(point), latex="x")
    at_x = {x1: x[0, 0], x2: x[1, 0]}
    u = graph.define("f1_x", F1.xreplace(at_x), latex=r"f_{1}(x)", text="f₁(x)")
    graph.define("J_f1_x", J1.xreplace(at_x), latex=r"J_{f_{1}}(x)", text="J_f₁(x)")
    at_u = {y1: u[0, 0], y2: u[1, 0], y3: u[2, 0]}
    graph.define("J_f2_u", J2.xreplace(at_u), latex=r"J_{f_{2}}(f_{1}(x))", text="J_f₂(f₁(x))")
    graph.define("J_f", graph["J_f2_u"].symbol * graph["J_f1_x"].symbol, latex=r"J_{f}(x)", text="J_f(x)")
    graph.evaluate()

    solution.keep(graph)
    part = solution.part("a", "The Jacobians of f₁ and f₂, symbolically.")
    part.steps += [step1, step2]
    part.answer("J_f1", J1, r"J_{f_{1}}")
    part.answer("J_f2", J2, r"J_{f_{2}}")

    part = solution.part("b", f"Evaluate them at x = {at(point)} and at f₁{at(point)}, and combine by the chain rule.")
    part.steps += graph.steps(["f1_x", "J_f1_x", "J_f2_u", "J_f"])
    part.steps.append(graph.figure("the chain rule as a graph: each Jacobian evaluated where it applies"))
    direct = sympy.ImmutableMatrix(F2.xreplace(dict(zip((y1, y2, y3), F1)))).jacobian([x1, x2])
    direct_at = sympy.ImmutableMatrix(sympy.simplify(direct.xreplace(dict(zip((x1, x2), point)))))
    agrees = direct_at == graph.value("J_f")
    part.steps.append(Relation((sympy.Symbol("J_f_direct"), direct_at, graph.value("J_f")),
                               ("=", "=" if agrees else "≠"),
                               reason=f"the Jacobian of the composed expression f₂(f₁(x)), evaluated at {at(point)}"))
    if not agrees:
        part.steps.append(Remark("The chain rule and the direct Jacobian disagree: the engine has a bug."))
    where = ",".join(math.latex(v) for v in point)
    solution.notation["J_f_direct"] = (f"∂(f₂∘f₁)/∂x at {at(point)}",
                                       rf"\left.\frac{{\partial (f_2 \circ f_1)}}{{\partial x}}\right|_{{({where})}}")
    where = where.replace(",", ", ")
    part.answer("f1_x", graph.value("f1_x"), rf"f_{{1}}({where})")
    part.answer("J_f1_x", graph.value("J_f1_x"), rf"J_{{f_{{1}}}}({where})")
    part.answer("J_f2_u", graph.value("J_f2_u"), rf"J_{{f_{{2}}}}(f_{{1}}({where}))")
    part.answer("J_f", graph.value("J_f"), rf"J_{{f}}({where})")
    return solution



def _jacobian_functions():
    x1, x2, x3 = (sympy.Symbol(f"x_{i}", real=True) for i in (1, 2, 3))
    y_to_x = dict(zip((y1, y2, y3), (x1, x2, x3)))
    j1 = F1.jacobian([x1, x2])
    j2 = F2.jacobian([y1, y2, y3]).xreplace(y_to_x)
    return {
        "f_1": ("function", lambda: ((x1, x2), F1)),
        "f_2": ("function", lambda: ((x1, x2, x3), F2.xreplace(y_to_x))),
        "J_{f_1}": ("function", lambda: ((x1, x2), j1)),
        "J_{f_2}": ("function", lambda: ((x1, x2, x3), j2)),
    }


def student_names() -> dict:
    """How hand solutions name this problem's quantities (for `derive check`)."""
    return {
        "J_f": "J_f",
        r"J_{f_1}(\begin{bmatrix} 1 \\ 2 \end{bmatrix})": "J_f1_x",
        r"J_{f_2}(\begin{bmatrix} 0 \\ 4 \\ 2 \end{bmatrix})": "J_f2_u",
        r"f_1(\begin{bmatrix} 1 \\ 2 \end{bmatrix})": "f1_x",
        r"\frac{\partial f}{\partial x}(\begin{bmatrix} 1 \\ 2 \end{bmatrix})": "J_f",
        "FUNCTIONS": _jacobian_functions,
    }


def random_given(rng) -> dict:
    a = rng.randint(-2, 2)
    return {"point": [a, rng.choice([-2, -1, 1, 2, 3])], "shift": a,
            "weights": [rng.choice([-2, -1, 1, 2, 3]) for _ in range(3)]}


PROBLEM = Problem(
    names=student_names,
    name="jacobian-chain", title="Jacobian of a composition by the chain rule",
    source=f"{S1}, §3",
    build=build, given=GIVEN, statement=statement, random_given=random_given)
