"""Scaling of symbolic gradients: reverse mode over named intermediates
against `sympy.diff` of the fully nested expression.

Two unrolled recurrences with scalar state, T steps:

    RNN   z_t = w h_{t−1} + u x_t,  h_t = tanh(z_t),                     L = h_T² / 2
    LSTM  gates σ/tanh of (w_g x_t + u_g h_{t−1} + b_g), c_t = f c_{t−1} + i c̃,
          h_t = o tanh(c_t),                                              L = h_T² / 2

The engine builds the graph and derives every adjoint (`Graph.backward`).
The reference differentiates the nested expression L(w, u, …) with respect to
the same weights, in a child process with a time limit (it needs a raised
recursion limit from T = 40, and its time grows much faster than T).

Size is SymPy's `count_ops`: for the engine, the adjoint formulas that the
weights' gradients need (they name forward quantities, which the graph
already holds); for the reference, `sympy.cse` of the nested gradient, which
recomputes the forward pass inside it.
"""
from __future__ import annotations

import gc
import json
import random
import subprocess
import sys
import time

import numpy as np
import sympy

from measure import PYTHON, Section, power_law_exponent

LENGTHS = (10, 20, 40, 80, 160)
#: Short sequences where the nested LSTM gradient is still computable, for the size comparison.
SIZE_LENGTHS = (2, 4)
REFERENCE_LIMIT = 10.0  # seconds: the nested reference stops at the first T beyond this

GATES = {"f": "sigmoid", "i": "sigmoid", "c": "tanh", "o": "sigmoid"}


def rnn_graph(T: int):
    from derive.core.graph import Graph
    graph = Graph()
    w, u, h = graph.given("w"), graph.given("u"), graph.given("h_0")
    for t in range(1, T + 1):
        x = graph.given(f"x_{t}")
        z = graph.define(f"z_{t}", w * h + u * x)
        h = graph.define(f"h_{t}", sympy.tanh(z))
    graph.define("L", h**2 / 2)
    return graph


def lstm_graph(T: int):
    from derive.core.functions import sigmoid
    from derive.core.graph import Graph
    graph = Graph()
    weights = {g: [graph.given(f"{k}_{g}") for k in "wub"] for g in GATES}
    h, c = graph.given("h_0"), graph.given("c_0")
    for t in range(1, T + 1):
        x = graph.given(f"x_{t}")
        gate = {}
        for g, activation in GATES.items():
            w, u, b = weights[g]
            z = graph.define(f"z{g}_{t}", w * x + u * h + b)
            function = sigmoid if activation == "sigmoid" else sympy.tanh
            gate[g] = graph.define(f"{g}gate_{t}", function(z))
        c = graph.define(f"c_{t}", gate["f"] * c + gate["i"] * gate["c"])
        h = graph.define(f"h_{t}", gate["o"] * sympy.tanh(c))
    graph.define("L", h**2 / 2)
    return graph


GRAPHS = {"RNN": rnn_graph, "LSTM": lstm_graph}


def weight_names(graph) -> list[str]:
    return [q.name for q in graph if q.formula is None and not q.name.startswith(("x_", "h_0", "c_0"))]


def engine(kind: str, T: int):
    """Seconds to build and differentiate, and the size of what the weights need.

    Measured from cold: SymPy's cache and the engine's memo of differentiated
    formula shapes are emptied first, so a repeat does not profit from an
    earlier run (and a short sequence is not flattered by a warm cache)."""
    from sympy.core.cache import clear_cache
    from derive.core.graph import forget_products
    from derive.core.matrices import forget_derivatives
    clear_cache()
    forget_derivatives()
    forget_products()
    # As timeit does: the collector off while timing, so that its passes over
    # everything else alive in this process (SymPy's caches, earlier graphs)
    # are not charged to the derivation; garbage of earlier runs collected first.
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        graph = GRAPHS[kind](T)
        graph.backward("L")
        seconds = time.perf_counter() - start
    finally:
        gc.enable()
    inputs = {graph.adjoint_name(n) for n in ("h_0", "c_0")} | {graph.adjoint_name(f"x_{t}") for t in range(1, T + 1)}
    size = sum(sympy.count_ops(q.formula) for q in graph if q.kind == "adjoint" and q.name not in inputs)
    return seconds, size, graph


# --- the nested reference, run in a child process ---------------------------------

CHILD = r"""
import gc, json, sys, threading, time
sys.setrecursionlimit(10**6)
threading.stack_size(512 * 1024 * 1024)
sys.path.insert(0, sys.argv[3])
import sympy
from scaling import nested

def work():
    expression, weights = nested(sys.argv[1], int(sys.argv[2]))
    gc.collect()
    gc.disable()  # timed as the engine is
    start = time.perf_counter()
    gradient = [sympy.diff(expression, w) for w in weights]
    seconds = time.perf_counter() - start
    gc.enable()
    replacements, reduced = sympy.cse(gradient)
    size = sum(sympy.count_ops(e) for _, e in replacements) + sum(sympy.count_ops(e) for e in reduced)
    print(json.dumps({"seconds": seconds, "cse_size": size}))

thread = threading.Thread(target=work)
thread.start()
thread.join()
"""


def nested(kind: str, T: int):
    """The loss as one nested expression, and the weights."""
    graph = GRAPHS[kind](T)
    expression = graph["L"].formula
    for quantity in reversed(list(graph)):  # substitute later definitions first
        if quantity.formula is not None and quantity.name != "L":
            expression = expression.xreplace({quantity.symbol: quantity.formula})
    return expression, [graph[n].symbol for n in weight_names(graph)]


def reference(kind: str, T: int, limit: float):
    """(seconds, cse size) of nested `sympy.diff`, or None beyond `limit`."""
    here = __file__.rsplit("/", 1)[0]
    try:
        done = subprocess.run([PYTHON, "-c", CHILD, kind, str(T), here], capture_output=True,
                              text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        raise RuntimeError(f"nested reference failed at T = {T}: {done.stderr.strip().splitlines()[-1:]}")
    result = json.loads(done.stdout)
    return result["seconds"], result["cse_size"]


# --- the check at the largest T -----------------------------------------------------

def finite_difference_check(graph, T: int, seed: int = 0) -> float:
    """Largest relative error of the RNN's ∂L/∂w, ∂L/∂u against central differences."""
    from derive.core.numeric import evaluate
    rng = random.Random(seed)
    values = {"w": rng.uniform(0.5, 1.0), "u": rng.uniform(-1, 1), "h_0": 0.0}
    values.update({f"x_{t}": rng.uniform(-1, 1) for t in range(1, T + 1)})
    computed = evaluate(graph, values)

    def loss(w, u):
        h = 0.0
        for t in range(1, T + 1):
            h = np.tanh(w * h + u * values[f"x_{t}"])
        return h * h / 2

    step = 1e-6
    w, u = values["w"], values["u"]
    expected = {"dL_dw": (loss(w + step, u) - loss(w - step, u)) / (2 * step),
                "dL_du": (loss(w, u + step) - loss(w, u - step)) / (2 * step)}
    return max(abs(computed[k] - v) / max(abs(v), 1e-12) for k, v in expected.items())


def run(repeat: int = 5, lengths=LENGTHS) -> Section:
    section = Section("Scaling of symbolic gradients",
                      ("recurrence", "T", "engine s (median)", "engine size", "nested diff s", "cse size",
                       "speed-up"))
    for kind in GRAPHS:
        times, sizes, reference_results = [], [], {}
        reference_open = True
        for T in lengths:
            runs = [engine(kind, T) for _ in range(repeat)]
            seconds = sorted(r[0] for r in runs)[len(runs) // 2]
            size, graph = runs[0][1], runs[0][2]
            times.append(seconds)
            sizes.append(size)
            nested_result = reference(kind, T, REFERENCE_LIMIT * 1.5) if reference_open else None
            if nested_result is None and reference_open:
                shown = (f"> {REFERENCE_LIMIT * 1.5:.0f}", "—", "—")  # stopped here
            elif nested_result is None:
                shown = ("not run", "—", "—")
            else:
                shown = (f"{nested_result[0]:.2f}", nested_result[1], f"{nested_result[0] / seconds:.0f}×")
            reference_open = nested_result is not None and nested_result[0] <= REFERENCE_LIMIT
            reference_results[T] = nested_result
            section.rows.append((kind, T, f"{seconds:.3f}", size) + shown)
            print(f"  {kind} T={T}: engine {seconds:.3f} s, size {size}, nested {nested_result}", flush=True)
        _targets(section, kind, list(lengths), times, sizes, reference_results)
        for T in SIZE_LENGTHS:
            result = reference(kind, T, REFERENCE_LIMIT * 1.5)
            if result:
                size = engine(kind, T)[1]
                section.target(f"{kind}: size at T = {T} ≤ cse of the nested gradient", f"{size} vs {result[1]}",
                               size <= result[1])
        if kind == "RNN":
            error = finite_difference_check(graph, lengths[-1])
            section.target(f"RNN adjoints at T = {lengths[-1]} agree with central differences",
                           f"relative error {error:.1e}", error < 1e-5)
    section.notes.append("Nested `sympy.diff` of the fully substituted loss is a weak reference (no named "
                         "intermediates); the fair one is the named-intermediate reverse mode of the LSTM "
                         "section above. The reference is stopped beyond "
                         f"{REFERENCE_LIMIT * 1.5:.0f} s and not run at longer T; speed-ups are given only "
                         "where both sides ran at the same T.")
    section.notes.append("Both sides are timed from a cold SymPy cache with the garbage collector off while "
                         "the clock runs, as `timeit` does.")
    section.notes.append("Engine size counts the adjoint formulas the weights' gradients need; they refer "
                         "to forward quantities by name. The reference's `cse` size includes the forward "
                         "recomputation, which the nested expression cannot avoid.")
    return section


def _targets(section, kind, lengths, times, sizes, nested):
    time_exponent = power_law_exponent(lengths, times)
    size_exponent = power_law_exponent(lengths, sizes)
    section.target(f"{kind}: time grows linearly (fitted exponent ≤ 1.15)", f"{time_exponent:.2f}",
                   time_exponent <= 1.15)
    section.target(f"{kind}: size grows linearly (fitted exponent ≤ 1.15)", f"{size_exponent:.2f}",
                   size_exponent <= 1.15)
    if 40 in lengths and 160 in lengths:
        ratio = times[lengths.index(160)] / times[lengths.index(40)]
        section.target(f"{kind}: time(T=160) / time(T=40) ≤ 4.6", f"{ratio:.2f}", ratio <= 4.6)
    measured = [T for T, result in nested.items() if result]
    if measured:  # the speed-up only where both sides ran at the same T
        T = max(measured)
        ratio = nested[T][0] / times[lengths.index(T)]
        section.target(f"{kind}: at T = {T} (the longest the nested reference finished), faster than "
                       "nested sympy.diff", f"{ratio:.0f}×", ratio >= 1)
    for T, result in nested.items():
        if result:
            size = sizes[lengths.index(T)]
            section.target(f"{kind}: size at T = {T} ≤ cse of the nested gradient", f"{size} vs {result[1]}",
                           size <= result[1])


if __name__ == "__main__":
    section = run()
    print(section.markdown())
    sys.exit(1 if section.missed else 0)
