"""003 4.1(c,d): the symmetric normalisation Q = D^{−1/2} (A + I) D^{−1/2} of
the 4-node graph of Eq. (12), exactly (surds stay surds)."""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.core.graph import Graph
from derive.core.steps import Relation
from problems import S3

#: the adjacency matrix of Eq. (12)
A = sympy.ImmutableMatrix([[0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 1], [0, 0, 1, 0]])
STATEMENT = ("For the graph with adjacency matrix A of Eq. (12), Q := D^{−1/2} (A + I_4) D^{−1/2}. "
             "(c) Compute D and D^{−1/2}. (d) Compute Q.")


def build(solution, given=None):
    graph = Graph()
    A_ = graph.given("A", A)
    I_ = graph.given("I", sympy.eye(4), latex=r"I_{4}", text="I_4")
    graph.define("Atilde", A_ + I_)
    graph.evaluate()
    Atilde = graph.value("Atilde")
    # D is the degree matrix of Ã: each node counts its neighbours and itself.
    degrees = [sum(Atilde.row(r)) for r in range(Atilde.rows)]
    D = sympy.ImmutableMatrix(sympy.diag(*degrees))
    D_inv_sqrt = sympy.ImmutableMatrix(sympy.diag(*[1 / sympy.sqrt(g) for g in degrees]))
    D_is = graph.given("D_inv_sqrt", D_inv_sqrt, latex=r"D^{-1/2}", text="D^(−1/2)")
    graph.define("Q", D_is * graph["Atilde"].symbol * D_is)
    graph.evaluate()
    Q = graph.value("Q")

    solution.keep(graph)
    part = solution.part("c", "The degree matrix D of A + I_4 and D^{−1/2}.")
    part.steps.append(graph.step("Atilde", "a self-loop at every node"))
    sums = sympy.ImmutableMatrix(sympy.diag(*[sympy.Add(*[x for x in Atilde.row(r) if x], evaluate=False) for r in range(4)]))
    part.steps.append(Relation((sympy.Symbol("D"), sums, D),
                               reason="the row sums of A + I: each node's degree, counting its self-loop"))
    part.steps.append(Relation((D_is, sympy.ImmutableMatrix(sympy.diag(*[sympy.Pow(g, sympy.Rational(-1, 2),
                                                                                   evaluate=False)
                                                                          for g in degrees])), D_inv_sqrt),
                               reason="a diagonal matrix's power acts entrywise on the diagonal"))
    part.answer("D", D, "D")
    part.answer("D_inv_sqrt", D_inv_sqrt, r"D^{-1/2}")
    part = solution.part("d", "Q = D^{−1/2} (A + I_4) D^{−1/2}: entry (i, j) is (A + I_4)_ij / √(D_ii D_jj).")
    part.steps.append(graph.step("Q"))
    part.answer("Q", Q, "Q")
    return solution


PROBLEM = Problem(
    name="gcn-normalization", title="Symmetric normalisation of a graph's adjacency",
    source=f"{S3}, 4.1",
    build=build, statement=STATEMENT)
