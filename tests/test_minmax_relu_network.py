"""minmax-relu-network: the derived network against min/max in NumPy on a
grid that covers every ordering of 0, x₁, x₂, and on random inputs."""
import random

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from derive import solve
from problems import minmax_relu_network as problem


@pytest.fixture(scope="module")
def answers():
    return solve("minmax-relu-network").answers


def run(answers, x):
    W, b = np.array(answers["W"].value, float), np.array(answers["b"].value, float)
    V, c = np.array(answers["V"].value, float), np.array(answers["c"].value, float)
    return V @ np.maximum(W @ x + b, 0) + c


def test_network_is_min_and_max_on_a_grid_with_ties(answers):
    grid = np.linspace(-2, 2, 9)  # includes 0 and equal pairs
    for a in grid:
        for b in grid:
            assert run(answers, np.array([a, b])) == pytest.approx([min(a, b), max(a, b)], abs=1e-12)
    assert answers["hidden_units"].value == 5
    assert answers["network_proved"].value is True


def test_identities_at_points(answers):
    for a, b in [(0.3, -1.2), (-2.0, 1.5), (1.0, 1.0)]:
        at = {problem.x1: a, problem.x2: b}
        assert float(answers["min_form"].expr.subs(at)) == pytest.approx(min(a, b))
        assert float(answers["max_form"].expr.subs(at)) == pytest.approx(max(a, b))
        assert float(answers["passthrough"].expr.subs(problem.x, a)) == pytest.approx(a)


def test_seed_formulas_are_right(answers):
    for a, b in [(0.3, -1.2), (-2.0, 1.5), (1.0, 1.0), (0.0, -0.5)]:
        # the seed: min = −max(0, x₁ − x₂) + x₁, max = max(0, x₁ − x₂) + max(0, x₂) − max(0, −x₂)
        assert -max(0, a - b) + a == pytest.approx(min(a, b))
        assert max(0, a - b) + max(0, b) - max(0, -b) == pytest.approx(max(a, b))
    assert answers["seed_min_correct"].value is True and answers["seed_max_correct"].value is True


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_random_inputs_through_the_graph(seed):
    g = problem.random_given(random.Random(seed))
    answers = solve("minmax-relu-network", given=g).answers
    assert answers["y"].value == pytest.approx([min(g["x"]), max(g["x"])], abs=1e-12)
    assert answers["instance_correct"].value is True
