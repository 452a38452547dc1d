"""Finding and reading students' submissions.

A submission is a file (LaTeX, Markdown or text), or a folder per student
whose .md, .tex and .txt files (directly inside it, in name order) are read
as one text. Every submission gets an id: its file's stem or its folder's
name, made longer with the folders above it only where two would otherwise
share one. Reading never follows a symbolic link inside a student's folder
(the command line's own arguments are the user's and are followed).

Standard library only: reading happens in the process that writes the
gradebook, before any worker starts, so that a file that cannot be read is
one row saying so and never a worker's crash.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from derive.errors import InputError

#: The files of a student's folder that are read, by suffix.
SUFFIXES = (".md", ".tex", ".txt")
#: Largest submission read, in bytes (the checker's own limit).
MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class Submission:
    """One student's submission as the command line named it."""

    id: str
    path: str

    @property
    def is_folder(self) -> bool:
        return os.path.isdir(self.path)


@dataclass
class Text:
    """A submission's text, and where each of its lines came from."""

    text: str
    #: (first line in `text`, file name as shown to the student), in order
    files: list = field(default_factory=list)
    #: what was left out, for the feedback ("skipped a symbolic link: x.md")
    notes: list = field(default_factory=list)

    def where(self, line: int) -> tuple[str, int]:
        """The file and line of `text`'s line `line` (1-based)."""
        name, first = (self.files[0][1], 1) if self.files else ("", 1)
        for start, file in self.files:
            if start <= line:
                name, first = file, start
        return name, line - first + 1


def find(paths: list[str]) -> list[Submission]:
    """The submissions named on the command line, in the order named, each
    with a unique id. A path that does not exist is an error (a typo in a
    TA's command should stop the batch, not make a row)."""
    if not paths:
        raise InputError("name at least one submission (a file, or a folder per student)")
    seen: dict[str, str] = {}
    found = []
    for path in paths:
        if not os.path.exists(path):
            raise InputError(f"{path}: no such file or folder")
        key = os.path.realpath(path)
        if key in seen:
            raise InputError(f"{path}: named twice (also as {seen[key]})")
        seen[key] = path
        found.append(path)
    return [Submission(id, path) for id, path in zip(ids(found), found)]


def ids(paths: list[str]) -> list[str]:
    """Short unique ids: the stem (file) or name (folder), with as many of
    the folders above as it takes to tell two apart (alice/hw.md and
    bob/hw.md become alice/hw and bob/hw)."""
    parts = [_parts(path) for path in paths]
    depth = [1] * len(paths)
    while True:
        names = ["/".join(p[-d:]) for p, d in zip(parts, depth)]
        clashes = {name for name in names if names.count(name) > 1}
        if not clashes:
            return names
        grown = False
        for i, name in enumerate(names):
            if name in clashes and depth[i] < len(parts[i]):
                depth[i] += 1
                grown = True
        if not grown:  # the same path spelled twice would have been refused; keep them apart anyway
            counts: dict[str, int] = {}
            unique = []
            for name in names:
                counts[name] = counts.get(name, 0) + 1
                unique.append(name if counts[name] == 1 else f"{name}-{counts[name]}")
            return unique


def _parts(path: str) -> list[str]:
    absolute = Path(os.path.abspath(path))
    stem = absolute.name if os.path.isdir(path) else absolute.stem or absolute.name
    above = [part for part in absolute.parent.parts if part not in ("/", "")]
    return above + [stem or "submission"]


def read(submission: Submission, limit: int = MAX_BYTES) -> Text:
    """The submission's text (UTF-8), or InputError saying why it cannot be read."""
    if not submission.is_folder:
        name = os.path.basename(submission.path)
        return Text(_read_file(submission.path, name, limit), [(1, name)])
    return _read_folder(submission.path, limit)


def _read_folder(folder: str, limit: int) -> Text:
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as error:
        raise InputError(f"{os.path.basename(folder)}: cannot read the folder: {error.strerror}") from None
    files, notes, subfolders = [], [], []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_symlink():
            if entry.name.lower().endswith(SUFFIXES):
                notes.append(f"skipped {entry.name}: a symbolic link")
            continue
        if entry.is_dir():
            subfolders.append(entry.name)
        elif entry.is_file() and entry.name.lower().endswith(SUFFIXES):
            files.append(entry)
        elif entry.is_file():
            notes.append(f"skipped {entry.name}: not a .md, .tex or .txt file")
    if not files:
        where = f" (it has folders {', '.join(subfolders[:3])}{'…' if len(subfolders) > 3 else ''}: " \
                f"name each student's folder, not the folder above them)" if subfolders else ""
        raise InputError(f"{os.path.basename(os.path.normpath(folder))}: no .md, .tex or .txt file in the folder{where}")
    texts, starts, line, size = [], [], 1, 0
    for entry in files:
        text = _read_file(entry.path, entry.name, limit - size)
        size += len(text.encode("utf-8"))
        if text and not text.endswith("\n"):
            text += "\n"
        starts.append((line, entry.name))
        texts.append(text)
        line += text.count("\n")
    return Text("".join(texts), starts, notes)


def _read_file(path: str, name: str, limit: int) -> str:
    try:
        with open(path, "rb") as handle:
            data = handle.read(max(limit, 0) + 1)
    except OSError as error:
        raise InputError(f"{name}: cannot read: {error.strerror}") from None
    if len(data) > limit:
        raise InputError(f"{name}: larger than {MAX_BYTES // 1000} kB; a hand derivation is smaller")
    if b"\0" in data:
        raise InputError(f"{name}: binary data, not a derivation in LaTeX or Markdown (a PDF or a picture?)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{name}: not UTF-8 text (byte {error.start})") from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
