"""The gradebook: one row per submission, as CSV, JSON or Gradescope's
results.json, and a feedback file in Markdown per student.

Everything here is a function of the rows alone (no clock, no absolute
path, no order of completion), so the same submissions give the same bytes
whatever the number of workers.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import dataclass, field

from derive.grading.rubric import JUDGED, Rubric, Score
from derive.grading.submissions import Text

STATUSES = ("ok", "wrong", "carried", "unparsed", "unchecked")


@dataclass
class Row:
    id: str
    path: str
    #: "graded", or why not: "unreadable", "timed out", "out of memory", "crashed"
    status: str
    message: str = ""
    steps: list = field(default_factory=list)
    score: Score | None = None
    text: Text | None = None
    notes: list = field(default_factory=list)
    #: the feedback file, as the gradebook names it (relative to the gradebook's folder)
    feedback: str = ""
    #: the rubric it was scored with
    rubric: Rubric | None = None

    @property
    def graded(self) -> bool:
        return self.status == "graded"

    def counts(self) -> dict:
        counts = {status: 0 for status in STATUSES}
        for step in self.steps:
            counts[step["status"]] = counts.get(step["status"], 0) + 1
        return counts

    def where(self, step) -> str:
        if self.text is None:
            return f"line {step['line']}"
        name, line = self.text.where(step["line"])
        return f"{name}:{line}" if name else f"line {line}"


# ----------------------------------------------------------------- columns

def part_columns(rows: list[Row], order: list | None = None) -> list[tuple]:
    """(problem, part) of every part scored in any row, in the problem's
    order where known, else in order of first appearance."""
    seen: list[tuple] = []
    for row in rows:
        if row.score is None:
            continue
        for key in row.score.by_part():
            if key[1] is not None and key not in seen:
                seen.append(key)
    if order:
        rank = {key: i for i, key in enumerate(order)}
        first = {key: i for i, key in enumerate(seen)}
        seen.sort(key=lambda key: (rank.get(key, len(rank)), first[key]))
    return seen


def _column_name(key, several_problems: bool) -> str:
    problem, part = key
    return f"part_{problem}:{part}" if several_problems and problem else f"part_{part}"


def number(value: float) -> str:
    """Points as the gradebook writes them: at most 4 decimals, no trailing zeros."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def header(columns: list[tuple]) -> list[str]:
    several = len({problem for problem, _ in columns}) > 1
    return (["id", "status", "score", "max_score"] + [_column_name(key, several) for key in columns]
            + list(STATUSES) + ["feedback", "message"])


def csv_text(rows: list[Row], order: list | None = None) -> str:
    columns = part_columns(rows, order)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header(columns))
    for row in rows:
        if row.graded:
            parts = row.score.by_part()
            scores = [number(row.score.earned), number(row.score.possible)]
            scores += [number(parts[key][0]) if key in parts else "" for key in columns]
            counts = [str(count) for count in row.counts().values()]
        else:
            scores = ["", ""] + [""] * len(columns)
            counts = [""] * len(STATUSES)
        writer.writerow([row.id, row.status] + scores + counts + [row.feedback, row.message])
    return out.getvalue()


def json_text(rows: list[Row]) -> str:
    return json.dumps([row_json(row) for row in rows], indent=2, ensure_ascii=False) + "\n"


def row_json(row: Row) -> dict:
    data = {"id": row.id, "status": row.status, "message": row.message, "feedback": row.feedback or None}
    if row.graded:
        data["score"] = round(row.score.earned, 6)
        data["max_score"] = round(row.score.possible, 6)
        data["items"] = [{"kind": item.kind, "name": item.name, "problem": item.problem, "part": item.part,
                          "score": round(item.earned, 6), "max_score": round(item.points, 6),
                          "note": item.note} for item in row.score.items]
        data["summary"] = row.counts()
        data["steps"] = [{"where": row.where(step), **{key: step.get(key) for key in
                         ("line", "problem", "part", "answer", "latex", "status", "expected", "message")}}
                         for step in row.steps]
    return data


# ---------------------------------------------------------------- feedback

def feedback_markdown(row: Row, rubric: Rubric) -> str:
    lines = [f"# Feedback: {row.id}", ""]
    if not row.graded:
        lines += [f"**Not graded: {row.status}.** {row.message}".rstrip(), ""]
        return "\n".join(lines)
    problems = sorted({step["problem"] for step in row.steps if step["problem"]})
    if problems:
        lines += [f"Problem{'s' * (len(problems) > 1)}: {', '.join(problems)}", ""]
    lines += [f"**Score: {number(row.score.earned)} / {number(row.score.possible)}**", ""]
    if row.score.items:
        lines += ["| scored | points | out of | note |", "|---|---:|---:|---|"]
        for item in row.score.items:
            lines.append(f"| {item_title(item)} | {number(item.earned)} | {number(item.points)} | {item.note} |")
        lines.append("")
    counts = row.counts()
    lines.append(f"{len(row.steps)} line{'s' * (len(row.steps) != 1)} checked: "
                 + ", ".join(f"{count} {status}" for status, count in counts.items()) + ".")
    if rubric.carried != 1 and counts.get("carried"):
        lines.append(f"A carried line (right, from an earlier wrong value) earns {number(rubric.carried)} "
                     f"of a right one's credit.")
    lines.append("")
    for note in row.notes:
        lines += [f"*Note:* {note}", ""]
    if not row.steps:
        lines += ["No display math was found: write each step as $$ … $$ (Markdown) or \\[ … \\] (LaTeX).", ""]
        return "\n".join(lines)
    lines += ["## Line by line", ""]
    for step in row.steps:
        lines.append("- " + step_markdown(row, step))
    lines.append("")
    return "\n".join(lines)


def item_title(item) -> str:
    if item.kind == "answer":
        return f"answer {item.name}" + (f" (part {item.part})" if item.part else "")
    if item.kind == "part":
        return f"part {item.name}"
    return item.name


def step_markdown(row: Row, step: dict) -> str:
    text = f"{row.where(step)}: **{step['status']}** {code(shorten(step['latex'], 90))}"
    if step.get("message"):
        text += f" — {step['message']}"
    expected = step.get("expected")
    if expected and step["status"] in ("wrong", "carried") and expected not in (step.get("message") or ""):
        text += f" (expected {code(expected)})"
    return text


def code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"


def feedback_names(ids: list[str]) -> list[str]:
    """A file name per id: letters, digits, dot, dash and underscore only, unique."""
    names, taken = [], set()
    for id in ids:
        base = re.sub(r"[^A-Za-z0-9._-]+", "_", id).strip("._") or "submission"
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            name = f"{base}-{n}"
        taken.add(name.lower())
        names.append(name + ".md")
    return names


# --------------------------------------------------------------- gradescope

def gradescope_results(row: Row, rubric: Rubric) -> dict:
    """Gradescope's results.json for one submission: the score, and one
    test per scored part or answer, each with the lines behind it."""
    if not row.graded:
        return {"score": 0.0, "output": f"Not graded: {row.status}. {row.message}".strip(),
                "output_format": "md", "tests": []}
    tests = []
    for item in row.score.items:
        output = "\n".join("- " + step_markdown(row, step) for step in item.lines)
        if item.note:
            output = (output + "\n\n" if output else "") + item.note
        tests.append({"name": item_title(item), "score": round(item.earned, 4), "max_score": round(item.points, 4),
                      "status": "passed" if item.earned >= item.points else "failed",
                      "output": output, "output_format": "md"})
    counts = row.counts()
    unjudged = [step for step in row.steps if step["status"] not in JUDGED]
    output = [f"{len(row.steps)} lines checked: " + ", ".join(f"{n} {s}" for s, n in counts.items()) + "."]
    output += [f"Note: {note}" for note in row.notes]
    if unjudged:
        output += ["", "Lines not judged (they neither earn nor cost points):"]
        output += ["- " + step_markdown(row, step) for step in unjudged]
    if not row.steps:
        output.append("No display math was found: write each step as $$ … $$ (Markdown) or \\[ … \\] (LaTeX).")
    return {"score": round(row.score.earned, 4), "output": "\n".join(output), "output_format": "md",
            "tests": tests, "extra_data": {"summary": counts}}


def relative_to(path: str, folder: str) -> str:
    return os.path.relpath(path, folder).replace(os.sep, "/")
