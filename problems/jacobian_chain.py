"""001 §3: the Jacobian of f = f₂ ∘ f₁ at (1, 2), by the chain rule."""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.analysis.calculus import jacobian
from derive.core.graph import Graph
from derive.core.steps import Relation, Remark
from problems import S1

x1, x2 = sympy.symbols("x_1 x_2", real=True)
y1, y2, y3 = sympy.symbols("y_1 y_2 y_3", real=True)
F1 = sympy.ImmutableMatrix([sympy.sin(sympy.pi * x2) / sympy.pi, sympy.exp(x1 - 1) * x2**2, x1 * x2])
F2 = sympy.ImmutableMatrix([y1 + y2 + y3, y1**2 + y2**2 + y3**2])
POINT = (1, 2)

STATEMENT = ("f₁(x₁, x₂) = (sin(πx₂)/π, e^(x₁−1) x₂², x₁x₂) and f₂(y₁, y₂, y₃) = (y₁ + y₂ + y₃, "
             "y₁² + y₂² + y₃²); f = f₂ ∘ f₁. Find ∂f/∂x at (1, 2). (f₂'s arguments are written y here, "
             "to keep them apart from f₁'s.)")


def build(solution, given=None):
    J1, step1 = jacobian(F1, (x1, x2))
    J2, step2 = jacobian(F2, (y1, y2, y3))

    graph = Graph()
    x = graph.given("x", sympy.ImmutableMatrix(POINT), latex="x")
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

    part = solution.part("b", "Evaluate them at x = (1, 2) and at f₁(1, 2), and combine by the chain rule.")
    part.steps += graph.steps(["f1_x", "J_f1_x", "J_f2_u", "J_f"])
    part.steps.append(graph.figure("the chain rule as a graph: each Jacobian evaluated where it applies"))
    direct = sympy.ImmutableMatrix(F2.xreplace(dict(zip((y1, y2, y3), F1)))).jacobian([x1, x2])
    direct_at = sympy.ImmutableMatrix(sympy.simplify(direct.xreplace(dict(zip((x1, x2), POINT)))))
    agrees = direct_at == graph.value("J_f")
    part.steps.append(Relation((sympy.Symbol("J_f_direct"), direct_at, graph.value("J_f")),
                               ("=", "=" if agrees else "≠"),
                               reason="the Jacobian of the composed expression f₂(f₁(x)), evaluated at (1, 2)"))
    if not agrees:
        part.steps.append(Remark("The chain rule and the direct Jacobian disagree: the engine has a bug."))
    solution.notation["J_f_direct"] = ("∂(f₂∘f₁)/∂x at (1, 2)", r"\left.\frac{\partial (f_2 \circ f_1)}{\partial x}\right|_{(1,2)}")
    part.answer("f1_x", graph.value("f1_x"), r"f_{1}(1, 2)")
    part.answer("J_f1_x", graph.value("J_f1_x"), r"J_{f_{1}}(1, 2)")
    part.answer("J_f2_u", graph.value("J_f2_u"), r"J_{f_{2}}(f_{1}(1, 2))")
    part.answer("J_f", graph.value("J_f"), r"J_{f}(1, 2)")
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


PROBLEM = Problem(
    names=student_names,
    name="jacobian-chain", title="Jacobian of a composition by the chain rule",
    source=f"{S1}, §3",
    build=build, statement=STATEMENT)
