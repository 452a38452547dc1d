"""001 §9: a convolutional layer 205×205×10 → 66×66×96 with stride 3."""
from __future__ import annotations

from problems import S1, conv_arithmetic


def statement(given: dict) -> str:
    """The seed's question, written from the givens; "" (the family's own
    description) when the givens ask something else."""
    if "layers" in given or "kernel" in given or not {"input", "output", "stride"} <= set(given):
        return ""
    padding = given.get("padding", 0)
    padded = "no padding (the seed assumes P = 0)" if padding == 0 else f"padding {padding}"
    return (f"A convolutional layer maps a {given['input']}×{given['input']}×{given.get('in_channels', 1)} input "
            f"to a {given['output']}×{given['output']}×{given.get('out_channels', 1)} output with stride "
            f"{given['stride']} and {padded}. (1) Determine the kernel size. (2) Determine the "
            "number of trainable parameters. (3) Count the multiplications needed to compute the output.")



STUDENT_NAMES = {"K": "K", "O": ("given", "output"), "I": ("given", "input"),
                              "S": ("given", "stride"), "P": ("given", "padding"),
                              r"\text{Input channels}": ("given", "in_channels"),
                              r"\text{Output channels}": ("given", "out_channels"),
                              r"\text{Number of parameters}": "params"}


PROBLEM = conv_arithmetic.PROBLEM.instance(
    names=STUDENT_NAMES,
    name="conv-layer-arithmetic", title="Kernel size, parameters and multiplications of a convolutional layer",
    source=f"{S1}, §9", statement=statement)
