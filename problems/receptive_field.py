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
    CLOSED_FORM, JUMP_FORM, NOTATION, START_FORM, closed_form_check_steps, closed_form_steps,
    receptive_field, table_steps,
)
from problems import S1

GIVEN = {"layers": [{"kernel": 11, "stride": 4, "padding": 2}, {"kernel": 3, "stride": 2},
                    {"kernel": 5, "stride": 1, "padding": 2}]}
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
