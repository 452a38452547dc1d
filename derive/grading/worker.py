"""What runs in a grading worker process: one submission checked, under limits.

`initialize` is the worker's initializer: it imports the checker (so the
first submission does not pay for SymPy) and then caps the process's
address space with setrlimit, so a submission that builds a huge object
fails with MemoryError in its own worker. `grade_job` checks one
submission under a wall-clock limit (an interval timer; on expiry the
check is abandoned and the checker's own worker process ended, so the next
submission starts clean) and returns plain data: never raises.

Which part and which answer a line belongs to comes from the checker when
it says (`step.part`, `step.answer`); otherwise a line whose left side
names one of the problem's answers (as the solution or the problem's
student names write it) states that answer, and belongs to that answer's
part; a line of no answer belongs to the part of the line before it.
"""
from __future__ import annotations

import functools
import multiprocessing
import os
import re
import signal
import traceback

from derive.checking.worker import _virtual_size  # one reader of the process's size

try:
    import resource
except ImportError:  # not on POSIX: no memory limit
    resource = None


class SubmissionTimeout(BaseException):
    """The submission's wall-clock limit expired (a BaseException: no
    `except Exception` in the checker swallows it)."""


def initialize(memory: int | None):
    """Worker initializer: warm imports, then at most `memory` more bytes of address space."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    die_with_parent()
    if hasattr(os, "register_at_fork"):  # and so does the checker's own worker, with this one
        os.register_at_fork(after_in_child=die_with_parent)
    import derive.checking  # noqa: F401  SymPy, the parser and the problems, before the limit
    import derive.checking.chains  # noqa: F401  what the checker's own worker imports when forked
    if memory and resource is not None:
        limit = _virtual_size() + memory
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ValueError, OSError):
            pass


def die_with_parent():
    """Be killed when the parent process dies (Linux), so that no worker is
    left behind by a grader that was killed, nor by a worker ended from outside."""
    parent = os.getppid()
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it died before the line above
        os._exit(1)


def grade_job(job: dict) -> dict:
    """Check one submission: {"status": "graded", "steps": [...]} or a
    status saying why not ("timed out", "out of memory", "crashed")."""
    seconds = job.get("seconds")
    result = None
    try:
        _arm(seconds)
        try:
            result = {"status": "graded", "steps": checked_steps(job["text"], job.get("problem"), job["id"])}
        finally:
            _arm(0)
    except SubmissionTimeout:
        if result is None:
            _end_children()
            result = {"status": "timed out", "message": f"took longer than {seconds:g} s (--timeout)"}
    except MemoryError:
        _end_children()
        result = {"status": "out of memory", "message": "ran out of memory (--memory)"}
    except RecursionError:
        _end_children()
        result = {"status": "crashed", "message": "nested too deeply"}
    except Exception as error:
        _end_children()
        from derive.errors import InputError
        if isinstance(error, InputError):
            result = {"status": "unreadable", "message": str(error)}
        else:
            if os.environ.get("DERIVE_DEBUG"):
                traceback.print_exc()
            first = str(error).splitlines()[0] if str(error) else ""
            result = {"status": "crashed", "message": f"{type(error).__name__}: {first}".rstrip(": ")}
    return result


def _arm(seconds):
    if not seconds or not hasattr(signal, "setitimer"):
        if hasattr(signal, "setitimer"):
            signal.setitimer(signal.ITIMER_REAL, 0)
        return

    def expire(signum, frame):
        raise SubmissionTimeout()

    signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)


def _end_children():
    """End the processes this worker started (the checker's own worker may
    be mid-step): the next submission's check starts a fresh one."""
    for child in multiprocessing.active_children():
        try:
            child.kill()
            child.join(5)
        except Exception:
            pass


# ------------------------------------------------------------- attribution

def checked_steps(text: str, problem: str | None, file: str) -> list[dict]:
    """The checker's steps as plain dicts, each with its part and answer."""
    from derive.checking import check
    report = check(text, problem=problem, file=file)
    steps = []
    checker_parts = bool(report.steps) and all(hasattr(step, "part") for step in report.steps)
    for step in report.steps:
        record = {"line": step.line, "problem": step.problem, "latex": step.latex, "status": step.status,
                  "expected": step.expected or "", "message": step.message or "",
                  "part": getattr(step, "part", None), "answer": getattr(step, "answer", None)}
        if record["answer"] is None and step.problem is not None:
            record["answer"] = stated_answer(step.problem, step.latex)
        if not checker_parts and record["part"] is None and record["answer"] is not None:
            record["part"] = answer_index(step.problem)[1].get(record["answer"])
        steps.append(record)
    if not checker_parts:
        _inherit_parts(steps)
    return steps


def _inherit_parts(steps):
    """A line of no answer belongs to the part of the line before it (of the
    same problem), or, before the first, of the line after it."""
    last: dict = {}
    for step in steps:
        if step["part"] is None:
            step["part"] = last.get(step["problem"])
            step["inherited"] = step["part"] is not None
        else:
            last[step["problem"]] = step["part"]
    following: dict = {}
    for step in reversed(steps):
        if step["part"] is None:
            step["part"] = following.get(step["problem"])
        else:
            following[step["problem"]] = step["part"]


def stated_answer(problem: str, latex: str) -> str | None:
    """The answer key a line's first side names, or None."""
    subject = _subject(latex)
    if not subject:
        return None
    return answer_index(problem)[0].get(squash(subject))


@functools.lru_cache(maxsize=32)
def answer_index(problem: str) -> tuple[dict, dict, tuple]:
    """(squashed LaTeX of a name → answer key, answer key → part id, the part ids in order)."""
    from derive.catalog import find
    try:
        found = find(problem)
        solution = found.solve()
    except Exception:
        return {}, {}, ()
    names, parts = {}, {}
    for part in solution.parts:
        for key, answer in part.answers.items():
            parts.setdefault(key, part.id)
            names.setdefault(squash(answer.latex), key)
    for key in parts:
        names.setdefault(squash(key), key)
    try:
        students = found.student_names()
    except Exception:
        students = {}
    for latex, target in students.items():
        if isinstance(target, str) and target in parts:
            names.setdefault(squash(latex), target)
    return names, parts, tuple(part.id for part in solution.parts)


_RELATION = re.compile(r"=|\\approx|\\simeq|\\equiv")


def _subject(latex: str) -> str:
    """The text before the first relation at brace depth 0."""
    depth = 0
    for i, char in enumerate(latex):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0:
            match = _RELATION.match(latex, i)
            if match:
                return latex[:i].strip()
    return ""


def squash(latex: str) -> str:
    """A name's LaTeX with spacing, braces and font commands removed:
    W_{1}^{\\mathrm{new}}, W_1^{new} and W_1^\\text{new} all become W_1^new."""
    text = re.sub(r"\\(left|right|big|Big|bigg|Bigg)\b", "", latex)
    text = re.sub(r"\\(mathrm|text|mathit|mathbf|boldsymbol|bm|operatorname|textrm|rm)\b", "", text)
    text = re.sub(r"\\[,;:! ]|~", "", text)
    return re.sub(r"[\s{}]", "", text)
