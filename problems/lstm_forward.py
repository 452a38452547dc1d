"""000 Problem 3: an LSTM with scalar state and two-dimensional input."""
from __future__ import annotations

from problems import S0, lstm

PROBLEM = lstm.PROBLEM.instance(
    name="lstm-forward", title="Forward pass of a scalar-state LSTM over two steps", source=f"{S0}, Problem 3")
