"""Plain-text layout: matrices in two dimensions, and long lines broken.

A formula is printed as one line of text in which every matrix of two or
more rows stands as a single placeholder character (`math.text(…,
blocks=table)` fills the table).  Here a line is cut into pieces where a
person would break it — before a relation of a chain, then before a `+`
or `−` outside brackets, then before a product sign — so that no line runs
past the width, and each line is then drawn with its matrices as blocks of
rows (`⎡ ⎤ ⎢ ⎥ ⎣ ⎦`, as `sympy.pretty` draws them), the text on the
matrices' middle row.
"""
from __future__ import annotations

import os
import re
import textwrap
import unicodedata
from dataclasses import dataclass

#: Terminal width when COLUMNS does not say.
DEFAULT_WIDTH = 100
#: Narrowest width honoured from COLUMNS.
NARROWEST = 40

#: Placeholders for matrices: one private-use character each.
FIRST_PLACEHOLDER = 0xE100
LAST_PLACEHOLDER = 0xF8FF


def terminal_width() -> int:
    """COLUMNS when it is a sensible width, else 100."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        return DEFAULT_WIDTH
    return columns if columns >= NARROWEST else DEFAULT_WIDTH


@dataclass(frozen=True)
class Block:
    """Rows of text of one width; `baseline` is the row level with the text."""

    rows: tuple[str, ...]
    baseline: int = 0

    @property
    def width(self) -> int:
        return width_of(self.rows[0]) if self.rows else 0


class Blocks(dict):
    """Placeholder character → Block, as the text printer fills it; `width`
    is the most a block may take (a matrix of long formulas wraps them)."""

    def __init__(self, width: int | None = None):
        super().__init__()
        self.width = width

    def add(self, block: Block) -> str:
        """The placeholder of `block` (the same one for an equal block, so
        that equal terms of a chain compare equal)."""
        for placeholder, known in self.items():
            if known == block:
                return placeholder
        code = FIRST_PLACEHOLDER + len(self)
        if code > LAST_PLACEHOLDER:
            raise ValueError("too many matrices in one text")
        self[chr(code)] = block
        return chr(code)


def width_of(text: str, blocks: dict | None = None) -> int:
    """Columns `text` takes in a terminal: combining accents take none, a
    placeholder takes its block's width."""
    total = 0
    for ch in text:
        if blocks and ch in blocks:
            total += blocks[ch].width
        elif not unicodedata.combining(ch):
            total += 1
    return total


def pad(text: str, width: int, align: str = "left") -> str:
    gap = max(0, width - width_of(text))
    if align == "right":
        return " " * gap + text
    if align == "centre":
        return " " * (gap // 2) + text + " " * (gap - gap // 2)
    return text + " " * gap


_NUMBER = re.compile(r"[−-]?\d+(?:\.\d+)?(?:×10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)?|[−-]?\d+/\d+")


def matrix_block(cells: list[list[str]], width: int | None = None) -> Block:
    """A matrix of printed entries in brackets, numbers aligned on the
    decimal point (fractions on the slash), anything else left-aligned;
    entries too long for `width` are broken over lines of their own."""
    columns = list(zip(*cells))
    laid = [_align_column(list(column)) for column in columns]
    lines = ["  ".join(column[i] for column in laid) for i in range(len(cells))]
    if width is not None and lines and width_of(lines[0]) + 2 > width:
        lines = _wrapped_rows(cells, width)
    if len(lines) == 1:
        return Block((f"[{lines[0]}]",), 0)
    rows = []
    for i, line in enumerate(lines):
        left, right = ("⎡", "⎤") if i == 0 else ("⎣", "⎦") if i == len(lines) - 1 else ("⎢", "⎥")
        rows.append(f"{left}{line}{right}")
    return Block(tuple(rows), (len(rows) - 1) // 2)


def _wrapped_rows(cells: list[list[str]], width: int) -> list[str]:
    """Rows of a matrix whose entries are broken to share `width` (an empty
    line between rows, so that each entry reads as one)."""
    count = len(cells[0])
    room = max(12, (width - 2 - 2 * (count - 1)) // count)
    broken = [[split_term(cell, None, room) for cell in row] for row in cells]
    broken = [[[part if k == 0 else "  " + part.lstrip() for k, part in enumerate(parts)] for parts in row]
              for row in broken]
    widths = [max(width_of(part) for row in broken for part in row[j]) for j in range(count)]
    lines = []
    for r, row in enumerate(broken):
        if r:
            lines.append("  ".join(" " * w for w in widths))
        for k in range(max(len(parts) for parts in row)):
            lines.append("  ".join(pad(parts[k] if k < len(parts) else "", widths[j]) for j, parts in enumerate(row)))
    return lines


def _align_column(column: list[str]) -> list[str]:
    if all(_NUMBER.fullmatch(cell) for cell in column):
        mark = "/" if any("/" in cell for cell in column) else "."
        heads = [cell.split(mark)[0] if mark in cell else _integer_part(cell, mark) for cell in column]
        tails = [cell[len(head):] for cell, head in zip(column, heads)]
        head_width = max(width_of(h) for h in heads)
        tail_width = max(width_of(t) for t in tails)
        return [pad(h, head_width, "right") + pad(t, tail_width) for h, t in zip(heads, tails)]
    width = max(width_of(cell) for cell in column)
    return [pad(cell, width) for cell in column]


def _integer_part(cell: str, mark: str) -> str:
    if mark == "." and "×" in cell:
        return cell.split("×")[0]
    return cell


def draw(line: str, blocks: dict | None = None) -> list[str]:
    """One line of text with placeholders as rows of text."""
    if not blocks or not any(ch in blocks for ch in line):
        return [line.rstrip()]
    pieces: list[Block] = []
    text = ""
    for ch in line:
        if ch in blocks:
            if text:
                pieces.append(Block((text,), 0))
                text = ""
            pieces.append(blocks[ch])
        else:
            text += ch
    if text:
        pieces.append(Block((text,), 0))
    above = max(p.baseline for p in pieces)
    below = max(len(p.rows) - 1 - p.baseline for p in pieces)
    out = []
    for level in range(-above, below + 1):
        row = ""
        for piece in pieces:
            index = piece.baseline + level
            row += piece.rows[index] if 0 <= index < len(piece.rows) else " " * piece.width
        out.append(row.rstrip())
    return out


# --- breaking a formula into lines

_OPENING, _CLOSING = "([{", ")]}"


def _top_level_breaks(text: str, separators: tuple[str, ...]) -> list[int]:
    """Positions where a separator starts, outside every bracket."""
    depth, found, i = 0, [], 0
    while i < len(text):
        ch = text[i]
        if ch in _OPENING:
            depth += 1
        elif ch in _CLOSING:
            depth = max(0, depth - 1)
        elif depth == 0 and i > 0:
            for separator in separators:
                if text.startswith(separator, i):
                    found.append(i)
                    break
        i += 1
    return found


#: Where a long term breaks, best first: sums, then products, then lists.
BREAKS = ((" + ", " − ", " - "), ("·", " ⊙ ", " ⋆ "), (", ", "; "))


def split_term(text: str, blocks, room: int) -> list[str]:
    """`text` cut into pieces no wider than `room` where it can be, at the
    weakest-binding operator outside brackets (each piece after the first
    starts with its operator)."""
    if width_of(text, blocks) <= room:
        return [text]
    for separators in BREAKS:
        cuts = _top_level_breaks(text, separators)
        if cuts:
            return _fill([text[a:b] for a, b in zip([0] + cuts, cuts + [len(text)])], blocks, room)
    group = _widest_group(text, blocks)
    if group is not None:
        start, end = group
        head, body, tail = text[:start + 1], text[start + 1:end], text[end:]
        parts = split_term(body, blocks, room - width_of(head, blocks))
        if len(parts) > 1:
            return [head + parts[0]] + parts[1:-1] + [parts[-1] + tail]
    return [text]


def _widest_group(text: str, blocks) -> tuple[int, int] | None:
    """(opening, closing) index of the widest bracket group at the outer level."""
    best, depth, start = None, 0, 0
    for i, ch in enumerate(text):
        if ch in _OPENING:
            if depth == 0:
                start = i
            depth += 1
        elif ch in _CLOSING and depth:
            depth -= 1
            if depth == 0 and i - start > 2:
                span = width_of(text[start:i], blocks)
                if best is None or span > best[0]:
                    best = (span, start, i)
    return None if best is None else best[1:]


def _fill(pieces: list[str], blocks, room: int) -> list[str]:
    """Pieces joined greedily into lines of at most `room`; a piece too
    wide alone is split further."""
    lines: list[str] = []
    for piece in pieces:
        if lines and width_of(lines[-1] + piece, blocks) <= room:
            lines[-1] += piece
            continue
        text = piece.lstrip() if lines else piece
        if width_of(text, blocks) > room:
            parts = split_term(text, blocks, room)
            lines += parts
        else:
            lines.append(text)
    return lines


def chain(first: str, rest: list[tuple[str, str]], width: int, note: str = "",
          blocks: dict | None = None, indent: str = "") -> list[str]:
    """`first rel₁ t₁ rel₂ t₂ …` in lines of at most `width` columns: as many
    relations on a line as fit, a new line starting with its relation
    under the first one, and a term too long for a line broken at its
    sums (continuations indented further); then the note, in the margin
    when it fits, else on a line of its own."""
    head = indent + first
    margin = width_of(head, blocks) + 1
    if margin > width // 3:
        margin = width_of(indent, blocks) + 4
    lines = [head]
    if width_of(head, blocks) > width:  # a left side too long for a line of its own
        parts = split_term(first, blocks, width - width_of(indent, blocks))
        lines = [indent + parts[0]] + [indent + "    " + part.lstrip() for part in parts[1:]]
    for relation, term in rest:
        piece = f" {relation} {term}"
        if width_of(lines[-1] + piece, blocks) <= width:
            lines[-1] += piece
            continue
        room = width - margin - len(relation) - 3
        parts = split_term(term, blocks, room)
        start = " " * margin + f"{relation} "
        if len(lines) == 1 and width_of(lines[0] + f" {relation} " + parts[0], blocks) <= width \
                and len(parts) > 1:
            lines[0] += f" {relation} " + parts[0]
        else:
            lines.append(start + parts[0])
        for part in parts[1:]:
            lines.append(" " * (margin + len(relation) + 3) + part.lstrip())
    if note:
        if width_of(lines[-1] + "    " + note, blocks) <= width:
            lines[-1] += "    " + note
        else:
            lines += textwrap.wrap(note, width, initial_indent=" " * (margin + 2),
                                   subsequent_indent=" " * (margin + 3)) or []
    out = []
    for line in lines:
        out += draw(line, blocks)
    return out


def wrap(text: str, width: int, indent: str = "", subsequent: str | None = None) -> list[str]:
    """Prose wrapped at `width`, paragraph by paragraph."""
    out = []
    for paragraph in text.split("\n"):
        out += textwrap.wrap(paragraph, width, initial_indent=indent,
                             subsequent_indent=indent if subsequent is None else subsequent,
                             break_on_hyphens=False) or [""]
    return out
