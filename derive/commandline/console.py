"""What a command says on stderr besides its errors: progress through long
work, shown only when stderr is a terminal, and one line saying what was
written ("derive: wrote all.pdf (226 pages)").

`--quiet` silences both. The setting lives in a context variable, so two
commands run at once in two threads (an embedding host) do not share it.

Standard library only: the command line imports it before SymPy.
"""
from __future__ import annotations

import contextvars
import sys
from collections.abc import Iterable, Iterator

_QUIET = contextvars.ContextVar("derive_quiet", default=False)


def set_quiet(quiet: bool):
    """Silence (or not) progress and summaries in this thread's commands."""
    return _QUIET.set(bool(quiet))


def _terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed stderr
        return False


def progress(items: Iterable, total: int, label=str, minimum: int = 2) -> Iterator:
    """`items`, one at a time, with "[3/48] NAME" redrawn on one stderr line
    while each one is worked on (when stderr is a terminal, not quiet, and
    there are at least `minimum` items); the line is cleared at the end."""
    shown = total >= minimum and not _QUIET.get() and _terminal()
    width = 0
    try:
        for index, item in enumerate(items, 1):
            if shown:
                text = f"[{index}/{total}] {label(item)}"[:78]
                sys.stderr.write("\r" + text.ljust(width))
                sys.stderr.flush()
                width = len(text)
            yield item
    finally:
        if shown and width:
            sys.stderr.write("\r" + " " * width + "\r")
            sys.stderr.flush()


def status(message: str):
    """A one-line note on stderr ("wrote …"), unless quiet."""
    if not _QUIET.get():
        try:
            print(f"derive: {message}", file=sys.stderr, flush=True)
        except (OSError, ValueError):
            pass


def wrote(path, detail: str = ""):
    """The summary of a file written: `derive: wrote PATH (DETAIL)`."""
    status(f"wrote {path}" + (f" ({detail})" if detail else ""))
