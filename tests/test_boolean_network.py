"""boolean-network against brute force in plain Python/NumPy over all 16 inputs."""
import itertools

import numpy as np
import pytest

from derive import solve
from problems import boolean_network

INPUTS = list(itertools.product((0, 1), repeat=4))


def f(a, b, c, d):
    return int((a or not b) != ((not c) or (not d)))


def step(z):
    return (np.asarray(z) >= 0).astype(int)


@pytest.fixture(scope="module")
def answers():
    return solve("boolean-network").answers


def test_sum_of_products_is_the_function_on_every_input(answers):
    sop = answers["sop"].expr
    symbols = boolean_network.VARIABLES
    for x in INPUTS:
        assert bool(sop.xreplace({s: bool(v) for s, v in zip(symbols, x)})) == bool(f(*x)), x
    assert answers["seed_sop_correct"].value is True
    assert [row[-1] for row in answers["truth_table"].value] == [f(*x) for x in INPUTS]


def test_designed_network_is_right_on_every_input(answers):
    W_h, b_h = np.array(answers["W_h"].value, float), np.array(answers["b_h"].value, float)
    W_o, b_o = np.array(answers["W_o"].value, float).reshape(1, -1), float(answers["b_o"].value)
    assert W_h.shape[0] == W_o.shape[1]  # one hidden layer
    for x in INPUTS:
        assert int(step(W_o @ step(W_h @ np.array(x) + b_h) + b_o)[0]) == f(*x), x
    assert answers["all_inputs_correct"].value is True


def test_seed_one_hidden_layer_network_fails_where_its_biases_are_wrong(answers):
    # Step: H3 = ¬A ∧ B ∧ ¬C and H4 = ¬A ∧ B ∧ ¬D with bias −1.5 never fire (max of the sum is 1).
    W_h = np.array([[1, 0, 1, 1], [0, -1, 1, 1], [-1, 1, -1, 0], [-1, 1, 0, -1]], float)
    b_h = np.array([-2.5, -1.5, -1.5, -1.5])
    fires = np.array([step(W_h @ np.array(x) + b_h) for x in INPUTS])
    assert not fires[:, 2].any() and not fires[:, 3].any()
    wrong = [x for x in INPUTS if int(step(np.ones(4) @ step(W_h @ np.array(x) + b_h) - 0.5)) != f(*x)]
    assert answers["seed_failures"].value == len(wrong) == 3
    assert answers["seed_wrong_units"].value == [3, 4]


def test_seed_first_design_fails_through_its_q_unit(answers):
    def network(x):
        p = int(step(x[0] - x[1] + 0.5))
        q = int(step(-x[2] - x[3] + 0.5))  # the seed's Q: computes ¬C ∧ ¬D, not ¬C ∨ ¬D
        return int(step(step(-p + q - 0.5) + step(p - q - 0.5) - 0.5))
    wrong = [x for x in INPUTS if network(x) != f(*x)]
    assert answers["seed_table_failures"].value == len(wrong) == 8
