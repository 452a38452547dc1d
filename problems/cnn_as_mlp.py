"""001 §7: a convolution is one matrix product, so a CNN layer is a (sparse,
weight-shared) MLP layer.

The matrix A with A·vec(X) = vec(X ⋆ F) is derived as the Jacobian of
vec(X ⋆ F) with respect to vec(X) (it is linear in X), its doubly
block-Toeplitz structure is checked, and the parameters of the two layers
are counted.
"""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.nn.convolution import Correlation, flatten
from derive.core.givens import Givens
from derive.core.matrices import explicit
from derive.core.numbers import InputError
from derive.core.steps import Relation, Remark
from problems import S1

GIVEN = {"size": 4, "kernel": 2}
#: the largest input side: A has one row per output and one column per input, printed in full
LARGEST = 6


def read(given: dict) -> tuple[tuple[int, int], tuple[int, int]]:
    """(rows, cols) of X and of F; a side alone means a square."""
    g = Givens(given, "given", ("size", "kernel"))
    shapes = []
    for key, least in (("size", 2), ("kernel", 1)):
        raw = g.raw(key)
        sides = raw if isinstance(raw, list) else [raw, raw]
        view = Givens(dict(enumerate(sides)), f"given.{key}")
        if len(sides) != 2:
            raise InputError(f"given.{key}: expected a side or [rows, columns], got {len(sides)} numbers")
        shapes.append((view.integer(0, least), view.integer(1, least)))
    (rows, cols), (k_rows, k_cols) = shapes
    if max(rows, cols) > LARGEST:
        raise InputError(f"given.size: at most {LARGEST} a side (A is printed entry by entry), got {rows}×{cols}")
    if k_rows > rows or k_cols > cols:
        raise InputError(f"given.kernel: a {k_rows}×{k_cols} filter does not fit a {rows}×{cols} input")
    return (rows, cols), (k_rows, k_cols)


def statement(given: dict) -> str:
    (rows, cols), (k_rows, k_cols) = read(given)
    return ("CNNs and MLPs are both universal approximators. Can an MLP equal a CNN, and under what conditions? "
            f"The derivable part, on a {rows}×{cols} input X and a {k_rows}×{k_cols} filter F: write the valid "
            "cross-correlation X ⋆ F as one matrix product A·vec(X) (vec stacks columns), show its structure, and "
            "count the parameters of the convolutional layer and of the dense layer that computes the same map.")


NOTATION = {
    "A_vecX": ("A·vec(X)", r"A \operatorname{vec}(X)"),
    "vec_XcorrF": ("vec(X ⋆ F)", r"\operatorname{vec}(X \star F)"),
    "params_conv": ("#params_conv", r"\#\mathrm{params}_{\mathrm{conv}}"),
    "params_MLP": ("#params_MLP", r"\#\mathrm{params}_{\mathrm{MLP}}"),
}


def toeplitz_blocks(A, block_rows, block_cols):
    """The blocks of A, keyed by (block row, block column)."""
    rows, cols = A.shape[0] // block_rows, A.shape[1] // block_cols
    return {(a, b): A[a * block_rows:(a + 1) * block_rows, b * block_cols:(b + 1) * block_cols]
            for a in range(rows) for b in range(cols)}


def is_toeplitz(matrix) -> bool:
    """Constant along every diagonal."""
    return all(matrix[a, b] == matrix[a + 1, b + 1]
               for a in range(matrix.shape[0] - 1) for b in range(matrix.shape[1] - 1))


def is_block_toeplitz(blocks) -> bool:
    return all(block == blocks[(a + 1, b + 1)] for (a, b), block in blocks.items() if (a + 1, b + 1) in blocks)


def build(solution, given: dict):
    (rows, cols), (k_rows, k_cols) = read(given)
    out_rows, out_cols = rows - k_rows + 1, cols - k_cols + 1
    X = sympy.ImmutableMatrix(rows, cols, lambda a, b: sympy.Symbol(f"x_{a + 1}{b + 1}"))
    F = sympy.ImmutableMatrix(k_rows, k_cols, lambda a, b: sympy.Symbol(f"f_{a + 1}{b + 1}"))
    vec_X = explicit(flatten(X), {})
    vec_O = explicit(flatten(Correlation(X, F)), {})
    A = vec_O.jacobian(vec_X)
    solution.notation.update(dict(NOTATION))

    part = solution.part("a", "The convolution as a matrix product.")
    part.steps.append(Remark("Every entry of O = X ⋆ F is linear in X, so vec(O) = A·vec(X) with A the Jacobian "
                             "∂vec(O)/∂vec(X); row (i, j) of A holds F's entries at the columns of the window of O_ij."))
    part.steps.append(Relation((sympy.Symbol("A"), A)))
    product = A * vec_X
    matches = sympy.expand(product - vec_O) == sympy.zeros(*vec_O.shape)
    part.steps.append(Relation((sympy.Symbol("A_vecX"), product, sympy.Symbol("vec_XcorrF")),
                               reason="entry by entry"))
    # vec stacks columns: block (a, b) maps column b of X to column a of O
    blocks = toeplitz_blocks(A, out_rows, rows)
    structured = is_block_toeplitz(blocks) and all(is_toeplitz(b) for b in blocks.values())
    part.steps.append(Remark(
        f"A is {A.shape[0]}×{A.shape[1]}, made of {out_cols}×{cols} blocks of size {out_rows}×{rows}; block (a, b) depends "
        f"only on b − a and each block is constant along its diagonals (doubly block-Toeplitz): {structured}."))
    part.answer("A", A, "A")
    part.answer("product_matches", sympy.true if matches else sympy.false, r"A\,\mathrm{vec}(X) = \mathrm{vec}(X \star F)")
    part.answer("doubly_block_toeplitz", sympy.true if structured else sympy.false, "A")

    part = solution.part("b", "Parameters of the two layers (one bias per output unit for the MLP, one per "
                              "filter for the CNN).")
    conv_params = k_rows * k_cols + 1
    dense_params = A.shape[0] * A.shape[1] + A.shape[0]
    nonzero = sum(1 for v in A if v != 0)
    weights = (sympy.Pow(k_rows, 2, evaluate=False) if k_rows == k_cols
               else sympy.Mul(k_rows, k_cols, evaluate=False))
    part.steps.append(Relation((sympy.Symbol("params_conv"), sympy.Add(weights, 1, evaluate=False), conv_params),
                               reason=("k²" if k_rows == k_cols else "k_rows·k_cols") + " shared weights and a bias"))
    outputs = out_rows * out_cols
    part.steps.append(Relation((sympy.Symbol("params_MLP"),
                                sympy.Mul(outputs, rows * cols, evaluate=False) + outputs, dense_params),
                               reason="a dense layer from the input to the output units, with biases"))
    part.steps.append(Remark(
        f"Only {nonzero} of the {A.shape[0] * A.shape[1]} entries of A are non-zero, and they take just "
        f"{k_rows * k_cols} distinct values: an MLP equals the CNN layer when its weight matrix is constrained to "
        "this sparse, shared pattern (and, with pooling and several layers, when each layer is unrolled the same "
        "way); a free MLP of that size has many more parameters and no built-in translation equivariance."))
    part.answer("params_conv", sympy.Integer(conv_params), r"\#\mathrm{params}_{\mathrm{conv}}")
    part.answer("params_mlp", sympy.Integer(dense_params), r"\#\mathrm{params}_{\mathrm{MLP}}")
    part.answer("nonzero_weights", sympy.Integer(nonzero), r"\#\{A_{ij} \neq 0\}")
    return solution


def random_given(rng) -> dict:
    """Another input and filter, the filter smaller than the input each way."""
    while True:
        rows, cols = rng.randint(3, 5), rng.randint(3, 5)
        kernel = [rng.randint(2, min(3, rows - 1)), rng.randint(2, min(3, cols - 1))]
        given = {"size": rows if rows == cols else [rows, cols],
                 "kernel": kernel[0] if kernel[0] == kernel[1] else kernel}
        if read(given) != read(GIVEN):
            return given


PROBLEM = Problem(
    name="cnn-as-mlp", title="A convolution as one matrix product",
    source=f"{S1}, §7",
    build=build, given=GIVEN, statement=statement, random_given=random_given, convention="vec stacks the columns of a matrix; A = ∂vec(O)/∂vec(X) (numerator layout).")
