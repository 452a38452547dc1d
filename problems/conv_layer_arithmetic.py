"""001 §9: a convolutional layer 205×205×10 → 66×66×96 with stride 3."""
from __future__ import annotations

import problems
from problems import conv_arithmetic

GIVEN = conv_arithmetic.GIVEN

STATEMENT = ("A convolutional layer maps a 205×205×10 input to a 66×66×96 output with stride 3 and "
             "no padding (the seed assumes P = 0). (1) Determine the kernel size. (2) Determine the "
             "number of trainable parameters. (3) Count the multiplications needed to compute the output.")


def build(given: dict):
    return conv_arithmetic.build(given, entry=problems.entry("conv-layer-arithmetic"),
                                 statement=STATEMENT if given == GIVEN else None)
