"""002 Problem 1: forward and backward pass of a small GAN, with the weights
the seed never states recovered from the values it publishes.

The seed gives z, h₀, the deconvolution output before and after its bias
(hence the bias b₁), p(y = 0) and the gradients, but not w₀, b₀, w₁, w₂, b₂.
What its numbers determine is recovered here with SymPy:

- w₂ up to a scale c from ∇H₂ = (1 − p) w₂ (its entries are integer
  multiples k of the smallest), the product (1 − p)c from ∇h₁; c = 1/10 is
  assumed, and b₂ follows from 1 − p.  The published p itself is not used: it
  was computed from a mistyped entry of H₂, as the solution shows;
- w₁ (two 3×3 kernels, 18 unknowns) from the linear system of the
  deconvolution's 16 published outputs and the 8 published entries of ∇h₁,
  solved by least squares (the published numbers are rounded), and then
  rounded to the fewest decimals that still reproduce every published value;
- w₀, b₀ are not determined (8 equations, 24 unknowns) and nothing
  downstream depends on them beyond h₀: b₀ = 0 and w₀ the minimum-norm
  solution of w₀ᵀz = h₀ are assumed.
"""
from __future__ import annotations

import functools

import sympy
from sympy import ImmutableMatrix, MatrixSymbol, Rational

from derive.nn.convolution import Correlation
from derive.core.matrices import explicit
from derive.core.numbers import PRECISION, format_decimal
from derive.core.steps import Remark
from problems import S2, draw, gan


def _decimals(rows, scale="1"):
    """The seed's printed numbers, exactly (strings keep their precision)."""
    return [[Rational(v) * Rational(scale) for v in row.split()] for row in rows]


#: What the seed publishes (002, Problem 1), with the printed precision.
PUBLISHED = {
    "z": ["0.4", "0.8"],
    "h0": "0.38 1.40 0.96 1.06 0.70 1.54 1.62 1.06".split(),
    "d2": ["0.324 1.066 1.134 1.002", "1.060 2.820 4.064 1.324", "1.058 4.358 3.022 0.844",
           "1.624 1.880 0.978 0.318"],
    "b1": ["0.1 0.5 0.6 0.3", "0.2 0.4 0.8 0.1", "0.1 0.3 0.7 0.2", "0.3 0.1 0.2 0.1"],
    "H2": "0.424 1.260 1.158 1.924 1.566 3.220 4.658 1.980 1.734 4.864 3.722 1.078 1.302 1.424 1.044 0.418".split(),
    "p": "0.999994394742746",
    "dL_dH2": ("0.0544 0.1088 0.1632 0.1088 0.2176 0.3264 0.3808 0.0544 0.0544 0.1088 0.2720 0.1632 0.0544 "
               "0.1088 0.3264 0.4896").split(),  # × 10⁻⁵
    "dL_dw1_1": ["0.1164 0.0655 0.0638", "0.0873 0.1050 0.0987", "0.0341 0.0707 0.0728"],  # × 10⁻⁴
    "dL_dw1_2": ["0.1489 0.0964 0.0956", "0.1017 0.1279 0.1260", "0.0409 0.0858 0.0904"],  # × 10⁻⁴
    "dL_dh1_1": ["0.6256 0.5494", "0.5875 0.5657"],  # × 10⁻⁵
    "dL_dh1_2": ["0.6256 0.6201", "0.7126 0.7398"],  # × 10⁻⁵
    "dL_dh0": "0.6256 0.5875 0.5494 0.5657 0.6256 0.7126 0.6201 0.7398".split(),  # × 10⁻⁵
    # The seed's ∇w₀ = ∇h₀ zᵀ is 8×2: the gradient with respect to w₀ᵀ.  × 10⁻⁵
    "dL_dw0T": ["0.2502 0.5004", "0.2350 0.4700", "0.2198 0.4395", "0.2263 0.4526", "0.2502 0.5004",
                "0.2850 0.5701", "0.2480 0.4961", "0.2959 0.5918"],
}
SCALES = {"dL_dH2": "1e-5", "dL_dw1_1": "1e-4", "dL_dw1_2": "1e-4", "dL_dh1_1": "1e-5", "dL_dh1_2": "1e-5",
          "dL_dh0": "1e-5", "dL_dw0T": "1e-5"}


def published(name) -> ImmutableMatrix:
    """A published quantity as an exact matrix (vectors as columns)."""
    value, scale = PUBLISHED[name], SCALES.get(name, "1")
    if isinstance(value, str):
        return ImmutableMatrix([[Rational(value)]])
    if " " in value[0]:
        return ImmutableMatrix(_decimals(value, scale))
    return ImmutableMatrix([[Rational(v) * Rational(scale)] for v in value])


def _vec_blocks(h0, side=2):
    """h₁ᵏ: consecutive blocks of h₀, column-major (as the seed's reshape)."""
    return [ImmutableMatrix(side, side, lambda i, j, k=k: h0[k * side * side + j * side + i]) for k in range(2)]


def recover_w1():
    """Least squares over the 16 deconvolution outputs and the 8 entries of ∇h₁
    (scaled to the same order of magnitude), exactly, by the normal equations.
    ∇h₂ is the published ∇H₂ here; its scale is refined afterwards.

    Returns the exact solution, the rounded kernels and the decimals used: the
    fewest that reproduce the published deconvolution output."""
    h1 = _vec_blocks(published("h0"))
    kernels = [MatrixSymbol(f"w1_{k}", 3, 3) for k in (1, 2)]
    unknowns = [w[i, j] for w in kernels for i in range(3) for j in range(3)]
    layers = [Correlation(h, w, 1, 2) for h, w in zip(h1, kernels)]
    equations = list(_deconvolution(layers) - published("d2"))
    for k, op in enumerate(layers, start=1):
        pulled = explicit(op.pullback(0, _as_matrix(published("dL_dH2"))), {})
        equations += list((pulled - published(f"dL_dh1_{k}")) * 10**5)
    A, b = sympy.linear_eq_to_matrix(equations, unknowns)
    exact = (A.T * A).solve(A.T * b)
    for decimals in range(1, 7):
        rounded = [ImmutableMatrix(3, 3, [_round(v, decimals) for v in exact[9 * k:9 * k + 9]]) for k in range(2)]
        if agrees(_deconvolution([Correlation(h, w, 1, 2) for h, w in zip(h1, rounded)]), "d2"):
            return exact, rounded, decimals
    raise ValueError("no rounding of the least-squares kernels reproduces the published deconvolution")


def _round(value, decimals):
    return Rational(round(value * 10**decimals), 10**decimals)


def _deconvolution(layers):
    return sum((explicit(op, {}) for op in layers), sympy.zeros(4, 4))


def _as_matrix(vector, side=4):
    """vec⁻¹: a column-major vector back to a side×side matrix."""
    return ImmutableMatrix(side, side, lambda i, j: vector[side * j + i])


def gradient_pattern():
    """∇H₂ ∝ w₂: the smallest integers k proportional to the published ∇H₂."""
    gradient = published("dL_dH2")
    ratios = gradient / min(gradient)
    k = ratios.applyfunc(lambda v: sympy.Integer(round(v)))
    if k != ratios:
        raise ValueError("the published ∇H₂ is not a multiple of an integer vector")
    return k


def gradient_scale(kernels):
    """g = (1 − p)·c in ∇h₂ = g·vec⁻¹(k), by least squares on the 8 published ∇h₁
    (linear in g once w₁ is known)."""
    h1 = _vec_blocks(published("h0"))
    pattern = _as_matrix(gradient_pattern())
    model = [explicit(Correlation(h, w, 1, 2).pullback(0, pattern), {}) for h, w in zip(h1, kernels)]
    data = [published(f"dL_dh1_{k}") for k in (1, 2)]
    numerator = sum(sum(a * b for a, b in zip(m, d)) for m, d in zip(model, data))
    return numerator / sum(sum(a * a for a in m) for m in model)


#: The scale c of w₂ = c·k: ∇H₂ fixes only the product (1 − p)c.
W2_SCALE = Rational(1, 10)


def recover_w2_b2(kernels):
    """w₂ = c·k with c = 1/10 (assumed); then 1 − p = g / c, and
    b₂ = logit p − w₂ᵀH₂ with H₂ = vec(d₂ + b₁), rounded to the fewest
    decimals that keep ∇H₂ and ∇h₁ at the published values."""
    w2 = W2_SCALE * gradient_pattern()
    q = gradient_scale(kernels) / W2_SCALE
    H2 = _vec(published("d2") + published("b1"))
    exact = (sympy.log((1 - q) / q) - (w2.T * H2)[0, 0]).evalf(PRECISION)
    for decimals in range(1, 9):
        b2 = _round(exact, decimals)
        gradient = (1 - _sigmoid((w2.T * H2)[0, 0] + b2)) * w2
        if agrees(gradient, "dL_dH2"):
            return w2, b2, exact
    raise ValueError("no rounding of b₂ reproduces the published ∇H₂")


def _sigmoid(x):
    return 1 / (1 + sympy.exp(-x))


def _vec(matrix):
    rows, cols = matrix.shape
    return ImmutableMatrix(rows * cols, 1, lambda k, _: matrix[k % rows, k // rows])


def recover_w0():
    """b₀ = 0 (assumed) and the minimum-norm w₀ with w₀ᵀz = h₀: w₀ = z h₀ᵀ / (zᵀz)."""
    z = ImmutableMatrix([[Rational(v)] for v in PUBLISHED["z"]])
    return z * published("h0").T / (z.T * z)[0, 0]


@functools.cache
def recovered_given() -> dict:
    _, kernels, _ = recover_w1()
    w2, b2, _ = recover_w2_b2(kernels)
    w0 = recover_w0()
    return {"z": [float(Rational(v)) for v in PUBLISHED["z"]],
            "w0": [[float(v) for v in w0.row(i)] for i in range(w0.shape[0])],
            "b0": [0] * 8,
            "w1": [[[float(v) for v in k.row(i)] for i in range(3)] for k in kernels],
            "b1": [[float(v) for v in published("b1").row(i)] for i in range(4)],
            "stride": 1, "padding": 0, "deconvolution": "padded_correlation",
            "w2": [float(v) for v in w2], "b2": float(b2)}


def seed_p_from_mistyped_H2():
    """p(y = 0) computed as the seed did, from its H₂ vector with the 12th entry 1.078."""
    _, kernels, _ = recover_w1()
    w2, b2, _ = recover_w2_b2(kernels)
    return _sigmoid((w2.T * published("H2"))[0, 0] + b2).evalf(PRECISION)


def printed_places(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def agrees(value, name) -> bool:
    """True when every entry of `value` rounds to the seed's printed number."""
    scale = Rational(SCALES.get(name, "1"))
    texts = _texts(name)
    values = list(value) if isinstance(value, sympy.MatrixBase) else [value]
    if len(values) != len(texts):
        return False
    return all(abs(v - Rational(t) * scale) <= Rational(1, 2) * Rational(10) ** -printed_places(t) * scale
               + Rational(1, 10**12) * scale for v, t in zip(values, texts))


STATEMENT = (
    "Forward and backward propagation for a simple GAN (reconstructed from the solution; the seed states no "
    "weights). z = (0.4, 0.8)ᵀ; h₀ = ReLU(w₀ᵀz + b₀) ∈ R⁸; h₁ = reshape(h₀) into two 2×2 channels h₁¹, h₁² "
    "(column-major); h₂ = ReLU(Deconv(h₁, w₁) + b₁) ∈ R⁴ˣ⁴ with a 3×3×2 kernel w₁, where Deconv cross-correlates "
    "each channel, padded with two zeros, with its kernel and sums the channels; H₂ = vec(h₂); "
    "p(y = 0) = σ(w₂ᵀH₂ + b₂). Compute h₀, h₁, h₂, H₂ and p(y = 0), then the gradients of L = log p(y = 0) "
    "with respect to H₂, h₂, w₁, h₁, h₀ and w₀.")


def notes(given) -> list[str]:
    exact, kernels, decimals = recover_w1()
    w2, b2, b2_exact = recover_w2_b2(kernels)
    k = ", ".join(str(v) for v in gradient_pattern())
    g = gradient_scale(kernels)
    return [
        "Given by the seed: z, h₀ (so h₁), the deconvolution output before its bias and the bias b₁ itself, "
        "p(y = 0), and the gradients ∇H₂, ∇w₁, ∇h₁, ∇h₀, ∇w₀.",
        "Recovered: w₁ from the 24 linear equations given by the deconvolution's 16 outputs and the 8 entries "
        "of ∇h₁ (18 unknowns, full column rank), solved by least squares because the published numbers are "
        f"rounded; the solution lies within {_largest_rounding(exact, decimals)} of kernels with {decimals} "
        "decimal(s), which reproduce the deconvolution output, and those are used.",
        f"Recovered: ∇H₂ = (1 − p)w₂ is exactly proportional to k = ({k}), so w₂ = c·k. With w₁ known, the "
        f"eight ∇h₁ fix the product (1 − p)c = {_decimal(g)} by least squares.",
        f"Assumed: c = {_decimal(W2_SCALE)} (one-decimal weights, like every other weight of the problem); then "
        f"1 − p = {_decimal(g / W2_SCALE)} and b₂ = logit p − w₂ᵀH₂ = {_decimal(b2_exact)}, taken as "
        f"{_decimal(b2)}, with H₂ = vec(h₂) from the matrix h₂.",
        "Assumed: b₀ = 0 and w₀ = z h₀ᵀ / (zᵀz), the minimum-norm solution of w₀ᵀz = h₀. The seed's numbers "
        "do not determine w₀ and b₀ (8 equations, 24 unknowns); no published value depends on them beyond h₀.",
        "Convention of the seed kept: Deconv(h₁ᵏ, w₁ᵏ) is the cross-correlation of h₁ᵏ padded with two zeros "
        "on every side (given 'deconvolution': 'padded_correlation'); PyTorch's transposed convolution would "
        "use the same kernels rotated by 180°.",
    ]


def _decimal(value, digits=6) -> str:
    return format_decimal(float(value), digits)


def _largest_rounding(exact, decimals) -> str:
    gap = max(abs(v - _round(v, decimals)) for v in exact)
    return f"{float(gap):.1e}"


def comparison(solution) -> list[str]:
    """Each published value against the engine's, at the seed's precision."""
    a = solution.answers
    checks = [("h₀", a["h0"].expr, "h0"), ("Deconv(h₁, w₁)", a["d2"].expr, "d2"), ("H₂", a["H2"].expr, "H2"),
              ("p(y = 0)", a["p"].expr, "p"), ("∇H₂", a["dL_dH2"].expr, "dL_dH2"),
              ("∇w₁¹", a["dL_dw1_1"].expr, "dL_dw1_1"), ("∇w₁²", a["dL_dw1_2"].expr, "dL_dw1_2"),
              ("∇h₁¹", a["dL_dh1_1"].expr, "dL_dh1_1"), ("∇h₁²", a["dL_dh1_2"].expr, "dL_dh1_2"),
              ("∇h₀", a["dL_dh0"].expr, "dL_dh0"), ("∇w₀ (the seed's 8×2, i.e. (∂L/∂w₀)ᵀ)",
                                                    a["dL_dw0"].expr.T, "dL_dw0T")]
    lines = []
    for label, value, name in checks:
        if agrees(value, name):
            lines.append(f"{label}: the published values are reproduced at the precision printed.")
        else:
            lines.append(f"{label}: NOT reproduced; " + _differences(value, name))
    return lines


def _texts(name) -> list[str]:
    raw = PUBLISHED[name]
    if isinstance(raw, str):
        return [raw]
    return [t for row in raw for t in row.split()] if " " in raw[0] else list(raw)


def _differences(value, name) -> str:
    scale = Rational(SCALES.get(name, "1"))
    texts = _texts(name)
    values = list(value) if isinstance(value, sympy.MatrixBase) else [value]
    wrong = [(k, t, v) for k, (v, t) in enumerate(zip(values, texts))
             if abs(v - Rational(t) * scale) > Rational(1, 2) * Rational(10) ** -printed_places(t) * scale]
    return "; ".join(f"entry {k + 1}: the seed has {t}, the engine {_decimal(v / scale, max(6, len(t) - 1))}" for k, t, v in wrong)


def statement(given: dict) -> str:
    if given != recovered_given():
        return gan.statement(given)
    return STATEMENT


def build(solution, given: dict):
    seed = given == recovered_given()
    gan.build(solution, given, notes=notes(given) if seed else ())
    if seed:
        part = solution.part("d", "The recovered instance against every value the seed publishes.")
        part.steps += [Remark(line) for line in comparison(solution)]
        seed_p = seed_p_from_mistyped_H2()
        verdict = "reproduces" if agrees(seed_p, "p") else "does not reproduce"
        part.steps.append(Remark(
            f"With the seed's own H₂ vector (12th entry 1.078) these weights give p(y = 0) = {_decimal(seed_p, 15)}, "
            f"which {verdict} the published p: the seed computed p from its mistyped H₂ and the gradients from "
            "the correct one."))


#: the discriminator's logit w₂ᵀH₂ + b₂ of a variant stays within this, so p(y = 0) is no 0.99999
LOGIT = 3
#: every ReLU of a variant is this far on, so none is dead
ACTIVE = 0.1


def random_given(rng) -> dict:
    """The seed's architecture (z ∈ R², h₀ ∈ R⁸ as two 2×2 channels, two 3×3
    kernels, a 4×4 map, the same deconvolution) with one-decimal weights,
    drawn layer by layer so that every ReLU is active and p is not
    saturated, as the seed's own p = 0.999994 is."""
    def dense(rng):
        return {"z": draw.decimals(rng, 2, 0.1, 1), "w0": draw.matrix(rng, 2, 8, -0.3, 1),
                "b0": draw.decimals(rng, 8, -0.2, 0.2)}

    def deconvolution(rng):
        return {"w1": [draw.matrix(rng, 3, 3, 0, 0.9) for _ in range(2)], "b1": draw.matrix(rng, 4, 4, -0.3, 0.5)}

    def discriminator(rng):
        return {"w2": draw.decimals(rng, 16, -0.5, 0.5), "b2": draw.decimal(rng, -1, 1)}

    first = draw.until(rng, dense, lambda g: min(_dense(g)) >= ACTIVE, "gan-forward-backward (h₀)")
    h0 = _dense(first)
    second = draw.until(rng, deconvolution, lambda g: min(_deconvolved(h0, g)) >= ACTIVE,
                        "gan-forward-backward (h₂)")
    H2 = _deconvolved(h0, second)
    third = draw.until(rng, discriminator, lambda g: 0.2 <= abs(_logit(H2, g)) <= LOGIT,
                       "gan-forward-backward (p)")
    return {"z": first["z"], "w0": first["w0"], "b0": first["b0"], "w1": second["w1"], "b1": second["b1"],
            "stride": 1, "padding": 0, "deconvolution": "padded_correlation", "w2": third["w2"], "b2": third["b2"]}


def _dense(g) -> list[float]:
    """a₀ = w₀ᵀz + b₀, in floats."""
    return [sum(g["w0"][r][c] * g["z"][r] for r in range(2)) + g["b0"][c] for c in range(8)]


def _deconvolved(h0, g) -> list[float]:
    """a₂ = Σ_k (h₁ᵏ padded with two zeros) ⋆ w₁ᵏ + b₁, as vec (column-major), in floats."""
    a2 = [[g["b1"][i][j] for j in range(4)] for i in range(4)]
    for k, w in enumerate(g["w1"]):
        h = [[h0[4 * k + 2 * j + i] for j in range(2)] for i in range(2)]  # column-major blocks of h₀
        for i in range(4):
            for j in range(4):
                a2[i][j] += sum(h[i + m - 2][j + n - 2] * w[m][n] for m in range(3) for n in range(3)
                                if 0 <= i + m - 2 < 2 and 0 <= j + n - 2 < 2)
    return [a2[i][j] for j in range(4) for i in range(4)]


def _logit(H2, g) -> float:
    return sum(w * h for w, h in zip(g["w2"], H2)) + g["b2"]


# The givens are recovered on first use, so that importing the catalog stays fast.

STUDENT_NAMES = {"h_0": "h0", "h_1^1": "h1_1", "h_1^2": "h1_2", "h_2": "h2", "H_2": "H2",
                             "p(y=0)": "p", r"\nabla H_2": "dL_dH2", r"\nabla h_2": "dL_dh2",
                             r"\nabla w_1^1": "dL_dw1_1", r"\nabla w_1^2": "dL_dw1_2",
                             r"\nabla h_1^1": "dL_dh1_1", r"\nabla h_1^2": "dL_dh1_2", r"\nabla h_0": "dL_dh0",
                             r"\nabla w_0": ("transpose", "dL_dw0")}


PROBLEM = gan.PROBLEM.instance(
    names=STUDENT_NAMES,
    name="gan-forward-backward", title="Forward and backward pass of a small GAN", source=f"{S2}, Problem 1",
    build=build, given=recovered_given, statement=statement, random_given=random_given)
