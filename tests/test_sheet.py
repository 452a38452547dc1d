"""Solution sheets: the whole catalog compiled to PDF with a real TeX and read
back with pdftotext; escaping of hostile text; error reports; figures.

The PDF is compiled once per session (module fixture).  Without TeX the PDF
tests are skipped with the reason, except in CI (env CI set), where a missing
TeX is a failure: .ci/run installs it.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import warnings

import numpy as np
import pytest
import sympy

from derive import sheet
from derive.catalog import entries, find, solve
from derive.core.document import Solution
from derive.core.graph import Graph
from derive.printing import math, render
from derive.printing.latex import PREAMBLE, LatexPrinter, escape
from derive.core.steps import Remark

INSTALL = "apt-get install " + sheet.TEX_PACKAGES + " poppler-utils"


def require_tex():
    missing = [tool for tool in ("pdflatex", "pdftotext") if shutil.which(tool) is None]
    if not missing:
        return
    message = f"{' and '.join(missing)} not installed ({INSTALL})"
    if os.environ.get("CI"):
        pytest.fail(f"CI must compile the sheet for real, but {message}; .ci/run installs TeX")
    # A warning as well: pytest lists warnings by default, skip reasons only with -rs.
    warnings.warn(f"PDF sheet tests skipped: {message}", stacklevel=2)
    pytest.skip(message)


def pdf_text(path) -> str:
    """The PDF's text in the order it was typeset (-raw: loose lines do not
    read as columns)."""
    result = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def squeeze(text: str) -> str:
    """Text with whitespace and hyphens dropped (lines wrap and hyphenate in
    the PDF) and the math minus as a hyphen… dropped too, so compare the same."""
    text = text.translate(str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'}))
    return re.sub(r"[\s\-\u2010\u2212]", "", text)


def namespace(**fields):
    defaults = dict(names=[], all=False, given=None, seed=None, output=None, time_limit=600)
    return argparse.Namespace(**{**defaults, **fields})


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    require_tex()
    output = tmp_path_factory.mktemp("sheet") / "sheet.pdf"
    solved = []
    original = sheet.solve_each

    def keep(*arguments, **keywords):  # the sheet's own solutions, so as not to solve twice
        for solution in original(*arguments, **keywords):
            solved.append(solution)
            yield solution

    sheet.solve_each = keep
    try:
        assert sheet.command(namespace(all=True, output=str(output))) == 0
    finally:
        sheet.solve_each = original
    return solved, pdf_text(output)


def plain_numbers(answer):
    """The answer's scalar entries as the LaTeX printer writes them, where
    that is a plain decimal (fractions and symbols are not compared)."""
    expr = answer.expr
    if isinstance(expr, sympy.MatrixBase):
        if not math.fits_in_full(expr.shape) or not all(entry.is_number for entry in expr):
            return []  # summarised (only corners printed), or symbolic (fractions stay fractions)
        entries_ = list(expr)
    elif isinstance(expr, sympy.Basic) and expr.is_number:
        entries_ = [expr]
    else:
        return []
    printed = [math.latex(entry) for entry in entries_]
    return [p for p in printed if re.fullmatch(r"-?\d+(\.\d+)?", p)]


def sections(text: str, names: list[str]) -> dict[str, str]:
    """The squeezed PDF text of each problem's section, found by the line
    `Problem NAME. Source:` that opens it."""
    flat = squeeze(text)
    starts = []
    for name in names:
        marker = squeeze(f"Problem {name}. Source:")
        index = flat.find(marker)
        assert index >= 0, f"the PDF has no section for {name}"
        starts.append((index, name))
    starts.sort()
    bounds = [index for index, _ in starts[1:]] + [len(flat)]
    return {name: flat[index:end] for (index, name), end in zip(starts, bounds)}


def test_every_problem_title_is_in_the_pdf(compiled):
    solved, text = compiled
    flat = squeeze(text)
    assert [solution.problem for solution in solved] == [entry.name for entry in entries()]
    for solution in solved:
        assert flat.count(squeeze(solution.title)) >= 2, f"{solution.problem}: title missing from contents or section"


def test_every_numeric_answer_is_in_its_section_of_the_pdf(compiled):
    solved, pdf = compiled
    text = sections(pdf, [solution.problem for solution in solved])
    checked = 0
    for solution in solved:
        name = solution.problem
        for answer in solution.answers.values():
            for number in plain_numbers(answer):
                assert squeeze(number) in text[name], f"{name}: answer {answer.key} = {number} not in the PDF"
                checked += 1
    assert checked > 50


def test_the_pdf_states_the_convention_once_and_has_contents(compiled):
    _, text = compiled
    assert squeeze("Convention for matrix derivatives") in squeeze(text)
    assert text.count("Denominator layout") == 1
    assert "Contents" in text


def test_a_seed_sheet_is_a_variant_of_the_same_problems():
    default, first, again, second = (sheet.build_sheet(["mlp", "gan-optimal-discriminator"], seed=s) for s in (None, 1, 1, 2))
    assert first == again  # deterministic
    assert len({default, first, second}) == 3
    printer = LatexPrinter(standalone=False, stated_convention=sheet.CONVENTION)
    assert printer.body(solve("mlp", seed=1)) in first  # the same as `derive solve mlp --seed 1`
    assert printer.body(solve("gan-optimal-discriminator")) in first  # no variants: its own givens


def test_given_applies_to_one_problem_only():
    with pytest.raises(ValueError, match="one problem"):
        sheet.build_sheet(["mlp", "kl-gaussian"], given={"x": [1]})
    with pytest.raises(ValueError, match="--all"):
        sheet.command(namespace(names=["mlp"], all=True, output="x.tex"))
    with pytest.raises(ValueError, match=r"\.tex or \.pdf"):
        sheet.command(namespace(names=["mlp"], output="x.docx"))


def test_tex_output_writes_the_source(tmp_path):
    output = tmp_path / "one.tex"
    assert sheet.command(namespace(names=["mlp-backprop-step"], output=str(output))) == 0
    source = output.read_text(encoding="utf-8")
    assert source.startswith(r"\documentclass") and source.rstrip().endswith(r"\end{document}")
    assert r"\tableofcontents" in source and r"\begin{tikzpicture}" in source


HOSTILE = r"\input{/etc/passwd} } { % # $ & _ ^ ~ \\ \end{document} \def\x{y} \write18{touch pwned}"
# Pairs a T1 font would merge into one glyph (an en dash, «, “), to be kept apart.
LIGATURES = "a--b <<c>> ``d'' ,,e !`f ?`g ---"
# Printable ASCII but letters (which TeX may hyphenate at a line end), drawn once.
PUNCTUATION = "".join(chr(c) for c in range(32, 127) if not chr(c).isalpha())
RANDOM_TEXTS = ["".join(random.Random(seed).choices(PUNCTUATION, k=random.Random(-seed).randint(1, 60)))
                for seed in range(1, 41)]


def literal(text: str) -> str:
    """Text as pdftotext reads it from T1 fonts, compared without spaces."""
    text = text.translate(str.maketrans({"\u2019": "'", "\u2018": "`", "\u201d": '"'}))
    return re.sub(r"\s", "", text)


def hostile_solution() -> Solution:
    solution = Solution("hostile", "Title " + HOSTILE + "\n\n", "source " + HOSTILE, "Statement " + HOSTILE,
                        given={"key " + HOSTILE: "value " + HOSTILE, "numbers": [[1, 2], [3, 4]]})
    part = solution.part("a}%", "Question " + HOSTILE + "\n\nmore")
    part.steps.append(Remark("Remark " + HOSTILE + "\n\nnext paragraph"))
    part.steps += [Remark(f"Random {i}: {text} :end") for i, text in enumerate(RANDOM_TEXTS)]
    part.steps.append(Remark(LIGATURES))
    part.steps.append(chain_graph(40).figure("caption " + HOSTILE))  # collapsed into layer blocks
    part.steps.append(chain_graph(3).figure("a small one"))
    return solution


def chain_graph(length: int) -> Graph:
    graph = Graph()
    x = graph.given("x", sympy.Rational(1, 2))
    w = graph.given("w", 2)
    for i in range(length):
        x = graph.define(f"h_{i}", w * x)
    graph.define("loss", x ** 2)
    graph.backward("loss")
    return graph.evaluate()


def test_hostile_text_is_typeset_literally(tmp_path):
    require_tex()
    output = tmp_path / "hostile.pdf"
    sheet.compile_pdf(sheet.document([hostile_solution()]), output, time_limit=120)
    text = pdf_text(output)
    for where in ("Title", "source", "Statement", "Question", "Remark", "key", "value", "Caption"):
        assert squeeze(where + " " + HOSTILE) in squeeze(text), f"{where}: hostile text not printed literally"
    for i, random_text in enumerate(RANDOM_TEXTS):
        assert literal(f"Random {i}: {random_text} :end") in literal(text), f"not literal: {random_text!r}"
    assert literal(LIGATURES) in literal(text)
    assert "root:" not in text  # /etc/passwd was not read
    assert not (tmp_path / "pwned").exists() and not os.path.exists("pwned")
    assert "Layer 1" in text and "Layer 5" in text


def test_escape_leaves_no_active_character():
    escaped = escape(HOSTILE)
    unescaped = re.sub(r"\\(textbackslash|textasciicircum|textasciitilde)\{\}|\\[{}$&#_%]", "", escaped)
    assert not set(unescaped) & set("\\{}$&#^_~%")


def test_a_failing_compile_reports_the_first_error_and_its_line(tmp_path):
    require_tex()
    source = PREAMBLE + "\\begin{document}\nfine\n\n\\nosuchcommand{x}\n\\alsonotacommand\n\\end{document}\n"
    line = source.splitlines().index(r"\nosuchcommand{x}") + 1
    with pytest.raises(sheet.SheetError) as error:
        sheet.compile_pdf(source, tmp_path / "broken.pdf", time_limit=120)
    message = str(error.value)
    assert f"line {line} of the generated source" in message
    assert "Undefined control sequence" in message and r"\nosuchcommand" in message
    assert "\n" not in message and not (tmp_path / "broken.pdf").exists()
    # only the file the user named is ever written: the message says how to get the source
    assert "-o broken.tex writes the LaTeX source" in message and not (tmp_path / "broken.tex").exists()


def test_without_tex_nothing_is_written_and_the_message_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(sheet.shutil, "which", lambda name: None)
    (tmp_path / "out.tex").write_text("the user's own file")
    with pytest.raises(sheet.SheetError, match="texlive-latex-base") as error:
        sheet.write_sheet(["kl-gaussian"], None, None, tmp_path / "out.pdf")
    assert (tmp_path / "out.tex").read_text(encoding="utf-8") == "the user's own file"
    assert not (tmp_path / "out.pdf").exists() and "name a .tex file" in str(error.value)


def test_jupyter_displays_compile_with_plain_amsmath(tmp_path):
    solution = solve("mlp")
    fragment, markdown = solution._repr_latex_(), solution._repr_markdown_()
    assert solution.title in markdown and "| quantity | from | data | grad |" in markdown
    assert r"\derivedisplay" not in fragment and "tikzpicture" not in fragment
    require_tex()
    source = ("\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n\\begin{document}\n"
              + fragment + "\\end{document}\n")
    sheet.compile_pdf(source, tmp_path / "fragment.pdf", time_limit=120)


def test_matrices_up_to_8x8_in_full_larger_summarised():
    full = sympy.ImmutableMatrix(8, 8, lambda i, j: 10 * i + j + 100)
    large = sympy.ImmutableMatrix(9, 9, lambda i, j: 10 * i + j + 100)
    assert all(str(v) in math.latex(full, summarise=True) for v in full)
    summary = math.latex(large, summarise=True)
    assert r"\cdots" in summary and r"9\times 9" in summary and "144" not in summary
    assert "144" in math.latex(large)  # JSON and Markdown keep every entry


def mlp_loss(W1, given):
    """The `mlp` family's default network in plain NumPy (sigmoid, ½ SSE)."""
    sigmoid = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    layer1, layer2 = given["layers"]
    a1 = sigmoid(W1 @ np.array(given["x"]) + np.array(layer1["b"]))
    a2 = sigmoid(np.array(layer2["W"]) @ a1 + np.array(layer2["b"]))
    return 0.5 * np.sum((np.array(given["y"]) - a2) ** 2)


def test_figure_nodes_carry_values_and_gradients_against_finite_differences():
    from problems import mlp
    figure = next(step for part in solve("mlp").parts for step in part.steps
                  if type(step).__name__ == "ComputationGraph")
    nodes = {node.name: node for node in figure.nodes}
    assert [n.name for n in figure.nodes] == ["x", "W_1", "b_1", "z_1", "a_1", "W_2", "b_2", "z_2", "a_2",
                                              "y", "loss"]
    assert ("z_1", "a_1") in figure.edges and ("a_2", "loss") in figure.edges
    W1 = np.array(mlp.GIVEN["layers"][0]["W"], dtype=float)
    assert float(sympy.Matrix([nodes["loss"].value])[0]) == pytest.approx(mlp_loss(W1, mlp.GIVEN), rel=1e-12)
    assert sympy.Matrix([nodes["loss"].gradient]) == sympy.Matrix([[1]])
    h = 1e-6
    for i in range(2):
        for j in range(2):
            step = np.zeros((2, 2))
            step[i, j] = h
            numeric = (mlp_loss(W1 + step, mlp.GIVEN) - mlp_loss(W1 - step, mlp.GIVEN)) / (2 * h)
            assert float(nodes["W_1"].gradient[i, j]) == pytest.approx(numeric, rel=1e-6)


def test_figure_in_every_format():
    solution = solve("mlp-backprop-step")
    assert "Computation graph" in render(solution, "text")
    data = __import__("json").loads(render(solution, "json"))
    figures = [f for part in data["parts"] for f in part.get("figures", [])]
    assert len(figures) == 1 and len(figures[0]["nodes"]) == 11
    assert all(set(step) == {"text", "latex"} for part in data["parts"] for step in part["steps"])
    assert figures[0]["nodes"][-1]["gradient"] in (1, [[1]], [1])


def test_command_line_writes_the_same_sheet(tmp_path, capsys):
    """Through `derive sheet` once the CLI has it, else through the parser
    `derive.sheet.add_parser` gives the CLI."""
    from derive import cli
    output = tmp_path / "two.tex"
    arguments = ["sheet", "mlp", "kl-gaussian", "--seed", "4", "-o", str(output)]
    if "sheet" in cli.COMMANDS:
        assert cli.main(arguments) == 0
        assert cli.main(["sheet", "mlp", "--all", "-o", str(output)]) == 2
        assert "not both" in capsys.readouterr().err
    else:
        top = argparse.ArgumentParser()
        sheet.add_parser(top.add_subparsers(dest="command"))
        assert sheet.command(top.parse_args(arguments)) == 0
    assert output.read_text(encoding="utf-8") == sheet.build_sheet(["mlp", "kl-gaussian"], seed=4)


def test_figure_layout_places_givens_by_their_use_and_keeps_columns_apart():
    from derive.printing import tikz
    graph = Graph()
    inputs = [graph.given(f"w_{i}", i + 1) for i in range(12)]
    total = graph.define("s", sympy.Add(*inputs))
    late = graph.given("late", 3)
    graph.define("loss", total * late)
    graph.backward("loss")
    graph.evaluate()
    step = graph.figure("wide")
    layer = tikz.layers(step)
    assert layer["late"] == layer["s"] == layer["w_0"] + 1 and layer["loss"] == layer["s"] + 1
    grid, column = tikz.placement(step)
    for row in grid:
        assert len({column[name] for name in row}) == len(row)
    picture = tikz.figure(step, escape)
    assert picture.count(r"\node[") == len(step.nodes) and picture.count(r"\draw[flow]") == len(step.edges)
    assert "column sep=9mm" in picture  # twelve weights side by side: drawn left to right instead
    nodes = {node.name: node for node in step.nodes}
    assert nodes["w_5"].gradient == 3 and nodes["late"].gradient == 78  # ∂(late·Σw)/∂late = Σ(1..12)


def test_a_given_sheet_uses_and_lists_the_givens():
    given = {**find("mlp").default_given(), "x": [0.123, -0.456]}
    source = sheet.build_sheet(["mlp"], given=given)
    assert r"\textit{Given:}" in source and "0.123" in source and "-0.456" in source
    printer = LatexPrinter(standalone=False, stated_convention=sheet.CONVENTION)
    assert printer.body(solve("mlp", given=given)) in source
    with pytest.raises(ValueError, match="exclude"):
        sheet.build_sheet(["mlp"], given=given, seed=1)
