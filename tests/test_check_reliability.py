"""Reliability of `derive check` (issue: reliability), each test reproducing
a defect first seen in an audit."""
import threading
import time

import pytest

from derive.checking import check
from derive.checking.extract import displays, problem_markers, statements


def test_two_threads_get_their_own_verdicts():
    right, wrong = "$$2 + 3 = 5$$\n" * 30, "$$2 + 3 = 6$$\n" * 30
    results, errors = {}, []

    def run(name, text):
        try:
            for _ in range(3):
                results.setdefault(name, []).append([s.status for s in check(text).steps])
        except Exception as error:  # a shared pipe raised OSError here
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n, t)) for n, t in (("right", right), ("wrong", wrong))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert all(statuses == ["ok"] * 30 for statuses in results["right"])
    assert all(statuses == ["wrong"] * 30 for statuses in results["wrong"])


@pytest.mark.parametrize("text", ["\n" * 200_000, "\\begin{equation}" * 60_000, "$$" + "x" * 500_000,
                                  "<!-- problem: " * 40_000, "\n\n% problem: \n" * 50_000])
def test_extraction_is_linear(text):
    started = time.perf_counter()
    displays(text), problem_markers(text), statements(text)
    reference = time.perf_counter()
    text.count("\n"), sorted(text[:100_000])  # a linear pass over the same text, for scale
    linear = time.perf_counter() - reference
    # generous: quadratic behaviour on these inputs took minutes
    assert time.perf_counter() - started < 200 * max(linear, 1e-3)


def test_a_file_time_limit_keeps_the_verdicts_before_it():
    text = "$$2 + 3 = 5$$\n" + "$$\\binom{100000000}{50000000} = 1$$\n" * 3 + "$$2 + 2 = 5$$\n"
    report = check(text, time_limit=4)
    statuses = [s.status for s in report.steps]
    assert statuses[0] == "ok"
    assert len(statuses) == 5 and "unchecked" in statuses[1:]
    assert all(s.message for s in report.steps if s.status == "unchecked")


def test_a_long_file_never_loses_a_line_to_the_parse_cache():
    report = check("$$i + 1 = i+1$$\n" * 2600)
    assert {s.status for s in report.steps} <= {"ok", "unchecked"}
    assert not any("KeyError" in s.message for s in report.steps)


def test_an_unknown_marker_costs_only_its_own_lines():
    text = "$$1 + 1 = 2$$\n<!-- problem: no-such-problem -->\n$$2 + 2 = 4$$\n"
    report = check(text)
    assert [s.status for s in report.steps] == ["ok", "unchecked"]
    assert "no-such-problem" in report.steps[1].message and len(report.steps[1].message) < 300


def test_a_huge_marker_name_is_not_echoed():
    report = check("<!-- problem: " + "a" * 40_000 + " -->\n$$1 + 1 = 2$$\n")
    assert all(len(s.message) < 300 for s in report.steps)


def test_internal_errors_are_not_verdict_text():
    report = check("$$\\det(x) = 1$$\n$$\\operatorname{foo}(1,2) = 3$$\n")
    for step in report.steps:
        assert "object has no attribute" not in step.message and "Context" not in step.message


def test_digits_never_reach_parse_expr(monkeypatch):
    import sympy.parsing.sympy_parser as parser
    seen = []
    monkeypatch.setattr(parser, "parse_expr", lambda *a, **k: seen.append(a) or 0)
    from derive.checking import parse
    parse._convert_number("1,000")
    import latex2sympy2_extended.latex2sympy2 as library
    assert library.convert_number is parse._convert_number
    assert seen == []
