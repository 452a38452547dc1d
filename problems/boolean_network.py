"""001 §2: (A ∨ ¬B) ⊕ (¬C ∨ ¬D) as a network with one hidden layer of step
units, from its sum of products; the seed's two networks checked as written."""
from __future__ import annotations

import sympy
from sympy.logic.boolalg import And, Not, Or, Xor

from derive.catalog import Problem
from derive.nn import logic
from derive.core.steps import Relation, Remark
from derive.printing import math
from problems import S1

A, B, C, D = VARIABLES = sympy.symbols("A B C D")
P = Or(A, Not(B))
Q = Or(Not(C), Not(D))
F = Xor(P, Q)

STATEMENT = ("Design a neural network with one hidden layer that implements (A ∨ ¬B) ⊕ (¬C ∨ ¬D); draw the "
             "network and determine all its weights.")

HALF = sympy.Rational(1, 2)
# The seed's sum of products, and its one-hidden-layer network (inputs A, B, C, D; a weight the seed does not
# list is 0).
SEED_TERMS = (And(A, C, D), And(Not(B), C, D), And(Not(A), B, Not(C)), And(Not(A), B, Not(D)))  # H1 … H4
SEED_SOP = Or(*SEED_TERMS)
SEED_W_H = sympy.ImmutableMatrix([[1, 0, 1, 1], [0, -1, 1, 1], [-1, 1, -1, 0], [-1, 1, 0, -1]])
SEED_B_H = sympy.ImmutableMatrix([-5 * HALF, -3 * HALF, -3 * HALF, -3 * HALF])
SEED_W_O = sympy.ImmutableMatrix([[1, 1, 1, 1]])
SEED_B_O = sympy.ImmutableMatrix([-HALF])
# The seed's first table: P = A ∨ ¬B and Q = ¬C ∨ ¬D from the inputs, then ¬P ∧ Q and P ∧ ¬Q from (P, Q).
SEED_TABLE_1 = sympy.ImmutableMatrix([[1, -1, 0, 0], [0, 0, -1, -1]])
SEED_TABLE_1_B = sympy.ImmutableMatrix([HALF, HALF])
SEED_TABLE_2 = sympy.ImmutableMatrix([[-1, 1], [1, -1]])
SEED_TABLE_2_B = sympy.ImmutableMatrix([-HALF, -HALF])


def build(solution, given=None):
    sop = derive_sum_of_products(solution)
    design(solution, sop)
    check_seed_network(solution, sop)
    check_seed_table(solution)
    return solution


def derive_sum_of_products(solution):
    part = solution.part("a", "The function in sum-of-products form.")
    sop = logic.sum_of_products(F, VARIABLES)
    part.steps.append(Relation((sympy.Symbol("f"), F, sop),
                               reason="minimal sum of products of the truth table (Quine–McCluskey, SOPform)"))
    seed_agrees = logic.truth_table(SEED_SOP, VARIABLES) == logic.truth_table(F, VARIABLES)
    part.steps.append(Relation((SEED_SOP, sop), ("=" if seed_agrees else "≠",),
                               reason="the seed's sum of products, compared on all 16 inputs"))
    part.answer("sop", sop, r"f")
    part.answer("truth_table", logic.truth_table(F, VARIABLES), r"\text{truth table}")
    part.answer("seed_sop_correct", seed_agrees, r"\text{seed's sum of products correct}")
    return sop


def design(solution, sop):
    part = solution.part("b", "A network with one hidden layer of step units: one unit per product term, "
                              "and an OR output.")
    network = logic.sop_layers([sop], VARIABLES)
    (W_h, b_h, _), (W_o, b_o, _) = network
    part.steps.append(Remark(
        "Threshold units step(z) = 1 for z ≥ 0. A product term is one unit: weight +1 on a plain literal, −1 on "
        "a negated one, bias ½ − (number of plain literals). The output ORs the hidden units: weights 1, bias −½. "
        f"Layers: 4 inputs → {W_h.rows} hidden units → 1 output."))
    for term, row in zip(logic.product_terms(sop), range(W_h.rows)):
        part.steps.append(Relation((sympy.Symbol(f"H_{row + 1}"), term),
                                   reason=f"weights {list(W_h.row(row))} on (A, B, C, D), bias {float(b_h[row]):g}"))
    wrong = logic.failures(network, [F], VARIABLES)[0]
    part.steps.append(Remark(f"Checked on all 16 inputs: {len(wrong)} disagree with f."))
    for key, value in (("W_h", W_h), ("b_h", b_h), ("W_o", W_o), ("b_o", b_o)):
        part.answer(key, value, key)
    part.answer("network_table", logic.network_table(network, VARIABLES), r"\text{network's truth table}")
    part.answer("all_inputs_correct", not wrong, r"\text{all inputs correct}")


def check_seed_network(solution, sop):
    part = solution.part("c", "The seed's one-hidden-layer network, as written (step units).")
    network = [(SEED_W_H, SEED_B_H, "step"), (SEED_W_O, SEED_B_O, "step")]
    computed = logic.unit_functions(SEED_W_H, SEED_B_H, "step", VARIABLES)
    intended = SEED_TERMS
    wrong_units = []
    for unit, (function, term) in enumerate(zip(computed, intended), start=1):
        ok = function == term
        if not ok:
            wrong_units.append(unit)
        part.steps.append(Relation((sympy.Symbol(f"H_{unit}"), function), reason=(
            "as intended" if ok else f"intended {math.text(term)}")))
    wrong = logic.failures(network, [F], VARIABLES)[0]
    part.steps.append(Remark(
        f"Units {', '.join(map(str, wrong_units)) or 'none'} are wrong"
        + (": a term with one plain literal needs bias ½ − 1 = −½; with −1.5 the unit never fires"
           if wrong_units else "")
        + f". The network disagrees with f on {len(wrong)} of the 16 inputs"
        + (f": (A, B, C, D) = {', '.join(str(a) for a in wrong)}." if wrong else ".")))
    part.answer("seed_wrong_units", sympy.ImmutableMatrix(wrong_units) if wrong_units else sympy.Integer(0),
                r"\text{wrong hidden units}")
    part.answer("seed_failures", sympy.Integer(len(wrong)), r"\text{inputs wrong}")


def check_seed_table(solution):
    part = solution.part("d", "The seed's first design (its table: P, Q, then ¬P ∧ Q and P ∧ ¬Q), with step "
                              "units.")
    part.steps.append(Remark(
        "Reconstructed from the solution: the table lists no output weights; the output ORs ¬P ∧ Q and P ∧ ¬Q "
        "(weights 1, 1, bias −½). This design has two hidden layers, not the one the problem asks for. The table "
        "says σ; read as step units here, since σ(½) and σ(−½) are not bits."))
    names = ("P", "Q")
    computed = logic.unit_functions(SEED_TABLE_1, SEED_TABLE_1_B, "step", VARIABLES)
    wrong_units = []
    for name, function, intended in zip(names, computed, (P, Q)):
        ok = logic.truth_table(function, VARIABLES) == logic.truth_table(intended, VARIABLES)
        if not ok:
            wrong_units.append(name)
        part.steps.append(Relation((sympy.Symbol(name), function), reason="as intended" if ok else f"intended {math.text(intended)}"))
    network = [(SEED_TABLE_1, SEED_TABLE_1_B, "step"), (SEED_TABLE_2, SEED_TABLE_2_B, "step"),
               (sympy.ImmutableMatrix([[1, 1]]), sympy.ImmutableMatrix([-HALF]), "step")]
    wrong = logic.failures(network, [F], VARIABLES)[0]
    part.steps.append(Remark(
        f"Wrong first-layer units: {', '.join(wrong_units) or 'none'}"
        + ("; Q = ¬C ∨ ¬D has two negated literals and needs bias 1.5 (fire unless C = D = 1)" if "Q" in wrong_units
           else "")
        + f". The network disagrees with f on {len(wrong)} of the 16 inputs."))
    part.answer("seed_table_failures", sympy.Integer(len(wrong)), r"\text{inputs wrong (first design)}")



def student_names():
    """The seed's w_{H1A} … b_O, by the engine's rows (H1 … H4 in the seed's order) and inputs A … D."""
    table = {}
    for row, inputs in enumerate(("ACD", "BCD", "ABC", "ABD")):
        for letter in inputs:
            table[f"w_{{H{row + 1}{letter}}}"] = ("answer", "W_h", row, "ABCD".index(letter))
        table[f"b_{{H{row + 1}}}"] = ("answer", "b_h", row, 0)
    for row in range(4):
        table[f"w_{{O{row + 1}}}"] = ("answer", "W_o", 0, row)
    table["b_O"] = ("answer", "b_o", 0, 0)
    return table


PROBLEM = Problem(
    names=student_names,
    name="boolean-network", title="A Boolean function as a one-hidden-layer step network",
    source=f"{S1}, §2",
    build=build, statement=STATEMENT)
