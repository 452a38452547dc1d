"""003 4.1(c,d): the symmetric normalisation Q = D^{−1/2} (A + I) D^{−1/2} of
the 4-node graph of Eq. (12), exactly (surds stay surds).

The givens are the adjacency matrix; a variant draws another connected
undirected graph on as many nodes.
"""
from __future__ import annotations

import itertools

import sympy

from derive.catalog import Problem
from derive.core.givens import Givens
from derive.core.graph import Graph
from derive.core.numbers import InputError
from derive.core.steps import Relation
from problems import S3

#: the adjacency matrix of Eq. (12)
GIVEN = {"A": [[0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 1], [0, 0, 1, 0]]}
SEED_STATEMENT = ("For the graph with adjacency matrix A of Eq. (12), Q := D^{−1/2} (A + I_4) D^{−1/2}. "
                  "(c) Compute D and D^{−1/2}. (d) Compute Q.")


def read(given: dict):
    A = Givens(given, "given", ("A",)).matrix("A")
    if A.rows != A.cols or A != A.T:
        raise InputError("given.A: expected a symmetric square matrix (an undirected graph's adjacency)")
    if any(v < 0 for v in A) or any(A[i, i] != 0 for i in range(A.rows)):
        raise InputError("given.A: expected non-negative weights and no self-loops (the normalisation adds them)")
    return A


def edges(A) -> str:
    return ", ".join(f"{i + 1}–{j + 1}" for i, j in itertools.combinations(range(A.rows), 2) if A[i, j])


def statement(given: dict) -> str:
    if given == GIVEN:
        return SEED_STATEMENT
    A = read(given)
    n = A.rows
    return (f"For the undirected graph on {n} nodes with edges {edges(A)} (adjacency matrix A), "
            f"Q := D^{{−1/2}} (A + I_{n}) D^{{−1/2}}. (c) Compute D and D^{{−1/2}}. (d) Compute Q.")


def build(solution, given: dict):
    A = read(given)
    size = A.rows
    graph = Graph()
    A_ = graph.given("A", A)
    I_ = graph.given("I", sympy.eye(size), latex=rf"I_{{{size}}}", text=f"I_{size}")
    graph.define("Atilde", A_ + I_)
    graph.evaluate()
    Atilde = graph.value("Atilde")
    # D is the degree matrix of Ã: each node counts its neighbours and itself.
    degrees = [sum(Atilde.row(r)) for r in range(Atilde.rows)]
    D = sympy.ImmutableMatrix(sympy.diag(*degrees))
    D_inv_sqrt = sympy.ImmutableMatrix(sympy.diag(*[1 / sympy.sqrt(g) for g in degrees]))
    # a result, not a given: defined by its value
    D_is = graph.define("D_inv_sqrt", D_inv_sqrt, latex=r"D^{-1/2}", text="D^(−1/2)")
    graph.define("Q", D_is * graph["Atilde"].symbol * D_is)
    graph.evaluate()
    Q = graph.value("Q")

    solution.keep(graph)
    part = solution.part("c", f"The degree matrix D of A + I_{size} and D^{{−1/2}}.")
    part.steps.append(graph.step("Atilde", "a self-loop at every node"))
    sums = sympy.ImmutableMatrix(sympy.diag(*[sympy.Add(*[x for x in Atilde.row(r) if x], evaluate=False)
                                              for r in range(size)]))
    part.steps.append(Relation((sympy.Symbol("D"), sums, D),
                               reason="the row sums of A + I: each node's degree, counting its self-loop"))
    part.steps.append(Relation((D_is, sympy.ImmutableMatrix(sympy.diag(*[sympy.Pow(g, sympy.Rational(-1, 2),
                                                                                   evaluate=False)
                                                                          for g in degrees])), D_inv_sqrt),
                               reason="a diagonal matrix's power acts entrywise on the diagonal"))
    part.answer("D", D, "D")
    part.answer("D_inv_sqrt", D_inv_sqrt, r"D^{-1/2}")
    part = solution.part("d", f"Q = D^{{−1/2}} (A + I_{size}) D^{{−1/2}}: entry (i, j) is (A + I_{size})_ij / "
                              "√(D_ii D_jj).")
    part.steps.append(graph.step("Q"))
    part.answer("Q", Q, "Q")
    return solution



# Ã is A + I (the graph binds it); the seed writes Â for Q
STUDENT_NAMES = {"D^{-1/2}": "D_inv_sqrt", r"\tilde{D}": "D", r"\hat{A}": "Q"}


def random_given(rng) -> dict:
    """A connected undirected graph on 4 nodes other than a complete one:
    a random spanning tree, then each remaining edge with probability ½."""
    n = 4
    while True:
        order = list(range(n))
        rng.shuffle(order)
        A = [[0] * n for _ in range(n)]
        for k in range(1, n):  # each node joins one already placed: a spanning tree
            i, j = order[k], order[rng.randrange(k)]
            A[i][j] = A[j][i] = 1
        for i, j in itertools.combinations(range(n), 2):
            if not A[i][j] and rng.random() < 0.5:
                A[i][j] = A[j][i] = 1
        if sum(map(sum, A)) < n * (n - 1):
            return {"A": A}


PROBLEM = Problem(
    names=STUDENT_NAMES,
    name="gcn-normalization", title="Symmetric normalisation of a graph's adjacency",
    source=f"{S3}, 4.1",
    build=build, given=GIVEN, statement=statement, random_given=random_given)
