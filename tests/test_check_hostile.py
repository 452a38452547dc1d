"""`derive check` on hostile input: nothing the file says is executed, nothing
it asks for exhausts the machine, and one bad step never stops the rest."""
from __future__ import annotations

import argparse
import time

import pytest

import derive.checking.worker as worker_module
from derive.checking import check, check_file, command
from derive.core.numbers import InputError

CANARY_NAME = "derive_check_pwned"

INJECTIONS = [
    r"\mathbf{__import__}('os').system('touch {canary}') = 1",
    r"\mathrm{eval}(\text{__import__('os').system('touch {canary}')}) = 2",
    r"\operatorname{exec}(x) = \mathrm{__builtins__}",
    r"\text{__import__(\"os\").system(\"touch {canary}\")} = 3",
    r"x_{\mathrm{__class__}} + \mathbf{os.system}(1) = 4",
    r"\mathit{lambda}: 0 = 5",
]


@pytest.fixture
def guarded(monkeypatch):
    """A fresh worker forked with parse_expr (what sympify does with text) and
    eval refusing strings: a step that reached them would come back with
    "called on text" in its message."""
    import builtins

    import latex2sympy2_extended.latex2sympy2 as l2s
    import sympy.parsing.sympy_parser as parser

    def refusing(original, name):
        def guard(value, *args, **kwargs):
            if isinstance(value, str):
                raise AssertionError(f"{name} called on text {value!r}")
            return original(value, *args, **kwargs)
        return guard

    from derive.catalog import entries
    entries()  # the catalog's own imports (the standard library's namedtuples use eval) come first
    monkeypatch.setattr(parser, "parse_expr", refusing(parser.parse_expr, "parse_expr"))
    monkeypatch.setattr(l2s, "parse_expr", refusing(l2s.parse_expr, "parse_expr"))
    monkeypatch.setattr(builtins, "eval", refusing(builtins.eval, "eval"))
    worker_module.shared().stop()  # the next step forks a worker with the guards in place
    yield
    worker_module.shared().stop()


def no_text_evaluated(report):
    return all("called on text" not in step.message for step in report.steps)


def test_code_injection_names_are_never_executed(tmp_path, guarded, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = "\n\n".join("$$" + line.replace("{canary}", CANARY_NAME) + "$$" for line in INJECTIONS)
    text += "\n\n$$\\sigma(1.2) = 0.7685$$\n"
    report = check(text, problem="lstm-forward")
    assert not (tmp_path / CANARY_NAME).exists()
    assert no_text_evaluated(report), report.as_text()
    statuses = [step.status for step in report.steps]
    assert len(statuses) == len(INJECTIONS) + 1, report.as_text()
    # none of them is silently ok; the honest line after them still is
    assert all(status in ("unparsed", "unchecked") for status in statuses[:-1]), report.as_text()
    assert statuses[-1] == "ok", report.as_text()


def test_a_seed_checks_with_the_guards_in_place(guarded):
    report = check("$$h_1 = \\sigma(2.5) \\approx 0.9241$$\n\n$$\\log 2 + x = x + \\ln 2$$\n",
                   problem="mlp-backprop-step")
    assert [s.status for s in report.steps] == ["ok", "ok"], report.as_text()
    assert no_text_evaluated(report), report.as_text()


def test_deep_nesting_is_refused_not_crashed():
    deep = "(" * 500 + "x" + ")" * 500
    braces = "\\frac{" * 200 + "1" + "}{2}" * 200
    report = check(f"$${deep} = 1$$\n\n$${braces} = 1$$\n\n$$1 + 1 = 2$$\n")
    assert [s.status for s in report.steps] == ["unparsed", "unparsed", "ok"], report.as_text()
    assert "nested" in report.steps[0].message


@pytest.mark.parametrize("tower", [r"10^{10^{10}}", r"2^{2^{2^{2^{2^{2}}}}}", r"100000!", r"(10^{400})!",
                                   r"e^{10^{9}}", r"\sum_{i=1}^{10^{12}} i"])
def test_towers_and_huge_factorials_are_refused_before_evaluating(tower):
    start = time.monotonic()
    report = check(f"$${tower} = 1$$\n\n$$2 + 2 = 4$$\n")
    assert time.monotonic() - start < 15
    assert report.steps[0].status == "unchecked", report.as_text()
    assert report.steps[1].status == "ok", report.as_text()


def test_a_step_over_its_time_limit_is_unchecked_and_the_rest_continue():
    # quadrature at random points takes about a second: far over a 50 ms limit
    text = "$$\\int q(x) x^2 dx = \\sigma_1^2 + \\mu_1^2$$\n\n$$2 + 2 = 4$$\n"
    report = check(text, problem="kl-gaussian", seconds=0.05)
    assert [s.status for s in report.steps] == ["unchecked", "ok"], report.as_text()
    assert "gave up" in report.steps[0].message
    # the worker was replaced: the next run works
    assert [s.status for s in check("$$2 + 2 = 4$$").steps] == ["ok"]


def test_binary_garbage_is_bad_input(tmp_path, capsys):
    path = tmp_path / "garbage.tex"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(InputError, match="garbage.tex"):
        check_file(str(path))
    path.write_bytes("$$x = 1$$ \xff\xfe".encode("latin-1"))
    with pytest.raises(InputError, match="UTF-8"):
        check_file(str(path))
    assert command(argparse.Namespace(file=str(path), problem=None, json=False)) == 2
    err = capsys.readouterr().err
    assert "garbage.tex" in err and len(err.strip().splitlines()) == 1


def test_an_empty_file_is_an_empty_report(tmp_path, capsys):
    path = tmp_path / "empty.md"
    path.write_text("")
    report = check_file(str(path))
    assert report.steps == [] and report.exit_status == 0
    assert command(argparse.Namespace(file=str(path), problem=None, json=True)) == 0
    assert '"steps": []' in capsys.readouterr().out


def test_a_10_mb_file_is_refused_quickly(tmp_path):
    path = tmp_path / "huge.md"
    path.write_text("$$1 + 1 = 2$$\n" * (10 * 2 ** 20 // 14))
    start = time.monotonic()
    with pytest.raises(InputError, match="larger than"):
        check_file(str(path))
    with pytest.raises(InputError, match="larger than"):
        check(path.read_text())
    assert time.monotonic() - start < 5


def test_a_very_long_line_is_unparsed_and_the_rest_checked():
    long_sum = " + ".join(["1"] * 8000)
    report = check(f"$${long_sum} = 8000$$\n\n$$3 \\times 3 = 9$$\n")
    assert [s.status for s in report.steps] == ["unparsed", "ok"], report.as_text()


def test_an_unknown_problem_marker_names_the_line():
    report = check("$$1 = 1$$\n% problem: no-such\n$$2 = 2$$\n")
    assert [s.status for s in report.steps] == ["ok", "unchecked"]
    assert "line 2" in report.steps[1].message and "no-such" in report.steps[1].message


def test_boolean_sides_are_capped():
    """A Boolean chain is read by a small parser and checked by truth table:
    long formulas, many bits and deep nesting are refused, fast, never run."""
    long_side = r" \wedge ".join(["A"] * 2000)
    many_bits = r" \vee ".join(f"X_{{{i}}}" for i in range(20))
    deep = "(" * 500 + "A" + ")" * 500
    text = (f"$${long_side} = A$$\n\n$${many_bits} = {many_bits}$$\n\n$$\\neg {deep} = \\neg A$$\n\n"
            "$$\\neg(A \\wedge B) = \\neg A \\vee \\neg B$$\n")
    started = time.monotonic()
    report = check(text)
    assert time.monotonic() - started < 20, report.as_text()
    assert [s.status for s in report.steps] == ["unparsed", "unchecked", "unparsed", "ok"], report.as_text()
    assert "symbols" in report.steps[0].message and "bits" in report.steps[1].message, report.as_text()


@pytest.mark.parametrize("integral", [
    r"\int_0^{10^{300}} e^{x} dx = 1",            # an integrand beyond any number
    r"\int_{-\infty}^{\infty} e^{x^2} dx = 1",      # diverges
    r"\int_0^1 \sin(\frac{1}{x}) dx = 0.5",          # oscillates without end near 0
    r"\int_0^1 \frac{1}{x} dx = 5",                  # diverges at 0
])
def test_definite_integrals_in_numbers_that_cannot_be_trusted_are_refused_not_judged(integral):
    """Definite integrals in numbers are evaluated by quadrature now: one that
    diverges or overflows is refused (unchecked), never given a verdict."""
    started = time.monotonic()
    report = check(f"$${integral}$$\n\n$$1 + 1 = 2$$\n")
    assert [s.status for s in report.steps] == ["unchecked", "ok"], report.as_text()
    assert time.monotonic() - started < 20
