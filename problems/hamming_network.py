"""001 §1: a network that computes the three parity bits of a Hamming(7,4)
code from four data bits, designed from the sums of products, checked over
all 16 inputs; and the seed's own network, checked as it is written."""
from __future__ import annotations

import sympy
from sympy.logic.boolalg import Xor

from derive.catalog import Problem
from derive.nn import logic
from derive.core.givens import Givens
from derive.core.matrices import ShapeMismatch
from derive.core.numbers import InputError
from derive.core.steps import Relation, Remark
from problems import S1

D = sympy.symbols("D_1:5")
#: which data bits each parity bit covers (1-based, as the statement writes them)
GIVEN = {"parity": [[1, 2, 4], [1, 3, 4], [2, 3, 4]]}


def read(given: dict) -> dict:
    """Parity bit name → its XOR of data bits."""
    g = Givens(given, "given", ("parity",))
    parity = {}
    for k, raw in enumerate(g.items("parity"), start=1):
        where = f"given.parity[{k - 1}]"
        if (not isinstance(raw, list) or not raw or len(set(map(repr, raw))) != len(raw)
                or any(isinstance(v, bool) or v not in (1, 2, 3, 4) for v in raw)):
            raise InputError(f"{where}: expected a list of distinct data bits from 1 to 4, got {raw!r}")
        parity[f"P_{k}"] = Xor(*(D[v - 1] for v in sorted(raw)))
    if len(parity) > 4:
        raise InputError("given.parity: at most 4 parity bits")
    return parity


def statement(given: dict) -> str:
    parity = read(given)
    bits = ", ".join(f"{name} = {' ⊕ '.join(str(a) for a in sorted(xor.args, key=str))}"
                     for name, xor in parity.items())
    return ("Design a neural network that generates the Hamming-code parity bits of a 4-bit input "
            f"D = (D_1, D_2, D_3, D_4): {bits}. Describe the network (neurons per layer) and determine all its "
            f"weights; the network has 4 inputs and {len(parity)} outputs.")


def _seed_sop(a, b, c):
    """The seed's formulation of a parity bit of (a, b, c), as printed."""
    from sympy.logic.boolalg import And, Not, Or
    return Or(And(a, Not(b), Not(c)), And(Not(a), b, Not(c)), And(Not(a), Not(b), c), And(a, b, c))


# The seed's H1, H2, H3 formulations (its sums of products of P_1, P_2, P_3).
SEED_SOPS = (_seed_sop(D[0], D[1], D[3]), _seed_sop(D[0], D[2], D[3]), _seed_sop(D[1], D[2], D[3]))

# The seed's network, exactly as printed: H = σ(W_h D + B_h), O = σ(W_o H + B_o).
SEED_W_H = sympy.ImmutableMatrix([
    [1, -1, -1, 0], [-1, 1, -1, 0], [-1, -1, 1, 0], [1, 1, 1, 0],
    [1, 0, -1, -1], [-1, 0, 1, -1], [-1, 0, -1, 1], [1, 0, 1, 1],
    [0, 1, -1, -1], [0, -1, 1, -1], [0, -1, -1, 1], [0, 1, 1, 1]])
SEED_B_H = sympy.ImmutableMatrix([sympy.Rational(-1, 2)] * 12)
SEED_W_O = sympy.ImmutableMatrix([[1, 1, 1, 1]] * 3)
SEED_B_O = sympy.ImmutableMatrix([sympy.Rational(-1, 2)] * 3)


def build(solution, given: dict):
    parities = read(given)
    seed = given == GIVEN  # the seed's own formulations and network are checked against its bits only
    sops = derive_sums_of_products(solution, parities, seed)
    network = design(solution, sops)
    check_design(solution, network, parities)
    if seed:
        check_seed(solution, sops, parities)
    return solution


def derive_sums_of_products(solution, parities, seed):
    part = solution.part("a", "Each parity bit as a Boolean function of D, in sum-of-products form.")
    sops = []
    for name, parity in parities.items():
        sop = logic.sum_of_products(parity, D)
        sops.append(sop)
        part.steps.append(Relation((sympy.Symbol(name), parity, sop),
                                   reason="minimal sum of products of the truth table (Quine–McCluskey, SOPform)"))
        part.answer(name, sop, name)
    if all(len(xor.args) == 3 for xor in parities.values()):
        part.steps.append(Remark("A parity of three bits is 1 on the four inputs with an odd number of ones among "
                                 "them, and no two of those differ in one bit, so no product term merges: four "
                                 "terms of three literals each."))
    if not seed:
        return sops
    seed_ok = all(logic.truth_table(seed, D) == logic.truth_table(parity, D)
                  for seed, parity in zip(SEED_SOPS, parities.values()))
    for k, seed in enumerate(SEED_SOPS, start=1):
        solution.notation[f"Hseed_{k}"] = (f"H{k} (seed)", rf"H{k}^{{\text{{seed}}}}")
        part.steps.append(Relation((sympy.Symbol(f"Hseed_{k}"), seed), ("=",), reason=(
            f"the seed's formulation of P_{k}, " + ("equal" if logic.truth_table(seed, D) == logic.truth_table(
                list(parities.values())[k - 1], D) else "NOT equal") + " to it on all 16 inputs")))
    part.answer("seed_sops_correct", seed_ok, r"\text{seed's formulations correct}")
    return sops


def design(solution, sops):
    part = solution.part("b", "The network: one hidden threshold unit per product term, one OR unit per "
                              "parity bit.")
    network = logic.sop_layers(sops, D)
    (W_h, b_h, _), (W_o, b_o, _) = network
    part.steps.append(Remark(
        "A product term is one threshold unit step(w·D + b), step(z) = 1 for z ≥ 0: weight +1 on a plain literal, "
        "−1 on a negated one, 0 on a variable the term omits, and bias ½ − (number of plain literals), so that "
        "w·D + b ≥ 0 exactly when every literal holds. An output ORs its parity bit's four units: weights 1, "
        "bias −½."))
    part.steps.append(Remark(f"Layers: 4 inputs → {W_h.rows} hidden step units → {W_o.rows} step outputs; "
                             f"W_h is {W_h.rows}×{W_h.cols}, b_h {b_h.rows}, W_o {W_o.rows}×{W_o.cols}, "
                             f"b_o {b_o.rows}."))
    for key, value, latex in (("W_h", W_h, "W_h"), ("b_h", b_h, "b_h"), ("W_o", W_o, "W_o"), ("b_o", b_o, "b_o")):
        part.answer(key, value, latex)
    part.answer("hidden_units", sympy.Integer(W_h.rows), r"\text{hidden units}")
    return network


def check_design(solution, network, parities):
    part = solution.part("c", "Check the network over all 16 inputs.")
    functions = list(parities.values())
    table = logic.network_table(network, D)
    wrong = logic.failures(network, functions, D)
    count = sum(len(w) for w in wrong)
    part.steps.append(Remark("Rows: D_1 D_2 D_3 D_4 | the network's P_1 P_2 P_3, each compared with the "
                             f"XOR it must equal: {count} disagreements in 16 × 3 bits."))
    part.answer("truth_table", table, r"\text{truth table}")
    part.answer("all_inputs_correct", count == 0, r"\text{all inputs correct}")
    sigmoid_failures = {gain: sum(map(len, logic.failures(logic.with_sigmoid_units(network, gain), functions, D)))
                        for gain in (1, 10)}
    part.steps.append(Remark(
        "The same weights with σ units σ(k z), outputs read at ½: "
        + "; ".join(f"gain k = {k}: {n} of 48 bits wrong" for k, n in sigmoid_failures.items())
        + ". A sigmoid network needs the gain so that σ(k/2) and σ(−k/2) is close to 0 and 1."))
    part.answer("sigmoid_gain_10_correct", sigmoid_failures[10] == 0, r"\sigma(10 z)\text{ network correct}")


def check_seed(solution, sops, parities):
    part = solution.part("d", "The seed's network as written: H = σ(W_h D + B_h), O = σ(W_o H + B_o).")
    seed = [(SEED_W_H, SEED_B_H, "sigmoid"), (SEED_W_O, SEED_B_O, "sigmoid")]
    try:
        logic.forward(seed, (1, 0, 1, 1))
        consistent = True
    except ShapeMismatch as error:
        consistent = False
        part.steps.append(Remark(f"As printed the network cannot be evaluated: {error}. W_o must be 3×12, each "
                                 "output reading only its own four hidden units."))
    part.answer("seed_shapes_consistent", consistent, r"\text{shapes consistent}")

    part.steps.append(Remark("Read W_o as that 3×12 block matrix (ones on each output's four units) and the units "
                             "as threshold units. What each of the seed's hidden units computes, derived from "
                             "where it fires:"))
    block = sympy.ImmutableMatrix(3, 12, lambda k, j: 1 if j // 4 == k else 0)
    computed = logic.unit_functions(SEED_W_H, SEED_B_H, "step", D)
    wrong_units = []
    for unit, function in enumerate(computed):
        intended = logic.product_terms(sops[unit // 4])
        ok = function in intended
        if not ok:
            wrong_units.append(unit + 1)
        part.steps.append(Relation((sympy.Symbol(f"H_{unit + 1}"), function), reason=(
            f"a product term of P_{unit // 4 + 1}" if ok else f"not a product term of P_{unit // 4 + 1}")))
    step_network = [(SEED_W_H, SEED_B_H, "step"), (block, SEED_B_O, "step")]
    step_failures = logic.failures(step_network, list(parities.values()), D)
    sigmoid_network = [(SEED_W_H, SEED_B_H, "sigmoid"), (block, SEED_B_O, "sigmoid")]
    sigmoid_failures = logic.failures(sigmoid_network, list(parities.values()), D)
    repaired = repair(SEED_W_H)
    repaired_failures = logic.failures([(repaired[0], repaired[1], "step"), (block, SEED_B_O, "step")],
                                       list(parities.values()), D)
    repaired_ok = sum(map(len, repaired_failures)) == 0
    part.steps.append(Remark(
        f"Hidden units {', '.join(map(str, wrong_units))} are wrong. With threshold units and the 3×12 W_o the "
        f"network gets {sum(map(len, step_failures))} of the 48 output bits wrong (P_1 on {len(step_failures[0])}, "
        f"P_2 on {len(step_failures[1])}, P_3 on {len(step_failures[2])} of the 16 inputs). Two slips explain "
        "it: rows 1–4 put P_1's D_4 weight in the D_3 column, and a unit with three plain literals needs bias "
        "−2.5, not −0.5 (with −0.5 it computes their OR). With the columns swapped in rows 1–4 and every bias "
        "set to ½ − (number of +1 weights), the seed's network "
        + ("computes all three parity bits on all 16 inputs." if repaired_ok else
           f"still gets {sum(map(len, repaired_failures))} bits wrong.")))
    always_one = all(bit == 1 for row in range(16) for bit in logic.network_table(sigmoid_network, D).row(row)[4:])
    part.steps.append(Remark(
        "With σ units, as the seed writes them, a hidden unit outputs a number in (0, 1), not a bit (σ(½), σ(−½) ≈ "
        "0.62 or 0.38), and the outputs read at ½ get "
        f"{sum(map(len, sigmoid_failures))} of the 48 bits wrong"
        + (" (every output reads 1 on every input, since four positive numbers minus ½ stay positive)"
           if always_one else "")
        + ". Bits need step units, or σ(k z) with a large gain k."))
    part.answer("seed_wrong_units", sympy.ImmutableMatrix(wrong_units), r"\text{wrong hidden units}")
    part.answer("seed_step_failures", sympy.Integer(sum(map(len, step_failures))), r"\text{wrong bits (step)}")
    part.answer("seed_repaired_correct", repaired_ok, r"\text{repaired seed network correct}")
    part.answer("seed_sigmoid_failures", sympy.Integer(sum(map(len, sigmoid_failures))),
                r"\text{wrong bits (}\sigma\text{)}")


def repair(W):
    """The seed's W_h with the D_3/D_4 columns of rows 1–4 swapped, and the
    conjunction bias ½ − (number of +1 weights) for every unit."""
    rows = [list(W.row(r)) for r in range(W.rows)]
    for row in rows[:4]:
        row[2], row[3] = row[3], row[2]
    biases = [logic.HALF - sum(1 for w in row if w == 1) for row in rows]
    return sympy.ImmutableMatrix(rows), sympy.ImmutableMatrix(biases)



STUDENT_NAMES = {"H1": "P_1", "H2": "P_2", "H3": "P_3"}


def random_given(rng) -> dict:
    """Another Hamming(7, 4) code: three of the four triples of data bits, in
    any order (every data bit covered by at least two parity bits, no two
    alike); the seed's own choice and order excepted."""
    while True:
        triples = [[b for b in (1, 2, 3, 4) if b != left_out] for left_out in (1, 2, 3, 4)]
        rng.shuffle(triples)
        given = {"parity": triples[:3]}
        if given != GIVEN:
            return given


PROBLEM = Problem(
    names=STUDENT_NAMES,
    name="hamming-network", title="Hamming parity bits as a threshold network",
    source=f"{S1}, §1",
    build=build, given=GIVEN, statement=statement, random_given=random_given)
