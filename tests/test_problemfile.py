"""Problem files (derive.problemfile): each example under examples/ solved by
the engine and checked against NumPy and central finite differences written
here, independently of the engine; the catalog problem rewritten as a file
gives the catalog's answers; bad files are one line naming the file, the key
and what is wrong, exit 2."""
from __future__ import annotations

import json
import math
try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib
from pathlib import Path

import numpy as np
import pytest

from derive.catalog import find, solve
from derive.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


# --- NumPy references: each example's quantities, step by step -----------------

def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def softmax(v):
    e = np.exp(v - np.max(v))
    return e / e.sum()


REFERENCES = {
    "gru.toml": [
        ("z", lambda v: sigmoid(v["W_z"] @ v["x"] + v["U_z"] @ v["h_0"] + v["b_z"])),
        ("r", lambda v: sigmoid(v["W_r"] @ v["x"] + v["U_r"] @ v["h_0"] + v["b_r"])),
        ("n", lambda v: np.tanh(v["W_n"] @ v["x"] + v["r"] * (v["U_n"] @ v["h_0"]) + v["b_n"])),
        ("h", lambda v: (1 - v["z"]) * v["n"] + v["z"] * v["h_0"]),
        ("L", lambda v: 0.5 * np.sum((v["h"] - v["y"]) ** 2)),
    ],
    "softmax-regression.toml": [
        ("z", lambda v: v["W"] @ v["x"] + v["b"]),
        ("p", lambda v: softmax(v["z"])),
        ("L", lambda v: -v["y"] @ np.log(v["p"])),
    ],
    "batch-norm.toml": [
        ("mu", lambda v: np.mean(v["x"])),
        ("var", lambda v: np.mean((v["x"] - v["mu"]) ** 2)),
        ("xhat", lambda v: (v["x"] - v["mu"]) / np.sqrt(v["var"] + v["epsilon"])),
        ("s", lambda v: v["gamma"] * v["xhat"] + v["beta"]),
        ("L", lambda v: 0.5 * np.sum((v["s"] - v["t"]) ** 2)),
    ],
    "attention.toml": [
        ("q", lambda v: v["W_q"] @ v["x_q"]),
        ("K", lambda v: v["W_k"] @ v["X"]),
        ("V", lambda v: v["W_v"] @ v["X"]),
        ("s", lambda v: v["K"].T @ v["q"] / np.sqrt(v["d"])),
        ("a", lambda v: softmax(v["s"])),
        ("o", lambda v: v["V"] @ v["a"]),
        ("L", lambda v: 0.5 * np.sum((v["o"] - v["y"]) ** 2)),
    ],
    "lstm-step.toml": [
        ("f", lambda v: sigmoid(v["W_f"] @ v["x"] + v["U"] @ v["h_0"] + v["b"])),
        ("i", lambda v: sigmoid(v["W_i"] @ v["x"] + v["U"] @ v["h_0"] + v["b"])),
        ("o", lambda v: sigmoid(v["W_o"] @ v["x"] + v["U"] @ v["h_0"] + v["b"])),
        ("c_tilde", lambda v: np.tanh(v["W_c"] @ v["x"] + v["U"] @ v["h_0"] + v["b"])),
        ("c", lambda v: v["f"] * v["c_0"] + v["i"] * v["c_tilde"]),
        ("h", lambda v: v["o"] * np.tanh(v["c"])),
        ("L", lambda v: 0.5 * np.sum((v["h"] - v["y"]) ** 2)),
    ],
    "logistic-regression.toml": [
        ("p", lambda v: sigmoid(v["w"] @ v["x"] + v["b"])),
        ("L", lambda v: -np.sum(v["y"] * np.log(v["p"]) + (1 - v["y"]) * np.log(1 - v["p"]))),
    ],
    "mlp-backprop-step.toml": [
        ("z_1", lambda v: v["W_1"] @ v["x"] + v["b_1"]),
        ("a_1", lambda v: sigmoid(v["z_1"])),
        ("z_2", lambda v: v["W_2"] @ v["a_1"] + v["b_2"]),
        ("a_2", lambda v: sigmoid(v["z_2"])),
        ("loss", lambda v: 0.5 * np.sum((v["y"] - v["a_2"]) ** 2)),
    ],
}


def run(steps, givens, override=None):
    values = {k: np.array(v, dtype=float) for k, v in givens.items()}
    for name, formula in steps:
        values[name] = np.array(override[name], dtype=float) if override and name in override else formula(values)
    return values


def central_difference(steps, givens, loss, name, h=1e-6):
    """∂loss/∂name entry by entry; a quantity is perturbed with its
    downstream quantities recomputed."""
    base = run(steps, givens)
    point = np.array(base[name], dtype=float)
    gradient = np.zeros_like(point)
    for index in np.ndindex(point.shape):
        shifted = []
        for sign in (1, -1):
            moved = point.copy()
            moved[index] += sign * h
            if name in givens:
                shifted.append(run(steps, {**givens, name: moved})[loss])
            else:
                shifted.append(run(steps, givens, {name: moved})[loss])
        gradient[index] = (shifted[0] - shifted[1]) / (2 * h)
    return gradient


def close(engine, reference, rtol=1e-6, atol=1e-8):
    a = np.asarray(engine, dtype=float)
    b = np.asarray(reference, dtype=float)
    assert a.size == b.size, (a, b)
    np.testing.assert_allclose(a.reshape(-1), b.reshape(-1), rtol=rtol, atol=atol)


def spec_of(file):
    with open(EXAMPLES / file, "rb") as handle:
        return tomllib.load(handle)


def answers(solution):
    return {key: answer.value for key, answer in solution.answers.items()}


@pytest.mark.parametrize("seed", [None, 11])
@pytest.mark.parametrize("file", sorted(REFERENCES))
def test_example_against_numpy_and_finite_differences(file, seed):
    spec = spec_of(file)
    steps = REFERENCES[file]
    problem = find(str(EXAMPLES / file))
    solution = problem.solve(seed=seed)
    givens = solution.given
    got = answers(solution)
    reference = run(steps, givens)
    asked = spec["ask"].get("values", [name for name, _ in steps])
    for name in asked:
        close(got[name], reference[name])
    gradients = spec["ask"]["gradients"]
    loss = gradients["of"]
    for name in gradients["wrt"]:
        close(got[f"dL_d{name}"], central_difference(steps, givens, loss, name), rtol=1e-5, atol=1e-7)
    step = spec["ask"].get("step")
    if step:
        updated = dict(givens)
        for name in step["update"]:
            new = np.array(givens[name], float) - step["lr"] * central_difference(steps, givens, loss, name)
            close(got[f"{name}_new"], new, rtol=1e-5, atol=1e-7)
            updated[name] = new
        close(got[f"{loss}_new"], run(steps, updated)[loss], rtol=1e-5, atol=1e-7)
    if seed is not None:
        assert givens != problem.default_given()
        for name in spec["ask"]["random"]:
            drawn = np.array(givens[name], float)
            assert drawn.shape == np.array(spec["given"][name], float).shape
            assert np.allclose(drawn, np.round(drawn, 2))


def test_the_catalog_problem_as_a_file_gives_the_catalogs_answers():
    from_file = answers(solve(str(EXAMPLES / "mlp-backprop-step.toml")))
    catalog = answers(solve("mlp-backprop-step"))
    same = ["z_1", "a_1", "z_2", "a_2", "loss", "dL_dW_1", "dL_db_1", "dL_dW_2", "dL_db_2",
            "W_1_new", "b_1_new", "W_2_new", "b_2_new", "loss_new"]
    for key in same:
        close(from_file[key], catalog[key], rtol=1e-12, atol=1e-15)
    close(from_file["dL_dz_1"], catalog["delta_1"], rtol=1e-12)
    close(from_file["dL_dz_2"], catalog["delta_2"], rtol=1e-12)


def test_symbolic_closed_forms_are_matrix_expressions_confirmed_on_the_numbers():
    solution = solve(str(EXAMPLES / "softmax-regression.toml"))
    rules = {k: a for k, a in solution.answers.items() if k.endswith("_rule")}
    assert set(rules) == {"dL_dz_rule", "dL_dW_rule", "dL_db_rule"}
    for answer in rules.values():
        assert answer.value is None and answer.expr.free_symbols  # closed forms, in the symbols
    names = {s.name for s in rules["dL_dW_rule"].expr.free_symbols}
    assert names == {"p", "x", "y"}  # ∂L/∂W = (p ⊙ (…)) xᵀ: the forward quantities alone
    got = answers(solution)
    # ∂L/∂z = p − y for a one-hot y
    close(got["dL_dz"], np.array(got["p"]) - np.array(spec_of("softmax-regression.toml")["given"]["y"]))


def test_seeds_are_deterministic():
    problem = find(str(EXAMPLES / "gru.toml"))
    assert problem.random_given(__import__("random").Random(3)) == problem.random_given(__import__("random").Random(3))
    assert problem.solve(seed=3).given != problem.solve(seed=4).given


# --- the command line -------------------------------------------------------------

@pytest.mark.parametrize("form", ["text", "latex", "markdown", "json"])
def test_solve_a_file_in_every_format(form, capsys):
    assert main(["solve", str(EXAMPLES / "gru.toml"), "--format", form]) == 0
    out = capsys.readouterr().out
    assert "0.0693801" in out or "0.06938" in out
    if form == "json":
        data = json.loads(out)
        keys = {k for part in data["parts"] for k in part["answers"]}
        assert {"z", "r", "n", "h", "L", "dL_dW_z", "dL_dU_r", "dL_db_n", "dL_dh_0"} <= keys


def test_sheet_of_a_file(tmp_path, capsys):
    out = tmp_path / "gru.tex"
    assert main(["sheet", str(EXAMPLES / "gru.toml"), str(EXAMPLES / "attention.toml"), "-o", str(out)]) == 0
    text = out.read_text()
    assert "One GRU step" in text and "A single attention head" in text and r"\begin{tikzpicture}" in text


def test_check_a_hand_derivation_against_a_file(tmp_path, capsys):
    hand = tmp_path / "gru.md"
    hand.write_text("$$ z = \\sigma(W_z x + U_z h_0 + b_z) = \\begin{bmatrix}0.6637\\\\0.4725\\end{bmatrix} $$\n\n"
                    "$$ L = 0.0694 $$\n\n$$ \\frac{\\partial L}{\\partial b_n} = "
                    "\\begin{bmatrix}-0.0306\\\\-0.1590\\end{bmatrix} $$\n\n$$ L = 0.0712 $$\n")
    status = main(["check", str(hand), "--problem", str(EXAMPLES / "gru.toml"), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 1
    assert [s["status"] for s in report["steps"]] == ["ok", "ok", "ok", "wrong"]


def test_given_file_changes_some_givens(tmp_path, capsys):
    given = tmp_path / "given.json"
    given.write_text(json.dumps({"x": [0.0, 0.0]}))
    assert main(["solve", str(EXAMPLES / "gru.toml"), "--given", str(given), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    steps = REFERENCES["gru.toml"]
    givens = {**spec_of("gru.toml")["given"], "x": [0.0, 0.0]}
    z = [a["value"] for p in data["parts"] for k, a in p["answers"].items() if k == "z"][0]
    close(z, run(steps, givens)["z"])


# --- bad files ------------------------------------------------------------------------

GOOD = """
[given]
x = [1.0, 2.0]
W = [[1.0, 0.0], [0.5, -1.0]]
b = [0.1, 0.2]
y = [0.0, 1.0]

[quantities]
z = 'W x + b'
a = '\\tanh(z)'
L = '\\frac{1}{2} \\lVert a - y \\rVert^2'

[ask]
gradients = { of = "L", wrt = ["W", "b"] }
"""

BAD = [
    # (what to change, text or (old, new), fragments the message must have)
    ("a syntax error", ("z = 'W x + b'", "z = 'W x + b"), ["line 9", "column"]),
    ("an unknown top-level key", ("[given]", "colour = 'red'\n[given]"), ["colour", "unknown key"]),
    ("step outside [ask]", ("[given]", "step = { lr = 0.1, update = ['W'] }\n[given]"), ["step", "[ask]"]),
    ("an unknown key in [ask]", ('gradients =', 'gradient = { of = "L", wrt = ["W"] }\ngradients ='),
     ["ask.gradient", "unknown key"]),
    ("an unknown name", ("'W x + b'", "'W x + c'"), ["quantities.z", "unknown name c", "column 7"]),
    ("a parse error", ("'W x + b'", "'W x + + }'"), ["quantities.z", "column"]),
    ("a quantity used before it is defined", ("a = '\\tanh(z)'", "a = '\\tanh(z) + L'"),
     ["quantities.a", "cycle: a → L → a"]),
    ("a cycle through two quantities", ("z = 'W x + b'", "z = 'W x + b + a'"), ["quantities.z", "cycle: z → a → z"]),
    ("a forward reference", ("z = 'W x + b'", "z = 'W x + c_2'\nc_2 = 'b'"), ["quantities.z", "c_2", "defined after it"]),
    ("digits without a subscript", ("b = [0.1, 0.2]", "b2 = [0.1, 0.2]"), ["given.b2", "b_2"]),
    ("itself", ("a = '\\tanh(z)'", "a = '\\tanh(a)'"), ["quantities.a", "itself"]),
    ("a sum of shapes that differ", ("b = [0.1, 0.2]", "b = [0.1, 0.2, 0.3]"),
     ["quantities.z", "2×1 plus a 3×1"]),
    ("a product of shapes that do not fit", ("x = [1.0, 2.0]", "x = [1.0, 2.0, 3.0]"),
     ["quantities.z", "2×2 times a 3×1"]),
    ("a given that is a string", ("x = [1.0, 2.0]", "x = 'one'"), ["given.x", "got a string"]),
    ("a ragged matrix", ("[0.5, -1.0]]", "[0.5]]"), ["given.W[1]", "1 entries, but row 0 has 2"]),
    ("too many rows", ("x = [1.0, 2.0]", "x = [" + ", ".join(["1.0"] * 40) + "]"), ["given.x", "at most 32"]),
    ("a non-finite number", ("x = [1.0, 2.0]", "x = [1.0, nan]"), ["given.x[1]", "finite"]),
    ("a gradient of a vector", ('of = "L"', 'of = "a"'), ["ask.gradients.of", "a is 2×1", "scalar"]),
    ("a gradient with respect to an unknown name", ('wrt = ["W", "b"]', 'wrt = ["W", "V"]'),
     ["ask.gradients.wrt[1]", "unknown name 'V'"]),
    ("a name the loss does not depend on", ("y = [0.0, 1.0]", "y = [0.0, 1.0]\nu = 3"),
     None),  # fine: an unused given is allowed
    ("a gradient with respect to an unused given", (('y = [0.0, 1.0]', 'y = [0.0, 1.0]\nu = 3'),
                                                    ('wrt = ["W", "b"]', 'wrt = ["W", "u"]')),
     ["ask.gradients.wrt[1]", "does not depend on u"]),
    ("a bad random spec", ("[ask]", "[ask]\nrandom = { W = \"uniform(1)\" }"), ["ask.random.W", "2 numbers"]),
    ("an unknown distribution", ("[ask]", "[ask]\nrandom = { W = \"gauss(0, 1)\" }"),
     ["ask.random.W", "unknown distribution 'gauss'"]),
    ("code in a random spec", ("[ask]", "[ask]\nrandom = { W = \"__import__('os').system('true')\" }"),
     ["ask.random.W", "expected uniform"]),
    ("an empty uniform", ("[ask]", "[ask]\nrandom = { W = \"uniform(1, 0)\" }"), ["ask.random.W", "a < b"]),
    ("a name that is not an identifier", ("b = [0.1, 0.2]", "b-c = [0.1, 0.2]"), ["given.b-c", "a name is"]),
    ("no quantities", ("[quantities]", "[other]"), ["other", "unknown key"]),
    ("a formula that is a number", ("a = '\\tanh(z)'", "a = 3"), ["quantities.a", "LaTeX formula in quotes"]),
    ("a relation", ("a = '\\tanh(z)'", "a = 'a = \\tanh(z)'"), ["quantities.a"]),
    ("code in a formula", ("a = '\\tanh(z)'", "a = '__import__(\"os\").system(\"true\")'"), ["quantities.a"]),
    ("a value that is not real", ("a = '\\tanh(z)'", "a = '\\log(z - 5)'"), ["quantities.a", "not a finite real"]),
    ("a function's name as a quantity", ("a = '\\tanh(z)'", "exp = '\\tanh(z)'"), ["quantities.exp", "function"]),
    ("a name taken by a gradient", ("y = [0.0, 1.0]", "y = [0.0, 1.0]\ndL_dx = 1"), ["given.dL_dx", "gradients"]),
    ("a step without a learning rate", ("[ask]", "[ask]\nstep = { update = ['W'] }"), ["ask.step.lr", "missing"]),
    ("a step on a quantity", ("[ask]", "[ask]\nstep = { lr = 0.1, update = ['z'] }"),
     ["ask.step.update[0]", "a quantity"]),
]


def edited(change):
    text = GOOD
    changes = change if isinstance(change[0], tuple) else (change,)
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


@pytest.mark.parametrize("what, change, fragments", BAD, ids=[b[0] for b in BAD])
def test_a_bad_file_is_one_line_naming_the_file_and_key(tmp_path, capsys, what, change, fragments):
    path = tmp_path / "problem.toml"
    path.write_text(edited(change))
    status = main(["solve", str(path)])
    err = capsys.readouterr().err
    if fragments is None:
        assert status == 0, err
        return
    assert status == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert str(path) in err, err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


def test_the_good_file_solves(tmp_path, capsys):
    path = tmp_path / "problem.toml"
    path.write_text(GOOD)
    assert main(["solve", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    got = {k: a["value"] for p in data["parts"] for k, a in p["answers"].items()}
    steps = [("z", lambda v: v["W"] @ v["x"] + v["b"]), ("a", lambda v: np.tanh(v["z"])),
             ("L", lambda v: 0.5 * np.sum((v["a"] - v["y"]) ** 2))]
    givens = {"x": [1.0, 2.0], "W": [[1.0, 0.0], [0.5, -1.0]], "b": [0.1, 0.2], "y": [0.0, 1.0]}
    close(got["L"], run(steps, givens)["L"])
    close(got["dL_dW"], central_difference(steps, givens, "L", "W"), rtol=1e-5)


def test_a_missing_file_and_a_check_with_a_bad_file(tmp_path, capsys):
    assert main(["solve", str(tmp_path / "nothing.toml")]) == 2
    assert "nothing.toml" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text(edited(("'W x + b'", "'W x + c'")))
    hand = tmp_path / "hand.md"
    hand.write_text("$$ L = 1 $$\n")
    assert main(["check", str(hand), "--problem", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "quantities.z" in err and "unknown name c" in err


def test_a_given_file_with_an_unknown_given(tmp_path, capsys):
    given = tmp_path / "given.json"
    given.write_text(json.dumps({"q": 1}))
    assert main(["solve", str(EXAMPLES / "gru.toml"), "--given", str(given)]) == 2
    assert "unknown given 'q'" in capsys.readouterr().err


def test_formula_notation(tmp_path):
    """Norms, sums, element-wise functions, transposes and broadcasting as a
    person writes them, each against NumPy."""
    path = tmp_path / "notation.toml"
    path.write_text("""
[given]
x = [0.5, -1.0, 2.0]
A = [[1.0, 2.0, 0.0], [0.0, -1.0, 1.0]]
c = 0.5

[quantities]
u = 'A x - c'
v = '\\exp(u) \\odot \\log(1 + u \\odot u)'
n_1 = '\\lVert u \\rVert'
n_2 = '\\lVert A \\rVert^2'
n_3 = '\\lVert x \\rVert_1'
s = '\\sum_{i=1}^{2} v_i'
w = 'A^\\top u + x^\\top x'
L = 's + n_1 + n_2 + n_3 + \\mathrm{c} \\cdot w_1'
""")
    got = answers(solve(str(path)))
    x, A, c = np.array([0.5, -1.0, 2.0]), np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 1.0]]), 0.5
    u = A @ x - c
    v = np.exp(u) * np.log(1 + u * u)
    w = A.T @ u + x @ x
    close(got["u"], u)
    close(got["v"], v)
    close(got["n_1"], np.linalg.norm(u))
    close(got["n_2"], np.sum(A * A))
    close(got["n_3"], np.sum(np.abs(x)))
    close(got["s"], v.sum())
    close(got["w"], w)
    close(got["L"], v.sum() + np.linalg.norm(u) + np.sum(A * A) + np.sum(np.abs(x)) + c * w[0])


def test_no_eval_of_file_text():
    source = "".join(p.read_text() for p in (ROOT / "derive" / "problemfile").glob("*.py"))
    for word in ("eval(", "exec(", "sympify(", "parse_expr("):
        assert word not in source


def test_more_notation_with_gradients(tmp_path):
    """max(0, ·), |·|, 1/(1 + e^{−z}), e^{z}, a sum to a given count, a 1×1
    factor and a diagonal matrix, each entry by entry; values and ∂L/∂z
    against NumPy and central differences."""
    path = tmp_path / "more.toml"
    path.write_text(r"""
[given]
z = [0.5, -1.0, 2.0]
m = 3

[quantities]
a = '\max(0, z)'
b = '\left| z \right|'
c = '\frac{1}{1 + \exp(-z)}'
d = 'e^{z} \odot c'
mu = '\frac{1}{m} \cdot \sum_{i=1}^{m} z_i'
g = '(z^\top z) z + \operatorname{diag}(z) a'
L = '\sum_{i=1}^{3} (a_i + b_i + c_i + d_i + g_i) + \mu'

[ask]
gradients = { of = "L", wrt = ["z"] }
""")
    got = answers(solve(str(path)))
    steps = [("a", lambda v: np.maximum(0, v["z"])), ("b", lambda v: np.abs(v["z"])),
             ("c", lambda v: 1 / (1 + np.exp(-v["z"]))), ("d", lambda v: np.exp(v["z"]) * v["c"]),
             ("mu", lambda v: np.sum(v["z"]) / v["m"]), ("g", lambda v: (v["z"] @ v["z"]) * v["z"] + v["z"] * v["a"]),
             ("L", lambda v: np.sum(v["a"] + v["b"] + v["c"] + v["d"] + v["g"]) + v["mu"])]
    givens = {"z": [0.5, -1.0, 2.0], "m": 3}
    reference = run(steps, givens)
    for name in ("a", "b", "c", "d", "mu", "g", "L"):
        close(got[name], reference[name])
    close(got["dL_dz"], central_difference(steps, givens, "L", "z"), rtol=1e-5)


def test_a_vector_of_ones_is_refused_not_misread(tmp_path, capsys):
    path = tmp_path / "ones.toml"
    path.write_text("[given]\nz = [1, 2]\n[quantities]\ns = '\\mathbf{1}^\\top z'\n")
    assert main(["solve", str(path)]) == 2
    assert "quantities.s" in capsys.readouterr().err


def test_losses_as_functions(tmp_path, capsys):
    path = tmp_path / "losses.toml"
    path.write_text(r"""
[given]
z = [0.3, -0.2]
y = [1, 0]
[quantities]
p = '\sigma(z)'
L = '\operatorname{BCE}(p, y) + \operatorname{MSE}(p, y) + \mathrm{CE}(p, y)'
[ask]
gradients = { of = "L", wrt = ["z"] }
""")
    got = answers(solve(str(path)))
    steps = [("p", lambda v: sigmoid(v["z"])),
             ("L", lambda v: -np.sum(v["y"] * np.log(v["p"]) + (1 - v["y"]) * np.log(1 - v["p"]))
              + np.mean((v["p"] - v["y"]) ** 2) - np.sum(v["y"] * np.log(v["p"])))]
    givens = {"z": [0.3, -0.2], "y": [1, 0]}
    close(got["L"], run(steps, givens)["L"])
    close(got["dL_dz"], central_difference(steps, givens, "L", "z"), rtol=1e-5)
    path.write_text(path.read_text().replace("p = '\\sigma(z)'", "p = 'z + 1'"))
    assert main(["solve", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "quantities.L" in err and "(0, 1]" in err
