"""001 §9: a convolutional layer 205×205×10 → 66×66×96 with stride 3."""
from __future__ import annotations

import sympy

import problems
from derive.architecture import SIZE_NOTATION, solve_size
from derive.document import Solution
from derive.graph import Graph

STATEMENT = ("A convolutional layer maps a 205×205×10 input to a 66×66×96 output with stride 3 and "
             "no padding (the seed assumes P = 0). (1) Determine the kernel size. (2) Determine the "
             "number of trainable parameters. (3) Count the multiplications needed to compute the output.")
KNOWN = {"input": 205, "output": 66, "stride": 3, "padding": 0}
CHANNELS_IN, CHANNELS_OUT = 10, 96


def build() -> Solution:
    entry = problems.entry("conv-layer-arithmetic")
    unknown, kernel, steps = solve_size(KNOWN)

    graph = Graph()
    K = graph.given("K", sympy.Integer(kernel))
    C_in = graph.given("C_in", sympy.Integer(CHANNELS_IN), latex=r"C_{\mathrm{in}}")
    C_out = graph.given("C_out", sympy.Integer(CHANNELS_OUT), latex=r"C_{\mathrm{out}}")
    O = graph.given("O", sympy.Integer(KNOWN["output"]))
    graph.define("params", (K * K * C_in + 1) * C_out, latex=r"\#\mathrm{params}", text="#params")
    graph.define("params_no_bias", K * K * C_in * C_out, latex=r"\#\mathrm{params}_{\text{no bias}}",
                 text="#params without bias")
    graph.define("mults_per_output", K * K * C_in, latex=r"\#\mathrm{mults}_{\text{per output}}",
                 text="#mults per output value")
    graph.define("mults", O * O * C_out * graph["mults_per_output"].symbol, latex=r"\#\mathrm{mults}",
                 text="#mults")
    graph.evaluate()

    notation = {**SIZE_NOTATION, **graph.notation()}
    solution = Solution(entry.name, entry.title, entry.source, STATEMENT, notation=notation)
    part = solution.part("1", "The kernel size.")
    part.steps += steps
    part.answer("K", sympy.Integer(kernel), "K")
    part = solution.part("2", "The trainable parameters: one K×K×C_in kernel and one bias per output channel.")
    part.steps += graph.steps(["params", "params_no_bias"])
    part.answer("params", graph.value("params"), r"\#\mathrm{params}")
    part.answer("params_no_bias", graph.value("params_no_bias"), r"\#\mathrm{params}_{\text{no bias}}")
    part = solution.part("3", "The multiplications: K·K·C_in for each of the O·O·C_out output values.")
    part.steps += graph.steps(["mults_per_output", "mults"])
    part.answer("mults", graph.value("mults"), r"\#\mathrm{mults}")
    return solution
