"""`derive grade`: a course's submissions checked in parallel, scored, and written as a gradebook.

    from derive.grading import grade, write_gradebook
    rows = grade(["alice.md", "bob/"], problem="mlp-backprop-step", rubric="rubric.toml", jobs=2)
    write_gradebook(rows, "gradebook.csv")

Each submission (a file, or a folder per student) is read here, checked in
a worker process under a time and a memory limit (locally, or on a
dask.distributed cluster with `scheduler=`), scored with the rubric, and
becomes one row; a submission that cannot be read, crashes, runs out of
memory or time is a row saying so, and the others go on. Rows keep the
order the submissions were named in, so the gradebook's bytes do not
depend on the number of workers.
"""
from __future__ import annotations

import os
import sys

from derive.errors import InputError
from derive.grading import gradebook, rubric as rubrics, submissions
from derive.grading.gradebook import Row

__all__ = ["grade", "write_gradebook", "Row"]

#: Seconds one submission may take, by default.
TIMEOUT = 300.0
#: Memory (bytes) a worker may add to what it had after start-up, by default.
MEMORY = 2048 * 2 ** 20


def grade(paths: list[str], problem: str | None = None, rubric=None, jobs: int = 1,
          scheduler=None, seconds: float | None = TIMEOUT, memory: int | None = MEMORY,
          progress=None) -> list[Row]:
    """One scored row per submission, in the order given.

    `rubric`: a path to a rubric TOML, a `Rubric`, or None (every judged
    line counts equally). `scheduler`: a dask.distributed scheduler's
    address (or Client) to run on instead of `jobs` local processes.
    `progress(done, total, row)` is told of each submission as it finishes."""
    if jobs < 1:
        raise InputError(f"--jobs: expected at least 1 worker, got {jobs}")
    if seconds is not None and seconds <= 0:
        raise InputError(f"--timeout: expected a positive number of seconds, got {seconds:g}")
    if problem is not None:
        from derive.catalog import find
        find(problem)
    if isinstance(rubric, (str, os.PathLike)):
        rubric = rubrics.load(os.fspath(rubric), problem)
    rubric = rubric or rubrics.DEFAULT
    problem = problem if problem is not None else rubric.problem
    found = submissions.find(list(paths))

    rows: list[Row] = []
    jobs_to_run, where = [], []
    for submission in found:
        try:
            text = submissions.read(submission)
        except InputError as error:
            rows.append(Row(submission.id, submission.path, "unreadable", str(error)))
            continue
        rows.append(Row(submission.id, submission.path, "pending", text=text, notes=list(text.notes)))
        where.append(len(rows) - 1)
        jobs_to_run.append({"id": submission.id, "text": text.text, "problem": problem, "seconds": seconds})

    done = [sum(1 for row in rows if row.status != "pending")]

    def finished(i, result):
        done[0] += 1
        if progress:
            progress(done[0], len(rows), rows[where[i]].id, result.get("status"))

    if jobs_to_run:
        from derive.grading import runner
        if scheduler is not None:
            results = runner.run_dask(jobs_to_run, scheduler, memory, finished)
        else:
            results = runner.run_local(jobs_to_run, min(jobs, len(jobs_to_run)), memory, finished)
        for i, result in zip(where, results):
            row = rows[i]
            row.status = result["status"]
            row.message = result.get("message", "")
            row.steps = result.get("steps", [])
    answer_parts = {}
    if rubric.answers and rubric.problem:
        from derive.grading.worker import answer_index
        answer_parts = answer_index(rubric.problem)[1]
    for row in rows:
        if row.graded:
            row.score = rubrics.score(row.steps, rubric, answer_parts)
        row.rubric = rubric
    return rows


def part_order(rows: list[Row]) -> list[tuple]:
    """(problem, part) in each problem's own order, for the gradebook's columns."""
    from derive.grading.worker import answer_index
    problems = []
    for row in rows:
        for step in row.steps:
            if step["problem"] and step["problem"] not in problems:
                problems.append(step["problem"])
    return [(problem, part) for problem in problems for part in answer_index(problem)[2]]


def write_gradebook(rows: list[Row], output: str | None, format: str = "csv", feedback: str | None = None):
    """The gradebook to `output` (standard output when None), and a feedback
    file per student in `feedback` (default: a folder beside the gradebook,
    named after it; none when the gradebook goes to standard output)."""
    from derive.files import write_output, write_text
    if feedback is None and output is not None:
        stem = os.path.splitext(os.path.basename(output))[0]
        feedback = os.path.join(os.path.dirname(output), f"{stem}-feedback")
    if feedback is not None:
        if os.path.exists(feedback) and not os.path.isdir(feedback):
            raise InputError(f"{feedback}: exists and is not a folder (the feedback files go there)")
        try:
            os.makedirs(feedback, exist_ok=True)
        except OSError as error:
            raise InputError(f"{feedback}: cannot make the folder: {error.strerror}") from None
        base = os.path.dirname(os.path.abspath(output)) if output is not None else os.getcwd()
        for row, name in zip(rows, gradebook.feedback_names([row.id for row in rows])):
            path = os.path.join(feedback, name)
            write_text(path, gradebook.feedback_markdown(row, row.rubric or rubrics.DEFAULT))
            row.feedback = gradebook.relative_to(os.path.abspath(path), base)
    text = gradebook.json_text(rows) if format == "json" else gradebook.csv_text(rows, part_order(rows))
    write_output(text, output)


def command(arguments) -> int:
    """`derive grade SUBMISSION... [--problem NAME] [--rubric FILE.toml] [--jobs N]
    [--scheduler ADDRESS] [--format csv|json|gradescope] [-o FILE]`.

    Exit status 0 when every submission was graded, 1 when the gradebook is
    written but some submission could not be graded (its row says why), 2
    for bad usage or a bad rubric."""
    import signal
    if hasattr(signal, "SIGALRM"):
        signal.alarm(0)  # the batch has its own limits: --timeout for each submission
    if arguments.format == "gradescope" and len(arguments.submissions) != 1:
        raise InputError("--format gradescope grades one submission (Gradescope runs the autograder once "
                         "per student); name exactly one")
    memory = None if arguments.memory == 0 else arguments.memory * 2 ** 20
    if arguments.memory < 0:
        raise InputError(f"--memory: expected megabytes ≥ 0 (0: no limit), got {arguments.memory}")
    progress = _progress_line if sys.stderr.isatty() and arguments.format != "gradescope" else None
    try:
        rows = grade(arguments.submissions, arguments.problem, arguments.rubric, arguments.jobs,
                     arguments.scheduler, arguments.timeout or None, memory, progress)
    except KeyboardInterrupt:
        print("\nderive grade: interrupted; no gradebook written", file=sys.stderr)
        return 130
    if progress:
        sys.stderr.write("\n")
    if arguments.format == "gradescope":
        import json
        from derive.files import write_output
        row = rows[0]
        write_output(json.dumps(gradebook.gradescope_results(row, row.rubric or rubrics.DEFAULT), indent=2, ensure_ascii=False) + "\n",
                     arguments.output)
        return 0
    write_gradebook(rows, arguments.output, arguments.format, arguments.feedback)
    failed = [row for row in rows if not row.graded]
    if failed:
        shown = ", ".join(f"{row.id} ({row.status})" for row in failed[:5]) + (", …" if len(failed) > 5 else "")
        print(f"derive grade: {len(failed)} of {len(rows)} not graded: {shown}", file=sys.stderr)
        return 1
    return 0


def _progress_line(done, total, id, status):
    sys.stderr.write(f"\rderive grade: {done}/{total} {id}: {status}\033[K")
    sys.stderr.flush()
