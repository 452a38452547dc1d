"""What a user waits for: whole `derive solve` processes, against references
measured in the same run.

- `import sympy`: a process that only imports SymPy (the floor of any
  SymPy program; every ratio "× import sympy" divides by its median).
- `derive solve lstm --given lstm-T.json` at T = 8 … 64 (givens from
  `lstm_givens.py`), whole process, text output, against the plain SymPy
  reverse mode over named intermediates of `reference_lstm.py` (whole
  process, same givens, gradients' numbers but no printing), interleaved
  run by run so load hits both alike.
- hand-written NumPy BPTT (`numpy_lstm.py`) for the numbers: derive's
  gradients and the reference's must equal it.
- jax `make_jaxpr` of the unrolled gradient, where jax is installed.
- `derive solve NAME` of every catalog problem, one process each.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
import time

import numpy as np

from lstm_givens import lstm_givens
from measure import PYTHON, Section, power_law_exponent, side_by_side
from numpy_lstm import lstm_gradients

HERE = os.path.dirname(os.path.abspath(__file__))
LENGTHS = (8, 16, 32, 64)
DERIVE = [PYTHON, "-m", "derive"]


def _run(argv):
    def run():
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return run


def import_sympy_seconds(repeat: int = 7) -> float:
    return side_by_side({"sympy": _run([PYTHON, "-c", "import sympy"])}, repeat)["sympy"]


def _largest_difference(a: dict, b: dict) -> float:
    return max(float(np.max(np.abs(np.array(a[k], float) - np.array(b[k], float)))) for k in b)


def _derive_gradients(path):
    done = subprocess.run(DERIVE + ["solve", "lstm", "--given", path, "--format", "json"],
                          check=True, capture_output=True, text=True)
    answers = {k: a["value"] for p in json.loads(done.stdout)["parts"] for k, a in p["answers"].items()}
    return {k: answers[k] for k in answers if k.startswith(("dL_dW", "dL_dU", "dL_db")) or k == "loss"}


def _jax_seconds(T: int):
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None

    def loss(params, xs, ys):
        h = c = jnp.zeros(1)
        total = 0.0
        for x, y in zip(xs, ys):
            a = {k: params["W"][k] @ x + params["U"][k] @ h + params["b"][k] for k in "fico"}
            f, i, o = (jax.nn.sigmoid(a[k]) for k in "fio")
            c = f * c + i * jnp.tanh(a["c"])
            h = o * jnp.tanh(c)
            total = total + 0.5 * jnp.sum((y - h) ** 2)
        return total
    g = lstm_givens(T)
    params = {key: {k: jnp.array(g[key][k], dtype=float).reshape(1, -1) if key != "b" else jnp.array(g[key][k], dtype=float)
                    for k in "fico"} for key in ("W", "U", "b")}
    xs, ys = [jnp.array(x, dtype=float) for x in g["x"]], [jnp.array([y], dtype=float) for y in g["y"]]
    start = time.perf_counter()
    jax.make_jaxpr(jax.grad(loss))(params, xs, ys)
    return time.perf_counter() - start


def run(repeat: int = 3) -> list[Section]:
    floor = import_sympy_seconds()
    lstm = Section("The user's LSTM: `derive solve lstm --given` (whole process)",
                   ("T", "derive s (median)", "× import sympy", "named-intermediate SymPy s (median)",
                    "derive speed-up", "jax make_jaxpr s"))
    lstm.notes.append(f"`import sympy` (a process importing SymPy only): median {floor:.3f} s of 7 runs.")
    times, references = [], []
    with tempfile.TemporaryDirectory() as scratch:
        for T in LENGTHS:
            path = os.path.join(scratch, f"lstm-{T}.json")
            with open(path, "w") as handle:
                json.dump(lstm_givens(T), handle)
            measured = side_by_side({"derive": _run(DERIVE + ["solve", "lstm", "--given", path]),
                                     "reference": _run([PYTHON, os.path.join(HERE, "reference_lstm.py"), path])},
                                    repeat)
            times.append(measured["derive"])
            references.append(measured["reference"])
            jax_s = _jax_seconds(T)
            lstm.rows.append((T, f"{measured['derive']:.2f}", f"{measured['derive'] / floor:.1f}",
                              f"{measured['reference']:.2f}", f"{measured['reference'] / measured['derive']:.2f}×",
                              "jax not installed" if jax_s is None else f"{jax_s:.2f}"))
            print(f"  lstm T={T}: derive {measured['derive']:.2f} s, reference {measured['reference']:.2f} s",
                  flush=True)
        expected = lstm_gradients(lstm_givens(LENGTHS[-1]))
        derived = _derive_gradients(path)
        done = subprocess.run([PYTHON, os.path.join(HERE, "reference_lstm.py"), path], check=True,
                              capture_output=True, text=True)
        reference = json.loads(done.stdout)
    for who, found in (("derive", derived), ("the SymPy reference", reference)):
        error = _largest_difference(found, expected)
        lstm.target(f"{who}'s gradients at T = {LENGTHS[-1]} equal hand-written NumPy BPTT",
                    f"largest difference {error:.1e}", error < 1e-9)
    exponent = power_law_exponent(LENGTHS, times)
    lstm.target(f"T = {LENGTHS[-1]} within 8× import sympy", f"{times[-1] / floor:.1f}×",
                times[-1] <= 8 * floor, goal=True)
    lstm.target(f"time exponent from T = {LENGTHS[0]} to {LENGTHS[-1]} ≤ 1.1", f"{exponent:.2f}", exponent <= 1.1,
                goal=True)
    speedup = references[-1] / times[-1]
    lstm.target(f"T = {LENGTHS[-1]}: ≥ 3× faster than the named-intermediate SymPy reverse mode",
                f"{speedup:.2f}×", speedup >= 3, goal=True)
    lstm.notes.append("Medians of 3 whole-process runs per cell, derive and the reference interleaved; the "
                      "garbage collector as in normal use. derive prints every step as text; the reference "
                      "computes the same numbers and prints only the gradients. The time exponent is the "
                      "least-squares slope of log time against log T (process start-up included).")
    return [lstm, catalog_section(floor)]


def catalog_section(floor: float) -> Section:
    from derive.catalog import entries
    section = Section("Every catalog problem: `derive solve NAME` (whole process)",
                      ("problem", "s", "× import sympy"))
    slow = []
    for entry in entries():
        seconds = statistics.median(_timed(DERIVE + ["solve", entry.name]) for _ in range(1))
        if seconds > 4 * floor:  # confirm a slow one with two more runs
            seconds = statistics.median([seconds] + [_timed(DERIVE + ["solve", entry.name]) for _ in range(2)])
        section.rows.append((entry.name, f"{seconds:.2f}", f"{seconds / floor:.1f}"))
        if seconds > 4 * floor:
            slow.append(f"{entry.name} {seconds / floor:.1f}×")
    section.rows.sort(key=lambda row: -float(row[1]))
    section.target("every catalog problem within 4× import sympy",
                   "all within" if not slow else f"{len(slow)} over: " + ", ".join(slow), not slow, goal=True)
    section.notes.append("One run per problem, text output; a problem over 4× import sympy is run twice more "
                         "and its median of three shown. Sorted slowest first.")
    return section


def _timed(argv) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start
