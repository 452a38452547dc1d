"""Reading a user's files and writing the files a command makes.

Reading: UTF-8 text under a size limit, and JSON givens without NaN or
Infinity. Writing: the bytes go to a temporary file in the target's
directory, which then replaces the target in one step (`os.replace`), so a
failed write (a full disk, a file-size limit) leaves the old file as it was;
a symbolic link is not written through unless the caller allows it.

Standard library only: the command line imports it before SymPy.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile

from derive.errors import InputError, read_text

#: Largest --given file read, in bytes.
MAX_GIVEN_BYTES = 1 << 20


def read_given(path: str) -> dict:
    """A JSON object of givens from a user's file."""
    text = read_text(path, MAX_GIVEN_BYTES, "a JSON object of givens")
    try:
        given = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise InputError(f"{path}: line {error.lineno}, column {error.colno}: {error.msg}") from None
    except RecursionError:
        raise InputError(f"{path}: nested too deeply") from None
    except ValueError as error:
        raise InputError(f"{path}: {error}") from None
    if not isinstance(given, dict):
        raise InputError(f"{path}: expected a JSON object of givens")
    return given


def _reject_constant(name):
    raise ValueError(f"{name} is not a number a problem can use")


def write_bytes(path, data: bytes, *, follow_symlinks: bool = False):
    """Write `data` to `path` atomically: all of it, or nothing changed."""
    path = os.fspath(path)
    if os.path.islink(path) and not follow_symlinks:
        raise InputError(f"{path}: is a symbolic link; not writing through it (remove it or name the target)")
    if os.path.isdir(path):
        raise InputError(f"{path}: is a directory")
    directory = os.path.dirname(os.path.abspath(path))
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".derive-", suffix=".part")
    except OSError as error:
        raise InputError(f"{path}: cannot write: {error.strerror}") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        mode = _mode_of(path)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as error:
        _remove(temporary)
        raise InputError(f"{path}: cannot write: {error.strerror}") from None
    except BaseException:
        _remove(temporary)
        raise


def write_text(path, text: str, **options):
    write_bytes(path, text.encode("utf-8"), **options)


def write_output(text: str, path: str | None = None):
    """`text` to standard output, or to the file `path`."""
    if path is not None:
        write_text(path, text)
        return
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `derive list | head -1`: the reader has all it wanted
        try:  # nothing more reaches the closed pipe, not even the flush at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        raise OutputClosed("standard output was closed") from None
    except OSError as error:
        raise InputError(f"cannot write to standard output: {error.strerror}") from None


class OutputClosed(InputError):
    """The reader of standard output went away; the command ends quietly."""


def _mode_of(path) -> int:
    """An existing file keeps its permissions; a new one gets the umask's."""
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask, read without setting it (os.umask would change it
    for every thread for a moment)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def _remove(path):
    try:
        os.unlink(path)
    except OSError:
        pass
