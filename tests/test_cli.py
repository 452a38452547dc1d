import json
import subprocess
import sys

import pytest

from catalog_names import NAMES as CATALOG_NAMES

CORE = ["lstm-forward", "mlp-backprop-step", "jacobian-chain", "kl-gaussian", "conv-layer-arithmetic"]
KEYS = {
    "lstm-forward": "f_1 i_1 ctilde_1 c_1 o_1 h_1 f_2 i_2 ctilde_2 c_2 o_2 h_2 loss".split(),
    "mlp-backprop-step": "h_1 h_2 y_hat delta_y delta_h1 delta_h2".split()
    + [f"{w}_new" for w in "W_h1x1 W_h1x2 W_h1b W_h2x1 W_h2x2 W_h2b W_yh1 W_yh2 W_yb".split()],
    "jacobian-chain": ["J_f1", "J_f2", "J_f"],
    "kl-gaussian": ["KL", "KL_std"],
    "conv-layer-arithmetic": ["K", "params", "mults"],
}


def derive(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "derive", *args], capture_output=True, text=True, timeout=300)


def test_list_json_follows_the_contract_in_catalog_order():
    result = derive("list", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert all(set(row) == {"name", "title", "source", "family"} for row in rows)
    names = [row["name"] for row in rows]
    order = CATALOG_NAMES
    listed = [n for n in names if n in order]
    assert listed == sorted(listed, key=order.index)
    assert set(CORE) <= set(names)


@pytest.mark.parametrize("name", CORE)
def test_solution_json_has_the_contract_keys(name):
    result = derive("solve", name, "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["problem"] == name
    for part in data["parts"]:
        assert set(part) >= {"id", "question", "steps", "answers"}
        assert all(set(step) == {"text", "latex"} for step in part["steps"])
        for key, answer in part["answers"].items():
            assert key.isascii() and key.replace("_", "").isalnum()
            assert set(answer) == {"latex", "expr", "value"}
    answers = {k for part in data["parts"] for k in part["answers"]}
    assert set(KEYS[name]) <= answers


@pytest.mark.parametrize("name", CORE)
@pytest.mark.parametrize("format", ["text", "latex", "markdown", "json"])
def test_same_command_prints_the_same_bytes(name, format):
    first, second = derive("solve", name, "--format", format), derive("solve", name, "--format", format)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout


def test_unknown_problem_suggests_close_names():
    result = derive("solve", "lstm-foward")
    assert result.returncode == 2
    assert "did you mean" in result.stderr and "lstm-forward" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("content, expected", [
    ('{"x": [1,', "line 1"),
    ("[1, 2]", "JSON object"),
    ('{"x": [1, 2], "layers": [{"W": [[1, 2, 3]], "b": [0], "activation": "sigmoid"}], "y": [1], "lr": 0.1}',
     "layers[0].W"),
    ('{"x": [1, 2], "layers": [{"W": [[1, 2]], "b": [0], "activation": "swish"}], "y": [1], "lr": 0.1}',
     "activation"),
    ('{"x": [1, "two"], "layers": [{"W": [[1, 2]], "b": [0], "activation": "tanh"}], "y": [1], "lr": 0.1}',
     "x[1]"),
    ('{"x": [1, 2], "layers": [{"W": [[1, 2]], "b": [0], "activation": "tanh"}], "y": [1]}', "lr"),
    ('{"x": [1, 2], "layers": [], "y": [1], "lr": 0.1}', "layers"),
    ('{"x": [1, 2], "layers": [{"W": [[1, 2]], "b": [0], "activation": "tanh"}], "y": [1], "lr": NaN}', "NaN"),
    ('{"x": [1e400], "layers": [{"W": [[1]], "b": [0], "activation": "tanh"}], "y": [1], "lr": 0.1}', "finite"),
    ('{"bogus": 1}', "bogus"),
    ('{"x": [1e300, 1], "layers": [{"W": [[1, 2]], "b": [0], "activation": "tanh"}], "y": [1], "lr": 0.1}',
     "larger than"),
    ('{"x": [[1, 2]], "layers": [{"W": [[1, 2]], "b": [0], "activation": "tanh"}], "y": [1], "lr": 0.1}',
     "list of numbers"),
])
def test_bad_givens_exit_2_with_one_line_naming_the_key(tmp_path, content, expected):
    path = tmp_path / "given.json"
    path.write_text(content)
    result = derive("solve", "mlp", "--given", str(path))
    assert result.returncode == 2, result.stdout
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_givens_for_a_problem_without_givens_and_missing_files(tmp_path):
    path = tmp_path / "given.json"
    path.write_text("{}")
    result = derive("solve", "elbo-derivation", "--given", str(path))
    assert result.returncode == 2 and "takes no givens" in result.stderr
    result = derive("solve", "mlp", "--given", str(tmp_path / "missing.json"))
    assert result.returncode == 2 and "missing.json" in result.stderr
    result = derive("solve", "mlp", "--seed", "-3")
    assert result.returncode == 2


def test_time_limit_is_range_checked_and_disarmed_after_the_command():
    import signal
    import time

    from derive.cli import main
    assert derive("--time-limit", "99999999999", "list").returncode == 2
    assert main(["--time-limit", "1", "list"]) == 0
    assert signal.alarm(0) == 0  # no alarm left behind for the caller
    time.sleep(0.01)


def test_numbers_print_exactly():
    import sympy

    from derive.printing import math
    assert math.latex(sympy.Integer(9007199254740993)) == "9007199254740993"
    assert math.text(sympy.Rational(123456789012, 1000)) == "123456789.012"
    assert math.text(sympy.Rational(-1, 8)) == "−0.125"  # the minus sign of the statements (U+2212)
    assert math.text(sympy.Rational(1, 3)) == "1/3"


def test_output_file_and_seeded_variants_are_deterministic(tmp_path):
    target = tmp_path / "out.md"
    assert derive("solve", "lstm", "--seed", "5", "--format", "markdown", "-o", str(target)).returncode == 0
    again = derive("solve", "lstm", "--seed", "5", "--format", "markdown")
    assert target.read_text() == again.stdout
    other = derive("solve", "lstm", "--seed", "6", "--format", "markdown")
    assert other.stdout != again.stdout


def test_an_engine_error_is_internal_not_bad_input(monkeypatch, capsys):
    """Only errors about the user's input exit 2; a ValueError from inside the
    engine is our bug (exit 3), not something the user can fix."""
    import derive.catalog
    from derive.cli import main

    def broken(*args, **kwargs):
        raise ValueError("a closed form disagrees with its recurrence")
    monkeypatch.setattr(derive.catalog, "solve", broken)
    assert main(["solve", "lstm-forward"]) == 3
    assert "internal error" in capsys.readouterr().err
