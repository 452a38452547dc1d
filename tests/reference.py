"""Independent references for the tests: plain NumPy, written without the engine."""
from __future__ import annotations

import json

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


ACTIVATIONS = {"sigmoid": sigmoid, "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0), "identity": lambda z: z}


def mlp_loss(x, weights, biases, activations, y, kind="half_sse"):
    a = np.asarray(x, float)
    for W, b, f in zip(weights, biases, activations):
        a = ACTIVATIONS[f](np.asarray(W, float) @ a + np.asarray(b, float))
    r = np.asarray(y, float) - a
    return {"half_sse": 0.5 * r @ r, "sse": r @ r, "mse": r @ r / r.size}[kind]


def mlp_forward_backward(x, weights, biases, y):
    """Sigmoid MLP with ½‖y − a‖², by hand: activations and ∂L/∂z per layer."""
    activations, pre = [np.asarray(x, float)], []
    for W, b in zip(weights, biases):
        pre.append(np.asarray(W, float) @ activations[-1] + np.asarray(b, float))
        activations.append(sigmoid(pre[-1]))
    deltas = [None] * len(weights)
    grad_a = activations[-1] - np.asarray(y, float)
    for l in reversed(range(len(weights))):
        a = activations[l + 1]
        deltas[l] = grad_a * a * (1 - a)
        grad_a = np.asarray(weights[l], float).T @ deltas[l]
    return activations, deltas


def lstm_run(x_seq, h0, c0, W, U, b, y=None):
    h, c = np.asarray(h0, float), np.asarray(c0, float)
    states = []
    for x in x_seq:
        x = np.asarray(x, float)
        z = {g: np.asarray(W[g], float) @ x + np.asarray(U[g], float) @ h + np.asarray(b[g], float) for g in "fico"}
        f, i, o = sigmoid(z["f"]), sigmoid(z["i"]), sigmoid(z["o"])
        ct = np.tanh(z["c"])
        c = f * c + i * ct
        h = o * np.tanh(c)
        states.append({"f": f, "i": i, "ctilde": ct, "c": c, "o": o, "h": h})
    loss = None
    if y is not None:
        loss = 0.5 * sum(float(np.sum((np.asarray(t, float) - s["h"]) ** 2)) for t, s in zip(y, states))
    return states, loss


def central_difference(f, x, eps=1e-6):
    """∂f/∂x for f: array → scalar, entry by entry."""
    x = np.array(x, float)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[index] += eps
        down[index] -= eps
        grad[index] = (f(up) - f(down)) / (2 * eps)
    return grad


def agrees_with_printed(value: float, printed: str) -> bool:
    """True when `value` rounds to the seed's printed number at its precision."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    return abs(value - float(printed)) <= 0.5 * 10 ** (-decimals) + 1e-12


def modified(given: dict, **changes) -> dict:
    """A deep copy of `given` with keys replaced, or deleted where the new value is None."""
    copy = json.loads(json.dumps(given))
    for key, value in changes.items():
        if value is None:
            del copy[key]
        else:
            copy[key] = value
    return copy
