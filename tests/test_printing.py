"""The formula printers: JSON's parseable `expr`, and the text and LaTeX forms
people read (brackets, element-wise functions, escaping of prose)."""
import json
import re

import pytest
import sympy

from derive.nn.convolution import Correlation
from derive.core.functions import indicator, sigmoid
from derive.printing import math
from derive.printing.expr import expr_text
from derive.probability.kl import KL, Expectation

x, y, q, p = sympy.symbols("x y q p", real=True)
A = sympy.MatrixSymbol("A", 2, 1)
B = sympy.MatrixSymbol("B", 2, 1)
d = sympy.Dummy("d")


def parses_back(expr, **names):
    """sympify(expr_text(expr)) with the expression's symbols and functions by name."""
    known = {str(s): s for s in expr.atoms(sympy.Symbol, sympy.MatrixSymbol)}
    known.update({type(f).__name__: type(f) for f in expr.atoms(sympy.Function)})
    known.update(names)
    return sympy.sympify(expr_text(expr), locals=known)


ROUND_TRIPS = {
    "element-wise function": A.applyfunc(sympy.Lambda(d, sympy.tanh(d))),
    "identity plus a matrix": (sympy.Identity(2) + A * A.T) * A,
    "ones": sympy.OneMatrix(2, 1) - A,
    "1x1 ones": sympy.OneMatrix(1, 1),
    "Hadamard with ones": sympy.HadamardProduct(sympy.OneMatrix(2, 1) - A, B),
    "KL display function": KL(q, p) + 1,
    "expectation display function": Expectation(sympy.log(p), q) - KL(q, p),
    "indexed sum of products": sympy.Sum(sympy.IndexedBase("k")[x] * sympy.Product(
        sympy.IndexedBase("s")[y], (y, 1, x - 1)), (x, 1, 5)),
    "transpose of a product": sympy.MatMul(A, sympy.Transpose(sympy.HadamardProduct(A, B))),
    "double float": sympy.Float(1 / 3) * x,
    "indicator": indicator(x) + sigmoid(y),
    "piecewise": sympy.Piecewise((0, x < 0), (x, True)),
    "display-name symbol": sympy.Symbol("ReLU(x)", real=True) + 1,
}


@pytest.mark.parametrize("name", ROUND_TRIPS)
def test_expr_parses_back_to_the_same_expression(name):
    expr = ROUND_TRIPS[name]
    assert parses_back(expr) == expr, expr_text(expr)


def test_expr_spells_out_what_str_abbreviates():
    """str() writes I (the imaginary unit to sympify), 1 for a matrix of ones,
    and `Lambda(_d, tanh(_d)).(A)`, none of which parses to the matrix."""
    assert expr_text(sympy.Identity(2)) == "Identity(2)"
    assert expr_text(sympy.OneMatrix(2, 1)) == "OneMatrix(2, 1)"
    assert expr_text(A.applyfunc(sympy.Lambda(d, sympy.tanh(d)))) == "(A).applyfunc(Lambda(_d, tanh(_d)))"
    assert "‖" not in expr_text(KL(q, p)) and "E_" not in expr_text(Expectation(p, q))


def test_expr_of_a_convolution_names_its_class():
    X = sympy.ImmutableMatrix([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    F = sympy.MatrixSymbol("F", 2, 2)
    expr = Correlation(X, F, 1, 0, 1)
    assert parses_back(expr, Correlation=Correlation) == expr


def test_json_answers_carry_the_parseable_expr():
    from derive.catalog import solve
    from derive.printing import render
    document = json.loads(render(solve("mae-backprop"), "json"))
    exprs = [a["expr"] for part in document["parts"] for a in part["answers"].values()]
    assert any(".applyfunc(Lambda(" in e for e in exprs)
    assert not any(re.search(r"\)\.\(", e) for e in exprs)


# --- brackets: element-wise functions, Hadamard products, substituted numbers

c = sympy.MatrixSymbol("c", 2, 1)
g = sympy.MatrixSymbol("g", 2, 1)
a = sympy.MatrixSymbol("a", 2, 1)
h = sympy.MatrixSymbol("h", 1, 1)


def test_a_compound_elementwise_formula_is_bracketed_inside_a_hadamard_product():
    derivative = sympy.HadamardProduct(c.applyfunc(sympy.Lambda(d, 1 - sympy.tanh(d)**2)), g)
    assert math.text(derivative) == "g ⊙ (1 − tanh(c)²)"  # the bracketed sum last, as σ′ is written
    assert math.latex(derivative).startswith(r"g \odot \left(1 - \tanh^{2}{\left(c \right)}\right)")


def test_a_compound_elementwise_argument_is_bracketed_where_the_formula_needs_it():
    reciprocal = (sympy.OneMatrix(2, 1) - a).applyfunc(sympy.Lambda(d, 1 / d))
    assert math.text(reciprocal) == "1/(1 − a)"
    assert math.text(c.applyfunc(sympy.Lambda(d, sympy.tanh(d)))) == "tanh(c)"


def test_a_substituted_negative_number_gets_one_pair_of_brackets():
    values = {h: sympy.ImmutableMatrix([[sympy.Rational(-216881, 10**6)]])}
    assert math.text(h.applyfunc(sympy.Lambda(d, sympy.tanh(d))), values=values) == "tanh(−0.216881)"
    assert math.text(h.applyfunc(sympy.Lambda(d, d**2)), values=values) == "(−0.216881)²"


def test_a_substituted_compound_surd_is_bracketed():
    values = {x: 2 / sympy.sqrt(10)}
    assert math.text(x**2 + 4 * x, values=values) == "(√10/5)² + 4·(√10/5)"


def test_a_one_by_one_matrix_of_ones_prints_as_1_not_as_the_identity():
    # SymPy turns OneMatrix(1, 1) in a sum into Identity(1)
    f = sympy.MatrixSymbol("f", 1, 1)
    for expr in (sympy.OneMatrix(1, 1) - f, sympy.Identity(1) - f):
        assert math.text(expr) == "1 − f"
        assert math.latex(expr) == "1 - f"
    assert math.text(sympy.Identity(2)) == "I"


# --- readable text for what str() prints as SymPy calls

def test_text_prints_piecewise_intervals_limits_max_min_abs_readably():
    assert math.text(sympy.Piecewise((0, x < 0), (x, True))) == "{0 if x < 0; x otherwise}"
    assert math.text(sympy.Interval.Lopen(0, 2)) == "(0, 2]"
    assert math.text(sympy.Limit(x**2 + 1, x, 0)) == "lim_(x→0) (x² + 1)"
    assert math.text(2 * sympy.Max(x, 0)) == "2·max(0, x)"
    assert math.text(sympy.Min(x, 1)) == "min(1, x)"
    assert math.text(sympy.Abs(x - 1)) == "|x − 1|"
    assert math.text(sympy.Ne(x, 1)) == "x ≠ 1"


def test_a_star_in_a_notation_name_stays_a_star():
    D = sympy.Symbol("D_star")
    assert math.text(2 * D * x, {"D_star": ("D*", "D^*")}) == "2·D*·x"


def test_a_dummy_prints_by_its_name():
    assert math.text(sympy.Dummy("x") + 1) == "x + 1"


# --- prose in LaTeX: every character typeset, none replaced by "?"

PROSE_CHARACTERS = ("Θ Δ ∇ ∫ γ τ ± ≪ ≫ Λ κ ᵗ ⁸ ′ ℓ ₀₁₂₃₄₅₆₇₈₉ ⁰¹²³⁴⁵⁶⁷⁸⁹ ⁿᵐᵏᵀ ᵢⱼₙₜ "
                    "→ ← ⇒ ⇔ ↦ ⟹ ∑ ∏ √ ∞ ≤ ≥ ≠ ≈ ∈ ⊙ ⊗ ‖ · × ∘ ⋆ ⋯ ⁎ ° ℝ 𝟙")
GREEK = "αβγδεζηθικλμνξοπρστυφχψωΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩ"


@pytest.mark.parametrize("text", [PROSE_CHARACTERS, GREEK])
def test_prose_characters_have_latex_forms(text):
    from derive.printing.latex import escape
    missing = [ch for ch in text if "?" in escape(ch)]
    assert missing == []


def test_escaped_prose_compiles(tmp_path):
    """The whole table typesets with pdflatex (amsmath, amssymb, T1)."""
    import shutil
    import subprocess
    from derive.printing.latex import PREAMBLE, _UNICODE, escape
    if shutil.which("pdflatex") is None:
        pytest.skip("no pdflatex")
    body = escape(" ".join(_UNICODE) + " " + PROSE_CHARACTERS + " x̃ ŷ ā")
    (tmp_path / "t.tex").write_text(PREAMBLE + "\\begin{document}\n" + body + "\n\\end{document}\n")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]


def test_the_indicator_is_spelled_alike_in_the_printer_and_the_function_table():
    """\\mathbb{1} does not exist in amssymb; both spellings are \\mathbf{1}."""
    from derive.core.functions import FUNCTION_NAMES
    assert math.latex(indicator(x)).startswith(FUNCTION_NAMES["indicator"][1])
    assert FUNCTION_NAMES["indicator"][1] == r"\mathbf{1}"


# --- the integration variable of derive.distributions is not the user's x

def test_a_users_own_x_in_a_kl_parameter_is_kept():
    """kl(N(m, s²), N(x/(1 + s²), 1)) depends on x; it used to be integrated away."""
    import mpmath
    from derive.probability.kl import Normal, kl
    m, s = sympy.Symbol("m", real=True), sympy.Symbol("s", positive=True)
    result = kl(Normal(m, s), Normal(x / (1 + s**2), 1))
    assert x in result.free_symbols
    at = {m: sympy.Rational(3, 10), s: sympy.Rational(7, 10), x: sympy.Rational(-6, 5)}
    mean_q = float((x / (1 + s**2)).subs(at))
    mu, sd = float(at[m]), float(at[s])

    def integrand(t):
        log_p = -mpmath.log(sd * mpmath.sqrt(2 * mpmath.pi)) - (t - mu)**2 / (2 * sd**2)
        log_q = -mpmath.log(mpmath.sqrt(2 * mpmath.pi)) - (t - mean_q)**2 / 2
        return mpmath.exp(log_p) * (log_p - log_q)
    assert float(result.subs(at)) == pytest.approx(float(mpmath.quad(integrand, [-mpmath.inf, mpmath.inf])),
                                                   rel=1e-9)


def test_the_integration_variable_prints_as_x():
    from derive.probability.distributions import X
    assert math.text(X**2 + 1) == "x² + 1"
    assert math.latex(X**2 + 1) == "x^{2} + 1"


def test_a_relation_chain_takes_arrows_and_any_symbol_of_the_table():
    from derive.printing.latex import relation_latex
    from derive.core.steps import Relation
    assert relation_latex("→") == r"\to"
    assert relation_latex("⊂") == r"\subset"  # not in the relation table: the symbol's own form
    with pytest.raises(ValueError, match="relation"):
        relation_latex("☃")
    step = Relation((x, y), ("→",))
    from derive.printing.latex import LatexPrinter
    assert r"x \to y" in LatexPrinter(inline=True).print_step(step, {})


def test_text_prints_evaluation_at_a_point_and_bounds_of_a_double_sum():
    f, t = sympy.Function("f"), sympy.Symbol("t")
    assert math.text(sympy.Subs(f(x, t).diff(t), t, 0)) == "∂(f(x, t))/∂t|_(t=0)"
    i, j, n = sympy.symbols("i j n", integer=True)
    assert math.text(sympy.Sum(x**i * y**j, (i, 0, n), (j, 0, n))) == "Σ_(i=0..n, j=0..n) (x^i·y^j)"


def test_a_function_of_a_substituted_negative_number_has_one_pair_of_brackets_in_latex():
    values = {x: sympy.Rational(-2, 10)}
    assert math.latex(sympy.tanh(x), values=values) == r"\tanh{\left(-0.2 \right)}"
    assert math.latex(sigmoid(x) + x, values=values) == r"(-0.2) + \sigma\left(-0.2\right)"


# --- every problem, every format: notation as a person writes it (issue 14)

#: SymPy's class names, as its printers spell an object they have no form for.
SYMPY_CLASSES = re.compile(
    r"\b(KroneckerDelta|Determinant|Piecewise|MatMul|MatAdd|MatPow|HadamardProduct|HadamardPower|Transpose|"
    r"Inverse|Trace|ImmutableMatrix|ImmutableDenseMatrix|MutableDenseMatrix|Matrix|Identity|OneMatrix|"
    r"ZeroMatrix|Lambda|ElementwiseApplyFunction|MatrixElement|MatrixSymbol|IndexedBase|Indexed|Symbol|Dummy|"
    r"Integral|Derivative|Subs|Heaviside|DiracDelta|BooleanTrue|BooleanFalse|And|Or|Not|Xor|Implies|Eq|Ne|"
    r"Rational|Float|Integer|polygamma|loggamma|lowergamma|uppergamma|exp_polar|Mul|Add|Pow|Tuple|FiniteSet|"
    r"Interval|Union|Complement|Mod|Adjoint|BlockMatrix|Abs|Max|Min|gamma|beta|digamma|sqrt|indicator|"
    r"conjugate|re|im)\(|\\operatorname\{(?:KroneckerDelta|Determinant|Piecewise|polygamma|Trace|Lambda)\}"
    r"|\b(?:zoo|nan)\b|\\text\{(?:True|False)\}|\\mathtt\{")
#: Python's spellings: powers, floats in e-notation, its truth values as results.
PYTHON_SPELLINGS = re.compile(r"\*\*|\b\d+(?:\.\d+)?e[-+]?\d+\b|(?:=|^)\s*(?:True|False|None)\s*$"
                              r"|(?<![\\\w])(?:oo|pi)\b")
#: Python's (and SymPy's) Boolean operators, in plain text (LaTeX's & aligns).
PYTHON_BOOLEANS = re.compile(r"\b\w+ [&^] ~?\w|\b[A-Z]\w* \| ~?[A-Z(]|(?<![\\\w])~[A-Za-z(]")
#: A number transposed: 0.5ᵀ, (-1)ᵀ, 2^{T}.
NUMBER_TRANSPOSED = re.compile(r"(?:(?<![\w.])[0-9]+(?:\.[0-9]+)?|\([-−]?[0-9][0-9.]*\))\s*(?:ᵀ|\^\{?(?:\\top|T)\b)")
LONGEST_TEXT_LINE = 160


def _solved_catalog():
    from derive.catalog import entries, solve
    solved = [(entry.name, solve(entry.name)) for entry in entries()]
    # a variant of every family that draws them: its givens must be listed too
    solved += [(f"{entry.name} --seed 1", solve(entry.name, seed=1)) for entry in entries()
               if entry.family == entry.name and entry.has_variants]
    return solved


_CATALOG = []


def solved_catalog():
    if not _CATALOG:
        _CATALOG.extend(_solved_catalog())
    return _CATALOG


def _without_markdown_emphasis(text):
    """Markdown's own ** (bold) outside the math is no Python spelling."""
    return re.sub(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", r"\1", text)


def readable_offences(name, format, text):
    """Where `text`, one rendering of a solution, shows a SymPy class, a
    Python spelling, a transposed number or (in the terminal) a line too long."""
    found = []
    if format == "markdown":
        text = _without_markdown_emphasis(text)
    for number, line in enumerate(text.split("\n"), 1):
        patterns = [(SYMPY_CLASSES, "SymPy class"), (PYTHON_SPELLINGS, "Python spelling"),
                    (NUMBER_TRANSPOSED, "transposed number")]
        if format in ("text", "json text"):
            patterns.append((PYTHON_BOOLEANS, "Python Boolean"))
        for pattern, what in patterns:
            match = pattern.search(line)
            if match:
                found.append(f"{name} [{format}] line {number}: {what} {match.group(0)!r}: "
                             f"…{line[max(0, match.start() - 60):match.end() + 40]}…")
        if format == "text" and len(line) > LONGEST_TEXT_LINE:
            found.append(f"{name} [{format}] line {number}: {len(line)} characters: {line[:80]}…")
    return found


def json_readable_text(document) -> tuple[str, str]:
    """What a reader of the JSON sees, as text (statement, questions, the
    steps' text) and as LaTeX (the steps' and answers' LaTeX); not `expr`,
    which is SymPy's constructor text by contract."""
    text, latex = [document["title"], document["statement"]], []
    for part in document["parts"]:
        text.append(part["question"])
        for step in part["steps"]:
            text.append(step["text"])
            latex.append(step["latex"])
        latex += [answer["latex"] for answer in part["answers"].values()]
    return "\n".join(text), "\n".join(latex)


def scalar_only_operations(solution):
    """Transposes, Hadamard products and powers in the solution's steps whose
    operands are all scalars (1×1): a person writes none of them."""
    from derive.core.steps import Evaluation, Relation, Solved
    found = []
    for part in solution.parts:
        for step in part.steps:
            if isinstance(step, Evaluation):
                exprs = [step.target, step.formula, step.inner, step.value]
            elif isinstance(step, Relation):
                exprs = list(step.terms)
            elif isinstance(step, Solved):
                exprs = [step.equation, *step.solutions]
            else:
                continue
            for expr in exprs:
                if not isinstance(expr, sympy.Basic):
                    continue
                for node in sympy.preorder_traversal(expr):
                    if isinstance(node, (sympy.Transpose, sympy.HadamardProduct, sympy.HadamardPower)) \
                            and node.shape == (1, 1):
                        found.append(node)
    return found


def test_every_rendering_reads_as_a_person_writes_it():
    from derive.printing import render
    offences = []
    for name, solution in solved_catalog():
        for format in ("text", "latex", "markdown", "json"):
            text = render(solution, format)
            if format == "json":
                text, latex = json_readable_text(json.loads(text))
                offences += readable_offences(name, "json text", text)
                offences += readable_offences(name, "json latex", latex)
            else:
                offences += readable_offences(name, format, text)
    assert not offences, f"{len(offences)} offences, e.g.\n" + "\n".join(offences[:40])


def test_no_scalar_is_transposed_and_no_scalar_hadamard_product_is_printed():
    """A scalar's transpose is the scalar, and ⊙ or ∘2 between scalars is a
    product or a power: decided by the printers from the operands' shapes."""
    offences = []
    for name, solution in solved_catalog():
        notation = solution.symbol_notation()
        for node in scalar_only_operations(solution):
            for printed in (math.text(node, notation), math.latex(node, notation)):
                if re.search(r"ᵀ|\\top|⊙|\\odot|∘|\\circ", printed):
                    offences.append(f"{name}: {printed}")
    assert not offences, "\n".join(sorted(set(offences))[:40])


def test_every_text_line_fits_the_terminal_width():
    """Chains break before a relation, then before + or −, matrices are drawn
    in two dimensions: at 100 columns no line of any problem runs past."""
    from derive.printing.layout import width_of
    from derive.printing.text import TextPrinter
    printer = TextPrinter(width=100)
    too_long = [f"{name}: {line}" for name, solution in solved_catalog()
                for line in printer.doprint(solution).split("\n") if width_of(line) > 100]
    assert not too_long, "\n".join(too_long[:10])


def test_the_text_width_is_columns_else_100(monkeypatch):
    from derive.printing.layout import terminal_width
    monkeypatch.setenv("COLUMNS", "120")
    assert terminal_width() == 120
    monkeypatch.setenv("COLUMNS", "junk")
    assert terminal_width() == 100
    monkeypatch.delenv("COLUMNS")
    assert terminal_width() == 100


def test_matrices_are_two_dimensional_in_the_terminal_and_one_line_in_json():
    from derive.printing.text import TextPrinter
    W = sympy.ImmutableMatrix([[sympy.Rational(5, 2), 1], [sympy.Rational(-3, 2), sympy.Rational(-3, 10)]])
    w = sympy.MatrixSymbol("W", 2, 2)
    from derive.core.steps import Evaluation
    step = Evaluation(sympy.Symbol("z"), w, {w: W}, W)
    assert TextPrinter(width=100).print_step(step, {}).split("\n") == [
        "z = W = ⎡ 2.5   1  ⎤",
        "        ⎣−1.5  −0.3⎦"]
    assert TextPrinter(width=None).print_step(step, {}) == "z = W = [2.5  1; −1.5  −0.3]"


def test_a_long_chain_breaks_before_a_relation_and_then_before_a_sum():
    from derive.printing.layout import chain
    terms = [("=", " + ".join(f"a_{i}·b_{i}" for i in range(12))), ("=", "42")]
    lines = chain("y", terms, 40)
    assert all(len(line) <= 40 for line in lines)
    assert lines[0].startswith("y = a_0·b_0 + ")
    assert lines[1].lstrip().startswith("+ ") and lines[-1].lstrip() == "= 42"
