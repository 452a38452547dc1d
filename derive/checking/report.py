"""A check's result: one record per step, a summary, JSON and text."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

STATUSES = ("ok", "wrong", "carried", "unparsed", "unchecked")


@dataclass
class Step:
    line: int
    problem: str | None
    latex: str
    status: str
    expected: str = ""
    message: str = ""

    def as_json(self) -> dict:
        return {"line": self.line, "problem": self.problem, "latex": self.latex, "status": self.status,
                "expected": self.expected, "message": self.message}


@dataclass
class Report:
    file: str
    steps: list[Step] = field(default_factory=list)

    @property
    def summary(self) -> dict:
        counts = {status: 0 for status in STATUSES}
        for step in self.steps:
            counts[step.status] += 1
        return counts

    @property
    def exit_status(self) -> int:
        """0 when nothing is wrong, 1 when a step is."""
        return 1 if any(step.status == "wrong" for step in self.steps) else 0

    def as_json(self) -> dict:
        return {"file": self.file, "steps": [step.as_json() for step in self.steps], "summary": self.summary}

    def dumps(self) -> str:
        return json.dumps(self.as_json(), indent=2, ensure_ascii=False)

    def as_text(self) -> str:
        lines = []
        for step in self.steps:
            # one line per step, as compilers report: FILE:LINE: status: the step — why
            text = f"{self.file}:{step.line}: {step.status}: {shorten(step.latex, 60)}"
            if step.message:
                text += f" — {step.message}"
            if step.expected and step.status in ("wrong", "carried") and step.expected not in step.message:
                text += f" (expected {step.expected})"
            lines.append(text)
        summary = ", ".join(f"{count} {status}" for status, count in self.summary.items())
        lines.append(f"{self.file}: {len(self.steps)} steps: {summary}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        counts = ", ".join(f"{count} {status}" for status, count in self.summary.items() if count)
        return f"<Report {self.file}: {len(self.steps)} steps{': ' + counts if counts else ''}>"

    def _repr_markdown_(self) -> str:
        """Jupyter: one table row per step."""
        def cell(text, code=False):
            text = " ".join(str(text).split()).replace("|", "\\|")
            return f"`{text}`" if code else text.replace("<", "&lt;")
        rows = [f"| {step.line} | {step.status} | {cell(shorten(step.latex, 60), True)} | {cell(step.message)} |"
                for step in self.steps]
        summary = ", ".join(f"{count} {status}" for status, count in self.summary.items())
        return "\n".join([f"**{cell(self.file)}**: {len(self.steps)} steps: {summary}", "",
                          "| line | status | step | why |", "|---|---|---|---|", *rows]) + "\n"

    def status_at(self, line: int) -> list[str]:
        return [step.status for step in self.steps if step.line == line]


def shorten(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"
