"""002 Problem 2: backpropagation through a one-hidden-layer autoencoder,
h = ReLU(W₁ᵀx + b₁), x' = σ(W₂ᵀh + b₂), loss Σ_i (x_i − x'_i)²."""
from __future__ import annotations

from derive.catalog import Problem
from derive.nn import layers
from derive.nn.backprop import closed_form, confirm
from derive.core.givens import Givens
from derive.core.graph import Graph
from derive.core.numbers import InputError
from derive.core.steps import Remark
from problems import S2

GIVEN = {
    "x": [0.9, 0.1, 0.6],
    "W_1": [[0.5, -0.4], [-0.3, 0.8], [0.2, -0.6]],
    "b_1": [0.1, -0.2],
    "W_2": [[0.7, -0.2, 0.4], [0.3, 0.9, -0.5]],
    "b_2": [0.0, 0.1, -0.1],
}

STATEMENT = (
    "An autoencoder encodes x ∈ R^d as h = ReLU(W₁ᵀx + b₁) ∈ R^k and decodes it as x' = σ(W₂ᵀh + b₂), "
    "with W₁ ∈ R^(d×k), W₂ ∈ R^(k×d); the weights minimise Σ_i (x_i − x'_i)². Derive grad x', grad h, grad W₂ and grad W₁ by "
    "backpropagation (the ReLU derivative as an indicator). Reconstructed from the solution: the seed states "
    "the formulas only; the numbers (d = 3, k = 2) are an instance chosen here to confirm the matrix forms.")

CONVENTION = ("Denominator layout, as in the mlp family: ∂L/∂W has the shape of W. Here the layers multiply by Wᵀ "
              "(z₁ = W₁ᵀx + b₁), so ∂L/∂W₁ = x (∂L/∂z₁)ᵀ and ∂L/∂W₂ = h (∂L/∂z₂)ᵀ, and ∂L/∂h = W₂ ∂L/∂z₂.")

GRADIENTS = ("dL_dxp", "dL_dz_2", "dL_dh", "dL_dz_1", "dL_dW_2", "dL_db_2", "dL_dW_1", "dL_db_1")


def read(given: dict):
    g = Givens(given, "given", ("x", "W_1", "b_1", "W_2", "b_2"))
    x = g.vector("x")
    W_1 = g.matrix("W_1")
    if W_1.rows != x.rows:
        raise InputError(f"given.W_1: expected {x.rows} rows (one per input, W_1 is d×k), got {W_1.rows}")
    b_1 = g.vector("b_1", W_1.cols)
    W_2 = g.matrix("W_2", (W_1.cols, x.rows))
    b_2 = g.vector("b_2", x.rows)
    return x, W_1, b_1, W_2, b_2


def build_graph(given: dict) -> Graph:
    x, W_1, b_1, W_2, b_2 = read(given)
    graph = Graph()
    x_ = graph.given("x", x)
    W1, b1 = graph.given("W_1", W_1), graph.given("b_1", b_1)
    W2, b2 = graph.given("W_2", W_2), graph.given("b_2", b_2)
    z1 = layers.total([layers.product(W1.T, x_, "encoder"), b1], "encoder")
    h = layers.activation(graph, "h", "relu", graph.define("z_1", z1))
    z2 = layers.total([layers.product(W2.T, h, "decoder"), b2], "decoder")
    xp = layers.activation(graph, "xp", "sigmoid", graph.define("z_2", z2), latex="x'")
    layers.loss(graph, "loss", "sse", [x_], [xp], latex=r"\mathcal{L}")
    graph["xp"].text = "x'"
    graph.evaluate()
    graph.backward("loss")
    return graph.evaluate()


def build(solution, given: dict):
    graph = build_graph(given)
    if solution.variant:
        solution.statement = describe(given)
    solution.keep(graph)
    part = solution.part("a", "Forward pass on the instance.")
    for name in ("z_1", "h", "z_2", "xp", "loss"):
        part.steps.append(graph.step(name))
        part.answer(name, graph.value(name), graph[name].latex)

    part = solution.part("b", "Backward pass by reverse mode: each gradient as the chain rule gives it, then in "
                              "closed form in the forward quantities, confirmed on the instance.")
    for name in GRADIENTS:
        part.steps.append(graph.step(name))
    all_confirmed = True
    for name in ("dL_dxp", "dL_dh", "dL_dW_2", "dL_dW_1", "dL_db_2", "dL_db_1"):
        form = closed_form(graph, name)
        relation, ok = confirm(graph, name, form)
        part.steps.append(relation)
        all_confirmed &= ok
        part.answer(f"{name}_form", form, graph[name].latex)
        part.answer(name, graph.value(name), graph[name].latex)
    part.answer("closed_forms_confirmed", all_confirmed, r"\text{closed forms confirmed}")
    part.steps.append(graph.figure("the autoencoder's forward values and the gradients of the reconstruction loss"))

    if not solution.variant:
        seed_remarks(solution, graph)
    return solution


def seed_remarks(solution, graph):
    d, k = graph["x"].shape[0], graph["h"].shape[0]
    part = solution.part("c", "The seed's formulas, checked against these.")
    part.steps.append(Remark("grad x'_j = 2(x'_j − x_j): right; it is ∂L/∂x' above, entry by entry."))
    part.steps.append(Remark(
        f"grad h_j = 2(x'_j − x_j) x'_j (1 − x'_j) w₂ mixes indices: h has k = {k} entries and x' has d = {d}, and "
        "each h_m feeds every x'_j, so grad h = W₂ [2(x' − x) ⊙ x' ⊙ (1 − x')], a sum over j, as above."))
    part.steps.append(Remark(
        f"grad w₂ = Σ_i 2(x'_i − x_i) x'_i (1 − x'_i) h_i is a scalar, but W₂ is {k}×{d}: the gradient is the outer product "
        "h δ₂ᵀ with δ₂ = 2(x' − x) ⊙ x' ⊙ (1 − x'), entry (m, j) = h_m δ₂_j."))
    part.steps.append(Remark(
        f"grad w₁ = 2 Σ_i ∂h_i/∂w₁ (x'_i − x_i) x'_i (1 − x'_i) w₂ with ∂h_i/∂w₁ = x_i or 0 has the same index slip; W₁ is "
        f"{d}×{k} and its gradient is x δ₁ᵀ with δ₁ = 1[z₁ > 0] ⊙ (W₂ δ₂). The indicator condition is right: "
        "the ReLU passes the gradient where its pre-activation is positive."))


def describe(given) -> str:
    x, W_1, _, _, _ = read(given)
    return (f"The autoencoder h = ReLU(W₁ᵀx + b₁), x' = σ(W₂ᵀh + b₂) with d = {x.rows}, k = {W_1.cols} and loss "
            "Σ_i (x_i − x'_i)²; the weights and input are the givens.")


def random_given(rng) -> dict:
    d, k = rng.randint(1, 3), rng.randint(1, 3)

    def draw():
        return round(rng.uniform(-1, 1), 2)

    return {"x": [round(rng.uniform(0, 1), 2) for _ in range(d)],
            "W_1": [[draw() for _ in range(k)] for _ in range(d)], "b_1": [draw() for _ in range(k)],
            "W_2": [[draw() for _ in range(d)] for _ in range(k)], "b_2": [draw() for _ in range(d)]}


PROBLEM = Problem(
    name="autoencoder-backprop", title="Backpropagation through an autoencoder", source=f"{S2}, Problem 2",
    build=build, given=GIVEN, statement=STATEMENT, random_given=random_given, convention=CONVENTION)
