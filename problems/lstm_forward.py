"""000 Problem 3: an LSTM with scalar state and two-dimensional input."""
from __future__ import annotations

import math

from problems import S0, draw, lstm

#: no gate's pre-activation beyond this: σ and tanh keep a slope to compute with
LIMIT = 3
HALVES = (-2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2)


def random_given(rng) -> dict:
    """The seed's shape (scalar state, x_t ∈ R², two steps, two targets) with
    weights in halves, one-decimal biases and inputs in {−1, −½, 0, ½, 1}."""
    def given(rng):
        return {"x": [[rng.choice(HALVES[2:-2]) for _ in range(2)] for _ in range(2)], "h0": [0], "c0": [0],
                "W": {g: [[rng.choice(HALVES) for _ in range(2)]] for g in lstm.GATES},
                "U": {g: [[rng.choice([v for v in HALVES if v])]] for g in lstm.GATES},
                "b": {g: [draw.decimal(rng, -0.9, 0.9)] for g in lstm.GATES},
                "y": draw.decimals(rng, 2, -0.9, 0.9, nonzero=True), "loss": "half_sse"}
    return draw.until(rng, given, sensible, "lstm-forward")


def sensible(given) -> bool:
    """Every input non-zero, and every gate's pre-activation within ±LIMIT."""
    if any(all(v == 0 for v in x) for x in given["x"]):
        return False
    h = c = 0.0
    for x in given["x"]:
        z = {g: sum(w * v for w, v in zip(given["W"][g][0], x)) + given["U"][g][0][0] * h + given["b"][g][0]
             for g in lstm.GATES}
        if any(abs(v) > LIMIT for v in z.values()):
            return False
        f, i, o = (1 / (1 + math.exp(-z[g])) for g in "fio")
        c = f * c + i * math.tanh(z["c"])
        h = o * math.tanh(c)
    return True


def title(given) -> str:
    xs, h0, _, _, targets, _ = lstm.read(given)
    hidden, inputs, steps = h0.shape[0], xs[0].shape[0], len(xs)
    state = "a scalar-state LSTM" if hidden == 1 else f"an LSTM with hidden size {hidden}"
    space = "R" + str(inputs).translate(lstm.SUPERSCRIPTS) if inputs > 1 else "R"
    return f"Forward pass of {state} with inputs in {space} over {steps} step{'s' * (steps != 1)}"



def student_names() -> dict:
    """How hand solutions name this problem's quantities (for `derive check`)."""
    table = {f"{name}_{t}": f"{key}_{t}" for t in (1, 2)
             for name, key in (("f", "f"), ("i", "i"), (r"\tilde{c}", "ctilde"), ("c", "c"), ("o", "o"), ("h", "h"))}
    return {**table, "c_0": ("given", "c0", 0), "h_0": ("given", "h0", 0), r"\text{MSE}": "loss", "MSE": "loss"}


PROBLEM = lstm.PROBLEM.instance(
    names=student_names,
    name="lstm-forward", title="Forward pass of a scalar-state LSTM over two steps", source=f"{S0}, Problem 3",
    random_given=random_given, variant_title=title)
