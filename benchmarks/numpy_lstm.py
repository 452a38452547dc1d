"""Hand-written NumPy forward and backward pass (BPTT) of the `lstm` family's
cell, the reference for the numbers: `lstm_gradients(givens)`."""
import numpy as np

GATES = ("f", "i", "c", "o")


def lstm_gradients(g: dict) -> dict:
    W = {k: np.array(g["W"][k], float) for k in GATES}
    U = {k: np.array(g["U"][k], float) for k in GATES}
    b = {k: np.array(g["b"][k], float).reshape(-1, 1) for k in GATES}
    xs = [np.array(x, float).reshape(-1, 1) for x in g["x"]]
    ys = [np.array(y, float).reshape(-1, 1) for y in g["y"]]
    h = [np.array(g["h0"], float).reshape(-1, 1)]
    c = [np.array(g["c0"], float).reshape(-1, 1)]
    gates = []
    sigmoid = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    for x in xs:
        a = {k: W[k] @ x + U[k] @ h[-1] + b[k] for k in GATES}
        gate = {k: np.tanh(a[k]) if k == "c" else sigmoid(a[k]) for k in GATES}
        c.append(gate["f"] * c[-1] + gate["i"] * gate["c"])
        h.append(gate["o"] * np.tanh(c[-1]))
        gates.append(gate)
    loss = sum(0.5 * float(np.sum((y - ht) ** 2)) for y, ht in zip(ys, h[1:]))
    dW = {k: np.zeros_like(W[k]) for k in GATES}
    dU = {k: np.zeros_like(U[k]) for k in GATES}
    db = {k: np.zeros_like(b[k]) for k in GATES}
    dh_next, dc_next = np.zeros_like(h[0]), np.zeros_like(c[0])
    for t in reversed(range(len(xs))):
        gate = gates[t]
        dh = (h[t + 1] - ys[t]) + dh_next
        tc = np.tanh(c[t + 1])
        dc = dh * gate["o"] * (1 - tc ** 2) + dc_next
        da = {"o": dh * tc * gate["o"] * (1 - gate["o"]),
              "f": dc * c[t] * gate["f"] * (1 - gate["f"]),
              "i": dc * gate["c"] * gate["i"] * (1 - gate["i"]),
              "c": dc * gate["i"] * (1 - gate["c"] ** 2)}
        dh_next = sum(U[k].T @ da[k] for k in GATES)
        dc_next = dc * gate["f"]
        for k in GATES:
            dW[k] += da[k] @ xs[t].T
            dU[k] += da[k] @ h[t].T
            db[k] += da[k]
    out = {f"dL_dW_{k}": dW[k].tolist() for k in GATES}
    out |= {f"dL_dU_{k}": float(dU[k][0, 0]) for k in GATES} | {f"dL_db_{k}": float(db[k][0, 0]) for k in GATES}
    out["loss"] = loss
    return out
