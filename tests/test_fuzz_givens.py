"""Property-based fuzz of every problem's givens through the command line.

Each problem that takes `--given` gets its own givens mutated by Hypothesis
(a number scaled, negated, zeroed or made huge; a value of another JSON
type; a key removed or added; a list shortened or lengthened), and
`derive solve NAME --given FILE --format json` must end in exit 0 or 2,
never 3, never a traceback, one line on stderr when it fails, and the same
bytes when run twice. Seeded variants (`--seed`) are drawn the same way.

Fixed seeds (derandomize), no example database: the same examples every run,
a few minutes in all. FUZZ_EXAMPLES=N runs N per problem instead.
"""
from __future__ import annotations

import contextlib
import copy
import io
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from derive.catalog import entries
from derive.cli import main

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
#: One problem per shape of givens: the families, and the problems of no family.
PROBLEMS = sorted({(problem.family or problem.name): problem.name
                   for problem in entries() if problem.takes_given}.values())
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                suppress_health_check=list(HealthCheck), print_blob=False)

NUMBERS = st.one_of(
    st.integers(-3, 3), st.integers(-10**6, 10**6), st.sampled_from([0, 1, -1, 2**31, 10**15, 10**16, 10**308]),
    st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([0.5, -0.5, 1e-300, 1e15, 1e300, 0.1]))
SCALARS = st.one_of(NUMBERS, st.booleans(), st.none(), st.text(max_size=12),
                    st.sampled_from(["x", "lambda", "gamma", "pi", "sigmoid", "relu", "1e400", "NaN", ""]))
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                                         max_size=3), max_leaves=8)


def paths(value, prefix=()):
    """Every place in a JSON value: (path, value) for the value itself and all below."""
    yield prefix, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, prefix + (index,))


def replaced(value, path, new):
    if not path:
        return new
    value = copy.copy(value)
    value[path[0]] = replaced(value[path[0]], path[1:], new)
    return value


@st.composite
def mutation(draw, value):
    """The value at one place of `value` changed in one way."""
    places = list(paths(value))
    path, old = draw(st.sampled_from(places))
    kind = draw(st.sampled_from(["scale", "number", "json", "drop", "add", "resize"]))
    if kind == "scale" and isinstance(old, (int, float)) and not isinstance(old, bool):
        factor = draw(st.sampled_from([0, -1, 2, 10, 1000, 10**6, 0.5, 1e-9, 1e12]))
        new = old * factor
        new = int(new) if isinstance(old, int) and float(new).is_integer() and abs(new) < 10**18 else new
        return replaced(value, path, new)
    if kind == "number":
        return replaced(value, path, draw(NUMBERS))
    if kind == "drop" and path:
        parent = replaced(value, (), value)
        container = parent
        for key in path[:-1]:
            container = container[key]
        container = copy.copy(container)
        del container[path[-1]]
        return replaced(value, path[:-1], container)
    if kind == "add" and isinstance(old, dict):
        return replaced(value, path, {**old, draw(st.text(min_size=1, max_size=8)): draw(JSON)})
    if kind == "resize" and isinstance(old, list):
        count = draw(st.sampled_from([0, 1, max(0, len(old) - 1), len(old) + 1, 2 * len(old) + 1, 50]))
        items = (old * (count // max(1, len(old)) + 1))[:count] if old else [draw(JSON) for _ in range(count)]
        return replaced(value, path, items)
    return replaced(value, path, draw(JSON))


def run(*arguments):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["--time-limit", "60", *arguments])
    return status, out.getvalue(), err.getvalue()


def assert_well_behaved(arguments):
    first, second = run(*arguments), run(*arguments)
    status, out, err = first
    assert status in (0, 2), f"exit {status} for {arguments}: {err}"
    assert "Traceback" not in err and "internal error" not in err, err
    if status == 2:
        assert len(err.strip().splitlines()) == 1 and not out, err
        assert "gave up" not in err, f"unbounded work for {arguments}: {err}"
    else:
        json.loads(out)
    assert first == second, f"different output twice for {arguments}"


@pytest.mark.parametrize("name", PROBLEMS)
def test_mutated_givens_exit_0_or_2_the_same_twice(name, tmp_path_factory):
    from derive.catalog import find
    default = find(name).default_given()
    directory = tmp_path_factory.mktemp("fuzz")

    @FUZZ
    @given(st.data())
    def property(data):
        givens = default
        for _ in range(data.draw(st.integers(1, 2))):
            givens = data.draw(mutation(givens))
        path = directory / "given.json"
        path.write_text(json.dumps(givens, allow_nan=False) if _finite_json(givens) else "{}")
        assert_well_behaved(["solve", name, "--given", str(path), "--format", "json"])

    property()


def _finite_json(value) -> bool:
    try:
        json.dumps(value, allow_nan=False)
        return True
    except (ValueError, OverflowError):
        return False


@pytest.mark.parametrize("name", PROBLEMS)
def test_seeded_variants_exit_0_the_same_twice(name):
    @settings(FUZZ, max_examples=max(2, EXAMPLES // 4))
    @given(st.one_of(st.integers(0, 1000), st.integers(0, 2**63 - 1)))
    def property(seed):
        status, out, err = run("solve", name, "--seed", str(seed), "--format", "json")
        assert status == 0, f"--seed {seed}: exit {status}: {err}"
        assert run("solve", name, "--seed", str(seed), "--format", "json") == (status, out, err)

    property()
