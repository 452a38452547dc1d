"""001 §9: a convolutional layer 205×205×10 → 66×66×96 with stride 3."""
from __future__ import annotations

from problems import S1, conv_arithmetic

SIZES = ("input", "output", "kernel", "stride")


def statement(given: dict) -> str:
    """The seed's question, written from the givens; "" (the family's own
    description) when the givens ask something else."""
    if "layers" in given or "kernel" in given or not {"input", "output", "stride"} <= set(given):
        return ""
    padding = given.get("padding", 0)
    assumed = " (the seed assumes P = 0)" if given == conv_arithmetic.GIVEN else ""
    padded = f"no padding{assumed}" if padding == 0 else f"padding {padding}"
    return (f"A convolutional layer maps a {given['input']}×{given['input']}×{given.get('in_channels', 1)} input "
            f"to a {given['output']}×{given['output']}×{given.get('out_channels', 1)} output with stride "
            f"{given['stride']} and {padded}. (1) Determine the kernel size. (2) Determine the "
            "number of trainable parameters. (3) Count the multiplications needed to compute the output.")



STUDENT_NAMES = {"K": "K", "O": ("given", "output"), "I": ("given", "input"),
                              "S": ("given", "stride"), "P": ("given", "padding"),
                              r"\text{Input channels}": ("given", "in_channels"),
                              r"\text{Output channels}": ("given", "out_channels"),
                              r"\text{Number of parameters}": "params"}


def title(given: dict) -> str:
    """What the givens ask: the size missing, of one layer or of a stack."""
    if "layers" in given:
        count = len(given["layers"]) if isinstance(given["layers"], list) else 0
        return f"Sizes, parameters and multiplications of a stack of {count} layers"
    layer = "pooling layer" if given.get("pool") is True else "convolutional layer"
    missing = [name for name in SIZES if name not in given]
    asked = f"{missing[0].capitalize()} size" if len(missing) == 1 else "Sizes"
    return f"{asked}, parameters and multiplications of a {layer}"


def random_given(rng) -> dict:
    """The seed's question with new sizes: an odd or even kernel the stride
    steps across exactly (so the kernel size is whole), no padding, and
    channel counts of real networks."""
    kernel, stride, output = rng.choice([2, 3, 4, 5, 7, 9, 11]), rng.randint(1, 4), rng.randint(6, 60)
    return {"input": (output - 1) * stride + kernel, "output": output, "stride": stride, "padding": 0,
            "in_channels": rng.choice([1, 3, 8, 10, 16, 32]), "out_channels": rng.choice([8, 16, 32, 64, 96, 128])}


PROBLEM = conv_arithmetic.PROBLEM.instance(
    names=STUDENT_NAMES,
    name="conv-layer-arithmetic", title="Kernel size, parameters and multiplications of a convolutional layer",
    source=f"{S1}, §9", statement=statement, random_given=random_given, variant_title=title)
