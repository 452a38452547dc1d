"""Problem files: an instructor's own problem, as TOML, solved like the catalog's.

    title = "One GRU step"
    [given]                      # numbers, vectors (lists), matrices (lists of rows)
    x = [1.0, -0.5]
    W_z = [[0.5, -0.3], [0.1, 0.4]]
    [quantities]                 # in order; LaTeX over the givens and earlier quantities
    z = '\\sigma(W_z x + U_z h_0 + b_z)'
    L = '\\frac{1}{2} \\lVert h - y \\rVert^2'
    [ask]
    values = ["z", "L"]
    gradients = { of = "L", wrt = ["W_z"] }
    # step = { lr = 0.1, update = ["W_z"] }, symbolic = true, random = { W_z = "uniform(-1, 1)" }

`load(path)` validates the file (every key known, every value typed and
bounded, every formula read by `derive.reading` with shapes checked) and
returns a `derive.catalog.Problem`; `derive.catalog.find` calls it for a
name ending in `.toml`, so `derive solve`, `sheet` and `check` take a file
wherever they take a catalog name. A bad file is one `InputError` line
naming the file, the key and what is wrong.
"""
from __future__ import annotations

import os

from derive.errors import InputError

__all__ = ["load", "is_problem_file", "SUFFIX"]

SUFFIX = ".toml"
#: Problems loaded, by (real path, size, modification time): a file is read
#: once however many times a command names it, and again when it changes.
_LOADED: dict = {}
_KEEP = 32


def is_problem_file(name: str) -> bool:
    return isinstance(name, str) and name.endswith(SUFFIX)


def load(path: str):
    """The `Problem` of the problem file at `path` (named as given)."""
    try:
        status = os.stat(path)
    except OSError as error:
        raise InputError(f"{path}: cannot read the problem file: {error.strerror}") from None
    if not os.path.isfile(path):
        raise InputError(f"{path}: not a file")
    key = (os.path.realpath(path), path, status.st_size, status.st_mtime_ns)
    if key not in _LOADED:
        from derive.problemfile.build import FileProblem
        from derive.problemfile.spec import load_spec
        problem = FileProblem(load_spec(path), path).problem()
        if len(_LOADED) >= _KEEP:
            _LOADED.clear()
        _LOADED[key] = problem
    return _LOADED[key]
