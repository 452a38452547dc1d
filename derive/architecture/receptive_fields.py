"""Receptive fields of a stack of convolutions (or poolings).

For layer n with kernel k_n, stride s_n, padding p_n and dilation d_n, the
effective kernel is d_n(k_n − 1) + 1, and one unit of layer n sees

    RF_n    = RF_{n−1} + (k_n^eff − 1) · J_{n−1}      (size, RF_0 = 1)
    J_n     = J_{n−1} · s_n                          (jump, J_0 = 1)
    start_n = start_{n−1} − p_n · J_{n−1}            (first input coordinate, start_0 = 0)

because a step of one unit in layer n−1 is a step of J_{n−1} input pixels.
Solving the first recurrence by telescoping gives the closed form
RF_n = 1 + Σ_{i=1}^{n} (k_i − 1) Π_{j<i} s_j.

This module holds the arithmetic and the closed forms; the steps that derive
and tabulate them for a course problem belong to that problem
(`problems/receptive_field.py`).
"""
from __future__ import annotations

import sympy

from derive.architecture.stack import read_layers

n = sympy.Symbol("n", integer=True, positive=True)
i, j = sympy.symbols("i j", integer=True, positive=True)
k = sympy.IndexedBase("k")
s = sympy.IndexedBase("s")
RF = sympy.Function("RF")
#: the closed form, with i summing over layers and j over the strides before layer i
CLOSED_FORM = 1 + sympy.Sum((k[i] - 1) * sympy.Product(s[j], (j, 1, i - 1)), (i, 1, n))
p = sympy.IndexedBase("p")
J, START = sympy.Function("J"), sympy.Function("start")
#: the jump (effective stride) and the start of layer n's field, from their recurrences
JUMP_FORM = sympy.Product(s[j], (j, 1, n))
START_FORM = -sympy.Sum(p[i] * sympy.Product(s[j], (j, 1, i - 1)), (i, 1, n))


def receptive_field(layers, where: str = "layers") -> list[dict]:
    """One record per layer: size, jump (= stride, the effective stride in
    input pixels), start and the effective kernel; the last is the network's."""
    size, jump, start = 1, 1, 0
    records = []
    for layer in read_layers(layers, where):
        effective = layer["dilation"] * (layer["kernel"] - 1) + 1
        # start and size use the jump *before* this layer: its units are J_{n−1} pixels apart.
        start -= layer["padding"] * jump
        size += (effective - 1) * jump
        jump *= layer["stride"]
        # "stride" repeats the jump, as DESIGN.md's contract names it; the layer's own sizes are under "layer".
        records.append({"size": size, "jump": jump, "stride": jump, "start": start,
                        "effective_kernel": effective, "layer": layer})
    return records
