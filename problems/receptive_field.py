"""001 §10 and family `receptive-field`: the receptive field of the n-th layer
of a convolution stack, in closed form and for a given stack, layer by layer.

    {"layers": [{"kernel": 11, "stride": 4, "padding": 2, "dilation": 1}, …]}

padding defaults to 0 and dilation to 1.  The stack file of `conv-arithmetic`
(with "input", "in_channels" and each layer's "out_channels" or "pool") is
accepted as it is: channels and the input size do not change receptive fields.
"""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.core.givens import Givens
from derive.architecture.receptive_fields import (
    CLOSED_FORM, JUMP_FORM, RF, START, START_FORM, J, i, j, k, n, p, receptive_field, s,
)
from derive.core.steps import Evaluation, Relation, Remark
from problems import S1

GIVEN = {"layers": [{"kernel": 11, "stride": 4, "padding": 2}, {"kernel": 3, "stride": 2},
                    {"kernel": 5, "stride": 1, "padding": 2}]}
#: the seed's form: the first layer's term (k_1 − 1)·(empty product) + 1 written as k_1
SEED_FORM = k[1] + sympy.Sum((k[i] - 1) * sympy.Product(s[j], (j, 1, i - 1)), (i, 2, n))
STATEMENT = ("Determine a closed-form, non-recursive formula for the receptive field of a 1×1 square in the "
             "n-th convolution layer, in terms of kernel sizes k_i and strides s_i; then tabulate, for the "
             "given stack, each layer's receptive field, jump (effective stride) and start offset.")


def build(solution, given: dict):
    g = Givens(given, "given", ("layers", "input", "in_channels"))
    for name in ("input", "in_channels"):  # the shared stack file's sizes: checked, not needed here
        g.integer(name, 1, 1)
    layers = g.items("layers")
    records = receptive_field(layers, "given.layers")

    solution.notation.update(NOTATION)
    part = solution.part("a", "The closed form of RF_n, from the recurrence RF_n = RF_{n−1} + (k_n − 1)·Π_{i<n} s_i.")
    part.steps += closed_form_steps()
    part.answer("RF_n", CLOSED_FORM, r"RF_{n}")
    part.answer("J_n", JUMP_FORM, r"J_{n}")
    part.answer("start_n", START_FORM, r"\mathrm{start}_{n}")

    part = solution.part("b", "The given stack, layer by layer (k^eff = d(k − 1) + 1).")
    part.steps += table_steps(records)
    for m, record in enumerate(records, start=1):
        part.answer(f"RF_{m}", sympy.Integer(record["size"]), f"RF_{{{m}}}")
        part.answer(f"J_{m}", sympy.Integer(record["jump"]), f"J_{{{m}}}")
        part.answer(f"start_{m}", sympy.Integer(record["start"]), rf"\mathrm{{start}}_{{{m}}}")
    part = solution.part("c", "The same numbers from the closed forms, layer by layer.")
    part.steps += closed_form_check_steps(records)


def closed_form_steps() -> list:
    """Solve the recurrence to the closed form and show it equals the seed's."""
    step = (k[n] - 1) * sympy.Product(s[j], (j, 1, n - 1))
    recurrence = sympy.Eq(RF(n), RF(n - 1) + step)
    telescoped = sympy.Sum(RF(i) - RF(i - 1), (i, 1, n))
    _require(telescoped.doit() == RF(n) - RF(0), "SymPy did not sum the telescoping series")
    steps = [
        Remark("Layer 0 is the input: one pixel sees itself, so RF_0 = 1. A unit of layer n sees k_n units "
               "of layer n−1, and neighbouring units of layer n−1 are Π_{i<n} s_i input pixels apart."),
        Relation((recurrence.lhs, recurrence.rhs), reason="the recurrence"),
        Relation((RF(n) - RF(0), telescoped, sympy.Sum(step.subs(n, i), (i, 1, n))),
                 reason="telescoping: sum RF_i − RF_{i−1} over i = 1…n and use the recurrence"),
        Relation((RF(n), CLOSED_FORM), reason="with RF_0 = 1"),
    ]
    first = (CLOSED_FORM - 1).function.subs(i, 1).doit()
    _require(first == k[1] - 1, "the empty product Π_{j=1}^{0} s_j is not 1")
    rest = SEED_FORM - k[1]
    steps.append(Relation((CLOSED_FORM, sympy.Add(1, first, rest, evaluate=False), SEED_FORM),
                          reason="split off the term i = 1, whose product of strides is empty (= 1)"))
    for m in range(1, 6):
        unrolled = sympy.Integer(1)
        for layer in range(1, m + 1):
            unrolled += (k[layer] - 1) * sympy.Mul(*[s[q] for q in range(1, layer)])
        _require(sympy.expand(CLOSED_FORM.subs(n, m).doit() - unrolled) == 0, f"closed form ≠ recurrence, n = {m}")
        _require(sympy.expand(SEED_FORM.subs(n, m).doit() - unrolled) == 0, f"seed's form ≠ recurrence, n = {m}")
    steps.append(Remark("Checked symbolically for n = 1…5: unrolling the recurrence, the closed form and the "
                        "seed's k_1 + Σ_{i≥2} (k_i − 1) Π_{j<i} s_j expand to the same polynomial."))
    steps.append(Remark("With dilation d_i, replace k_i by the effective kernel d_i(k_i − 1) + 1."))
    return steps + jump_and_start_steps()


def jump_and_start_steps() -> list:
    """J_n = J_(n−1) s_n and start_n = start_(n−1) − p_n J_(n−1), unrolled to closed forms and checked."""
    jump, start = sympy.Integer(1), sympy.Integer(0)
    for m in range(1, 6):
        jump, start = jump * s[m], start - p[m] * jump
        _require(sympy.expand(JUMP_FORM.subs(n, m).doit() - jump) == 0, f"jump closed form wrong at n = {m}")
        _require(sympy.expand(START_FORM.subs(n, m).doit() - start) == 0, f"start closed form wrong at n = {m}")
    previous_jump = sympy.Product(s[j], (j, 1, n - 1))
    return [
        Relation((J(n), J(n - 1) * s[n], JUMP_FORM), reason="the jump: one step in layer n is s_n steps in layer "
                                                             "n−1; unrolled from J_0 = 1"),
        Relation((START(n), START(n - 1) - p[n] * previous_jump, START_FORM),
                 reason="padding p_n shifts the first window p_n units of layer n−1 (each J_(n−1) pixels) to the "
                        "left; unrolled from start_0 = 0"),
        Remark("Both checked for n = 1…5 against unrolling their recurrences. Padding moves where the field "
               "starts, not its size."),
    ]


def closed_form_check_steps(records) -> list:
    """For every layer, RF, J and start from the closed forms, equal to the recurrences' values."""
    steps = []
    for m, record in enumerate(records, start=1):
        values = {}
        for q, r in enumerate(records[:m], start=1):
            values.update({k[q]: r["effective_kernel"], s[q]: r["layer"]["stride"], p[q]: r["layer"]["padding"]})
        for name, form, key in (("RF", CLOSED_FORM, "size"), ("J", JUMP_FORM, "jump"), ("start", START_FORM, "start")):
            expanded = form.subs(n, m).doit()
            value = expanded.xreplace(values)
            _require(value == record[key], f"layer {m}: the closed form of {name} gives {value}, "
                                           f"the recurrence {record[key]}")
            steps.append(Relation((sympy.Symbol(f"{name}_{m}"), expanded, value),
                                  reason="closed form, equal to the recurrence" if m == 1 and name == "RF" else ""))
    return steps


def _require(condition: bool, message: str):
    """A derivation step that must hold; never silently skipped (unlike assert under -O)."""
    if not condition:
        raise ArithmeticError(message)


#: the symbols of the per-layer table, and how they print: name → (text, LaTeX)
TABLE_SYMBOLS = sympy.symbols("RF_prev J_prev start_prev keff_n s_n p_n", integer=True)
NOTATION = {"RF_prev": ("RF_(n−1)", "RF_{n-1}"), "J_prev": ("J_(n−1)", "J_{n-1}"),
            "start_prev": ("start_(n−1)", r"\mathrm{start}_{n-1}"), "keff_n": ("k_n^eff", r"k^{\mathrm{eff}}_{n}"),
            "s_n": ("s_n", "s_{n}"), "p_n": ("p_n", "p_{n}")}


def table_steps(records) -> list:
    """Per layer: the three recurrences with this stack's numbers substituted."""
    RF_prev, J_prev, start_prev, K, S, P = TABLE_SYMBOLS
    steps = []
    before = {RF_prev: 1, J_prev: 1, start_prev: 0}
    for number, record in enumerate(records, start=1):
        layer = record["layer"]
        values = {**before, K: record["effective_kernel"], S: layer["stride"], P: layer["padding"]}
        note = (f"layer {number}: k = {layer['kernel']}, s = {layer['stride']}, p = {layer['padding']}, "
                f"d = {layer['dilation']}")
        for name, formula, key in ((f"RF_{number}", RF_prev + (K - 1) * J_prev, "size"),
                                   (f"J_{number}", J_prev * S, "jump"),
                                   (f"start_{number}", start_prev - P * J_prev, "start")):
            used = {sym: sympy.Integer(v) for sym, v in values.items() if sym in formula.free_symbols}
            steps.append(Evaluation(sympy.Symbol(name), formula, used, sympy.Integer(record[key]), note=note))
            note = ""
        before = {RF_prev: record["size"], J_prev: record["jump"], start_prev: record["start"]}
    return steps


def random_given(rng) -> dict:
    layers = []
    for _ in range(rng.randint(2, 5)):
        layer = {"kernel": rng.choice([1, 2, 3, 3, 5, 7]), "stride": rng.choice([1, 1, 2, 2, 3])}
        if rng.random() < 0.5:
            layer["padding"] = rng.randint(0, layer["kernel"] // 2)
        if rng.random() < 0.25:
            layer["dilation"] = rng.choice([2, 3])
        layers.append(layer)
    return {"layers": layers}



def _closed_form():
    from derive.architecture.receptive_fields import CLOSED_FORM, n
    return n, CLOSED_FORM


def student_names() -> dict:
    """How hand solutions name this problem's quantities (for `derive check`)."""
    return {"FUNCTIONS": lambda: {}, "RF": ("sequence", _closed_form)}


PROBLEM = Problem(
    names=student_names,
    name="receptive-field", title="Receptive field of the n-th convolutional layer", source=f"{S1}, §10",
    family="receptive-field", build=build, given=GIVEN, statement=STATEMENT, random_given=random_given)
