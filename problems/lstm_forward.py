"""000 Problem 3: an LSTM with scalar state and two-dimensional input."""
from __future__ import annotations

from problems import S0, lstm


def student_names() -> dict:
    """How hand solutions name this problem's quantities (for `derive check`)."""
    table = {f"{name}_{t}": f"{key}_{t}" for t in (1, 2)
             for name, key in (("f", "f"), ("i", "i"), (r"\tilde{c}", "ctilde"), ("c", "c"), ("o", "o"), ("h", "h"))}
    return {**table, "c_0": ("given", "c0", 0), "h_0": ("given", "h0", 0), r"\text{MSE}": "loss", "MSE": "loss"}


PROBLEM = lstm.PROBLEM.instance(
    names=student_names,
    name="lstm-forward", title="Forward pass of a scalar-state LSTM over two steps", source=f"{S0}, Problem 3")
