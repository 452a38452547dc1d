"""001 §6: backpropagation through a valid cross-correlation, a 2×2 max-pool
with stride 1 and an MSE loss, then one gradient step on the kernel."""
from __future__ import annotations

from derive.core.steps import Remark
from problems import S1, cnn, draw

NOTES = (
    "On the seed: its MSE line lists eight of the nine squared differences (the term (−29 − 1)² = 900 is "
    "missing) and writes (71 − 1)² for the entry M[2,1], whose target is 0; its total 3442.44 is nevertheless "
    "right, as is every later number. It writes ∂L/∂F = Xᵀ × ∂L/∂O, but the numbers are those of the "
    "correlation X ⋆ ∂L/∂O computed above.",
)


def statement(given: dict) -> str:
    own = "Reconstructed from the solution (the seed's figure is missing): " if given == cnn.GIVEN else ""
    return own + cnn.statement(given)


def build(solution, given: dict):
    cnn.build(solution, given)
    if not solution.variant:  # the remarks are about the seed's own numbers
        solution.parts[-1].steps += [Remark(note) for note in NOTES]



STUDENT_NAMES = {r"\hat{L}": ("given", "target"), r"F_{\text{old}}": ("given", "F"),
                             r"F_{\text{new}}": "F_new", r"\eta": ("given", "lr"), "X": ("given", "X"),
                             "F": ("given", "F"), r"\text{MSE}_{\text{Loss}}": "loss"}


def random_given(rng) -> dict:
    """The seed's shapes (6×6 input, 3×3 kernel, 2×2 max-pool with stride 1,
    MSE against I₃) with small integers, drawn until every pooling window
    has a single maximum, so that the routing of ∂L/∂M is unambiguous."""
    def given(rng):
        return {"X": [[rng.randint(-9, 9) for _ in range(6)] for _ in range(6)],
                "F": [[rng.randint(-2, 2) for _ in range(3)] for _ in range(3)],
                "stride": 1, "padding": 0, "pool": {"kind": "max", "size": 2, "stride": 1},
                "target": [[int(i == j) for j in range(3)] for i in range(3)],
                "loss": "mse", "lr": rng.choice([0.0005, 0.001])}
    return draw.until(rng, given, single_maxima, "cnn-backprop-example")


def single_maxima(given) -> bool:
    """A kernel that is not almost zero, and one maximum in every 2×2 window of O."""
    X, F = given["X"], given["F"]
    if sum(map(abs, sum(F, []))) < 4:
        return False
    O = [[sum(X[r + m][c + n] * F[m][n] for m in range(3) for n in range(3)) for c in range(4)] for r in range(4)]
    windows = [[O[r][c], O[r][c + 1], O[r + 1][c], O[r + 1][c + 1]] for r in range(3) for c in range(3)]
    return all(window.count(max(window)) == 1 for window in windows)


LOSS_NAMES = {"mse": "MSE", "sse": "a sum of squares", "half_sse": "half a sum of squares"}


def title(given: dict) -> str:
    X, F, stride, padding, (kind, size, pool_stride), _, loss, _ = cnn.read(given)
    conv = f"a {X.shape[0]}×{X.shape[1]} ⋆ {F.shape[0]}×{F.shape[1]} convolution"
    if (stride, padding) != (1, 0):
        conv += f" (stride {stride}, padding {padding})"
    return (f"Backpropagation through {conv}, {size}×{size} {kind}-pool (stride {pool_stride}) "
            f"and {LOSS_NAMES[loss]}")


PROBLEM = cnn.PROBLEM.instance(
    names=STUDENT_NAMES,
    name="cnn-backprop-example", title="Backpropagation through convolution, max-pool and MSE", source=f"{S1}, §6",
    build=build, statement=statement, random_given=random_given, variant_title=title)
