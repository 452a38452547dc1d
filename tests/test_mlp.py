import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from derive import solve
from problems import mlp, mlp_backprop_step
from reference import agrees_with_printed, central_difference, mlp_forward_backward, mlp_loss


def test_family_example_matches_numpy_and_finite_differences():
    g = mlp.GIVEN
    sol = solve("mlp")
    weights = [layer["W"] for layer in g["layers"]]
    biases = [layer["b"] for layer in g["layers"]]
    activations, deltas = mlp_forward_backward(g["x"], weights, biases, g["y"])
    for l in (1, 2):
        assert sol.answers[f"a_{l}"].value == pytest.approx(list(activations[l]), abs=1e-12)
        assert sol.answers[f"delta_{l}"].value == pytest.approx(list(deltas[l - 1]), abs=1e-12)
        numeric = central_difference(
            lambda W: mlp_loss(g["x"], [W if k == l - 1 else weights[k] for k in range(2)], biases,
                               ["sigmoid"] * 2, g["y"]), np.array(weights[l - 1], float))
        assert np.array(sol.answers[f"dL_dW_{l}"].value) == pytest.approx(numeric, abs=1e-8)
        new = np.array(weights[l - 1]) - g["lr"] * numeric
        assert np.array(sol.answers[f"W_{l}_new"].value) == pytest.approx(new, abs=1e-7)
        assert sol.answers[f"b_{l}_new"].value == pytest.approx(biases[l - 1])  # update_biases is false
    new_weights = [np.array(sol.answers[f"W_{l}_new"].value) for l in (1, 2)]
    assert sol.answers["loss_new"].value == pytest.approx(
        mlp_loss(g["x"], new_weights, biases, ["sigmoid"] * 2, g["y"]), abs=1e-12)


layer_sizes = st.lists(st.integers(1, 3), min_size=2, max_size=4)


@settings(max_examples=15, deadline=None)
@given(sizes=layer_sizes, data=st.data())
def test_random_networks_gradients_match_finite_differences(sizes, data):
    number = st.floats(-1.5, 1.5, allow_nan=False).map(lambda v: round(v, 3))
    layers = [{"W": [[data.draw(number) for _ in range(sizes[l])] for _ in range(sizes[l + 1])],
               "b": [data.draw(number) for _ in range(sizes[l + 1])],
               "activation": data.draw(st.sampled_from(["sigmoid", "tanh", "identity"]))}
              for l in range(len(sizes) - 1)]
    given_ = {"x": [data.draw(number) for _ in range(sizes[0])], "layers": layers,
              "y": [data.draw(number) for _ in range(sizes[-1])],
              "loss": data.draw(st.sampled_from(["half_sse", "sse", "mse"])), "lr": 0.1, "update_biases": True}
    sol = solve("mlp", given=given_)
    weights = [l["W"] for l in layers]
    biases = [l["b"] for l in layers]
    acts = [l["activation"] for l in layers]
    for k in range(len(layers)):
        def loss_W(W, k=k):
            return mlp_loss(given_["x"], [W if j == k else weights[j] for j in range(len(layers))], biases, acts,
                            given_["y"], given_["loss"])

        def loss_b(b, k=k):
            return mlp_loss(given_["x"], weights, [b if j == k else biases[j] for j in range(len(layers))], acts,
                            given_["y"], given_["loss"])
        engine_W = np.array(sol.answers[f"dL_dW_{k + 1}"].value, float).reshape(np.shape(weights[k]))
        assert engine_W == pytest.approx(central_difference(loss_W, np.array(weights[k], float)), abs=1e-6)
        engine_b = np.array(sol.answers[f"dL_db_{k + 1}"].value, float).reshape(-1)
        assert engine_b == pytest.approx(central_difference(loss_b, np.array(biases[k], float)), abs=1e-6)


def test_seed_instance_forward_values_agree_and_its_delta_is_wrong():
    sol = solve("mlp-backprop-step")
    a = sol.answers
    g = mlp_backprop_step.GIVEN
    weights = [layer["W"] for layer in g["layers"]]
    biases = [layer["b"] for layer in g["layers"]]
    activations, deltas = mlp_forward_backward(g["x"], weights, biases, g["y"])
    # The seed's forward values are right at the precision it prints.
    assert agrees_with_printed(a["h_1"].value, "0.9241")
    assert agrees_with_printed(a["h_2"].value, "0.8455")
    assert agrees_with_printed(a["y_hat"].value, "0.5859")
    # The seed defines δ = −∂L/∂z (ŷ(1−ŷ)(y−ŷ)); NumPy gives ∂L/∂z, hence the sign.
    assert a["delta_y"].value == pytest.approx(-deltas[1][0], abs=1e-12)
    assert a["delta_h1"].value == pytest.approx(-deltas[0][0], abs=1e-12)
    assert a["delta_h2"].value == pytest.approx(-deltas[0][1], abs=1e-12)
    # The hand solution's δ_ŷ ≈ 0.0993 is wrong: 0.5859·0.4141·0.4141 = 0.10049.
    assert not agrees_with_printed(a["delta_y"].value, "0.0993")
    assert agrees_with_printed(a["delta_y"].value, "0.1005")
    # … and its δ_h1 ≈ 0.0069 inherits the slip.
    assert not agrees_with_printed(a["delta_h1"].value, "0.0069")


def test_seed_instance_updates_all_nine_weights_by_gradient_descent():
    sol = solve("mlp-backprop-step")
    g = mlp_backprop_step.GIVEN
    weights = [np.array(layer["W"], float) for layer in g["layers"]]
    biases = [np.array(layer["b"], float) for layer in g["layers"]]
    grads_W = [central_difference(lambda W, k=k: mlp_loss(g["x"], [W if j == k else weights[j] for j in range(2)],
                                                           biases, ["sigmoid"] * 2, g["y"]), weights[k])
               for k in range(2)]
    grads_b = [central_difference(lambda b, k=k: mlp_loss(g["x"], weights, [b if j == k else biases[j] for j in range(2)],
                                                          ["sigmoid"] * 2, g["y"]), biases[k]) for k in range(2)]
    expected = {
        "W_h1x1_new": weights[0][0, 0] - 0.1 * grads_W[0][0, 0], "W_h1x2_new": weights[0][0, 1] - 0.1 * grads_W[0][0, 1],
        "W_h1b_new": biases[0][0] - 0.1 * grads_b[0][0], "W_h2x1_new": weights[0][1, 0] - 0.1 * grads_W[0][1, 0],
        "W_h2x2_new": weights[0][1, 1] - 0.1 * grads_W[0][1, 1], "W_h2b_new": biases[0][1] - 0.1 * grads_b[0][1],
        "W_yh1_new": weights[1][0, 0] - 0.1 * grads_W[1][0, 0], "W_yh2_new": weights[1][0, 1] - 0.1 * grads_W[1][0, 1],
        "W_yb_new": biases[1][0] - 0.1 * grads_b[1][0],
    }
    for key, value in expected.items():
        assert sol.answers[key].value == pytest.approx(value, abs=1e-8), key


def test_given_printed_in_json_reproduces_the_solution(tmp_path):
    from derive.printing import render
    first = json.loads(render(solve("mlp", seed=7), "json"))
    again = json.loads(render(solve("mlp", given=first["given"]), "json"))
    assert again["parts"] == first["parts"]


@pytest.mark.parametrize("kind", sorted(__import__("derive.nn.layers", fromlist=["LOSSES"]).LOSSES))
def test_one_small_step_improves_the_objective_for_every_loss(kind):
    from derive.nn.layers import MAXIMISED
    g = {"x": [0.5, -0.3], "y": [0.8, 0.3], "loss": kind, "lr": 1e-3, "update_biases": True,
         "layers": [{"W": [[0.2, -0.4], [0.7, 0.1]], "b": [0.1, 0], "activation": "tanh"},
                    {"W": [[0.3, -0.6], [0.5, 0.2]], "b": [0.2, -0.1], "activation": "sigmoid"}]}
    a = solve("mlp", given=g).answers
    before, after = float(a["loss"].value), float(a["loss_new"].value)
    assert (after > before) if kind in MAXIMISED else (after < before)


def test_log_prob_steps_uphill_the_issues_instance():
    g = {"x": [0.5, -0.3], "layers": [{"W": [[0.2, -0.4], [0.7, 0.1]], "b": [0.1, 0], "activation": "tanh"},
                                      {"W": [[0.3, -0.6]], "b": [0.2], "activation": "sigmoid"}],
         "y": [1], "loss": "log_prob", "lr": 0.5, "update_biases": True}
    a = solve("mlp", given=g).answers
    x, y = np.array([0.5, -0.3]), 1.0
    W1, b1, W2, b2 = np.array([[0.2, -0.4], [0.7, 0.1]]), np.array([0.1, 0]), np.array([[0.3, -0.6]]), np.array([0.2])

    def objective(W1, b1, W2, b2):
        h = np.tanh(W1 @ x + b1)
        return float(y * np.log(1 / (1 + np.exp(-(W2 @ h + b2))))[0])
    params = [W1, b1, W2, b2]
    grads = [central_difference(lambda v, i=i: objective(*[v if j == i else params[j] for j in range(4)]), params[i])
             for i in range(4)]
    ascended = objective(*[p + 0.5 * g_ for p, g_ in zip(params, grads)])
    assert a["loss_new"].value == pytest.approx(ascended, abs=1e-8)
    assert ascended > objective(*params)
