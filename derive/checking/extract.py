"""Finding the equations of a hand derivation: display math, problem markers,
rows of aligned blocks, statements separated by \\quad, and chains split at
top-level relations.

Everything here is string handling of untrusted text; nothing is evaluated.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

#: Relations that split a chain into sides that must all be equal.
EQUALITIES = (r"\approx", r"\simeq", r"\equiv", "=")
#: Relations that are not checked: a statement containing one is `unchecked`.
UNCHECKED_RELATIONS = (r"\neq", r"\ne", r"\Rightarrow", r"\implies", r"\rightarrow", r"\to", r"\leq", r"\geq",
                       r"\le", r"\ge", r"\ll", r"\gg", r"\in", r"\propto", r"\sim", "<", ">")

#: `% problem: NAME` or `<!-- problem: NAME -->` alone on a line. `[ \t]*`, not `\s*`:
#: `\s*` at a line start matches across blank lines, which is quadratic on many of them.
PROBLEM_MARKER = re.compile(r"^[ \t]*(?:%[ \t]*problem:[ \t]*([A-Za-z0-9.-]{1,80})[ \t]*|"
                            r"<!--[ \t]*problem:[ \t]*([A-Za-z0-9.-]{1,80})[ \t]*-->[ \t]*)$", re.MULTILINE)
#: Display openers and their closers; environments may be starred.
OPENER = re.compile(r"\$\$|\\\[|\\begin\{(equation|align|gather|multline)(\*?)\}")
MATRIX_ENVS = ("bmatrix", "pmatrix", "matrix", "vmatrix", "Bmatrix", "cases", "array")


@dataclass
class Statement:
    """One equation chain as written: `sides` are LaTeX strings."""
    line: int
    problem: str | None
    latex: str
    sides: list[str]
    #: a relation the checker does not check (≠, ⇒, <, …), or ""
    unchecked_relation: str = ""
    #: the chain began with a relation: it continues the previous chain
    continues: bool = False
    relations: list[str] = field(default_factory=list)


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


class Lines:
    """Line numbers of offsets, by bisection over the line starts (one pass
    over the text, instead of counting newlines again for every statement)."""

    def __init__(self, text: str):
        self.starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def __call__(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


def problem_markers(text: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group(1) or m.group(2)) for m in PROBLEM_MARKER.finditer(text)]


def without_comments(text: str) -> str:
    """LaTeX comments (an unescaped % to the end of its line) blanked out,
    keeping every offset, so that `% $$x = 1$$` is not read as an equation."""
    return re.sub(r"(?<!\\)%[^\n]*", lambda m: " " * len(m.group()), text)


def displays(text: str) -> list[tuple[int, str]]:
    """(offset of the content, content) of every display-math block, in order.

    One pass: each opener looks for its closer once; a closer that is not
    there after some point is not there after any later point either, so an
    opener without one disables its kind (no rescans, linear in the text)."""
    text = without_comments(text)
    found, i, missing = [], 0, set()
    while (m := OPENER.search(text, i)) is not None:
        closer = "$$" if m.group() == "$$" else "\\]" if m.group() == "\\[" else \
            f"\\end{{{m.group(1)}{m.group(2)}}}"
        if closer in missing:
            i = m.end()
            continue
        end = text.find(closer, m.end())
        if end < 0:
            missing.add(closer)
            i = m.end()
            continue
        found.append((m.end(), text[m.end():end]))
        i = end + len(closer)
    return found


def statements(text: str, problem: str | None = None) -> list[Statement]:
    """Every equation chain of the file, each with its line and problem."""
    markers = problem_markers(text)
    line_at = Lines(text)
    result = []
    for offset, content in displays(text):
        current = problem
        if problem is None:
            for position, name in markers:
                if position < offset:
                    current = name
        pending = ""
        for row_offset, row in rows(content):
            line = line_at(offset + row_offset)
            for part in parts(row):
                statement = chain(part, line, current)
                if statement is None and not has_relation(part):
                    # a row with no relation is the left side of the next row's `= …`
                    pending = part.strip()
                    continue
                if statement is not None and statement.continues and pending:
                    statement.sides.insert(0, pending)
                    statement.continues = False
                pending = ""
                if statement is not None and result and _continues_expression(statement) \
                        and result[-1].problem == statement.problem:
                    # "$$… = A$$ $$+ B = C$$": the display goes on with A + B
                    previous = result[-1]
                    previous.sides[-1] += " " + statement.sides[0]
                    previous.sides += statement.sides[1:]
                    previous.latex += " " + statement.latex
                    continue
                if statement is not None:
                    result.append(statement)
    return result


def scan(text: str):
    """Yield (index, depth) over the text, where depth counts open groups and
    matrix environments: splitting happens only at depth 0."""
    depth = 0
    i = 0
    while i < len(text):
        if text.startswith(r"\begin{", i):
            name = text[i + 7:text.find("}", i)]
            if name.rstrip("*") in MATRIX_ENVS:
                depth += 1
        elif text.startswith(r"\end{", i):
            name = text[i + 5:text.find("}", i)]
            if name.rstrip("*") in MATRIX_ENVS:
                depth -= 1
        elif text[i] in "{([":
            depth += 1
        elif text[i] in "})]":
            depth -= 1
        yield i, depth
        i += 1


def split_top(text: str, separators) -> list[tuple[int, str, str]]:
    """Split at separators outside groups: (offset, separator before, piece)."""
    pieces, start, before, skip = [], 0, "", 0
    for i, depth in scan(text):
        if i < skip or depth != 0:
            continue
        for sep in separators:
            if text.startswith(sep, i) and not (sep[0] == "\\" and text[i + len(sep):i + len(sep) + 1].isalpha()) \
                    and not (sep[0] != "\\" and i > 0 and text[i - 1] == "\\" and text[i - 2:i] != "\\\\"):
                # `\,` is spacing and `\{` a brace: a separator only where no backslash makes it a command
                if sep == "=" and i > 0 and text[i - 1] in "<>!:":
                    continue
                pieces.append((start, before, text[start:i]))
                start, before, skip = i + len(sep), sep, i + len(sep)
                break
    pieces.append((start, before, text[start:]))
    return pieces


def rows(content: str) -> list[tuple[int, str]]:
    """Rows of a display: aligned blocks and `\\` line breaks split it."""
    # blanked to the same length, so that offsets (and so line numbers) stay the content's
    stripped = re.sub(r"\\(begin|end)\{(aligned|align\*?|split|gathered)\}", lambda m: " " * len(m.group()), content)
    # a row's line is where its first character is, not where the previous row ended
    return [(offset + len(piece) - len(piece.lstrip()), piece)
            for offset, _, piece in split_top(stripped, ("\\\\",)) if piece.strip()]


def parts(row: str) -> list[str]:
    """Statements of one row: `a = 1, \\quad b = 2` holds two."""
    row = "".join(" " if char == "&" and depth == 0 else char for (i, depth), char in zip(scan(row), row))
    pieces = [piece for _, _, piece in split_top(row, (r"\qquad", r"\quad"))]
    result = []
    for piece in pieces:
        commas = [p for _, _, p in split_top(piece, (",",))]
        if len(commas) > 1 and all(has_relation(p) for p in commas):
            result += commas
        else:
            result.append(piece)
    return [p for p in result if p.strip()]


def _continues_expression(statement: Statement) -> bool:
    return not statement.continues and bool(re.match(r"\s*(\+|\\times|\\cdot)", statement.sides[0]))


def has_relation(text: str) -> bool:
    return len(split_top(text, EQUALITIES)) > 1


def chain(text: str, line: int, problem: str | None) -> Statement | None:
    premise = text.strip().endswith(":")
    text = text.strip().rstrip(",.;:").strip()
    if premise and re.fullmatch(r"[^=]{1,40}=\s*-?[\d.]+", text):
        return None  # "α = 2:" introduces a case to work through; it claims nothing
    text = re.sub(r"^\\therefore\s*", "", text)
    if not text:
        return None
    # "≥ X" continues a chain with an inequality: X, not "≥ X", is what a next "= Y" goes on from
    leading = next((rel for rel in UNCHECKED_RELATIONS if text.startswith(rel)
                    and not (rel[0] == "\\" and text[len(rel):len(rel) + 1].isalpha())), "")
    body = text[len(leading):].strip() if leading else text
    pieces = split_top(body, EQUALITIES)
    sides = [piece.strip().rstrip(",.;:").strip() for _, _, piece in pieces]
    relations = [sep for _, sep, _ in pieces[1:]]
    unchecked = leading or next((rel for rel in UNCHECKED_RELATIONS if _has_top(text, rel)), "")
    if len(sides) < 2 and not unchecked:
        return None
    continues = not sides[0]
    if continues:
        sides = sides[1:]
        relations = relations[1:]
    return Statement(line, problem, text, sides, unchecked, continues, relations)


def _has_top(text: str, relation: str) -> bool:
    return len(split_top(text, (relation,))) > 1

