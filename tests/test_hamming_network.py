"""hamming-network against brute force in plain NumPy over all 16 inputs."""
import itertools
import json

import numpy as np
import pytest
import sympy

from derive import solve
from derive.printing import render
from problems import hamming_network

INPUTS = np.array(list(itertools.product((0, 1), repeat=4)))


def parity_bits(d):
    d1, d2, d3, d4 = d
    return np.array([d1 ^ d2 ^ d4, d1 ^ d3 ^ d4, d2 ^ d3 ^ d4])


def step(z):
    return (z >= 0).astype(int)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


@pytest.fixture(scope="module")
def answers():
    return solve("hamming-network").answers


def matrix(answer):
    return np.array(answer.value, float)


def test_designed_network_computes_the_parity_bits_on_every_input(answers):
    W_h, b_h, W_o, b_o = (matrix(answers[k]) for k in ("W_h", "b_h", "W_o", "b_o"))
    assert W_h.shape == (12, 4) and W_o.shape == (3, 12)
    for d in INPUTS:
        out = step(W_o @ step(W_h @ d + b_h) + b_o)
        assert list(out) == list(parity_bits(d)), d
    assert answers["all_inputs_correct"].value is True
    table = np.array(answers["truth_table"].value)
    assert table.shape == (16, 7)
    assert all(list(row[4:]) == list(parity_bits(row[:4])) for row in table)


def test_sums_of_products_equal_the_xors(answers):
    symbols = hamming_network.D
    for k in (1, 2, 3):
        sop = answers[f"P_{k}"].expr
        assert len(sop.args) == 4  # four minterms of three literals
        for d in INPUTS:
            value = bool(sop.xreplace({s: bool(v) for s, v in zip(symbols, d)}))
            assert value == bool(parity_bits(d)[k - 1])


def seed_outputs(activation, d):
    hidden = activation(np.array(hamming_network.SEED_W_H.tolist(), float) @ d - 0.5)
    block = np.kron(np.eye(3), np.ones((1, 4)))  # the seed's 3×4 W_o cannot multiply 12 units
    return activation(block @ hidden - 0.5)


def test_seed_network_as_written_fails_and_the_engine_says_where(answers):
    # Step: the 3×4 W_o · 12 hidden units is undefined.
    with pytest.raises(ValueError):
        np.ones((3, 4)) @ np.ones(12)
    assert answers["seed_shapes_consistent"].value is False
    # Read as block-diagonal with threshold units: count wrong bits by brute force.
    wrong_step = sum(int(np.sum(seed_outputs(step, d) != parity_bits(d))) for d in INPUTS)
    assert answers["seed_step_failures"].value == wrong_step == 20
    wrong_sigmoid = sum(int(np.sum((seed_outputs(sigmoid, d) > 0.5) != parity_bits(d))) for d in INPUTS)
    assert answers["seed_sigmoid_failures"].value == wrong_sigmoid == 24
    # The hidden units whose firing set is not a product term of their parity bit.
    assert answers["seed_wrong_units"].value == [1, 2, 3, 4, 8, 12]
    assert answers["seed_repaired_correct"].value is True


def test_json_output_is_deterministic_and_serialisable():
    first = render(solve("hamming-network"), "json")
    assert first == render(solve("hamming-network"), "json")
    parsed = json.loads(first)
    sop = parsed["parts"][0]["answers"]["P_1"]["expr"]
    assert sympy.sympify(sop).free_symbols == {sympy.Symbol(n) for n in ("D_1", "D_2", "D_4")}


def test_sigmoid_units_with_gain_ten_compute_the_same_bits(answers):
    W_h, b_h, W_o, b_o = (matrix(answers[k]) for k in ("W_h", "b_h", "W_o", "b_o"))
    for d in INPUTS:
        out = sigmoid(10 * (W_o @ sigmoid(10 * (W_h @ d + b_h)) + b_o))
        assert list((out > 0.5).astype(int)) == list(parity_bits(d))
    assert answers["sigmoid_gain_10_correct"].value is True


def test_seed_formulations_equal_the_parities(answers):
    for k, sop in enumerate(hamming_network.SEED_SOPS):
        for d in INPUTS:
            assert bool(sop.xreplace({s: bool(v) for s, v in zip(hamming_network.D, d)})) == bool(parity_bits(d)[k])
    assert answers["seed_sops_correct"].value is True
