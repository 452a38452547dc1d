import numpy as np
import pytest

from derive import solve
from problems import lstm
from reference import agrees_with_printed, central_difference, lstm_run

SEED_PRINTED = {  # 000 Problem 3, as the hand solution prints them
    "f_1": "0.7685", "i_1": "0.24974", "ctilde_1": "0.905", "c_1": "0.226052", "o_1": "0.978119",
    "h_1": "0.217415", "f_2": "0.233028", "i_2": "0.458801", "ctilde_2": "-0.58753", "c_2": "-0.21688",
    "o_2": "0.889199", "h_2": "-0.18988", "loss": "0.52986",
}


@pytest.fixture(scope="module")
def solution():
    return solve("lstm-forward")


def reference():
    g = lstm.GIVEN
    states, loss = lstm_run(g["x"], g["h0"], g["c0"], g["W"], g["U"], g["b"], [[v] for v in g["y"]])
    return states, loss


def test_every_value_matches_a_plain_numpy_lstm(solution):
    states, loss = reference()
    for t, state in enumerate(states, start=1):
        for name, value in state.items():
            assert solution.answers[f"{name}_{t}"].value == pytest.approx(float(value[0]), abs=1e-12)
    assert solution.answers["loss"].value == pytest.approx(loss, abs=1e-12)


def test_seed_numbers_agree_at_their_printed_precision(solution):
    # The hand solution writes tan for tanh in h_2 = 0.889199 × tan(−0.21688) but its number is right.
    wrong = {k: (solution.answers[k].value, p) for k, p in SEED_PRINTED.items()
             if not agrees_with_printed(solution.answers[k].value, p)}
    assert not wrong


def test_loss_gradients_by_reverse_mode_match_finite_differences():
    graph, _ = lstm.build_graph(lstm.GIVEN)
    graph.backward("loss")
    graph.evaluate()
    g = lstm.GIVEN
    for kind in ("W", "U", "b"):
        for gate in "fico":
            def loss_at(theta):
                params = {k: dict(g[k]) for k in ("W", "U", "b")}
                params[kind][gate] = theta.tolist()
                return lstm_run(g["x"], g["h0"], g["c0"], params["W"], params["U"], params["b"],
                                [[v] for v in g["y"]])[1]
            numeric = central_difference(loss_at, np.array(g[kind][gate], float))
            engine = np.array(graph.value(graph.adjoint_name(f"{kind}_{gate}")).tolist(), float)
            assert engine.reshape(numeric.shape) == pytest.approx(numeric, abs=1e-7), (kind, gate)


def test_dimensions_part_states_every_shape(solution):
    text = " ".join(step.text for step in solution.parts[0].steps)
    assert "(1×2)·(2×1) = 1×1" in text
