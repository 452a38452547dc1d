"""001 §6: backpropagation through a valid cross-correlation, a 2×2 max-pool
with stride 1 and an MSE loss, then one gradient step on the kernel."""
from __future__ import annotations

from derive.core.steps import Remark
from problems import S1, cnn

NOTES = (
    "On the seed: its MSE line lists eight of the nine squared differences (the term (−29 − 1)² = 900 is "
    "missing) and writes (71 − 1)² for the entry M[2,1], whose target is 0; its total 3442.44 is nevertheless "
    "right, as is every later number. It writes ∂L/∂F = Xᵀ × ∂L/∂O, but the numbers are those of the "
    "correlation X ⋆ ∂L/∂O computed above.",
)


def statement(given: dict) -> str:
    return "Reconstructed from the solution (the seed's figure is missing): " + cnn.statement(given)


def build(solution, given: dict):
    cnn.build(solution, given)
    if not solution.variant:  # the remarks are about the seed's own numbers
        solution.parts[-1].steps += [Remark(note) for note in NOTES]



STUDENT_NAMES = {r"\hat{L}": ("given", "target"), r"F_{\text{old}}": ("given", "F"),
                             r"F_{\text{new}}": "F_new", r"\eta": ("given", "lr"), "X": ("given", "X"),
                             "F": ("given", "F"), r"\text{MSE}_{\text{Loss}}": "loss"}


PROBLEM = cnn.PROBLEM.instance(
    names=STUDENT_NAMES,
    name="cnn-backprop-example", title="Backpropagation through convolution, max-pool and MSE", source=f"{S1}, §6",
    build=build, statement=statement)
