"""Family `conv-arithmetic`: one square convolutional layer, or a stack.

One layer: from the known sizes (any three of input, output, kernel, stride,
with padding 0 and dilation 1 unless given) the unknown one is solved for,
then the trainable parameters and the multiplications are counted.  With all
four given, they are checked for consistency.

A stack: `{"input": 227, "in_channels": 3, "layers": [{"kernel": 11,
"stride": 4, "out_channels": 96}, {"kernel": 3, "stride": 2, "pool": true}, …]}`
— the layer dictionaries of `receptive-field` (kernel, stride, padding,
dilation) plus `out_channels`, or `"pool": true`; the same file serves both.
"""
from __future__ import annotations

import sympy

from derive.architecture.sizes import (
    FLOORED_SIZE, MULTS, PARAMS, SIZE_NOTATION, SIZE_SYMBOLS, STACK_NOTATION, C_in, C_out, D, I, K, O, P, S,
    conv_stack, solve_size,
)
from derive.catalog import Problem
from derive.core.givens import Givens
from derive.core.graph import Graph
from derive.core.numbers import InputError
from derive.core.steps import Evaluation, Relation, Remark

GIVEN = {"input": 205, "output": 66, "stride": 3, "padding": 0, "in_channels": 10, "out_channels": 96}
KEYS = {"input": "I", "output": "O", "kernel": "K", "stride": "S", "padding": "P", "dilation": "D"}


def read(given: dict):
    g = Givens(given, "given", tuple(SIZE_SYMBOLS) + ("in_channels", "out_channels", "pool", "floor"))
    sizes = {name: g.raw(name) for name in SIZE_SYMBOLS if g.has(name)}
    channels = [g.integer(name, 1, 1) for name in ("in_channels", "out_channels")]
    pool = g.flag("pool")
    if pool and g.has("out_channels") and channels[1] != channels[0]:
        raise InputError(f"given.out_channels: a pooling layer keeps its {channels[0]} channels")
    return sizes, channels, pool, g.flag("floor")


def build(solution, given: dict):
    if isinstance(given, dict) and "layers" in given:
        return build_stack(solution, given)
    sizes, (in_channels, out_channels), pool, floor = read(given)
    unknown, value, steps = solve_size(sizes, floor=floor)
    if pool:
        return build_pool(solution, given, unknown, value, steps, in_channels)
    known = {**sizes, unknown: value}

    graph = solution.keep(Graph())

    def size(name, key):  # the size solved for is a result, not a given
        value = sympy.Integer(known[key])
        return graph.define(name, value) if key not in sizes else graph.given(name, value)
    K = size("K", "kernel")
    C_in = graph.given("C_in", sympy.Integer(in_channels), latex=r"C_{\mathrm{in}}")
    C_out = graph.given("C_out", sympy.Integer(out_channels), latex=r"C_{\mathrm{out}}")
    O = size("O", "output")
    graph.define("params", (K * K * C_in + 1) * C_out, latex=r"\#\mathrm{params}", text="#params")
    graph.define("params_no_bias", K * K * C_in * C_out, latex=r"\#\mathrm{params}_{\text{no bias}}",
                 text="#params without bias")
    graph.define("mults_per_output", K * K * C_in, latex=r"\#\mathrm{mults}_{\text{per output}}",
                 text="#mults per output value")
    graph.define("mults", O * O * C_out * graph["mults_per_output"].symbol, latex=r"\#\mathrm{mults}",
                 text="#mults")
    graph.evaluate()

    solution.statement = solution.statement or describe(sizes, in_channels, out_channels)
    solution.notation.update(SIZE_NOTATION)
    solution.notation.update(graph.notation())  # the graph's names win over the generic size names
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


def build_pool(solution, given, unknown, value, steps, channels):
    """A pooling layer (`"pool": true`): its size, and nothing to train or multiply."""
    sizes = {k: v for k, v in given.items() if k in SIZE_SYMBOLS}
    solution.statement = solution.statement or describe(sizes, channels, channels).replace("convolutional", "pooling")
    solution.notation.update(SIZE_NOTATION)
    part = solution.part("1", f"The {unknown} size.")
    part.steps += steps
    part.answer(KEYS[unknown], sympy.Integer(value), KEYS[unknown])
    part = solution.part("2", "Parameters and multiplications of a pooling layer.")
    part.steps.append(Remark(f"A pooling layer has no weights and compares rather than multiplies; "
                             f"it keeps its {channels} channels."))
    for key, latex in (("params", r"\#\mathrm{params}"), ("params_no_bias", r"\#\mathrm{params}_{\text{no bias}}"),
                       ("mults", r"\#\mathrm{mults}")):
        part.answer(key, sympy.Integer(0), latex)


def build_stack(solution, given: dict):
    g = Givens(given, "given", ("input", "in_channels", "layers"))
    size, channels = (g.integer(name, 1) for name in ("input", "in_channels"))
    records = conv_stack(size, channels, g.items("layers"), "given.layers")
    solution.statement = (f"A stack of {len(records)} square layers on a {size}×{size}×{channels} input: each "
                          "layer's output size, trainable parameters and multiplications, and the totals.")
    solution.notation.update({**SIZE_NOTATION, **STACK_NOTATION})
    part = solution.part("1", "Layer by layer: O = ⌊(I + 2P − D(K − 1) − 1)/S⌋ + 1, "
                              "(K·K·C_in + 1)·C_out parameters, O·O·C_out·K·K·C_in multiplications.")
    part.steps += stack_steps(records)
    for number, record in enumerate(records, start=1):
        part.answer(f"O_{number}", sympy.Integer(record["output"]), f"O_{{{number}}}")
        part.answer(f"C_{number}", sympy.Integer(record["out_channels"]), f"C_{{{number}}}")
        part.answer(f"params_{number}", sympy.Integer(record["params"]), rf"\#\mathrm{{params}}_{{{number}}}")
        part.answer(f"mults_{number}", sympy.Integer(record["mults"]), rf"\#\mathrm{{mults}}_{{{number}}}")
    part = solution.part("2", "The whole stack.")
    for key, label in (("params", r"\#\mathrm{params}"), ("params_no_bias", r"\#\mathrm{params}_{\text{no bias}}"),
                       ("mults", r"\#\mathrm{mults}")):
        terms = [sympy.Integer(r[key]) for r in records if not r["pool"]]
        total = sympy.Integer(sum(r[key] for r in records))
        part.steps.append(Relation((sympy.Symbol(key), sympy.Add(*terms, evaluate=False) if len(terms) > 1
                                    else total, total), reason="summed over the layers"))
        part.answer(key, total, label)
    solution.notation.update({"params": ("#params", r"\#\mathrm{params}"),
                              "params_no_bias": ("#params without bias", r"\#\mathrm{params}_{\text{no bias}}"),
                              "mults": ("#mults", r"\#\mathrm{mults}")})


def stack_steps(records) -> list:
    """Per layer: output size, parameters and multiplications with its numbers substituted."""
    steps = []
    for number, record in enumerate(records, start=1):
        layer = record["layer"]
        values = {I: record["input"], K: layer["kernel"], S: layer["stride"], P: layer["padding"],
                  D: layer["dilation"], C_in: record["in_channels"], C_out: record["out_channels"],
                  O: record["output"]}
        kind = "pooling" if record["pool"] else "convolution"
        note = (f"layer {number} ({kind}): k = {layer['kernel']}, s = {layer['stride']}, p = {layer['padding']}, "
                f"d = {layer['dilation']}, {record['in_channels']} → {record['out_channels']} channels")
        formulas = [(f"O_{number}", FLOORED_SIZE, "output")]
        if not record["pool"]:
            formulas += [(f"params_{number}", PARAMS, "params"), (f"mults_{number}", MULTS, "mults")]
        for name, formula, key in formulas:
            used = {sym: sympy.Integer(v) for sym, v in values.items() if sym in formula.free_symbols}
            steps.append(Evaluation(sympy.Symbol(name), formula, used, sympy.Integer(record[key]), note=note))
            note = ""
        if record["pool"]:
            steps.append(Remark(f"Layer {number} pools: no parameters, and its windows compare rather than "
                                "multiply."))
    return steps


def describe(sizes, in_channels, out_channels) -> str:
    known = ", ".join(f"{name} {value}" for name, value in sizes.items())
    task = "check the sizes" if {"input", "output", "kernel", "stride"} <= set(sizes) else "find the missing size"
    return (f"A square convolutional layer with {known}, {in_channels} input and {out_channels} output channels: "
            f"{task}, the trainable parameters and the multiplications.")


def random_given(rng) -> dict:
    kernel, stride, padding = rng.choice([1, 3, 5, 7]), rng.choice([1, 2]), rng.randint(0, 2)
    output = rng.randint(4, 32)
    size = (output - 1) * stride + kernel - 2 * padding
    if size < 1:
        size, padding = (output - 1) * stride + kernel, 0
    return {"input": size, "output": output, "stride": stride, "padding": padding,
            "in_channels": rng.choice([1, 3, 16]), "out_channels": rng.choice([8, 32, 64])}


PROBLEM = Problem(
    name="conv-arithmetic", title="Convolutional layer arithmetic", source="family", family="conv-arithmetic",
    build=build, given=GIVEN, random_given=random_given)
