"""003 1.4: reverse-mode backpropagation through z₁ = W₁x, h₁ = σ(z₁),
ŷ = W₂h₁ with the loss ‖ŷ − y‖₁."""
from __future__ import annotations

from derive.catalog import Problem
from derive.nn import layers
from derive.nn.backprop import closed_form, confirm
from derive.core.givens import Givens
from derive.core.graph import Graph
from derive.core.steps import Remark
from problems.mlp import CONVENTION
from problems import S3

GIVEN = {"x": [1.0, -0.5, 0.25],
         "W_1": [[0.2, -0.4, 0.6], [0.5, 0.1, -0.3], [-0.7, 0.8, 0.2]],
         "W_2": [[1.0, -0.5, 0.3], [0.4, 0.9, -1.2], [-0.6, 0.2, 0.7]],
         "y": [0.3, -0.2, 0.1]}

STATEMENT = (
    "A network with two learnable d×d weight matrices W₁, W₂ is trained to minimise the mean absolute error "
    "‖ŷ − y‖₁ between its output ŷ ∈ R^d and the target y ∈ R^d; h₁ = σ(z₁) element-wise. (a) Compute ∂L/∂ŷ, "
    "and explain why the last layer has no activation. (b) Compute ∂L/∂z₁ given ∂L/∂h₁ and h₁. (c) Compute "
    "∂L/∂W₂ as a function of ∂L/∂ŷ, and ∂L/∂W₁ as a function of ∂L/∂z₁. (d) Are ∂L/∂x and ∂L/∂y needed for "
    "training? Reconstructed from the solution: the figure is missing; the network is z₁ = W₁x, h₁ = σ(z₁), "
    "ŷ = W₂h₁ (no biases), and the numbers (d = 3) are an instance chosen here to confirm the results.")


def read(given):
    g = Givens(given, "given", ("x", "W_1", "W_2", "y"))
    x = g.vector("x")
    n = x.rows
    return x, g.matrix("W_1", (n, n)), g.matrix("W_2", (n, n)), g.vector("y", n)


def build_graph(given) -> Graph:
    x, W_1, W_2, y = read(given)
    graph = Graph()
    x_ = graph.given("x", x)
    z1 = layers.affine(graph, "z_1", graph.given("W_1", W_1), x_)
    h1 = layers.activation(graph, "h_1", "sigmoid", z1)
    yhat = layers.affine(graph, "yhat", graph.given("W_2", W_2), h1)
    layers.loss(graph, "loss", "l1", [graph.given("y", y)], [yhat], latex="L")
    graph.evaluate()
    graph.backward("loss")
    return graph.evaluate()


def build(solution, given: dict):
    graph = build_graph(given)
    solution.keep(graph)
    forward = solution.part("forward", "Forward pass on the instance.")
    for name in ("z_1", "h_1", "yhat", "loss"):
        forward.steps.append(graph.step(name))
        forward.answer(name, graph.value(name), graph[name].latex)

    part = solution.part("a", "∂L/∂ŷ for L = ‖ŷ − y‖₁, and why ŷ has no activation.")
    gradient(part, graph, "dL_dyhat", keep=())
    part.steps.append(Remark(
        "sign(ŷ − y) entry by entry (the subgradient 0 taken where ŷ_i = y_i): the L1 loss's gradient has "
        "constant magnitude. No activation on ŷ: the target is any vector in R^d, and a squashing activation "
        "(σ, tanh) would confine ŷ to a box it might not contain, and multiply the gradient by its own "
        "derivative, which vanishes where it saturates."))

    part = solution.part("b", "∂L/∂z₁ from ∂L/∂h₁ and h₁ (backpropagating through σ).")
    gradient(part, graph, "dL_dz_1", keep=("dL_dh_1",))
    part.steps.insert(0, graph.step("dL_dh_1"))

    part = solution.part("c", "∂L/∂W₂ in terms of ∂L/∂ŷ, and ∂L/∂W₁ in terms of ∂L/∂z₁.")
    gradient(part, graph, "dL_dW_2", keep=("dL_dyhat",))
    gradient(part, graph, "dL_dW_1", keep=("dL_dz_1",))
    confirmed = True
    for name in ("dL_dW_2", "dL_dW_1"):
        relation, ok = confirm(graph, name, closed_form(graph, name),
                               reason="fully expanded, evaluated on the instance, against reverse mode")
        part.steps.append(relation)
        confirmed &= ok
    part.answer("closed_forms_confirmed", confirmed, r"\text{closed forms confirmed}")
    part.steps.append(graph.figure("the network's forward values and the gradients of the L1 loss"))

    part = solution.part("d", "Are ∂L/∂x and ∂L/∂y needed for training?")
    needed = uses(graph, "dL_dW_1", "dL_dx") or uses(graph, "dL_dW_2", "dL_dx") \
        or uses(graph, "dL_dW_1", "dL_dy") or uses(graph, "dL_dW_2", "dL_dy")
    part.steps.append(Remark(
        "Reverse mode computes an adjoint from the adjoints of a quantity's consumers only. x and y consume "
        "nothing the weights need: ∂L/∂W₁ and ∂L/∂W₂ "
        + ("use" if needed else "do not use") + " ∂L/∂x or ∂L/∂y (checked on the graph). They are not "
        "parameters, so training never updates them; ∂L/∂x is needed only when x is itself the output of "
        "earlier trainable layers (or for adversarial inputs and saliency)."))
    part.answer("need_dL_dx_dL_dy", needed, r"\text{needed}")
    return solution


def gradient(part, graph, name, keep):
    """The chain-rule step, and the result as an answer (form and value)."""
    part.steps.append(graph.step(name))
    form = closed_form(graph, name, keep=keep)
    part.answer(f"{name}_form", form, graph[name].latex)
    part.answer(name, graph.value(name), graph[name].latex)


def uses(graph, name, other) -> bool:
    """Whether the formula of `name`, through adjoints, refers to `other`."""
    seen, stack = set(), [graph[name]]
    while stack:
        quantity = stack.pop()
        if quantity.name == other:
            return True
        for parent in quantity.parents:
            if parent.name not in seen:
                seen.add(parent.name)
                stack.append(parent)
    return False


def random_given(rng) -> dict:
    n = rng.randint(1, 3)

    def draw():
        return round(rng.uniform(-1, 1), 2)

    return {"x": [draw() for _ in range(n)], "W_1": [[draw() for _ in range(n)] for _ in range(n)],
            "W_2": [[draw() for _ in range(n)] for _ in range(n)], "y": [draw() for _ in range(n)]}


PROBLEM = Problem(
    name="mae-backprop", title="Backpropagation with a mean-absolute-error loss", source=f"{S3}, 1.4",
    build=build, given=GIVEN, statement=STATEMENT, random_given=random_given, convention=CONVENTION)
