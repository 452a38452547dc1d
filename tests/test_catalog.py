"""Every problem of the catalog, through the contracts others rely on:
it solves, renders in every format, prints JSON of the documented shape, and
a problem that takes givens reproduces itself from the givens it prints."""
import json
import pathlib
import re

import pytest
import sympy

from derive.catalog import entries, find, solve
from derive.printing import render
from catalog_names import NAMES as CATALOG_NAMES
from conftest import solved_document, solved_problem

NAMES = [entry.name for entry in entries()]
#: Answer keys that tests outside the package read (DESIGN.md).
CONTRACT_KEYS = {
    "lstm-forward": "f_1 i_1 ctilde_1 c_1 o_1 h_1 f_2 i_2 ctilde_2 c_2 o_2 h_2 loss",
    "mlp-backprop-step": "h_1 h_2 y_hat delta_y delta_h1 delta_h2",
    "jacobian-chain": "J_f1 J_f2 J_f",
    "kl-gaussian": "KL KL_std",
    "cnn-backprop-example": "O M loss dL_dM dL_dO dL_dF F_new",
    "conv-layer-arithmetic": "K params mults",
    "receptive-field": "RF_n",
    "gcn-normalization": "D D_inv_sqrt Q",
    "rnn-gradient-scale": "alpha",
}


def test_every_catalog_row_can_be_solved():
    assert [name for name in CATALOG_NAMES if name not in NAMES] == []


def test_the_contract_copy_matches_the_shared_catalog():
    catalog = pathlib.Path(__file__).resolve().parents[2] / "shared" / "CATALOG.md"
    if not catalog.exists():
        pytest.skip("../shared is not beside this checkout")
    listed = re.findall(r"^\| `([a-z0-9-]+)` \|", catalog.read_text(encoding="utf-8"), re.M)
    assert list(dict.fromkeys(listed)) == CATALOG_NAMES


@pytest.fixture(scope="module")
def documents():
    return {name: solved_document(name) for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_json_has_the_documented_shape(documents, name):
    document = documents[name]
    assert document["problem"] == name and document["title"] and document["source"]
    assert document["parts"], "a solution without parts"
    answers = {}
    for part in document["parts"]:
        assert set(part) >= {"id", "question", "steps", "answers"}
        assert all(set(step) >= {"text", "latex"} for step in part["steps"])
        answers.update(part["answers"])
    assert answers, "a solution without answers"
    for key, answer in answers.items():
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key), key
        assert set(answer) >= {"latex", "expr", "value"}
    assert set(CONTRACT_KEYS.get(name, "").split()) <= set(answers)


@pytest.mark.parametrize("name", NAMES)
def test_every_format_renders(name):
    solution = solved_problem(name)
    for form in ("text", "latex", "markdown"):
        assert render(solution, form).strip()


@pytest.mark.parametrize("name", [n for n in NAMES if find(n).takes_given])
def test_printed_givens_reproduce_the_solution(documents, name):
    document = documents[name]
    assert "given" in document, "a problem that takes givens prints them"
    again = json.loads(render(solve(name, given=document["given"]), "json"))
    assert again["parts"] == document["parts"]


@pytest.mark.parametrize("name", [n for n in NAMES if find(n).has_variants])
def test_a_seed_is_a_deterministic_variant(documents, name):
    first = render(solve(name, seed=5), "json")
    assert first == render(solve(name, seed=5), "json")
    assert json.loads(first)["given"] != documents[name]["given"]


def names_in(expr) -> dict:
    """The problem's symbols and functions that `expr` mentions, by name
    (and the engine's own classes, such as a convolution, that it holds)."""
    names = {str(s): s for s in expr.atoms(sympy.Symbol, sympy.MatrixSymbol)}
    names.update({type(f).__name__: type(f) for f in expr.atoms(sympy.Function)})
    names.update({type(node).__name__: type(node) for node in sympy.preorder_traversal(expr)
                  if not (type(node).__module__ or "").startswith("sympy")})
    return names


def rebuilt(expr):
    """`expr` put together again by its classes' constructors, matrix sums
    and products evaluated, so that their terms come in SymPy's canonical
    order (as parsing puts them)."""
    if not isinstance(expr, sympy.Basic) or expr.is_Atom or not expr.args:
        return expr
    if isinstance(expr, sympy.Lambda):  # a bound variable's name is immaterial
        bound = [sympy.Symbol(f"_bound{i}") for i in range(len(expr.variables))]
        return sympy.Lambda(tuple(bound), rebuilt(expr.expr.xreplace(dict(zip(expr.variables, bound)))))
    args = [rebuilt(a) for a in expr.args]
    if isinstance(expr, (sympy.MatAdd, sympy.MatMul, sympy.HadamardProduct)):
        return expr.func(*args, evaluate=True)
    return expr.func(*args)


def test_expressions_parse_back_with_sympify(documents):
    """DESIGN.md: `expr` is the exact SymPy result as text, parseable by
    sympify with the problem's symbols, and it parses to that result.
    (Trusted text: the engine's own output, not a user's.)"""
    unparsed = []
    for name in NAMES:
        printed = {key: answer["expr"] for part in documents[name]["parts"]
                   for key, answer in part["answers"].items()}
        for key, answer in solved_problem(name).answers.items():
            if not isinstance(answer.expr, sympy.Basic):
                continue
            text = printed[key]
            try:
                parsed = sympy.sympify(text, locals=names_in(answer.expr))
            except Exception as error:  # noqa: BLE001 - collect every failure
                unparsed.append(f"{name}.{key}: {text[:70]} ({type(error).__name__})")
                continue
            if parsed != answer.expr and rebuilt(parsed) != rebuilt(answer.expr):
                unparsed.append(f"{name}.{key}: {text[:70]} parses to a different expression")
    assert not unparsed, "\n".join(unparsed)


@pytest.mark.parametrize("name", NAMES)
def test_latex_typesets_every_character(name):
    """A character LaTeX has no form for is printed as "?": the LaTeX has no
    more question marks than the text (where prose keeps its own)."""
    solution = solved_problem(name)
    assert render(solution, "latex").count("?") <= render(solution, "text").count("?")
