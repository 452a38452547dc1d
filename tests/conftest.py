"""Shared test machinery.

- `tests/` on the path, for the references and the catalog's name list.
- `solved`: one session-wide cache of solved catalog problems, so the
  modules that go over the whole catalog (shapes, printers, figures,
  sheets) solve each problem once per run instead of once per module.
  A cached `Solution` is shared: tests read it and must not change it; a
  test about solving itself (determinism, a fresh derivation) calls
  `derive.catalog.solve`.
- markers: `slow` (whole-catalog sweeps, sheets, fuzzing) and `pdf`
  (compiles a PDF with TeX), so `pytest -m "not slow"` is a quick subset
  for a developer; CI runs everything (`python3 -m pytest`).
"""
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

_SOLVED: dict = {}
_DOCUMENTS: dict = {}


def _solve_counting(name, seed):
    """Solve, counting the backward passes run on the way (figures test them)."""
    from derive.catalog import solve
    from derive.core.graph import Graph
    calls = []
    original = Graph.backward

    def counting(self, *args, **kwargs):
        calls.append(self)
        return original(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Graph, "backward", counting)
        solution = solve(name, seed=seed) if seed is not None else solve(name)
    return solution, len(calls)


def solved_problem(name: str, seed: int | None = None):
    """The catalog problem `name` (its own givens, or seed `seed`), solved once per session."""
    key = (name, seed)
    if key not in _SOLVED:
        _SOLVED[key] = _solve_counting(name, seed)
    return _SOLVED[key][0]


def backward_passes(name: str, seed: int | None = None) -> int:
    """How many times `Graph.backward` ran while `solved_problem(name, seed)` was solved."""
    solved_problem(name, seed)
    return _SOLVED[name, seed][1]


def solved_document(name: str, seed: int | None = None) -> dict:
    """The JSON document of `solved_problem(name, seed)`, rendered once per session (a fresh copy each call)."""
    key = (name, seed)
    if key not in _DOCUMENTS:
        from derive.printing import render
        _DOCUMENTS[key] = render(solved_problem(name, seed), "json")
    return json.loads(_DOCUMENTS[key])


@pytest.fixture(scope="session")
def solved():
    """`solved(name, seed=None)` → the cached Solution."""
    return solved_problem



#: modules whose every test is slow: whole sheets, every problem solved and rendered
SLOW_MODULES = {"test_sheet.py", "test_figures.py", "test_catalog.py"}
#: single tests that are slow (many whole processes)
SLOW_TESTS = {"test_same_command_prints_the_same_bytes"}


def pytest_collection_modifyitems(config, items):
    """Mark `pdf` the tests that compile with TeX, `slow` those and the
    sweeps and property-based (fuzz) tests; nothing is skipped by this."""
    import inspect
    for item in items:
        function = getattr(item, "function", None)
        source = ""
        if function is not None:
            try:
                source = inspect.getsource(function)
            except (OSError, TypeError):
                pass
        if "compiled" in getattr(item, "fixturenames", ()) or "require_tex()" in source:
            item.add_marker(pytest.mark.pdf)
            item.add_marker(pytest.mark.slow)
        elif (item.path.name in SLOW_MODULES or item.originalname in SLOW_TESTS
              or getattr(function, "is_hypothesis_test", False)):
            item.add_marker(pytest.mark.slow)
