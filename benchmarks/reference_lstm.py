"""The fair symbolic reference: plain SymPy reverse mode over named
intermediates (no derive), for the `lstm` family's cell (hidden size 1).

    python benchmarks/reference_lstm.py GIVENS.json   → the gradients as JSON

Every intermediate is a Symbol with a small formula; the adjoint of each is a
named sum of (adjoint of consumer) × diff(consumer's formula, it), as derive
does; numbers by substitution, node by node.  Printing aside, this is the
work `derive solve lstm --given` does, written as a person would in SymPy.
"""
import json
import sys

import sympy

GATES = ("f", "i", "c", "o")


def build(g):
    nodes, values = [], {}                      # nodes: (symbol, formula) in order

    def given(name, value):
        s = sympy.Symbol(name, real=True)
        values[s] = sympy.Float(value)
        return s

    def define(name, formula):
        s = sympy.Symbol(name, real=True)
        nodes.append((s, formula))
        values[s] = formula.xreplace(values)
        return s

    W = {k: [given(f"W_{k}{j}", v) for j, v in enumerate(g["W"][k][0])] for k in GATES}
    U = {k: given(f"U_{k}", g["U"][k][0][0]) for k in GATES}
    b = {k: given(f"b_{k}", g["b"][k][0]) for k in GATES}
    h, c, loss = given("h_0", g["h0"][0]), given("c_0", g["c0"][0]), []
    for t, (x, y) in enumerate(zip(g["x"], g["y"]), 1):
        xs = [given(f"x_{t}{j}", v) for j, v in enumerate(x)]
        gate = {}
        for k in GATES:
            z = define(f"z{k}_{t}", sum(w * xi for w, xi in zip(W[k], xs)) + U[k] * h + b[k])
            gate[k] = define(f"{k}gate_{t}", sympy.tanh(z) if k == "c" else 1 / (1 + sympy.exp(-z)))
        c = define(f"c_{t}", gate["f"] * c + gate["i"] * gate["c"])
        h = define(f"h_{t}", gate["o"] * sympy.tanh(c))
        loss.append((given(f"y_{t}", y) - h) ** 2 / 2)
    L = define("L", sympy.Add(*loss))
    return nodes, values, L, W, U, b


def backward(nodes, values, L):
    adjoint = {L: sympy.Integer(1)}
    contributions = {}
    for s, formula in reversed(nodes):
        if s is not L:
            a = sympy.Symbol(f"dL_d{s.name}")
            values[a] = sympy.Add(*contributions.pop(s)).xreplace(values)
            adjoint[s] = a
        for p in formula.free_symbols:
            contributions.setdefault(p, []).append(adjoint[s] * sympy.diff(formula, p))
    for p, terms in contributions.items():        # the givens' gradients
        values[sympy.Symbol(f"dL_d{p.name}")] = sympy.Add(*terms).xreplace(values)
    return values


def main(path):
    nodes, values, L, W, U, b = build(json.load(open(path)))
    values = backward(nodes, values, L)
    grad = lambda s: float(values[sympy.Symbol(f"dL_d{s.name}")])  # noqa: E731
    out = {f"dL_dW_{k}": [[grad(w) for w in W[k]]] for k in GATES}
    out |= {f"dL_dU_{k}": grad(U[k]) for k in GATES} | {f"dL_db_{k}": grad(b[k]) for k in GATES}
    out["loss"] = float(values[L])
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
