"""Architecture arithmetic: output sizes, unknown layer sizes, parameters and
multiplications of convolutional layers.

The output size of a convolution along one axis is

    O = ⌊(I + 2P − D(K − 1) − 1) / S⌋ + 1,

where D(K − 1) + 1 is the effective (dilated) kernel.  Solving for an unknown
uses the exact equation (no floor), which is what a course asks; the values
that the floor would also accept are enumerated and reported beside it.
"""
from __future__ import annotations

import sympy

from .numbers import InputError
from .steps import Evaluation, Remark, Solved

I, O, K, S, P, D = sympy.symbols("I O K S P D", integer=True)
SIZE_SYMBOLS = {"input": I, "output": O, "kernel": K, "stride": S, "padding": P, "dilation": D}
SIZE_NOTATION = {"I": ("I", "I"), "O": ("O", "O"), "K": ("K", "K"), "S": ("S", "S"), "P": ("P", "P"),
                 "D": ("D", "D")}
EXACT_SIZE = (I + 2 * P - D * (K - 1) - 1) / S + 1
MINIMUM = {"input": 1, "output": 1, "kernel": 1, "stride": 1, "padding": 0, "dilation": 1}


def output_size(input: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """⌊(I + 2P − D(K − 1) − 1)/S⌋ + 1, the size PyTorch's Conv2d gives."""
    span = input + 2 * padding - dilation * (kernel - 1) - 1
    if span < 0:
        raise InputError(f"a kernel of effective size {dilation * (kernel - 1) + 1} does not fit "
                         f"an input of {input} with padding {padding}")
    return span // stride + 1


def solve_size(knowns: dict[str, int]) -> tuple[str, int, list]:
    """Solve O = (I + 2P − D(K−1) − 1)/S + 1 for the one unknown size.

    `knowns` maps names of SIZE_SYMBOLS to integers; padding defaults to 0
    and dilation to 1.  Returns (unknown, value, steps).
    """
    knowns = {"padding": 0, "dilation": 1, **knowns}
    for name, value in knowns.items():
        if name not in SIZE_SYMBOLS:
            raise InputError(f"unknown size {name!r}; expected {', '.join(SIZE_SYMBOLS)}")
        if not isinstance(value, int) or isinstance(value, bool) or value < MINIMUM[name]:
            raise InputError(f"{name}: expected an integer ≥ {MINIMUM[name]}, got {value!r}")
    missing = [n for n in SIZE_SYMBOLS if n not in knowns]
    if len(missing) != 1:
        raise InputError("exactly one of input, output, kernel, stride must be unknown; "
                         f"unknown now: {', '.join(missing) or 'none'}")
    unknown = missing[0]
    symbol = SIZE_SYMBOLS[unknown]
    values = {SIZE_SYMBOLS[n]: sympy.Integer(v) for n, v in knowns.items()}
    if unknown == "output":
        # Nothing to solve: the real layer floors, as PyTorch does.
        value = output_size(**knowns)
        floored = sympy.floor((I + 2 * P - D * (K - 1) - 1) / S) + 1
        return unknown, value, [Evaluation(target=O, formula=floored, bindings=values, value=sympy.Integer(value),
                                           note="output size of a convolution")]
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
        raise InputError(f"no integer {unknown} ≥ {MINIMUM[unknown]} fits these sizes (the equation gives {shown})")
    value = int(valid[0])
    floor_values = _floor_solutions(knowns, unknown)
    if len(floor_values) > 1:
        steps.append(Remark(
            f"With the floor of the real layer, {unknown} ∈ {{{', '.join(map(str, floor_values))}}} all give "
            f"output {output_size(**_sizes({**knowns, unknown: value}))}; only {value} uses every input position."))
    return unknown, value, steps


def _sizes(knowns):
    return {k: v for k, v in knowns.items() if k != "output"}


def _floor_solutions(knowns: dict, unknown: str) -> list[int]:
    """Every value of the unknown that the floored formula accepts."""
    if unknown == "output":
        return []
    bound = max(knowns.values()) * 4 + 8
    found = []
    for candidate in range(MINIMUM[unknown], bound):
        sizes = _sizes({**knowns, unknown: candidate})
        try:
            if output_size(**sizes) == knowns["output"]:
                found.append(candidate)
        except InputError:
            continue
    return found
