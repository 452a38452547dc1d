"""Architecture arithmetic: output sizes, unknown layer sizes, parameters and
multiplications of convolutional layers.

The output size of a convolution along one axis is

    O = ⌊(I + 2P − D(K − 1) − 1) / S⌋ + 1,

where D(K − 1) + 1 is the effective (dilated) kernel.  Solving for an unknown
uses the exact equation (no floor), which is what a course asks; the values
that the floor would also accept are enumerated and reported beside it.
"""
from __future__ import annotations

import bisect

import sympy

from derive.architecture.stack import MAXIMUM, read_layers
from derive.core.numbers import InputError
from derive.core.steps import Evaluation, Remark, Solved

I, O, K, S, P, D = sympy.symbols("I O K S P D", integer=True)
SIZE_SYMBOLS = {"input": I, "output": O, "kernel": K, "stride": S, "padding": P, "dilation": D}
SIZE_NOTATION = {"I": ("I", "I"), "O": ("O", "O"), "K": ("K", "K"), "S": ("S", "S"), "P": ("P", "P"),
                 "D": ("D", "D")}
EXACT_SIZE = (I + 2 * P - D * (K - 1) - 1) / S + 1
MINIMUM = {"input": 1, "output": 1, "kernel": 1, "stride": 1, "padding": 0, "dilation": 1}
#: Whether the output size grows (True) or shrinks as each size grows.
GROWS_OUTPUT = {"input": True, "padding": True, "kernel": False, "stride": False, "dilation": False}


def output_size(input: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """⌊(I + 2P − D(K − 1) − 1)/S⌋ + 1, the size PyTorch's Conv2d gives."""
    span = input + 2 * padding - dilation * (kernel - 1) - 1
    if span < 0:
        raise InputError(f"a kernel of effective size {dilation * (kernel - 1) + 1} does not fit "
                         f"an input of {input} with padding {padding}")
    return span // stride + 1


def solve_size(knowns: dict[str, int], where: str = "given", floor: bool = False) -> tuple[str, int, list]:
    """Solve O = (I + 2P − D(K−1) − 1)/S + 1 for the one unknown size.

    `knowns` maps names of SIZE_SYMBOLS to integers; padding defaults to 0
    and dilation to 1.  Returns (unknown, value, steps).  With every size
    known, the output is checked against the others instead (unknown is then
    "output").  A stride that does not divide is an error unless `floor`
    (PyTorch's rule, which drops the positions no window reaches).  Errors
    name the field as `where.name`.
    """
    knowns = {"padding": 0, "dilation": 1, **knowns}
    for name, value in knowns.items():
        if name not in SIZE_SYMBOLS:
            raise InputError(f"{where}: unknown size {name!r}; expected {', '.join(SIZE_SYMBOLS)}")
        if not isinstance(value, int) or isinstance(value, bool) or not MINIMUM[name] <= value <= MAXIMUM:
            raise InputError(f"{where}.{name}: expected an integer from {MINIMUM[name]} to {MAXIMUM}, got {value!r}")
    missing = [n for n in SIZE_SYMBOLS if n not in knowns]
    if not missing:
        return "output", knowns["output"], _check_output(knowns, where, floor)
    if len(missing) != 1:
        raise InputError(f"{where}: give all but one of input, output, kernel, stride; "
                         f"missing now: {', '.join(missing)}")
    unknown = missing[0]
    symbol = SIZE_SYMBOLS[unknown]
    values = {SIZE_SYMBOLS[n]: sympy.Integer(v) for n, v in knowns.items()}
    if unknown == "output":
        value, steps = _output_steps(knowns, values, where, floor)
        return unknown, value, steps
    substituted = sympy.Eq(values.get(O, O), EXACT_SIZE.xreplace(values), evaluate=False)
    steps = [Evaluation(target=O, formula=EXACT_SIZE, bindings={s: v for s, v in values.items() if s != O},
                        note="output size of a convolution, when the stride divides exactly")]
    # Solved over the reals, so that a fractional answer is shown, not hidden.
    real = sympy.Symbol(symbol.name, real=True)
    roots = sympy.solve(sympy.Eq(substituted.lhs, substituted.rhs).xreplace({symbol: real}), real)
    valid = [r for r in roots if r.is_integer and r >= MINIMUM[unknown]]
    steps.append(Solved(substituted, symbol, tuple(roots), reason="solved for the unknown"))
    if not valid:
        shown = ", ".join(map(str, roots)) or "none"
        raise InputError(f"{where}: no integer {unknown} ≥ {MINIMUM[unknown]} fits these sizes "
                         f"(the equation gives {unknown} = {shown})")
    value = int(valid[0])
    floor_values = _floor_solutions(knowns, unknown)
    if len(floor_values) > 1:
        steps.append(Remark(
            f"With the floor of the real layer, {unknown} ∈ {{{', '.join(map(str, floor_values))}}} all give "
            f"output {output_size(**_sizes({**knowns, unknown: value}))}; only {value} uses every input position."))
    return unknown, value, steps


FLOORED_SIZE = sympy.floor((I + 2 * P - D * (K - 1) - 1) / S) + 1


def _output_steps(knowns, values, where, floor=True):
    """O with the floor, as PyTorch computes it, and a remark when the stride
    does not divide (an error unless `floor`)."""
    try:
        value = output_size(**_sizes(knowns))
    except InputError as error:
        raise InputError(f"{where}.kernel: {error}") from None
    steps = [Evaluation(target=O, formula=FLOORED_SIZE, bindings={s: v for s, v in values.items() if s != O},
                        value=sympy.Integer(value), note="output size of a convolution")]
    span = knowns["input"] + 2 * knowns["padding"] - knowns["dilation"] * (knowns["kernel"] - 1) - 1
    if span % knowns["stride"] and not floor:
        raise InputError(f"{where}.stride: {knowns['stride']} does not divide I + 2P − D(K − 1) − 1 = {span}, "
                         f"so the last {span % knowns['stride']} input position(s) fit no window; "
                         "give \"floor\": true to take the floor as PyTorch does")
    if span % knowns["stride"]:
        steps.append(Remark(f"The stride {knowns['stride']} does not divide I + 2P − D(K − 1) − 1 = {span}: "
                            f"the floor drops the last {span % knowns['stride']} input position(s), "
                            "which no window reaches."))
    return value, steps


def _check_output(knowns, where, floor):
    """Every size given: the output must be the one the others produce."""
    values = {SIZE_SYMBOLS[n]: sympy.Integer(v) for n, v in knowns.items()}
    expected, steps = _output_steps(knowns, values, where, floor)
    if expected != knowns["output"]:
        others = ", ".join(f"{n} {knowns[n]}" for n in SIZE_SYMBOLS if n != "output")
        raise InputError(f"{where}.output: {knowns['output']} is inconsistent with {others}, "
                         f"which give output {expected}")
    steps.append(Remark("Every size was given; they are consistent."))
    return steps


def _sizes(knowns):
    return {k: v for k, v in knowns.items() if k != "output"}


def _floor_solutions(knowns: dict, unknown: str) -> list[int]:
    """Every value of the unknown that the floored formula accepts.

    The output is monotone in every size, so the values that give the wanted
    output form an interval, found by bisection (sizes reach MAXIMUM)."""
    if unknown == "output":
        return []

    def output_for(candidate):
        try:
            size = output_size(**_sizes({**knowns, unknown: candidate}))
        except InputError:
            size = 0  # no window fits: the smallest output of all
        return size if GROWS_OUTPUT[unknown] else -size

    target = knowns["output"] if GROWS_OUTPUT[unknown] else -knowns["output"]
    candidates = range(MINIMUM[unknown], 4 * max(knowns.values()) + 8)
    first = bisect.bisect_left(candidates, target, key=output_for)
    last = bisect.bisect_right(candidates, target, key=output_for)
    return list(candidates[first:last])


# --- a whole stack -----------------------------------------------------------------

C_in, C_out = sympy.symbols("C_in C_out", integer=True, positive=True)
STACK_NOTATION = {"C_in": ("C_in", r"C_{\mathrm{in}}"), "C_out": ("C_out", r"C_{\mathrm{out}}")}
PARAMS = (K * K * C_in + 1) * C_out
MULTS = O * O * C_out * K * K * C_in


def conv_stack(input_size: int, in_channels: int, layers, where: str = "given.layers") -> list[dict]:
    """Per layer of a square conv/pool stack: input and output size, channels,
    parameters (with and without bias) and multiplications.

    Layers are the dictionaries `receptive_field` takes (kernel, stride,
    padding, dilation), plus `out_channels` for a convolution or
    `"pool": true` for a pooling layer (channels kept, no parameters, no
    multiplications).
    """
    records = []
    size, channels = input_size, in_channels
    for index, layer in enumerate(read_layers(layers, where)):
        at = f"{where}[{index}]"
        sizes = {name: layer[name] for name in ("kernel", "stride", "padding", "dilation")}
        try:
            out = output_size(size, **sizes)
        except InputError as error:
            raise InputError(f"{at}.kernel: {error} (the input of layer {index + 1} is {size})") from None
        pool = layer.get("pool", False)
        if pool and "out_channels" in layer and layer["out_channels"] != channels:
            raise InputError(f"{at}.out_channels: a pooling layer keeps its {channels} channels")
        if not pool and "out_channels" not in layer:
            raise InputError(f'{at}.out_channels: missing (a convolution needs it; mark a pooling layer "pool": true)')
        out_channels = channels if pool else layer["out_channels"]
        per_output = 0 if pool else layer["kernel"] ** 2 * channels
        records.append({"input": size, "output": out, "in_channels": channels, "out_channels": out_channels,
                        "pool": pool, "layer": layer,
                        "params": 0 if pool else (per_output + 1) * out_channels,
                        "params_no_bias": 0 if pool else per_output * out_channels,
                        "mults": out * out * out_channels * per_output})
        size, channels = out, out_channels
    return records
