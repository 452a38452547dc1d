"""000 Problem 3: an LSTM with scalar state and two-dimensional input."""
from __future__ import annotations

import problems
from problems import lstm

GIVEN = lstm.GIVEN

STATEMENT = (
    "An LSTM has a scalar state and inputs x_t ∈ R². Weights: W_f = [1 2], U_f = 0.5, b_f = 0.2; "
    "W_i = [−1 0], U_i = 2, b_i = −0.1; W_c = [1 2], U_c = 1.5, b_c = 0.5; W_o = [3 0], U_o = −1, "
    "b_o = 0.8. Inputs x_1 = (1, 0), x_2 = (0.5, −1); h_0 = c_0 = 0; targets y_1 = 0.5, y_2 = 0.8. "
    "(a) Give the dimensions of every gate and state. (b) Compute f, i, c̃, c, o and h for t = 1, 2. "
    "(c) Compute the loss ½ Σ_t (y_t − h_t)².")


def build(given: dict):
    return lstm.build(given, entry=problems.entry("lstm-forward"),
                      statement=STATEMENT if given == GIVEN else None)
