"""Recurrent cells on the graph: the vanilla RNN cell and the LSTM cell.

Each builder adds one time step's quantities to a graph and returns their
symbols, so that a problem unrolls a sequence by calling it once per step and
reverse mode then gives backpropagation through time for free: a weight used
at every step collects one contribution per step, ∂L/∂W = Σ_t δ_t h_{t−1}ᵀ.

    RNN   z_t = W_h h_{t−1} + W_x x_t + b,   h_t = φ(z_t),   y_t = ψ(W_y h_t + c)

    LSTM  f_t = σ(W_f x_t + U_f h_{t−1} + b_f)      i_t = σ(W_i x_t + U_i h_{t−1} + b_i)
          c̃_t = tanh(W_c x_t + U_c h_{t−1} + b_c)   o_t = σ(W_o x_t + U_o h_{t−1} + b_o)
          c_t = f_t ⊙ c_{t−1} + i_t ⊙ c̃_t           h_t = o_t ⊙ tanh(c_t)
"""
from __future__ import annotations

import sympy

from derive.nn import layers

#: gate key → (activation, name of the quantity, what it is)
LSTM_GATES = {
    "f": ("sigmoid", "f", "forget gate"),
    "i": ("sigmoid", "i", "input gate"),
    "c": ("tanh", "ctilde", "candidate cell"),
    "o": ("sigmoid", "o", "output gate"),
}


def rnn_cell(graph, t: int, h_prev, x, W_h, W_x, b, activation: str = "tanh"):
    """Define z_t and h_t = φ(z_t); returns h_t's symbol."""
    where = f"RNN step {t}"
    terms = [layers.product(W_h, h_prev, where)]
    if x is not None:
        terms.append(layers.product(W_x, x, where))
    if b is not None:
        terms.append(b)
    z = graph.define(f"z_{t}", layers.total(terms, where))
    return layers.activation(graph, f"h_{t}", activation, z)


def rnn_output(graph, t: int, h, W_y, c, activation: str = "identity"):
    """Define y_t = ψ(W_y h_t + c); returns y_t's symbol."""
    where = f"RNN output {t}"
    terms = [layers.product(W_y, h, where)] + ([c] if c is not None else [])
    return graph.define(f"y_{t}", layers.apply(activation, layers.total(terms, where)))


def lstm_cell(graph, t: int, x, h_prev, c_prev, weights: dict) -> dict:
    """Define the four gates, c_t and h_t of step t; returns their symbols.

    `weights` maps ("W" | "U" | "b", gate key) to a symbol; `x` None means a
    zero input, whose W x_t term is left out (so the formulas read as a
    person writes them for x_t = 0).  Keys of the result: f, i, ctilde, c, o, h.
    """
    out = {}
    for key, (function, name, _) in LSTM_GATES.items():
        where = f"gate {name}_{t}"
        terms = [layers.product(weights["W", key], x, where)] if x is not None else []
        terms += [layers.product(weights["U", key], h_prev, where), weights["b", key]]
        out[name] = layers.activation(graph, f"{name}_{t}", function, layers.total(terms, where))
    where = f"c_{t}"
    out["c"] = graph.define(where, layers.total([layers.elementwise_product(out["f"], c_prev, where),
                                                 layers.elementwise_product(out["i"], out["ctilde"], where)],
                                                where))
    out["h"] = graph.define(f"h_{t}", layers.elementwise_product(out["o"], layers.apply("tanh", out["c"]), f"h_{t}"))
    return out


def lstm_weights(graph, values: dict, shapes: dict | None = None) -> dict:
    """Declare W_g, U_g, b_g as givens named `W_f` …; `values` maps
    (kind, gate) → value, or None for a symbol of the shape `shapes` gives."""
    return {key: graph.given(f"{key[0]}_{key[1]}", value, shape=shapes[key] if value is None else None)
            for key, value in values.items()}


def transition(activation: str, W_h, W_x, b, h_prev, x):
    """h_t = φ(W_h h_{t−1} + W_x x_t + b) as an explicit column, for
    differentiating element by element (independently of reverse mode)."""
    z = sympy.ImmutableMatrix(W_h) * sympy.ImmutableMatrix(h_prev)
    if x is not None:
        z = z + sympy.ImmutableMatrix(W_x) * sympy.ImmutableMatrix(x)
    if b is not None:
        z = z + sympy.ImmutableMatrix(b)
    return sympy.ImmutableMatrix(layers.apply(activation, sympy.ImmutableMatrix(z)))


def step_jacobian(activation: str, W_h, W_x, b, h_prev, x) -> sympy.ImmutableMatrix:
    """J_t = ∂h_t/∂h_{t−1} (row i: h_t's entry i), by differentiating the
    explicit transition with respect to each entry of h_{t−1}."""
    n = sympy.ImmutableMatrix(W_h).shape[1]
    entries = sympy.symbols(f"eta_0:{n}", real=True)  # stand-ins for h_{t−1}'s entries
    column = sympy.ImmutableMatrix(entries)
    jacobian = transition(activation, W_h, W_x, b, column, x).jacobian(column)
    return sympy.ImmutableMatrix(jacobian.xreplace(dict(zip(entries, sympy.ImmutableMatrix(h_prev)))))


class phi(sympy.Function):
    """A generic element-wise activation φ, for derivations that hold for
    any activation; its derivative is φ′ (`phi_prime`)."""

    def fdiff(self, argindex=1):
        return phi_prime(self.args[0])

    def _latex(self, printer):
        return rf"\phi\left({printer._print(self.args[0])}\right)"

    def _sympystr(self, printer):
        return _plain(self, printer, "φ")


class phi_prime(sympy.Function):
    """φ′, the derivative of the generic activation `phi`."""

    def _latex(self, printer):
        return rf"\phi'\left({printer._print(self.args[0])}\right)"

    def _sympystr(self, printer):
        return _plain(self, printer, "φ′")


def _plain(function, printer, symbol):
    """φ′(z) in the solution's text; `phi_prime(z)` in str(), which must stay
    parseable by sympify (the JSON `expr`).  The solution's printers are the
    ones that carry a notation table."""
    argument = printer._print(function.args[0])
    if "notation" in getattr(printer, "_settings", {}):
        return f"{symbol}({argument})"
    return f"{type(function).__name__}({argument})"


# --- stability of the recurrence ------------------------------------------------

def eigenvalues(matrix, digits: int = 30) -> list:
    """The eigenvalues of a numeric square matrix, as roots of its
    characteristic polynomial (sorted by modulus, largest first)."""
    roots = sympy.ImmutableMatrix(matrix).charpoly().nroots(n=digits, maxsteps=500)
    return sorted(roots, key=lambda r: (-abs(complex(r)), -complex(r).real, -complex(r).imag))


def spectral_radius(matrix, digits: int = 30):
    """ρ(M) = max |λ|: perturbations along an eigenvector scale by |λ| per step."""
    return sympy.Float(max(abs(complex(r)) for r in eigenvalues(matrix, digits)), digits)


def spectral_norm(matrix, digits: int = 30):
    """‖M‖₂, the largest singular value √λ_max(MᵀM): the most any vector can grow in one step."""
    m = sympy.ImmutableMatrix(matrix)
    return sympy.sqrt(max(sympy.re(r) for r in eigenvalues(m.T * m, digits))).evalf(digits)
