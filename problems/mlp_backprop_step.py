"""001 §4: one backpropagation step in a 2-2-1 sigmoid network whose
biases are weights on a constant input 1."""
from __future__ import annotations

import math as pymath

import sympy

from derive.core.numbers import exact
from derive.core.steps import Relation, Remark
from derive.printing import math
from problems import S1, draw, mlp

GIVEN = {
    "x": [0, 1],
    "layers": [{"W": [[2.5, 1], [-1.5, -0.3]], "b": [1.5, 2], "activation": "sigmoid"},
               {"W": [[1, 0.5]], "b": [-1], "activation": "sigmoid"}],
    "y": [1], "loss": "half_sse", "lr": 0.1, "update_biases": True,
}

# Seed name → (family answer, row, column) of the value it reads.
SEED_WEIGHTS = {
    "W_h1x1": ("W_1", 0, 0), "W_h1x2": ("W_1", 0, 1), "W_h1b": ("b_1", 0, 0),
    "W_h2x1": ("W_1", 1, 0), "W_h2x2": ("W_1", 1, 1), "W_h2b": ("b_1", 1, 0),
    "W_yh1": ("W_2", 0, 0), "W_yh2": ("W_2", 0, 1), "W_yb": ("b_2", 0, 0),
}
SEED_DELTAS = {"delta_y": ("delta_2", 0, r"\delta_{\hat{y}}", "δ_ŷ"),
               "delta_h1": ("delta_1", 0, r"\delta_{h_1}", "δ_h1"),
               "delta_h2": ("delta_1", 1, r"\delta_{h_2}", "δ_h2")}


def seed_shaped(given: dict) -> bool:
    """The seed's network: 2-2-1, sigmoid units, biases updated with the weights."""
    _, specs, _, _, _, update_biases = mlp.read(given)
    return ([W.shape for W, *_ in specs] == [(2, 2), (1, 2)] and all(a == "sigmoid" for _, _, a, *_ in specs)
            and update_biases)


def statement(given: dict) -> str:
    """The seed's question, in its notation, written from the givens."""
    if not seed_shaped(given):
        return mlp.statement(given)
    x, _, y, kind, lr, _ = mlp.read(given)
    weights = "; ".join(", ".join(f"{name} = {math.text(_weight(given, name))}" for name in group)
                        for group in (("W_h1x1", "W_h1x2", "W_h1b"), ("W_h2x1", "W_h2x2", "W_h2b"),
                                      ("W_yh1", "W_yh2", "W_yb")))
    return ("A network with inputs x_1, x_2, two sigmoid hidden units h_1, h_2 and one sigmoid output ŷ; every "
            f"unit has a bias, a weight on a constant input 1. Weights: {weights}. For x = "
            f"({math.text(x[0])}, {math.text(x[1])}) and target y = {math.text(y[0])} with loss "
            f"{mlp.layers.LOSSES[kind]} and learning rate {math.text(lr)}: (1) compute h_1, h_2 and ŷ; (2) run one "
            "step of backpropagation; (3) update all nine weights by gradient descent.")


def _weight(given, name):
    key, row, column = SEED_WEIGHTS[name]
    layer = given["layers"][int(key[-1]) - 1]
    return exact(layer["W"][row][column] if key.startswith("W") else layer["b"][row], name)


def build(solution, given: dict):
    mlp.build(solution, given)
    x, specs, *_ = mlp.read(given)
    if [W.shape for W, *_ in specs] != [(2, 2), (1, 2)]:
        return  # the seed's names fit its 2-2-1 network only
    answers = solution.answers
    sigmoid = "ŷ(1 − ŷ)(y − ŷ) = " if all(a == "sigmoid" for _, _, a, *_ in specs) else ""
    part = solution.part("d", f"The results in the seed's notation (δ = {sigmoid}−∂L/∂z, "
                              "and the update W ← W + α δ·input).")
    part.steps.append(Remark("The seed's δ is the negative gradient of the loss with respect to a unit's "
                             "pre-activation, so its update adds α δ·input: the same step as W − α ∂L/∂W."))
    for key, value in (("h_1", answers["a_1"].expr[0]), ("h_2", answers["a_1"].expr[1]),
                       ("y_hat", answers["a_2"].expr[0])):
        part.answer(key, value, {"y_hat": r"\hat{y}"}.get(key, key))
    for key, (family_key, row, latex, text) in SEED_DELTAS.items():
        gradient = answers[family_key].expr[row]
        solution.notation[key] = (text, latex)
        part.steps.append(Relation((sympy.Symbol(key), -sympy.Symbol(f"dL_dz_{family_key[-1]}[{row + 1}]"),
                                    -gradient)))
        solution.notation[f"dL_dz_{family_key[-1]}[{row + 1}]"] = (
            f"∂L/∂z_{family_key[-1]}[{row + 1}]", rf"\frac{{\partial L}}{{\partial z_{{{family_key[-1]},{row + 1}}}}}")
        part.answer(key, -gradient, latex)
    for name, (family_key, row, column) in SEED_WEIGHTS.items():
        part.answer(f"{name}_new", answers[f"{family_key}_new"].expr[row, column], rf"{name}^{{\mathrm{{new}}}}")



MLP_WEIGHTS = {"W_{h1x1}": "W_h1x1", "W_{h1x2}": "W_h1x2", "W_{h1b}": "W_h1b", "W_{h2x1}": "W_h2x1",
               "W_{h2x2}": "W_h2x2", "W_{h2b}": "W_h2b", "W_{yh1}": "W_yh1", "W_{yh2}": "W_yh2", "W_{yb}": "W_yb"}
MLP_GIVEN_PATHS = {"W_h1x1": ("layers", 0, "W", 0, 0), "W_h1x2": ("layers", 0, "W", 0, 1), "W_h1b": ("layers", 0, "b", 0),
                   "W_h2x1": ("layers", 0, "W", 1, 0), "W_h2x2": ("layers", 0, "W", 1, 1), "W_h2b": ("layers", 0, "b", 1),
                   "W_yh1": ("layers", 1, "W", 0, 0), "W_yh2": ("layers", 1, "W", 0, 1), "W_yb": ("layers", 1, "b", 0)}


def student_names():
    table = {r"\hat{y}": "y_hat", r"\delta_{\hat{y}}": "delta_y", r"\delta_{h_1}": "delta_h1",
             r"\delta_{h_2}": "delta_h2", r"\delta_{h1}": "delta_h1", r"\delta_{h2}": "delta_h2",
             "x_1": ("given", "x", 0), "x_2": ("given", "x", 1), "y": ("given", "y", 0), r"\alpha": ("given", "lr")}
    # the seed writes the output layer's weights both as W_{yh1} and W_{y\hat{h}1}
    hatted = {"W_yh1": r"W_{y\hat{h}1}", "W_yh2": r"W_{y\hat{h}2}", "W_yb": r"W_{y\hat{b}}"}
    for written, key in MLP_WEIGHTS.items():
        for name in (written, hatted.get(key)):
            if name:
                table[name] = ("given",) + MLP_GIVEN_PATHS[key]
                table[name + "^{new}"] = f"{key}_new"
    return table


def title(given: dict) -> str:
    """The seed's title, for the network the givens describe."""
    _, specs, _, _, _, _ = mlp.read(given)
    sizes = "-".join(map(str, [specs[0][0].shape[1]] + [W.shape[0] for W, *_ in specs]))
    kinds = sorted({activation for _, _, activation, *_ in specs})
    units = f"{kinds[0]}" if len(kinds) == 1 else "/".join(kinds)
    return f"One backpropagation step in a {sizes} {units} network"


#: no unit's pre-activation beyond this (σ keeps a slope), and the output this far from the target at least
LIMIT, MISS = 3, 0.05


def random_given(rng) -> dict:
    """The seed's 2-2-1 sigmoid network with new one-decimal weights, an
    input of 0s, ±½s and ±1s, a target 0 or 1 and a learning rate a step
    can be taken with by hand."""
    def given(rng):
        x = [rng.choice([-1, -0.5, 0, 0.5, 1]) for _ in range(2)]
        return {"x": x,
                "layers": [{"W": draw.matrix(rng, 2, 2, -2, 2, nonzero=True), "b": draw.decimals(rng, 2, -2, 2),
                            "activation": "sigmoid"},
                           {"W": draw.matrix(rng, 1, 2, -2, 2, nonzero=True), "b": draw.decimals(rng, 1, -2, 2),
                            "activation": "sigmoid"}],
                "y": [rng.choice([0, 1])], "loss": "half_sse", "lr": rng.choice([0.1, 0.2, 0.5, 1]),
                "update_biases": True}
    return draw.until(rng, given, sensible, "mlp-backprop-step")


def sensible(given) -> bool:
    """A non-zero input, no saturated unit, and an output that misses its target."""
    a = given["x"]
    if not any(a):
        return False
    for layer in given["layers"]:
        z = [sum(w * v for w, v in zip(row, a)) + b for row, b in zip(layer["W"], layer["b"])]
        if any(abs(v) > LIMIT for v in z):
            return False
        a = [1 / (1 + pymath.exp(-v)) for v in z]
    return abs(a[0] - given["y"][0]) > MISS


PROBLEM = mlp.PROBLEM.instance(
    names=student_names,
    name="mlp-backprop-step", title="One backpropagation step in a 2-2-1 sigmoid network", source=f"{S1}, §4",
    build=build, given=GIVEN, statement=statement, random_given=random_given, variant_title=title)

