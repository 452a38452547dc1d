"""001 §6: backpropagation through a valid cross-correlation, a 2×2 max-pool
with stride 1 and an MSE loss, then one gradient step on the kernel."""
from __future__ import annotations

import problems
from problems import cnn

GIVEN = cnn.GIVEN

STATEMENT = (
    "Reconstructed from the solution (the seed's figure is missing): the 6×6 input X is cross-correlated "
    "(valid, stride 1, no padding) with the 3×3 kernel F = [1 0 −1; 2 0 −2; 1 0 −1] to give the 4×4 map O; "
    "O is max-pooled with 2×2 windows and stride 1 to give the 3×3 map M; the loss is the mean squared error "
    "between M and the target L̂ = I₃. Write the backward pass for M, O and F and update F by one "
    "gradient-descent step with learning rate η = 0.0005.")

NOTES = (
    "On the seed: its MSE line lists eight of the nine squared differences (the term (−29 − 1)² = 900 is "
    "missing) and writes (71 − 1)² for the entry M[2,1], whose target is 0; its total 3442.44 is nevertheless "
    "right, as is every later number. It writes ∂L/∂F = Xᵀ × ∂L/∂O, but the numbers are those of the "
    "correlation X ⋆ ∂L/∂O computed above.",
)


def build(given: dict):
    seed = given == GIVEN
    return cnn.build(given, entry=problems.entry("cnn-backprop-example"),
                     statement=STATEMENT if seed else None, notes=NOTES if seed else ())
