"""Family `conv-arithmetic`: one square convolutional layer.

From the known sizes (any three of input, output, kernel, stride, with
padding 0 and dilation 1 unless given) the unknown one is solved for, then
the trainable parameters and the multiplications are counted.
"""
from __future__ import annotations

import sympy

import problems
from derive.architecture import SIZE_NOTATION, SIZE_SYMBOLS, solve_size
from derive.document import Solution
from derive.givens import Givens
from derive.graph import Graph
from derive.numbers import InputError

GIVEN = {"input": 205, "output": 66, "stride": 3, "padding": 0, "in_channels": 10, "out_channels": 96}
KEYS = {"input": "I", "output": "O", "kernel": "K", "stride": "S", "padding": "P", "dilation": "D"}


def read(given: dict):
    g = Givens(given, "given", tuple(SIZE_SYMBOLS) + ("in_channels", "out_channels"))
    sizes = {name: g.raw(name) for name in SIZE_SYMBOLS if g.has(name)}
    channels = []
    for name in ("in_channels", "out_channels"):
        value = g.raw(name, 1)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise InputError(f"given.{name}: expected an integer ≥ 1, got {value!r}")
        channels.append(value)
    return sizes, channels


def build(given: dict, *, entry=None, statement=None) -> Solution:
    entry = entry or problems.entry("conv-arithmetic")
    sizes, (in_channels, out_channels) = read(given)
    unknown, value, steps = solve_size(sizes)
    known = {**sizes, unknown: value}

    graph = Graph()
    K = graph.given("K", sympy.Integer(known["kernel"]))
    C_in = graph.given("C_in", sympy.Integer(in_channels), latex=r"C_{\mathrm{in}}")
    C_out = graph.given("C_out", sympy.Integer(out_channels), latex=r"C_{\mathrm{out}}")
    O = graph.given("O", sympy.Integer(known["output"]))
    graph.define("params", (K * K * C_in + 1) * C_out, latex=r"\#\mathrm{params}", text="#params")
    graph.define("params_no_bias", K * K * C_in * C_out, latex=r"\#\mathrm{params}_{\text{no bias}}",
                 text="#params without bias")
    graph.define("mults_per_output", K * K * C_in, latex=r"\#\mathrm{mults}_{\text{per output}}",
                 text="#mults per output value")
    graph.define("mults", O * O * C_out * graph["mults_per_output"].symbol, latex=r"\#\mathrm{mults}",
                 text="#mults")
    graph.evaluate()

    solution = Solution(entry.name, entry.title, entry.source, statement or describe(sizes, in_channels, out_channels),
                        notation={**SIZE_NOTATION, **graph.notation()}, given=given)
    part = solution.part("1", f"The {unknown} size.")
    part.steps += steps
    part.answer(KEYS[unknown], sympy.Integer(value), KEYS[unknown])
    part = solution.part("2", "The trainable parameters: one K×K×C_in kernel and one bias per output channel.")
    part.steps += graph.steps(["params", "params_no_bias"])
    part.answer("params", graph.value("params"), r"\#\mathrm{params}")
    part.answer("params_no_bias", graph.value("params_no_bias"), r"\#\mathrm{params}_{\text{no bias}}")
    part = solution.part("3", "The multiplications: K·K·C_in for each of the O·O·C_out output values.")
    part.steps += graph.steps(["mults_per_output", "mults"])
    part.answer("mults", graph.value("mults"), r"\#\mathrm{mults}")
    return solution


def describe(sizes, in_channels, out_channels) -> str:
    known = ", ".join(f"{name} {value}" for name, value in sizes.items())
    return (f"A square convolutional layer with {known}, {in_channels} input and {out_channels} output channels: "
            "find the missing size, the trainable parameters and the multiplications.")


def random_given(rng) -> dict:
    kernel, stride, padding = rng.choice([1, 3, 5, 7]), rng.choice([1, 2]), rng.randint(0, 2)
    output = rng.randint(4, 32)
    size = (output - 1) * stride + kernel - 2 * padding
    if size < 1:
        size, padding = (output - 1) * stride + kernel, 0
    return {"input": size, "output": output, "stride": stride, "padding": padding,
            "in_channels": rng.choice([1, 3, 16]), "out_channels": rng.choice([8, 32, 64])}
