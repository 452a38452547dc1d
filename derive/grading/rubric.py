"""Rubrics, and scoring a checked submission with one.

A rubric is a TOML file:

    problem = "mlp-backprop-step"   # the problem its parts and answers belong to
    carried = 0.5                    # credit for a carried line (0 to 1; default 1)

    [parts]                          # points per part: shared by the part's judged lines
    a = 4
    b = 4

    [answers]                        # points per answer: earned by the last line stating it
    W_1_new = 2

Every key is checked: an unknown key, a part or answer the problem does not
have, or points that are not a number ≥ 0 stop the command with one line
naming the file and the key (exit status 2).

Scoring. A judged line is one the checker called ok, wrong or carried
(unparsed and unchecked lines neither earn nor cost). An ok line earns full
credit, a carried line (right from an earlier wrong value: error carried
forward) `carried`, a wrong line nothing. An [answers] entry earns its
points times the credit of the last judged line that states that answer
(none: 0). A [parts] entry's points are shared equally by the judged lines
of that part, other than lines that earned an [answers] entry. Without
[parts] and [answers] (or without a rubric), every judged line is worth one
point.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from derive.errors import InputError

try:
    import tomllib
except ImportError:  # Python 3.10
    try:
        import tomli as tomllib
    except ImportError:
        tomllib = None

JUDGED = ("ok", "wrong", "carried")
KEYS = ("problem", "carried", "parts", "answers")


@dataclass(frozen=True)
class Rubric:
    path: str = ""
    problem: str | None = None
    carried: float = 1.0
    parts: dict = field(default_factory=dict)
    answers: dict = field(default_factory=dict)

    @property
    def per_line(self) -> bool:
        """Every judged line one point (no parts or answers named)."""
        return not self.parts and not self.answers


#: no rubric: every judged line counts equally, carried lines in full
DEFAULT = Rubric()


def load(path: str, problem: str | None = None) -> Rubric:
    """Read and check a rubric; `problem` is --problem, which it must agree with."""
    from derive.errors import read_text
    if tomllib is None:
        raise InputError(f"{path}: reading a rubric needs Python 3.11, or the tomli package on 3.10 "
                         f"(pip install tomli)")
    text = read_text(path, 1 << 20, "a rubric in TOML")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{path}: not valid TOML: {error}") from None
    return parse(data, path, problem)


def parse(data: dict, path: str = "<rubric>", problem: str | None = None) -> Rubric:
    """A rubric from its TOML table, every key checked."""
    for key in data:
        if key not in KEYS:
            raise InputError(f"{path}: {key}: unknown key (a rubric has {', '.join(KEYS)})")
    named = data.get("problem")
    if named is not None and not isinstance(named, str):
        raise InputError(f"{path}: problem: expected a problem's name as a string")
    if named is not None and problem is not None and named != problem:
        raise InputError(f"{path}: problem: the rubric is for {named!r} but --problem is {problem!r}")
    name = problem if problem is not None else named
    carried = data.get("carried", 1.0)
    if not _is_number(carried) or not 0 <= carried <= 1:
        raise InputError(f"{path}: carried: expected the credit for a carried line, a number from 0 to 1")
    parts = _points(data, "parts", path)
    answers = _points(data, "answers", path)
    if (parts or answers) and name is None:
        key = "parts" if parts else "answers"
        raise InputError(f"{path}: {key}: name the problem they belong to (problem = \"NAME\", or --problem)")
    if name is not None:
        _check_against(name, parts, answers, path, "problem" if named is not None else None)
    return Rubric(path, name, float(carried), parts, answers)


def _points(data: dict, table: str, path: str) -> dict:
    if table not in data:
        return {}
    entries = data[table]
    if not isinstance(entries, dict):
        raise InputError(f"{path}: {table}: expected a table ([{table}]) of name = points")
    if not entries:
        raise InputError(f"{path}: {table}: empty; give each entry its points, or leave the table out")
    points = {}
    for key, value in entries.items():
        if not _is_number(value) or value < 0:
            raise InputError(f"{path}: {table}.{key}: expected points, a number ≥ 0")
        points[str(key)] = float(value)
    return points


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_against(name: str, parts: dict, answers: dict, path: str, key: str | None):
    """Every part and answer named is one the problem has."""
    from derive.catalog import find
    try:
        problem = find(name)
    except InputError as error:
        raise InputError(f"{path}: {key}: {error}" if key else str(error)) from None
    if not parts and not answers:
        return
    solution = problem.solve()
    known_parts = [part.id for part in solution.parts]
    for part in parts:
        if part not in known_parts:
            raise InputError(f"{path}: parts.{part}: {name} has no part {part!r} "
                             f"(its parts: {', '.join(known_parts)})")
    known_answers = list(solution.answers)
    for answer in answers:
        if answer not in known_answers:
            shown = ", ".join(known_answers[:12]) + (", …" if len(known_answers) > 12 else "")
            raise InputError(f"{path}: answers.{answer}: {name} has no answer {answer!r} (its answers: {shown})")


# ---------------------------------------------------------------- scoring

@dataclass
class Item:
    """One scored entry: a part, an answer, or (per-line scoring) a part's lines."""

    kind: str  # "part", "answer" or "lines"
    name: str
    problem: str | None
    part: str | None
    points: float
    earned: float = 0.0
    lines: list = field(default_factory=list)  # the steps that earned it
    note: str = ""


@dataclass
class Score:
    items: list
    earned: float
    possible: float

    def by_part(self) -> dict:
        """(problem, part id) → (earned, possible); what belongs to no part has part None."""
        table: dict = {}
        for item in self.items:
            key = (item.problem, item.part)
            earned, possible = table.get(key, (0.0, 0.0))
            table[key] = (earned + item.earned, possible + item.points)
        return table


def credit(status: str, rubric: Rubric) -> float:
    return {"ok": 1.0, "carried": rubric.carried}.get(status, 0.0)


def score(steps: list[dict], rubric: Rubric = DEFAULT, answer_parts: dict | None = None) -> Score:
    """Score checked steps (dicts with status, part, answer, problem);
    `answer_parts`: answer key → the part it belongs to."""
    answer_parts = answer_parts or {}
    relevant = [step for step in steps if rubric.problem is None or step.get("problem") in (None, rubric.problem)]
    judged = [step for step in relevant if step["status"] in JUDGED]
    items: list[Item] = []
    if rubric.per_line:
        order: dict = {}
        for step in judged:
            key = (step.get("problem"), step.get("part"))
            if key not in order:
                order[key] = Item("lines", _label(*key), key[0], key[1], 0.0)
                items.append(order[key])
            item = order[key]
            item.points += 1
            item.earned += credit(step["status"], rubric)
            item.lines.append(step)
        return _total(items)
    used = set()
    for answer, points in rubric.answers.items():
        stating = [step for step in judged if step.get("answer") == answer]
        item = Item("answer", answer, rubric.problem, answer_parts.get(answer), points)
        if stating:
            last = stating[-1]
            used.add(id(last))
            item.earned = points * credit(last["status"], rubric)
            item.lines = [last]
        else:
            unjudged = [step for step in relevant if step.get("answer") == answer]
            item.note = ("stated, but not judged" if unjudged else "not found") + ": no credit"
        items.append(item)
    for part, points in rubric.parts.items():
        lines = [step for step in judged if step.get("part") == part and id(step) not in used]
        item = Item("part", part, rubric.problem, part, points, lines=lines)
        if lines:
            item.earned = points * sum(credit(step["status"], rubric) for step in lines) / len(lines)
        else:
            item.note = "no judged line in this part: no credit"
        items.append(item)
    return _total(items)


def _label(problem, part) -> str:
    where = f" of {problem}" if problem else ""
    return f"lines of part {part}{where}" if part is not None else f"lines of no part{where}"


def _total(items) -> Score:
    return Score(items, sum(item.earned for item in items), sum(item.points for item in items))
