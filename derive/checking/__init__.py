"""`derive check`: verify a hand derivation step by step.

    from derive.checking import check
    report = check(text, problem="lstm-forward")
    report.exit_status, report.as_text(), report.as_json()

The text is untrusted. It is read as LaTeX only (latex2sympy2_extended's
grammar, never eval/sympify), each step is parsed and checked in a worker
process with a time and memory limit, and sizes are capped before anything
is parsed. An empty file (or one without display math) gives an empty
report with exit status 0.
"""
from __future__ import annotations

import sys
import time

from derive.catalog import find
from derive.errors import InputError, read_text
from derive.checking.extract import line_of, problem_markers
from derive.checking.extract import Statement, statements
from derive.checking.report import Report, Step
from derive.checking.worker import BIND_SECONDS, STEP_SECONDS, shared

__all__ = ["check", "check_file", "command", "Report", "Step"]

#: Caps on untrusted input.
MAX_BYTES = 1_000_000
MAX_LINE = 20_000
MAX_STEPS = 5000
#: How many chains back a line beginning with `=` may continue.
CONTINUE_BACK = 6


def check(text: str, problem: str | None = None, file: str = "<text>", seconds: float = STEP_SECONDS,
          time_limit: float | None = None) -> Report:
    """Check every equation chain of `text`; `problem` binds names for the whole text.

    `time_limit` bounds the whole check: a step that would run past it is
    `unchecked` ("out of time") and the report still comes back, with every
    step checked before it keeping its verdict."""
    if len(text) > MAX_BYTES:
        raise InputError(f"{file}: larger than {MAX_BYTES // 1000} kB; a hand derivation is smaller")
    deadline = None if not time_limit else time.monotonic() + time_limit
    if problem is not None:
        find(problem)
    unknown = _unknown_problems(text)
    report = Report(file)
    worker = shared()
    found = statements(text, problem)
    if len(found) > MAX_STEPS:
        raise InputError(f"{file}: more than {MAX_STEPS} equations")
    bound_problems = {}
    authors: dict[str | None, dict] = {}
    taints: dict[str | None, dict] = {}
    previous: dict[str | None, list] = {}
    for statement in found:
        name = statement.problem
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left < 0.5:
            report.steps.append(_step(statement, "unchecked", message="not reached: the file's time limit ran out"))
            continue
        if name in unknown:
            report.steps.append(_step(statement, "unchecked", message=unknown[name]))
            continue
        if name is not None and name not in bound_problems:
            bound_problems[name] = worker.run("bind", name, BIND_SECONDS)
        if name is not None and bound_problems[name][0] != "ok":
            report.steps.append(_step(statement, "unchecked", message=f"problem {name} could not be loaded: "
                                                                      f"{bound_problems[name][1]}"))
            continue
        if len(statement.latex) > MAX_LINE:
            report.steps.append(_step(statement, "unparsed", message=f"longer than {MAX_LINE} characters"))
            continue
        author, taint = authors.setdefault(name, {}), taints.setdefault(name, {})
        chains = previous.setdefault(name, [])
        # a line beginning with `=` continues the latest chain it agrees with
        # (an aside such as "where ∫x² q = σ² + μ²" may sit in between)
        first = None
        for candidate in ([None] if not statement.continues or not chains else chains[::-1][:CONTINUE_BACK]):
            sides, subject_sides, start = _sides(statement, candidate)
            budget = seconds if left is None else max(0.5, min(seconds, left - 0.25))
            kind, result = worker.run("check", (name, sides, statement.line, author, taint,
                                                statement.unchecked_relation, start), budget)[:2]
            first = first or (kind, result, sides, subject_sides)
            if kind != "ok" or result.status != "wrong":
                break
        else:
            kind, result, sides, subject_sides = first
        if sides:
            chains.append((subject_sides, sides[-1]))
        if kind != "ok":
            bound_problems.clear()  # the worker may have been replaced: bind again, with the longer limit
        if kind == "timeout":
            report.steps.append(_step(statement, "unchecked", message=f"gave up: the step {result}"))
            continue
        if kind == "error":
            report.steps.append(_step(statement, "unchecked", message=f"could not be checked: {result}"))
            continue
        author.update(result.defines)
        taint.update(result.taints)
        for key in [key for key, origin in taint.items() if origin is None]:
            del taint[key]  # restated rightly: no longer an error to carry
        report.steps.append(_step(statement, result.status, result.expected, result.message))
    return report


def _sides(statement: Statement, previous):
    """A line that begins with `=` continues the chain before it: it is checked
    against that chain's last side, and binds the same name."""
    if not statement.continues or previous is None:
        return list(statement.sides), statement.sides[:1], 1
    subject, last = previous
    head = list(subject) if subject and subject[0] != last else []
    return head + [last] + list(statement.sides), subject, len(head) + 1


def _step(statement: Statement, status, expected="", message="") -> Step:
    return Step(statement.line, statement.problem, statement.latex.strip(), status, expected, message)


def _unknown_problems(text: str) -> dict[str, str]:
    """Marker names that are not problems → why their lines are unchecked
    (one bad marker costs only its own lines their verdicts)."""
    unknown = {}
    for offset, name in problem_markers(text):
        if name in unknown:
            continue
        try:
            find(name)
        except InputError as error:
            unknown[name] = f"line {line_of(text, offset)}: {error}"
    return unknown


def check_file(path: str, problem: str | None = None, time_limit: float | None = None) -> Report:
    """Read a hand derivation (UTF-8 text, at most 1 MB) and check it."""
    text = read_text(path, MAX_BYTES, "a hand derivation in LaTeX or Markdown")
    return check(text, problem, file=path, time_limit=time_limit)


def command(arguments) -> int:
    """`derive check FILE [--problem NAME] [--json]`: print the report, return the exit status."""
    try:
        limit = getattr(arguments, "time_limit", None)
        # finish inside the command's own limit, so the report is printed
        report = check_file(arguments.file, getattr(arguments, "problem", None),
                            time_limit=None if not limit else max(1.0, 0.9 * limit - 1.0))
    except InputError as error:
        print(f"derive check: {error}", file=sys.stderr)
        return 2
    sys.stdout.write((report.dumps() if getattr(arguments, "json", False) else report.as_text()) + "\n")
    return report.exit_status
