"""The safe LaTeX reader: each notation students and problem files use, read
to the value it means (the reference is plain arithmetic or SymPy built by
constructors here, not the reader's earlier output)."""
import math

import pytest
import sympy
from hypothesis import given, settings, strategies as st

from derive.reading import ReadError, read, read_chain, canonical

X = sympy.MatrixSymbol("x", 2, 1)
W = sympy.MatrixSymbol("W", 2, 2)


def value(latex, names=None):
    return float(read(latex, names or {}, strict=False))


@pytest.mark.parametrize("latex, expected", [
    (r"418\,716", 418716),                       # thin space as thousands separator
    (r"1{,}000{,}000", 1000000),
    (r"\frac12", 0.5),                           # one-character arguments
    (r"\dfrac{3}{4}", 0.75),
    (r"2\,\cdot\,3", 6),                         # spacing commands are not commas
    (r"(1-0.9)\,\frac{0.2}{4}", 0.1 * 0.05),
    (r"\left( 2 + 3 \right)^2", 25),
    (r"1.2 \times 10^{-3}", 0.0012),
    (r"3e-2", 0.03),
    (r"-0.5^2", -0.25),
    (r"2^{-1}", 0.5),
    (r"\sqrt{16} + \sqrt[3]{8}", 6),
    (r"|{-3}| + \left|-2\right|", 5),
    (r"\sigma(0)", 0.5),                         # σ applied, as no quantity is named σ
    (r"\tanh(0.5)", math.tanh(0.5)),
    (r"\operatorname{ReLU}(-1) + \mathrm{relu}(2)", 2),
    (r"\ln e^{2}", 2),
    (r"\exp(0)", 1),
    (r"\log_2 8", 3),
    (r"\max(1, 4, 2)", 4),
    (r"\sum_{i=1}^{4} i^2", 30),
    (r"\prod_{k=1}^{4} k", 24),
    (r"5!", 120),
    (r"\boxed{7}", 7),
    (r"\underbrace{2+3}_{\text{two terms}}", 5),
    (r"3 \quad \text{(by the chain rule)}", 3),  # prose in \text is dropped
])
def test_numbers_and_functions(latex, expected):
    assert value(latex) == pytest.approx(expected, rel=1e-12)


def test_juxtaposition_is_application_only_for_functions():
    a, b, c = sympy.symbols("a b c")
    assert read(r"a(b + c)", {"a": a, "b": b, "c": c}) == a * (b + c)
    f = sympy.Function("f")
    assert read(r"f(b)", {"f": f, "b": b}) == f(b)
    sigma = sympy.Symbol("sigma", positive=True)   # a problem whose σ is a standard deviation
    assert read(r"\sigma(b)", {"sigma": sigma, "b": b}) == sigma * b
    z = sympy.Symbol("z")
    expected = (1 - 1 / (1 + sympy.exp(-z))) / (1 + sympy.exp(-z))
    got = read(r"\sigma(z)(1-\sigma(z))", {"z": z})
    assert sympy.simplify(got.rewrite(sympy.exp) - expected) == 0


def test_names_are_one_spelling():
    assert canonical(r"\mathbf{W}_{1}") == canonical("W_1") == canonical(r"W_{1}")
    assert canonical(r"\hat{y}") == canonical(r"\hat y") == "hat{y}"
    w1 = sympy.Symbol("w")
    assert read(r"\boldsymbol{W}_{1} + \mathbf{W}_1", {"W_1": w1}) == 2 * w1
    c = sympy.Symbol("c")
    assert read(r"c^{\mathrm{new}}", {"c^new": c}) == c
    assert read(r"W^{[2]}", {"W^[2]": c}) == c


def test_matrix_notation():
    names = {"x": X, "W": W}
    assert read(r"W^\top x", names) == W.T * X
    assert read(r"W^{T} x", names) == W.T * X
    assert read(r"\mathbf{x}^\intercal \mathbf{x}", names) == X.T * X
    assert read(r"x \odot x", names) == sympy.hadamard_product(X, X)
    m = read(r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}^{-1}")
    assert m == sympy.ImmutableMatrix([[1, 2], [3, 4]]).inv()
    assert read(r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}^T \begin{pmatrix} 3 \\ 4 \end{pmatrix}")[0, 0] == 11
    with pytest.raises(ReadError, match="does not multiply"):
        read(r"x W", names)


def test_derivative_notations_are_names():
    g = sympy.Symbol("g")
    for latex in (r"\frac{\partial L}{\partial W}", r"\frac{dL}{dW}", r"\frac{\mathrm{d} L}{\mathrm{d} W}",
                  r"\nabla_W L", r"\nabla_{W} L"):
        assert read(latex, {"dL/dW": g}) == g, latex


def test_relations_chain():
    sides, relations = read_chain(r"\frac12 (0.3)^2 = 0.045 \approx 0.05 \Rightarrow x \le 1")
    assert relations == ["=", "≈", "⇒", "≤"]
    assert sides[0] == sympy.Rational(9, 200)


@pytest.mark.parametrize("latex", [
    r"2^{10^{10}}", r"1000000!", r"\sum_{i=1}^{100000} i", "(" * 100 + "1" + ")" * 100,
    r"\frac{1}{0}", r"\begin{bmatrix} 1 & 2 \\ 3 \end{bmatrix}", r"\foo{1}", r"x = ", r"\ldots",
    "x" * 5000,
])
def test_what_cannot_be_read_is_one_clear_error(latex):
    with pytest.raises(ReadError):
        read_chain(latex, strict=False)


def test_unknown_names_are_errors_when_strict():
    with pytest.raises(ReadError, match="unknown name q"):
        read(r"2 q", {})


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(list("x+-()^{}\\,|_12 ") + [r"\frac", r"\sigma", r"\left(", r"\right)",
                                                             r"\begin{bmatrix}", r"\end{bmatrix}", "&", r"\\"]),
                max_size=40))
def test_any_text_reads_or_fails_cleanly(pieces):
    try:
        read_chain("".join(pieces), strict=False)
    except ReadError:
        pass


def test_a_factor_before_a_sum():
    sides, _ = read_chain(r"\frac{1}{4} \sum_{i=1}^{4} i^2 + 1")
    assert sides[0] == sympy.Rational(30, 4) + 1
