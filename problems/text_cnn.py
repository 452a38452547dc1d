"""003 2.2: a text CNN — m narrow filters of width l, stride 1, over the d×n
matrix of n word embeddings of dimension d."""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.core.givens import Givens
from derive.core.graph import Graph
from derive.core.numbers import InputError
from problems import S3

#: a numeric instance (the seed asks only for the symbolic answer)
GIVEN = {"m": 100, "l": 3, "d": 300, "n": 50}


def read(given: dict) -> dict:
    g = Givens(given, "given", tuple(GIVEN))
    values = {name: g.integer(name, 1) for name in GIVEN}
    if values["l"] > values["n"]:
        raise InputError(f"given.l: a filter over {values['l']} words does not fit a sentence of {values['n']}")
    return values


def statement(given: dict) -> str:
    v = read(given)
    return ("Each of n words is a d-dimensional embedding; the d×n matrix is fed to one convolutional layer "
            "with m narrow filters (no padding) sliding over l words with stride 1. (a) How many trainable "
            "parameters, biases included? (b) What is the size of the output? Symbolically, then for "
            f"d = {v['d']}, n = {v['n']}, m = {v['m']}, l = {v['l']}.")


def build(solution, given: dict):
    graph = Graph()
    m, l, d, n = (graph.given(name, sympy.Integer(value)) for name, value in read(given).items())
    # A filter spans all d embedding dimensions of l consecutive words, plus one bias.
    graph.define("params_per_filter", l * d + 1, latex=r"\#\mathrm{params}_{\text{filter}}",
                 text="#params per filter")
    graph.define("params", m * graph["params_per_filter"].symbol, latex=r"\#\mathrm{params}", text="#params")
    # Stride 1, no padding: the window fits at positions 1 … n − l + 1.
    graph.define("positions", n - l + 1, latex=r"n_{\mathrm{out}}", text="n_out")
    graph.define("outputs", m * graph["positions"].symbol, latex=r"\#\mathrm{outputs}", text="#outputs")
    graph.evaluate()

    # The symbolic answers are the graph's formulas with the intermediates expanded.
    expand = {graph["params_per_filter"].symbol: l * d + 1, graph["positions"].symbol: n - l + 1}
    params = graph["params"].formula.xreplace(expand)
    positions = graph["positions"].formula

    solution.keep(graph)
    part = solution.part("a", "Trainable parameters: each filter is d×l weights and one bias.")
    part.steps += graph.steps(["params_per_filter", "params"])
    part.answer("params", params, r"\#\mathrm{params}")
    part.answer("params_instance", graph.value("params"), r"\#\mathrm{params}")
    part = solution.part("b", "Output size: m feature maps, one value per window position.")
    part.steps += graph.steps(["positions", "outputs"])
    part.answer("out_rows", m, "m")
    part.answer("out_cols", positions, "n - l + 1")
    part.answer("out_rows_instance", graph.value("m"), "m")
    part.answer("out_cols_instance", graph.value("positions"), r"n_{\mathrm{out}}")
    return solution


def random_given(rng) -> dict:
    """Sizes of real text CNNs: embeddings of 50 to 300, sentences of 20 to 80 words."""
    return {"m": rng.choice([16, 32, 50, 64, 100, 128, 200, 256]), "l": rng.randint(2, 5),
            "d": rng.choice([50, 100, 128, 200, 256, 300]), "n": rng.randint(4, 16) * 5}


PROBLEM = Problem(
    name="text-cnn", title="Parameters and output size of a text CNN",
    source=f"{S3}, 2.2",
    build=build, given=GIVEN, statement=statement, random_given=random_given)
