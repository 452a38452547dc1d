"""001 §4: one backpropagation step in a 2-2-1 sigmoid network whose
biases are weights on a constant input 1."""
from __future__ import annotations

import sympy

import problems
from derive.core.steps import Relation, Remark
from problems import mlp

GIVEN = {
    "x": [0, 1],
    "layers": [{"W": [[2.5, 1], [-1.5, -0.3]], "b": [1.5, 2], "activation": "sigmoid"},
               {"W": [[1, 0.5]], "b": [-1], "activation": "sigmoid"}],
    "y": [1], "loss": "half_sse", "lr": 0.1, "update_biases": True,
}

STATEMENT = (
    "A network with inputs x_1, x_2, two sigmoid hidden units h_1, h_2 and one sigmoid output ŷ; every unit "
    "has a bias, a weight on a constant input 1. Weights: W_h1x1 = 2.5, W_h1x2 = 1, W_h1b = 1.5; "
    "W_h2x1 = −1.5, W_h2x2 = −0.3, W_h2b = 2; W_yh1 = 1, W_yh2 = 0.5, W_yb = −1. For x = (0, 1) and "
    "target y = 1 with loss ½(y − ŷ)² and learning rate 0.1: (1) compute h_1, h_2 and ŷ; (2) run one step "
    "of backpropagation; (3) update all nine weights by gradient descent.")

# Seed name → (family answer, row, column) of the value it reads.
SEED_WEIGHTS = {
    "W_h1x1": ("W_1", 0, 0), "W_h1x2": ("W_1", 0, 1), "W_h1b": ("b_1", 0, 0),
    "W_h2x1": ("W_1", 1, 0), "W_h2x2": ("W_1", 1, 1), "W_h2b": ("b_1", 1, 0),
    "W_yh1": ("W_2", 0, 0), "W_yh2": ("W_2", 0, 1), "W_yb": ("b_2", 0, 0),
}
SEED_DELTAS = {"delta_y": ("delta_2", 0, r"\delta_{\hat{y}}", "δ_ŷ"),
               "delta_h1": ("delta_1", 0, r"\delta_{h_1}", "δ_h1"),
               "delta_h2": ("delta_1", 1, r"\delta_{h_2}", "δ_h2")}


def build(given: dict):
    solution = mlp.build(given, entry=problems.entry("mlp-backprop-step"),
                         statement=STATEMENT if given == GIVEN else None)
    if given != GIVEN:
        return solution
    answers = solution.answers
    part = solution.part("d", "The results in the seed's notation (δ = ŷ(1 − ŷ)(y − ŷ) = −∂L/∂z, "
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
    return solution

