"""001 §5: backpropagation through a convolutional layer, O = X ⋆ F:

    ∂L/∂F = X ⋆ ∂L/∂O,     ∂L/∂X = full convolution of ∂L/∂O with F
                                  = (∂L/∂O padded with k − 1 zeros) ⋆ rot180(F).

(a) on index sums, with SymPy differentiating the sum entry by entry;
(b) on a symbolic instance (4×4 X, 2×2 F, an arbitrary upstream gradient G),
where the graph's reverse mode is compared, entry by entry, with direct
differentiation of L = Σ G ⊙ O.
"""
from __future__ import annotations

import dataclasses

import sympy
from sympy import IndexedBase, MatMul, OneMatrix, Piecewise, Sum

from derive.catalog import Problem
from derive.nn.convolution import Correlation
from derive.core.graph import Graph
from derive.core.matrices import explicit
from derive.core.steps import Relation, Remark
from problems import S1

STATEMENT = (
    "Let X be a 2-D input, F a 2-D filter (both of any size) and O = X ⋆ F their valid cross-correlation "
    "(what the course calls convolution), O_ij = Σ_m Σ_n X_(i+m, j+n) F_mn. For a loss L of O prove that "
    "∂L/∂F = X ⋆ ∂L/∂O and ∂L/∂X = F ⊗ ∂L/∂O, where ⊗ is the full convolution (the correlation of ∂L/∂O, "
    "padded with zeros, with F rotated by 180°).")

i, j, m, n, p, q, r, c = sympy.symbols("i j m n p q r c", integer=True)
k, N = sympy.symbols("k N", integer=True, positive=True)
X, F, G, Ghat = IndexedBase("X"), IndexedBase("F"), IndexedBase("G"), IndexedBase("Ghat")

NOTATION = {
    "G": ("∂L/∂O", r"\frac{\partial L}{\partial O}"),
    "dL_dF_mn": ("∂L/∂F_mn", r"\frac{\partial L}{\partial F_{mn}}"),
    "dL_dX_rc": ("∂L/∂X_rc", r"\frac{\partial L}{\partial X_{rc}}"),
    "XcorrG_mn": ("(X ⋆ G)_mn", r"\left(X \star G\right)_{mn}"),
    "GhatcorrFrot_rc": ("(Ĝ ⋆ rot180(F))_rc", r"\left(\hat{G} \star \operatorname{rot}_{180}(F)\right)_{rc}"),
    "Ghat": ("Ĝ", r"\hat{G}"),
    "full_G_F": ("full(G, F)", r"\operatorname{full}(G, F)"),
    "GhatcorrFrot": ("Ĝ ⋆ rot180(F)", r"\hat{G} \star \operatorname{rot}_{180}(F)"),
}
OUT = (0, N - k)  # the output indices i, j of an N×N input


def _nonzero_branch(expr):
    """The value of a nested Piecewise where its conditions hold (the index
    ranges of the filter); its conditions, for the reason of the step."""
    conditions = []
    while isinstance(expr, Piecewise):
        (value, condition), *_ = expr.args
        conditions.append(condition)
        expr = value
    return expr, conditions


def index_sums(part):
    output = Sum(X[i + p, j + q] * F[p, q], (p, 0, k - 1), (q, 0, k - 1))
    O = IndexedBase("O")
    part.steps.append(Relation((O[i, j], output), reason="definition of the valid cross-correlation"))

    by_filter = sympy.diff(output, F[m, n])
    local_F, _ = _nonzero_branch(by_filter.doit())
    part.steps.append(Relation((sympy.Derivative(O[i, j], F[m, n]), by_filter, local_F),
                               reason="only the term p = m, q = n depends on F_mn (0 ≤ m, n < k)"))
    part.steps.append(Relation(
        (sympy.Symbol("dL_dF_mn"), Sum(G[i, j] * sympy.Derivative(O[i, j], F[m, n]), (i, *OUT), (j, *OUT)),
         Sum(G[i, j] * local_F, (i, *OUT), (j, *OUT)), sympy.Symbol("XcorrG_mn")),
        reason="chain rule over every O_ij; G = ∂L/∂O; the last sum is X correlated with G"))

    by_input = sympy.diff(output, X[r, c])
    local_X, _ = _nonzero_branch(by_input.doit())
    part.steps.append(Relation((sympy.Derivative(O[i, j], X[r, c]), by_input, local_X),
                               reason="only p = r − i, q = c − j remains, when 0 ≤ r − i, c − j < k"))
    part.steps.append(Relation(
        (sympy.Symbol("dL_dX_rc"), Sum(G[i, j] * local_X, (i, *OUT), (j, *OUT)),
         Sum(Ghat[r + p, c + q] * F[k - 1 - p, k - 1 - q], (p, 0, k - 1), (q, 0, k - 1)),
         sympy.Symbol("GhatcorrFrot_rc")),
        reason="substitute p = k − 1 − (r − i), q = k − 1 − (c − j); Ĝ is G padded with k − 1 zeros, "
               "so the sum is the full convolution of G with F"))
    part.answer("dO_dF", local_F, r"\partial O_{ij} / \partial F_{mn}")
    part.answer("dO_dX", local_X, r"\partial O_{ij} / \partial X_{rc}")


def symbolic_instance(rows=4, size=2):
    """The graph of O = X ⋆ F and L = Σ G ⊙ O with symbols for every entry."""
    out = rows - size + 1
    graph = Graph()
    X_s = graph.given("X", sympy.ImmutableMatrix(rows, rows, lambda a, b: sympy.Symbol(f"x_{a + 1}{b + 1}")))
    F_s = graph.given("F", sympy.ImmutableMatrix(size, size, lambda a, b: sympy.Symbol(f"f_{a + 1}{b + 1}")))
    G_s = graph.given("G", sympy.ImmutableMatrix(out, out, lambda a, b: sympy.Symbol(f"g_{a + 1}{b + 1}")),
                      latex="G", text="G")
    O = graph.define("O", Correlation(X_s, F_s))
    # L = Σ_ij G_ij O_ij, so that ∂L/∂O = G is an arbitrary upstream gradient.
    graph.define("L", MatMul(OneMatrix(1, out), sympy.HadamardProduct(G_s, O), OneMatrix(out, 1)))
    graph.evaluate()
    graph.backward("L")
    graph.evaluate()
    return graph


def formula_figure(graph):
    """The instance's graph with each computed value and each gradient as
    its formula (gradients in terms of G): entry by entry they fill a page."""
    figure = graph.figure("the symbolic instance: O = X ⋆ F and L = Σ G ⊙ O; each value and gradient as "
                          "its formula, the gradients being the two identities")
    adjoints = {graph[graph.adjoint_name(q.name)].symbol: graph[graph.adjoint_name(q.name)].formula
                for q in graph if q.kind != "adjoint" and graph.adjoint_name(q.name) in graph}

    def in_givens(formula):
        while formula.free_symbols & set(adjoints):
            formula = formula.xreplace(adjoints)
        return formula

    def node(n):
        quantity, adjoint = graph[n.name], graph.adjoint_name(n.name)
        value = n.value if quantity.kind == "given" else quantity.formula
        gradient = in_givens(graph[adjoint].formula) if adjoint in graph else n.gradient
        return dataclasses.replace(n, value=value, gradient=gradient)
    return dataclasses.replace(figure, nodes=tuple(node(n) for n in figure.nodes))


def rotated_correlation(G_value, F_value):
    """Ĝ ⋆ rot180(F): G padded with k − 1 zeros, correlated with F rotated 180°."""
    size = F_value.shape[0]
    rotated = sympy.ImmutableMatrix(size, size, lambda a, b: F_value[size - 1 - a, size - 1 - b])
    return explicit(Correlation(G_value, rotated, 1, size - 1), {})


def build(solution, given=None):
    solution.notation.update(dict(NOTATION))
    index_sums(solution.part("a", "The two identities on index sums."))

    part = solution.part("b", "A symbolic instance: X 4×4, F 2×2, ∂L/∂O = G arbitrary (L = Σ G ⊙ O). "
                              "The graph's reverse mode against direct differentiation, entry by entry.")
    graph = solution.keep(symbolic_instance())
    solution.notation.update(graph.notation())  # the instance's G is its own matrix, not the generic ∂L/∂O
    loss = graph.value("L")[0, 0]
    part.steps += [graph.step("O"), graph.step(graph.adjoint_name("O"))]
    results = {}
    for name, label in (("F", "f"), ("X", "x")):
        adjoint = graph.value(graph.adjoint_name(name))
        given = graph.value(name)
        part.steps.append(graph.step(graph.adjoint_name(name)))
        agree = True
        for index in sorted(given.free_symbols, key=lambda s: s.name):
            position = list(given).index(index)
            direct = sympy.diff(loss, index)
            engine = list(adjoint)[position]
            same = sympy.expand(direct - engine) == 0
            agree = agree and same
            if name == "F":
                label = f"dL_d{index.name}"
                solution.notation[label] = (f"∂L/∂{index.name}", rf"\frac{{\partial L}}{{\partial {sympy.latex(index)}}}")
                part.steps.append(Relation((sympy.Symbol(label), direct, engine),
                                           reason=f"direct differentiation of Σ G ⊙ O; the engine's X ⋆ G"))
        results[name] = agree
        part.answer(f"dL_d{name}", adjoint, graph[graph.adjoint_name(name)].latex)
    rotated = rotated_correlation(graph.value("G"), graph.value("F"))
    full_is_rotated = sympy.expand(rotated - graph.value(graph.adjoint_name("X"))) == sympy.zeros(4, 4)
    part.steps.append(Relation((graph[graph.adjoint_name("X")].symbol, sympy.Symbol("full_G_F"),
                                sympy.Symbol("GhatcorrFrot"), rotated),
                               reason="the full convolution as a correlation with the rotated filter"))
    part.steps.append(Remark(
        f"All {len(graph.value('F'))} entries of ∂L/∂F agree with direct differentiation: {results['F']}; "
        f"all {len(graph.value('X'))} entries of ∂L/∂X: {results['X']}; full(G, F) = Ĝ ⋆ rot180(F): "
        f"{full_is_rotated}."))
    part.steps.append(formula_figure(graph))
    part.answer("identity_F", sympy.true if results["F"] else sympy.false, r"\partial L/\partial F = X \star G")
    part.answer("identity_X", sympy.true if results["X"] and full_is_rotated else sympy.false,
                r"\partial L/\partial X = \operatorname{full}(G, F)")
    return solution



def student_names():
    """The engine's ∂O/∂F and ∂O/∂X entries, with the seed's index letters:
    the seed writes O_{m,n} and X_{i,j} where the problem has O_ij and X_rc."""
    from derive.catalog import solve
    answers = solve("conv-backprop-identities").answers
    i, j, m, n, r, c = sympy.symbols("i j m n r c", integer=True)
    d_o_d_x = answers["dO_dX"].expr.xreplace({i: m, j: n, r: i, c: j})
    return {r"\frac{\partial O_{i,j}}{\partial F_{m,n}}": ("expression", lambda: answers["dO_dF"].expr),
            r"\frac{\partial O_{m,n}}{\partial X_{i,j}}": ("expression", lambda: d_o_d_x)}


PROBLEM = Problem(
    names=student_names,
    name="conv-backprop-identities", title="Backpropagation through a convolution: the two identities",
    source=f"{S1}, §5",
    build=build, statement=STATEMENT, convention="∂L/∂A has the shape of A; indices start at 0 in the index sums and at 1 "
                                   "in the instance's entry names.")
