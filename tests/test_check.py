"""`derive check` on the seeds' own hand solutions (tests/hand/), line by line.

The expected status of each line comes from the engine's values and from
an independent reference where one is cheap (math.tanh, plain NumPy); each
seed mistake is asserted at its line, with the report in the message.
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
import pytest

from derive.checking import check, check_file, command

HAND = Path(__file__).parent / "hand"


def report_of(name):
    return check_file(str(HAND / name))


def line_of(path: Path, fragment: str, occurrence: int = 0) -> int:
    lines = [i for i, text in enumerate(path.read_text().splitlines(), start=1) if fragment in text]
    assert len(lines) > occurrence, f"{fragment!r} not in {path.name}"
    return lines[occurrence]


def statuses(report, line):
    return [step.status for step in report.steps if step.line == line]


def assert_line(report, path, fragment, expected, occurrence=0):
    line = line_of(path, fragment, occurrence)
    got = statuses(report, line)
    assert got and all(status == expected for status in got), (
        f"line {line} ({fragment!r}): expected {expected}, got {got}\n{report.as_text()}")
    return [step for step in report.steps if step.line == line]


# --- lstm-forward: seed 000, Problem 3 ---------------------------------------------

def test_lstm_forward_every_number_right_but_tan_written_for_tanh():
    path = HAND / "lstm-forward.md"
    report = report_of(path.name)
    # h_2 = o_2 tanh(c_2): the seed's numbers use tanh, its formula says tan
    assert math.isclose(0.889199 * math.tanh(-0.21688), -0.18988, abs_tol=5e-6)
    assert abs(0.889199 * math.tan(-0.21688) - -0.18988) > 1e-3
    step, = assert_line(report, path, r"\tan(-0.21688)", "wrong")
    assert "tanh in place of tan" in step.message, report.as_text()
    for fragment in ("f_1 = ", "i_1 = ", r"\tilde{c}_1 = ", "c_1 = ", "$$o_1 = 0.978119", "h_1 = 0.217415",
                     "f_2 = ", "= \\sigma(-1.19129)", "i_2 = ", "\\tilde{c}_2 = ", "c_2 = ", "o_2 = ",
                     "$$h_2 = -0.18988", "MSE", "= 0.52986", "52.986"):
        assert_line(report, path, fragment, "ok")
    assert report.summary["wrong"] == 1 and report.summary["unparsed"] == 0, report.as_text()
    assert report.exit_status == 1


def test_precision_is_the_authors():
    # σ(1.2) = 0.768525: 0.7685 is the author's rounding, 0.7686 is not
    ok = check(r"$$\sigma(1.2) = 0.7685$$")
    bad = check(r"$$\sigma(1.2) = 0.7686$$")
    assert [s.status for s in ok.steps] == ["ok"], ok.as_text()
    assert [s.status for s in bad.steps] == ["wrong"], bad.as_text()
    assert bad.steps[0].expected == "0.7685", bad.as_text()


def test_rounding_done_on_an_earlier_line_is_accepted():
    text = "$$a = \\sigma(2.5) \\approx 0.9241$$\n\n$$b = a(1 - a) = 0.9241(1 - 0.9241) \\approx 0.07014$$\n"
    report = check(text)
    assert [s.status for s in report.steps] == ["ok", "ok"], report.as_text()


def test_never_silently_ok():
    report = check("$$x = y + 1$$\n\n$$\\frac{d}{dx} x^2 = 2x$$\n")
    assert all(step.status in ("unchecked", "ok") for step in report.steps), report.as_text()
    assert report.steps[0].status == "unchecked", report.as_text()


def test_command_prints_json_and_returns_the_exit_status(capsys):
    status = command(argparse.Namespace(file=str(HAND / "lstm-forward.md"), problem=None, json=True))
    out = json.loads(capsys.readouterr().out)
    assert status == 1
    assert set(out) == {"file", "steps", "summary"}
    assert set(out["summary"]) == {"ok", "wrong", "carried", "unparsed", "unchecked"}
    assert set(out["steps"][0]) == {"line", "problem", "latex", "status", "expected", "message"}
    assert out["steps"][0]["problem"] == "lstm-forward"


def test_command_text_and_bad_input(tmp_path, capsys):
    path = tmp_path / "ok.md"
    path.write_text("$$\\sigma(1.2) = 0.7685$$\n")
    assert command(argparse.Namespace(file=str(path), problem=None, json=False)) == 0
    assert ":1: ok" in capsys.readouterr().out
    assert command(argparse.Namespace(file=str(path), problem="no-such-problem", json=False)) == 2
    err = capsys.readouterr().err
    assert "no-such-problem" in err and len(err.strip().splitlines()) == 1
