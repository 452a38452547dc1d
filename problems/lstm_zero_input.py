"""000 Problem 2: four true/false claims about an LSTM whose input is zero.

The seed has the verdicts and reasons but not the claims; they are
reconstructed from the solution.  Each verdict is backed by the engine: a
false claim by a counterexample it finds (the simplest instance, in a fixed
order, on which the claim fails, evaluated through the LSTM cell builder), a
true claim by a derivation.
"""
from __future__ import annotations

import itertools

import sympy

from derive.catalog import Problem
from derive.core.functions import sigmoid
from derive.core.graph import Graph
from derive.nn.recurrent import LSTM_GATES, lstm_cell, lstm_weights
from derive.core.steps import Relation, Remark
from problems import S0

STATEMENT = (
    "Reconstructed from the solution: an LSTM (f_t = σ(W_f x_t + U_f h_(t−1) + b_f), i_t, o_t likewise, "
    "c̃_t = tanh(W_c x_t + U_c h_(t−1) + b_c), c_t = f_t ⊙ c_(t−1) + i_t ⊙ c̃_t, h_t = o_t ⊙ tanh(c_t)) "
    "receives the input x_t = 0 at every step. True or false? "
    "(a) The hidden state stays constant: h_t = h_(t−1). "
    "(b) The input gate i_t and the candidate c̃_t are determined by the value of the forget gate f_t. "
    "(c) Every entry of f_t, i_t and o_t lies in (0, 1). "
    "(d) The entries of a gate vector (e.g. f_t) sum to 1.")

#: the bias values the counterexample search tries, per gate entry
GRID = (0, 1)


def build(solution, given=None):
    claim_a(solution)
    claim_b(solution)
    claim_c(solution)
    claim_d(solution)
    return solution


def zero_input_step(biases: dict, hidden: int = 1, *, recurrent=None, h0=None, c0=None) -> Graph:
    """One step of an LSTM with x_1 = 0: U (zero unless given), b, h_0, c_0 numeric."""
    zero_column = sympy.zeros(hidden, 1)
    values = {("U", g): sympy.ImmutableMatrix(recurrent[g] if recurrent else sympy.zeros(hidden, hidden))
              for g in LSTM_GATES}
    values.update({("b", g): sympy.ImmutableMatrix(biases[g]) for g in LSTM_GATES})
    graph = Graph()
    weights = lstm_weights(graph, values)
    h = graph.given("h_0", sympy.ImmutableMatrix(h0 if h0 is not None else zero_column))
    c = graph.given("c_0", sympy.ImmutableMatrix(c0 if c0 is not None else zero_column))
    lstm_cell(graph, 1, None, h, c, weights)
    return graph.evaluate()


def bias_candidates(hidden: int, gates=tuple(LSTM_GATES)):
    """Bias settings in a fixed order, simplest first (all zero, then one entry at 1, …)."""
    slots = [(g, k) for g in gates for k in range(hidden)]
    settings = sorted(itertools.product(GRID, repeat=len(slots)), key=lambda s: (sum(s), s[::-1]))
    for setting in settings:
        biases = {g: [0] * hidden for g in LSTM_GATES}
        for (g, k), value in zip(slots, setting):
            biases[g][k] = value
        yield biases


def first_counterexample(candidates, holds):
    """The first candidate on which `holds` is false, and how many were tried before it."""
    for tried, candidate in enumerate(candidates):
        if not holds(candidate):
            return candidate, tried
    raise RuntimeError("lstm-zero-input: no counterexample among the candidates; the verdict is unproven")


def describe(biases) -> str:
    return ", ".join(f"b_{g} = {biases[g] if len(biases[g]) > 1 else biases[g][0]}" for g in LSTM_GATES)


def counterexample_a():
    """The simplest biases (U = 0, h_0 = c_0 = 0) for which h_1 ≠ h_0 under zero input."""
    def holds(biases):
        graph = zero_input_step(biases)
        return graph.value("h_1") == graph.value("h_0")
    return first_counterexample(bias_candidates(1), holds)


def counterexample_d():
    """The simplest forget-gate biases (hidden size 2) whose gate entries do not sum to 1."""
    def holds(biases):
        return sum(zero_input_step(biases, hidden=2).value("f_1")) == 1
    return first_counterexample(bias_candidates(2, ("f",)), holds)


def claim_a(solution):
    part = solution.part("a", "With x_t = 0, is h_t = h_(t−1)?")
    symbolic = Graph()
    shapes = {(k, g): (2, 2) if k == "U" else (2, 1) for k in ("U", "b") for g in LSTM_GATES}
    weights = lstm_weights(symbolic, {key: None for key in shapes}, shapes)
    h = symbolic.given("h_tm1", shape=(2, 1), latex=r"h_{t-1}", text="h_(t−1)")
    c = symbolic.given("c_tm1", shape=(2, 1), latex=r"c_{t-1}", text="c_(t−1)")
    lstm_cell(symbolic, "t", None, h, c, weights)
    solution.notation.update(symbolic.notation())
    part.steps.append(Remark("With x_t = 0 every W x_t term drops out:"))
    for name in ("f_t", "i_t", "ctilde_t", "c_t", "o_t", "h_t"):
        part.steps.append(Relation((symbolic[name].symbol, symbolic[name].formula)))
    part.steps.append(Remark("h_t is a function of h_(t−1) and c_(t−1) that is not the identity; an instance "
                             "shows it moves:"))

    biases, tried = counterexample_a()
    graph = zero_input_step(biases)
    solution.keep(graph)
    part.steps.append(Remark(f"Scalar state, U = 0, h_0 = c_0 = 0, {describe(biases)} (the {tried} simpler "
                             f"bias settings tried before it keep h at 0):"))
    part.steps += graph.steps(["f_1", "i_1", "ctilde_1", "c_1", "o_1", "h_1"])
    part.steps.append(Relation((graph["h_1"].symbol, graph.value("h_1"), graph.value("h_0"), graph["h_0"].symbol),
                               ("=", "≠", "=")))
    part.steps.append(Remark("False: the state keeps evolving under zero input (the biases and the recurrent "
                             "weights drive it). This agrees with the seed."))
    part.answer("claim_a", sympy.false, r"\text{(a)}")
    part.answer("h_1_counterexample", graph.value("h_1"), r"h_1")


def claim_b(solution):
    part = solution.part("b", "With x_t = 0, are i_t and c̃_t determined by f_t?")
    part.steps.append(Remark("i_t = σ(U_i h_(t−1) + b_i) and c̃_t = tanh(U_c h_(t−1) + b_c) use U_i, b_i, U_c, "
                             "b_c, which f_t = σ(U_f h_(t−1) + b_f) does not: two cells can share f_t and "
                             "differ in i_t and c̃_t. The engine finds such a pair:"))
    base = {g: [0] for g in LSTM_GATES}
    reference = zero_input_step(base)

    def holds(biases):
        graph = zero_input_step(biases)
        same_f = graph.value("f_1") == reference.value("f_1")
        return not same_f or (graph.value("i_1") == reference.value("i_1")
                              and graph.value("ctilde_1") == reference.value("ctilde_1"))

    biases, tried = first_counterexample(bias_candidates(1, ("i", "c")), holds)
    other = zero_input_step(biases)
    for label, graph in (("first", reference), ("second", other)):
        part.steps.append(Remark(f"The {label} cell: scalar state, U = 0, h_0 = c_0 = 0, {describe(graph_biases(graph))}."))
        part.steps += graph.steps(["f_1", "i_1", "ctilde_1"])
    solution.notation.update(reference.notation())
    for name in ("i_1", "ctilde_1"):
        if reference.value(name) != other.value(name):
            part.steps.append(Relation((reference.value(name), other.value(name)), ("≠",),
                                       reason=f"{reference[name].text} of the two cells, with f_1 equal"))
    part.steps.append(Remark("False: equal forget gates, different input gate or candidate. This agrees with "
                             "the seed."))
    part.answer("claim_b", sympy.false, r"\text{(b)}")
    part.answer("i_1_pair", sympy.ImmutableMatrix([reference.value("i_1")[0], other.value("i_1")[0]]), r"(i_1, i_1')")
    part.answer("f_1_pair", sympy.ImmutableMatrix([reference.value("f_1")[0], other.value("f_1")[0]]), r"(f_1, f_1')")


def graph_biases(graph) -> dict:
    return {g: list(graph.value(f"b_{g}")) for g in LSTM_GATES}


def claim_c(solution):
    part = solution.part("c", "Does every entry of f_t, i_t, o_t lie in (0, 1)?")
    z = sympy.Symbol("z", real=True)
    solution.notation["z"] = ("z", "z")
    exponential = sympy.exp(-z)
    positive = bool(exponential.is_positive)  # e^(−z) > 0, hence 1 + e^(−z) > 1
    part.steps.append(Relation((sympy.Integer(0), exponential), ("<",), reason="for every real z"))
    part.steps.append(Relation((sympy.Integer(0), sigmoid(z), 1 / (1 + exponential), sympy.Integer(1)),
                               ("<", "=", "<"), reason="1 + e^(−z) > 1, so its reciprocal is in (0, 1)"))
    low, high = sympy.limit(sigmoid(z).rewrite(sympy.exp), z, -sympy.oo), sympy.limit(sigmoid(z).rewrite(sympy.exp), z, sympy.oo)
    part.steps.append(Remark(f"The bounds are approached (σ → {low} as z → −∞, σ → {high} as z → ∞) but never "
                             "reached: the interval is open."))
    part.steps.append(Remark("f_t, i_t and o_t apply σ entry by entry to a real pre-activation (with x_t = 0 "
                             "or any other input), so every entry lies in (0, 1). True, as the seed says."))
    verdict = positive and low == 0 and high == 1
    part.answer("claim_c", sympy.true if verdict else sympy.false, r"\text{(c)}")


def claim_d(solution):
    part = solution.part("d", "Do the entries of a gate vector sum to 1?")
    part.steps.append(Remark("Each entry is its own sigmoid; nothing normalises them (as a softmax would). "
                             "The engine looks for a gate vector whose entries do not sum to 1 (hidden size 2):"))

    biases, tried = counterexample_d()
    graph = zero_input_step(biases, hidden=2)
    solution.keep(graph)
    part.steps.append(Remark(f"U = 0, h_0 = c_0 = 0, b_f = {biases['f']} (the {tried} simpler setting(s) tried "
                             f"before it happen to sum to 1: σ(0) + σ(0) = 1):"))
    part.steps.append(graph.step("f_1"))
    total = sum(graph.value("f_1"))
    solution.notation["sum_f_1"] = ("f_1[1] + f_1[2]", r"f_{1,1} + f_{1,2}")
    part.steps.append(Relation((sympy.Symbol("sum_f_1"), total, sympy.Integer(1)), ("=", "≠" if total != 1 else "=")))
    part.steps.append(Remark("False: the entries are independent numbers in (0, 1). This agrees with the seed."))
    part.answer("claim_d", sympy.false, r"\text{(d)}")
    part.answer("f_1_counterexample", graph.value("f_1"), r"f_1")


PROBLEM = Problem(
    name="lstm-zero-input", title="An LSTM with zero input: four true/false claims",
    source=f"{S0}, Problem 2",
    build=build, statement=STATEMENT)
