"""Givens that would make the engine work for minutes are refused at once,
with exit 2 and a message naming the key."""
import json

import numpy as np
import pytest
import sympy

from derive.architecture.sizes import _floor_solutions, output_size
from derive.catalog import solve
from derive.cli import main
from derive.core.givens import MAX_ITEMS
from derive.printing import render


def run(tmp_path, capsys, name, given):
    path = tmp_path / "given.json"
    path.write_text(json.dumps(given))
    status = main(["--time-limit", "60", "solve", name, "--given", str(path)])
    return status, capsys.readouterr().err


@pytest.mark.parametrize("name, given, key", [
    ("receptive-field", {"layers": [{"kernel": 3, "stride": 1}] * (MAX_ITEMS + 1)}, "given.layers"),
    ("mlp", {"x": [1], "layers": [{"W": [[1]], "b": [0], "activation": "identity"}] * (MAX_ITEMS + 1),
             "y": [0], "loss": "half_sse", "lr": 0.1}, "given.layers"),
    ("conv-arithmetic", {"input": 10**9, "output": 1000, "stride": 3}, "given.input"),
    ("receptive-field", {"layers": [{"kernel": 10**30, "stride": 10**30}]}, "given.layers[0].kernel"),
    ("kl", {"p": {"family": "Binomial", "total_count": 10**9, "probs": 0.3},
            "q": {"family": "Binomial", "total_count": 10**9, "probs": 0.6}}, "given.p.total_count"),
    ("kl", {"p": {"family": "Normal", "loc": "import", "scale": 1},
            "q": {"family": "Normal", "loc": 0, "scale": 1}}, "given.p.loc"),
])
def test_oversized_or_unusable_givens_exit_2_naming_the_key(tmp_path, capsys, name, given, key):
    status, message = run(tmp_path, capsys, name, given)
    assert status == 2 and key in message and message.count("\n") == 1, message


@pytest.mark.parametrize("knowns, unknown", [
    ({"input": 205, "output": 66, "stride": 3, "padding": 0, "dilation": 1}, "kernel"),
    ({"kernel": 10, "output": 66, "stride": 3, "padding": 0, "dilation": 1}, "input"),
    ({"input": 205, "kernel": 10, "output": 66, "padding": 0, "dilation": 1}, "stride"),
    ({"input": 205, "kernel": 10, "output": 66, "stride": 3, "dilation": 1}, "padding"),
    ({"input": 205, "kernel": 10, "output": 66, "stride": 3, "padding": 0}, "dilation"),
    ({"input": 10**6, "output": 1000, "stride": 999, "padding": 0, "dilation": 1}, "kernel"),
])
def test_floor_compatible_sizes_by_bisection_equal_a_search(knowns, unknown):
    found = _floor_solutions(knowns, unknown)
    # The reference: every candidate near the found ones, tried one by one.
    window = range(max(0, (found[0] if found else 1) - 50), (found[-1] if found else 1) + 50)
    def fits(value):
        sizes = {k: v for k, v in {**knowns, unknown: value}.items() if k != "output"}
        try:
            return output_size(**sizes) == knowns["output"]
        except ValueError:
            return False
    assert found == [v for v in window if v >= (0 if unknown == "padding" else 1) and fits(v)]


def test_a_rate_named_lambda_parses_back_and_prints_as_lambda():
    given = {"p": {"family": "Poisson", "rate": "lambda"}, "q": {"family": "Poisson", "rate": 2}}
    solution = solve("kl", given=given)
    expr = solution.answers["KL"].expr
    names = {str(s): s for s in expr.free_symbols}
    assert sympy.sympify(str(expr), locals=names) == expr
    assert "λ" in render(solution, "text")
    # …and the closed form is right: KL(Poisson(λ) ‖ Poisson(2)) by direct summation at λ = 1.5.
    value = float(expr.xreplace({names["lamda"]: sympy.Rational(3, 2)}))
    k = np.arange(0, 60)
    log_factorial = np.cumsum(np.log(np.maximum(k, 1)))
    log_p = k * np.log(1.5) - 1.5 - log_factorial
    log_q = k * np.log(2.0) - 2.0 - log_factorial
    assert value == pytest.approx(float(np.sum(np.exp(log_p) * (log_p - log_q))), rel=1e-12)


def test_python_keywords_other_than_lambda_are_refused():
    with pytest.raises(ValueError, match="keyword"):
        solve("kl", given={"p": {"family": "Exponential", "rate": "class"}, "q": {"family": "Exponential", "rate": 1}})


@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_a_learning_rate_must_be_positive(tmp_path, capsys, name):
    from derive.catalog import find
    given = {**find(name).default_given(), "lr": -0.5}
    status, message = run(tmp_path, capsys, name, given)
    assert status == 2 and "given.lr: expected a positive number" in message
