"""Boolean functions as threshold networks: truth tables, sums of products,
the units that compute them, and checks of a network over every input.

A product term (a conjunction of literals) is one threshold unit: weight +1
on each plain literal, −1 on each negated one, and bias ½ − (number of plain
literals), so that the weighted sum reaches 0 only when every literal holds.
A disjunction of k units is one more unit: weights 1, bias −½.  So a sum of
products, which SymPy's `SOPform` derives from the truth table, is a network
with one hidden layer.
"""
from __future__ import annotations

import itertools

import sympy
from sympy.logic import SOPform
from sympy.logic.boolalg import And, BooleanFalse, BooleanTrue, Not, Or

from derive.nn.layers import apply
from derive.core.matrices import check_shapes
from derive.core.numbers import settle

HALF = sympy.Rational(1, 2)


def assignments(count: int) -> list[tuple[int, ...]]:
    """Every 0/1 assignment of `count` variables, the first most significant."""
    return list(itertools.product((0, 1), repeat=count))


def value_of(expr, variables, assignment) -> int:
    """The Boolean `expr` at one assignment, as 0 or 1."""
    result = expr.xreplace({v: sympy.true if bit else sympy.false for v, bit in zip(variables, assignment)})
    if not isinstance(result, (BooleanTrue, BooleanFalse)):
        raise ValueError(f"{expr} is not determined by {', '.join(map(str, variables))}")
    return int(bool(result))


def truth_table(expr, variables) -> sympy.ImmutableMatrix:
    """Rows (inputs…, output) over every assignment."""
    return sympy.ImmutableMatrix([list(a) + [value_of(expr, variables, a)] for a in assignments(len(variables))])


def sum_of_products(expr, variables):
    """The minimal sum of products of `expr` (Quine–McCluskey, by SOPform)."""
    minterms = [list(a) for a in assignments(len(variables)) if value_of(expr, variables, a)]
    return SOPform(list(variables), minterms)


def function_of_rows(rows, variables):
    """The Boolean function that is 1 exactly on `rows`, as a minimal sum of products."""
    return SOPform(list(variables), [list(r) for r in rows])


def product_terms(sop) -> tuple:
    """The product terms of a sum of products (one term if it is not an Or)."""
    if isinstance(sop, (BooleanTrue, BooleanFalse)):
        raise ValueError(f"{sop} is constant: it needs no hidden unit")
    return sop.args if isinstance(sop, Or) else (sop,)


def literals(term) -> tuple:
    return term.args if isinstance(term, And) else (term,)


def conjunction_unit(term, variables):
    """(weights, bias) of the threshold unit that fires exactly when `term` holds."""
    weights = [0] * len(variables)
    positives = 0
    for literal in literals(term):
        negated = isinstance(literal, Not)
        variable = literal.args[0] if negated else literal
        if variable not in variables:
            raise ValueError(f"literal {literal} is not over {', '.join(map(str, variables))}")
        weights[list(variables).index(variable)] = -1 if negated else 1
        positives += 0 if negated else 1
    return weights, HALF - positives


def sop_layers(sops, variables):
    """Hidden layer: one unit per product term of each sum of products;
    output layer: one OR unit per sum of products, over its own terms only."""
    hidden_weights, hidden_biases, groups = [], [], []
    for sop in sops:
        group = []
        for term in product_terms(sop):
            weights, bias = conjunction_unit(term, variables)
            group.append(len(hidden_weights))
            hidden_weights.append(weights)
            hidden_biases.append(bias)
        groups.append(group)
    output_weights = [[1 if unit in group else 0 for unit in range(len(hidden_weights))] for group in groups]
    return [(sympy.ImmutableMatrix(hidden_weights), sympy.ImmutableMatrix(hidden_biases), "step"),
            (sympy.ImmutableMatrix(output_weights), sympy.ImmutableMatrix([-HALF] * len(sops)), "step")]


def forward(network, inputs) -> list[sympy.ImmutableMatrix]:
    """Every layer's output for one input, exactly; a shape mismatch raises
    ShapeMismatch naming the layer."""
    a = sympy.ImmutableMatrix(list(inputs))
    outputs = []
    for index, (W, b, activation) in enumerate(network, start=1):
        where = f"layer {index}"
        check_shapes(where, f"W_{index}", W, f"a_{index - 1}", a, "product")
        z = W * a
        check_shapes(where, f"W_{index} a_{index - 1}", z, f"b_{index}", b, "same")
        # settle: σ outputs become 30-digit decimals, so the next layer does
        # not nest σ(σ(…)) and reading a bit at ½ stays cheap; bits stay exact.
        a = settle(sympy.ImmutableMatrix(apply(activation, z + b)))
        outputs.append(a)
    return outputs


def read_bit(value) -> int:
    """A unit's output read as a bit: 1 when it exceeds ½ (a σ unit's threshold)."""
    return int(bool(value > HALF))


def network_table(network, variables) -> sympy.ImmutableMatrix:
    """Rows (inputs…, output bits…) of the network over every input."""
    rows = []
    for a in assignments(len(variables)):
        out = forward(network, a)[-1]
        rows.append(list(a) + [read_bit(v) for v in out])
    return sympy.ImmutableMatrix(rows)


def unit_functions(W, b, activation, variables) -> list:
    """What each unit of a first layer computes, as a minimal sum of products."""
    rows = assignments(len(variables))
    fires = [[] for _ in range(W.shape[0])]
    for a in rows:
        out = forward([(W, b, activation)], a)[-1]
        for unit, value in enumerate(out):
            if read_bit(value):
                fires[unit].append(a)
    return [function_of_rows(f, variables) for f in fires]


def failures(network, functions, variables) -> list[list[tuple[int, ...]]]:
    """For each output, the inputs where the network's bit differs from its function."""
    table = network_table(network, variables)
    n = len(variables)
    wrong = [[] for _ in functions]
    for row in range(table.rows):
        a = tuple(int(v) for v in table.row(row)[:n])
        for k, f in enumerate(functions):
            if int(table[row, n + k]) != value_of(f, variables, a):
                wrong[k].append(a)
    return wrong


def with_sigmoid_units(network, gain):
    """The threshold network with every step(z) replaced by σ(gain · z): read
    at ½ it computes the same bits once the gain makes σ(±gain/2) near 0 and 1."""
    return [(gain * W, gain * b, "sigmoid") for W, b, _ in network]
