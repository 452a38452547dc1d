"""Convolutional operations as graph nodes with known backward rules.

Every operation is an `Operation` (see `derive.matrices`): it computes its
entries from its operands, and its pullback is again one of these
operations, so reverse mode writes the results the way a person does:

    O = X ⋆ F               (valid cross-correlation)
    ∂L/∂F = X ⋆ ∂L/∂O       ∂L/∂X = full convolution of ∂L/∂O with F

With stride s, zero padding p and dilation d the forward operation is

    O[i, j] = Σ_{m,n} Xp[s·i + d·m, s·j + d·n] · F[m, n],   Xp = X padded by p zeros,

its pullback to X is the transposed convolution with the same s, p, d, and
its pullback to F is the correlation of X with ∂L/∂O with stride and dilation
exchanged.  Indices are 0-based here; printed answers use 1-based ones.

Reshapes read and write entries in column-major order (vec), as in the
course notes: vec([[a, b], [c, d]]) = (a, c, b, d).
"""
from __future__ import annotations

import numpy as np
import sympy
from numpy.lib.stride_tricks import sliding_window_view
from sympy import ImmutableMatrix, Integer, MatAdd, MatMul
from sympy.printing.precedence import PRECEDENCE

from derive.core.matrices import Operation, ShapeMismatch, is_matrix, shape_of


class RoutingNeedsNumbers(ValueError):
    """Max-pool routing depends on which entry is largest, so it needs numbers."""


def output_size(size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """Output length of a valid correlation: ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def transposed_size(size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """Output length of a transposed convolution: (n − 1)s + d(k − 1) + 1 − 2p."""
    return (size - 1) * stride + dilation * (kernel - 1) + 1 - 2 * padding


def _padded(matrix, r, c, padding):
    """Entry (r, c) of `matrix` padded with `padding` zeros on every side."""
    rows, cols = matrix.shape
    r, c = r - padding, c - padding
    if 0 <= r < rows and 0 <= c < cols:
        return matrix[r, c]
    return Integer(0)


def _options(stride, padding, dilation) -> list[str]:
    options = []
    if stride != 1:
        options.append(f"s={stride}")
    if padding != 0:
        options.append(f"p={padding}")
    if dilation != 1:
        options.append(f"d={dilation}")
    return options


class Correlation(Operation):
    """Valid cross-correlation `X ⋆ F` (what deep-learning libraries call convolution)."""

    operand_count = 2
    precedence = PRECEDENCE["Mul"]

    def __new__(cls, X, F, stride=1, padding=0, dilation=1, rows=None, cols=None):
        stride, padding, dilation = int(stride), int(padding), int(dilation)
        if rows is None:
            rows = output_size(X.shape[0], F.shape[0], stride, padding, dilation)
            cols = output_size(X.shape[1], F.shape[1], stride, padding, dilation)
        if int(rows) < 1 or int(cols) < 1:
            raise ShapeMismatch(f"correlation: a {F.shape[0]}×{F.shape[1]} kernel does not fit a "
                                f"{X.shape[0]}×{X.shape[1]} input with padding {padding}")
        return super().__new__(cls, X, F, *map(Integer, (stride, padding, dilation, rows, cols)))

    @property
    def shape(self):
        return self.args[5], self.args[6]

    def entry(self, operands, i, j):
        X, F = operands
        stride, padding, dilation, _, _ = self.parameters
        return sympy.Add(*[_padded(X, stride * i + dilation * m, stride * j + dilation * n, padding) * F[m, n]
                           for m in range(F.shape[0]) for n in range(F.shape[1])])

    def numpy(self, X, F):
        """The same entries, vectorised over float arrays (the numeric path)."""
        stride, padding, dilation, rows, cols = self.parameters
        X = np.pad(np.atleast_2d(X), padding)
        span = [dilation * (k - 1) + 1 for k in F.shape]
        windows = sliding_window_view(X, span)[::stride, ::stride, ::dilation, ::dilation]
        return np.einsum("ijmn,mn->ij", windows[:rows, :cols], F)

    def pullback(self, index, cotangent):
        X, F = self.operands
        stride, padding, dilation, _, _ = self.parameters
        if index == 0:
            return TransposedConvolution(cotangent, F, stride, padding, dilation, *X.shape)
        return Correlation(X, cotangent, dilation, padding, stride, *F.shape)

    def _latex(self, printer):
        X, F = (printer._print(a) for a in self.operands)
        options = _options(*self.parameters[:3])
        if options:
            return rf"\operatorname{{corr}}_{{{','.join(options)}}}\left({X}, {F}\right)"
        return rf"{printer.parenthesize(self.args[0], self.precedence)} \star " \
               rf"{printer.parenthesize(self.args[1], self.precedence)}"

    def _sympystr(self, printer):
        options = _options(*self.parameters[:3])
        if options:
            return f"corr[{','.join(options)}]({printer._print(self.args[0])}, {printer._print(self.args[1])})"
        return (f"{printer.parenthesize(self.args[0], self.precedence)} ⋆ "
                f"{printer.parenthesize(self.args[1], self.precedence)}")


class TransposedConvolution(Operation):
    """`Y[s·i + d·m − p, s·j + d·n − p] += H[i, j] · K[m, n]`: each input entry
    stamps a scaled copy of the kernel.  With s = 1, p = 0, d = 1 it is the
    full convolution of H with K, of size (h + k − 1)."""

    operand_count = 2
    precedence = PRECEDENCE["Func"]

    def __new__(cls, H, K, stride=1, padding=0, dilation=1, rows=None, cols=None):
        stride, padding, dilation = int(stride), int(padding), int(dilation)
        if rows is None:
            rows = transposed_size(H.shape[0], K.shape[0], stride, padding, dilation)
            cols = transposed_size(H.shape[1], K.shape[1], stride, padding, dilation)
        if int(rows) < 1 or int(cols) < 1:
            raise ShapeMismatch("transposed convolution: the padding removes the whole output")
        return super().__new__(cls, H, K, *map(Integer, (stride, padding, dilation, rows, cols)))

    @property
    def shape(self):
        return self.args[5], self.args[6]

    @property
    def is_full(self) -> bool:
        return self.parameters[:3] == (1, 0, 1)

    def entry(self, operands, r, c):
        H, K = operands
        stride, padding, dilation, _, _ = self.parameters
        terms = []
        for i in range(H.shape[0]):
            m, rest = divmod(r + padding - stride * i, dilation)
            if rest or not 0 <= m < K.shape[0]:
                continue
            for j in range(H.shape[1]):
                n, rest = divmod(c + padding - stride * j, dilation)
                if rest or not 0 <= n < K.shape[1]:
                    continue
                terms.append(H[i, j] * K[m, n])
        return sympy.Add(*terms)

    def numpy(self, H, K):
        stride, padding, dilation, rows, cols = self.parameters
        H = np.atleast_2d(H)
        full = [stride * (h - 1) + dilation * (k - 1) + 1 for h, k in zip(H.shape, K.shape)]
        stamped = np.zeros((max(full[0], rows + padding), max(full[1], cols + padding)))
        for m in range(K.shape[0]):
            for n in range(K.shape[1]):
                stamped[dilation * m:dilation * m + stride * (H.shape[0] - 1) + 1:stride,
                        dilation * n:dilation * n + stride * (H.shape[1] - 1) + 1:stride] += H * K[m, n]
        return stamped[padding:padding + rows, padding:padding + cols]

    def pullback(self, index, cotangent):
        H, K = self.operands
        stride, padding, dilation, _, _ = self.parameters
        if index == 0:
            return Correlation(cotangent, K, stride, padding, dilation, *H.shape)
        return Correlation(cotangent, H, dilation, padding, stride, *K.shape)

    def _name(self):
        if self.is_full:
            return r"\operatorname{full}", "full"
        options = ",".join(_options(*self.parameters[:3]))
        return rf"\operatorname{{convT}}_{{{options}}}", f"convT[{options}]"

    def _latex(self, printer):
        H, K = (printer._print(a) for a in self.operands)
        return rf"{self._name()[0]}\left({H}, {K}\right)"

    def _sympystr(self, printer):
        H, K = (printer._print(a) for a in self.operands)
        return f"{self._name()[1]}({H}, {K})"


def _windows(rows, cols, size, stride):
    for i in range(rows):
        for j in range(cols):
            yield i, j, [(stride * i + a, stride * j + b) for a in range(size) for b in range(size)]


class MaxPool(Operation):
    """Max over size×size windows taken every `stride` entries."""

    precedence = PRECEDENCE["Func"]

    def __new__(cls, A, size, stride):
        size, stride = int(size), int(stride)
        rows, cols = output_size(A.shape[0], size, stride), output_size(A.shape[1], size, stride)
        if rows < 1 or cols < 1:
            raise ShapeMismatch(f"max-pool: a {size}×{size} window does not fit a {A.shape[0]}×{A.shape[1]} input")
        return super().__new__(cls, A, Integer(size), Integer(stride))

    @property
    def shape(self):
        size, stride = self.parameters
        A = self.args[0]
        return Integer(output_size(A.shape[0], size, stride)), Integer(output_size(A.shape[1], size, stride))

    def entry(self, operands, i, j):
        (A,) = operands
        size, stride = self.parameters
        return sympy.Max(*[A[stride * i + a, stride * j + b] for a in range(size) for b in range(size)])

    def numpy(self, A):
        size, stride = self.parameters
        rows, cols = (int(n) for n in self.shape)
        return sliding_window_view(A, (size, size))[::stride, ::stride].max(axis=(2, 3))[:rows, :cols]

    def pullback(self, index, cotangent):
        return MaxPoolRouting(cotangent, self.args[0], *self.parameters)

    def _latex(self, printer):
        size, stride = self.parameters
        return rf"\operatorname{{maxpool}}_{{{size}\times{size},\,s={stride}}}\left({printer._print(self.args[0])}\right)"

    def _sympystr(self, printer):
        size, stride = self.parameters
        return f"maxpool[{size}x{size},s={stride}]({printer._print(self.args[0])})"


def window_argmax(A, size, stride, i, j):
    """(row, col) of the largest entry of window (i, j); the first in row-major
    order on ties (as NumPy's argmax), so every window routes to one entry."""
    window = [(stride * i + a, stride * j + b) for a in range(size) for b in range(size)]
    values = [A[r, c] for r, c in window]
    if not all(getattr(v, "is_number", False) and v.is_real for v in values):
        raise RoutingNeedsNumbers("max-pool routing needs the numeric values of the pooled map "
                                  "(which entry of each window is largest)")
    best = 0
    for k in range(1, len(values)):
        if values[k] > values[best]:
            best = k
    return window[best]


class MaxPoolRouting(Operation):
    """The max-pool pullback: each window's cotangent goes to its argmax in A,
    and entries that are the argmax of several windows receive the sum."""

    operand_count = 2
    precedence = PRECEDENCE["Func"]

    def __new__(cls, G, A, size, stride):
        return super().__new__(cls, G, A, Integer(size), Integer(stride))

    @property
    def shape(self):
        return self.args[1].shape

    def compute(self, G, A):
        size, stride = self.parameters
        routed = sympy.zeros(*A.shape)
        for i in range(G.shape[0]):
            for j in range(G.shape[1]):
                r, c = window_argmax(A, size, stride, i, j)
                routed[r, c] += G[i, j]
        return ImmutableMatrix(routed)

    def entry(self, operands, r, c):
        return self.compute(*operands)[r, c]

    def numpy(self, G, A):
        size, stride = self.parameters
        G = np.atleast_2d(G)
        windows = sliding_window_view(A, (size, size))[::stride, ::stride][:G.shape[0], :G.shape[1]]
        winner = windows.reshape(*windows.shape[:2], size * size).argmax(axis=2)  # first on ties, as compute
        i, j = np.indices(winner.shape)
        routed = np.zeros(A.shape)
        np.add.at(routed, (stride * i + winner // size, stride * j + winner % size), G)
        return routed

    def _latex(self, printer):
        G, A = (printer._print(a) for a in self.operands)
        return rf"\operatorname{{route}}_{{\arg\max}}\left({G};\, {A}\right)"

    def _sympystr(self, printer):
        G, A = (printer._print(a) for a in self.operands)
        return f"route_argmax({G}; {A})"


class Reshape(Operation):
    """The entries of A in column-major order, from position `offset` on,
    laid out as rows×cols (column-major); positions outside A read 0.

    Its pullback is the reshape back with the opposite offset, so splitting a
    vector into blocks and flattening a matrix share one rule."""

    precedence = PRECEDENCE["Func"]

    def __new__(cls, A, rows, cols, offset=0):
        return super().__new__(cls, A, Integer(rows), Integer(cols), Integer(offset))

    @property
    def shape(self):
        return self.args[1], self.args[2]

    def entry(self, operands, i, j):
        (A,) = operands
        rows, cols, offset = self.parameters
        k = j * rows + i + offset
        a_rows, a_cols = A.shape
        if 0 <= k < a_rows * a_cols:
            return A[k % a_rows, k // a_rows]
        return Integer(0)

    def numpy(self, A):
        rows, cols, offset = self.parameters
        entries = np.atleast_2d(A).flatten(order="F")
        positions = np.arange(rows * cols) + offset
        inside = (positions >= 0) & (positions < entries.size)
        result = np.zeros(rows * cols)
        result[inside] = entries[positions[inside]]
        return result.reshape((rows, cols), order="F")

    def pullback(self, index, cotangent):
        A = self.args[0]
        return Reshape(cotangent, *A.shape, -self.parameters[2])

    def _pieces(self, printed, zeros):
        """What the reshape reads: the whole of A, a block of it, or A between zeros."""
        rows, cols, offset = self.parameters
        A = self.args[0]
        size, wanted = int(A.shape[0] * A.shape[1]), rows * cols
        if offset == 0 and wanted == size:
            return printed
        if offset >= 0 and offset + wanted <= size:
            return None
        # The pullback of a block: A's entries at their place, zeros elsewhere.
        leading = max(0, -offset)
        trailing = wanted - leading - size
        return "; ".join(([zeros(leading)] if leading else []) + [printed] + ([zeros(trailing)] if trailing else []))

    def _latex(self, printer):
        rows, cols, offset = self.parameters
        A = printer._print(self.args[0])
        body = self._pieces(A, lambda n: rf"\mathbf{{0}}_{{{n}}}")
        if body is None:
            body = rf"\left[{A}\right]_{{{offset + 1}:{offset + rows * cols}}}"
        return rf"\operatorname{{reshape}}_{{{rows}\times{cols}}}\left({body}\right)"

    def _sympystr(self, printer):
        rows, cols, offset = self.parameters
        A = printer._print(self.args[0])
        body = self._pieces(A, lambda n: f"0_{n}")
        if body is None:
            body = f"{A}[{offset + 1}:{offset + rows * cols}]"
        return f"reshape[{rows}x{cols}]({body})"


def flatten(A):
    """vec(A): the columns of A stacked into one column."""
    rows, cols = shape_of(A)
    return Reshape(A, rows * cols, 1)


class SquaredError(Operation):
    """`scale · Σ_{i,j} (A − T)²_{ij}` as a 1×1 matrix (mse: scale = 1/n)."""

    operand_count = 2
    precedence = PRECEDENCE["Mul"]

    def __new__(cls, A, T, scale):
        if shape_of(A) != shape_of(T):
            raise ShapeMismatch(f"squared error: {A} is {shape_of(A)} and {T} is {shape_of(T)}; shapes must be equal")
        return Operation.__new__(cls, A, T, sympy.nsimplify(scale))

    @property
    def scale(self):
        return self.args[2]

    @property
    def shape(self):
        return Integer(1), Integer(1)

    def compute(self, A, T):
        return ImmutableMatrix([[self.scale * sum(((a - t) ** 2 for a, t in zip(A, T)), Integer(0))]])

    def entry(self, operands, i, j):
        return self.compute(*(o.as_explicit() for o in operands))[0, 0]

    def numpy(self, A, T):
        return np.array([[float(self.scale) * float(np.sum((A - T) ** 2))]])

    def pullback(self, index, cotangent):
        A, T = self.operands
        factor = 2 * self.scale * _scalar(cotangent) * (1 if index == 0 else -1)
        return MatMul(factor, MatAdd(A, -T))

    def _latex(self, printer):
        A, T = (printer._print(a) for a in self.operands)
        scale = "" if self.scale == 1 else printer._print(self.scale) + r" \cdot "
        return rf"{scale}\sum_{{i,j}} \left({A} - {T}\right)_{{ij}}^{{2}}"

    def _sympystr(self, printer):
        A, T = (printer._print(a) for a in self.operands)
        scale = "" if self.scale == 1 else printer._print(self.scale) + "·"
        return f"{scale}Σ_ij ({A} - {T})_ij²"


def _scalar(cotangent):
    """A 1×1 cotangent as a scalar factor (backward seeds the loss with I₁)."""
    if cotangent == sympy.Identity(1):
        return Integer(1)
    if is_matrix(cotangent):
        return cotangent[0, 0]
    return cotangent


#: Scale of each squared-error loss over n entries.
SQUARED_LOSSES = {"mse": lambda n: sympy.Rational(1, n), "sse": lambda n: Integer(1),
                  "half_sse": lambda n: sympy.Rational(1, 2)}


def squared_loss(kind: str, output, target):
    if kind not in SQUARED_LOSSES:
        raise ValueError(f"unknown loss {kind!r}; choose one of {', '.join(SQUARED_LOSSES)}")
    rows, cols = shape_of(output)
    return SquaredError(output, target, SQUARED_LOSSES[kind](rows * cols))
