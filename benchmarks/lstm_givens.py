"""Givens of the `lstm` family for a sequence of length T (the default cell's
weights, deterministic inputs and targets), for `derive solve lstm --given`.

    python benchmarks/lstm_givens.py T > lstm-T.json
"""
from __future__ import annotations

import json
import math
import sys


def lstm_givens(T: int) -> dict:
    """The family's default weights (hidden size 1, input size 2) over T steps;
    inputs and targets follow smooth deterministic curves, so every run and
    every machine solves the same problem."""
    xs = [[round(math.sin(0.7 * t), 3), round(math.cos(0.3 * t), 3)] for t in range(T)]
    ys = [round(0.5 + 0.4 * math.sin(0.5 * t), 3) for t in range(T)]
    return {"x": xs, "h0": [0], "c0": [0],
            "W": {"f": [[1, 2]], "i": [[-1, 0]], "c": [[1, 2]], "o": [[3, 0]]},
            "U": {"f": [[0.5]], "i": [[2]], "c": [[1.5]], "o": [[-1]]},
            "b": {"f": [0.2], "i": [-0.1], "c": [0.5], "o": [0.8]},
            "y": ys, "loss": "half_sse"}


if __name__ == "__main__":
    json.dump(lstm_givens(int(sys.argv[1])), sys.stdout)
    print()
