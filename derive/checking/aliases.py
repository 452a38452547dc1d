"""The names hand solutions use for each problem's quantities.

Keyed by problem name; each table maps a name as the seeds write it (LaTeX,
canonicalised by the checker) to what the engine knows:

- "KEY"                      an answer of the solution
- ("answer", KEY, i, j)      one entry of a matrix answer
- ("transpose", KEY)         the transpose of an answer
- ("given", path, …)         a given, by its path in the givens dictionary
- ("same", NAME)             another name of this table (the seed's typos)
- ("choose", KEY, KEY, …)    whichever answer the line's symbols fit
- ("function", builder)      a function the author applies, e.g. f_1(x);
                             builder() → (params, SymPy expression), engine-made
- ("expression", builder)    an engine-made SymPy expression in the problem's symbols
                             (a derivative the problem does not list as an answer)
- ("sequence", builder)      a name with an index, RF_n, RF_2: builder() →
                             (index symbol, SymPy expression)

Every answer is also bound under its own key and its LaTeX. These tables
belong in the problem modules: a module's optional ALIASES attribute (same
format) is read and wins over the table here, so owners can move them.
"""
from __future__ import annotations

import sympy


def _jacobian_functions():
    from problems import jacobian_chain as jc
    x1, x2, x3 = (sympy.Symbol(f"x_{i}", real=True) for i in (1, 2, 3))
    y_to_x = dict(zip((jc.y1, jc.y2, jc.y3), (x1, x2, x3)))
    j1 = jc.F1.jacobian([jc.x1, jc.x2])
    j2 = jc.F2.jacobian([jc.y1, jc.y2, jc.y3]).xreplace(y_to_x)
    return {
        "f_1": ("function", lambda: ((jc.x1, jc.x2), jc.F1)),
        "f_2": ("function", lambda: ((x1, x2, x3), jc.F2.xreplace(y_to_x))),
        "J_{f_1}": ("function", lambda: ((jc.x1, jc.x2), j1)),
        "J_{f_2}": ("function", lambda: ((x1, x2, x3), j2)),
    }


def _gaussian(mu, sigma):
    x = sympy.Symbol("x", real=True)
    m, s = sympy.Symbol(mu, real=True), sympy.Symbol(sigma, positive=True)
    return lambda: ((x,), sympy.exp(-(x - m) ** 2 / (2 * s ** 2)) / sympy.sqrt(2 * sympy.pi * s ** 2))


def _density(name):
    """An arbitrary density's value at x: a free positive scale times a fixed
    shape, so that random points give independent values of p_data(x), p_g(x)."""
    x, scale = sympy.Symbol("x", real=True), sympy.Symbol(f"scale_{name}", positive=True)
    return lambda: ((x,), scale * sympy.exp(-x ** 2 / 2))


def _conv_net_backprop():
    """Seed 001 §8's intermediate derivatives, by SymPy from the problem's own x, v₁, v₂."""
    from problems import conv_net_backprop as cn
    w1 = cn.V1[0, 0]
    # x ⋆ v₁: the 1×2 filter slides down the rows of the 2×2 input
    c1 = sympy.Matrix([[cn.X[i, 0] * cn.V1[0, 0] + cn.X[i, 1] * cn.V1[0, 1]] for i in range(2)])
    z1 = c1.applyfunc(sympy.tanh)
    named = sympy.Matrix(sympy.symbols("z1_1 z1_2", real=True))
    dz2_dz1 = (cn.V2 * named).applyfunc(lambda a: 1 / (1 + sympy.exp(-a))).jacobian(named)
    dz2_dz1 = dz2_dz1.xreplace(dict(zip(named, z1)))
    table = {f"x_{{{i}{j}}}": ("same", f"x{i}{j}") for i in (1, 2) for j in (1, 2)}
    table.update({f"w_{{{i}{j}}}": ("same", f"w{i}{j}") for i in (3, 4) for j in (1, 2)})
    table.update({"w_1": ("same", "w1"), "w_2": ("same", "w2"), "w_5": ("same", "w5"), "w_6": ("same", "w6"),
                  "y^*": ("same", "ystar"),
                  "z_1": ("expression", lambda: z1), "V_2": ("expression", lambda: cn.V2),
                  r"\frac{\partial (x * v_1)}{\partial w_1}": ("expression", lambda: c1.diff(w1)),
                  r"\frac{\partial z_1}{\partial w_1}": ("expression", lambda: z1.diff(w1)),
                  r"\frac{\partial z_2}{\partial z_1}": ("expression", lambda: dz2_dz1),
                  r"\frac{\partial \text{Loss}}{\partial y^*}": ("expression", lambda: 2 * (
                      sympy.Symbol("ystar", real=True) - cn.Y))})
    return table


def _conv_backprop_identities():
    """The engine's ∂O/∂F and ∂O/∂X entries, with the seed's index letters:
    the seed writes O_{m,n} and X_{i,j} where the problem has O_ij and X_rc."""
    from derive.catalog import solve
    answers = solve("conv-backprop-identities").answers
    i, j, m, n, r, c = sympy.symbols("i j m n r c", integer=True)
    d_o_d_x = answers["dO_dX"].expr.xreplace({i: m, j: n, r: i, c: j})
    return {r"\frac{\partial O_{i,j}}{\partial F_{m,n}}": ("expression", lambda: answers["dO_dF"].expr),
            r"\frac{\partial O_{m,n}}{\partial X_{i,j}}": ("expression", lambda: d_o_d_x)}


def _receptive_field():
    from derive.architecture.receptive_fields import CLOSED_FORM, n
    return n, CLOSED_FORM


LSTM_NAMES = {f"{name}_{t}": f"{key}_{t}" for t in (1, 2)
              for name, key in (("f", "f"), ("i", "i"), (r"\tilde{c}", "ctilde"), ("c", "c"), ("o", "o"),
                                ("h", "h"))}

MLP_WEIGHTS = {"W_{h1x1}": "W_h1x1", "W_{h1x2}": "W_h1x2", "W_{h1b}": "W_h1b", "W_{h2x1}": "W_h2x1",
               "W_{h2x2}": "W_h2x2", "W_{h2b}": "W_h2b", "W_{yh1}": "W_yh1", "W_{yh2}": "W_yh2", "W_{yb}": "W_yb"}
MLP_GIVEN_PATHS = {"W_h1x1": ("layers", 0, "W", 0, 0), "W_h1x2": ("layers", 0, "W", 0, 1), "W_h1b": ("layers", 0, "b", 0),
                   "W_h2x1": ("layers", 0, "W", 1, 0), "W_h2x2": ("layers", 0, "W", 1, 1), "W_h2b": ("layers", 0, "b", 1),
                   "W_yh1": ("layers", 1, "W", 0, 0), "W_yh2": ("layers", 1, "W", 0, 1), "W_yb": ("layers", 1, "b", 0)}


def _mlp_aliases():
    table = {r"\hat{y}": "y_hat", r"\delta_{\hat{y}}": "delta_y", r"\delta_{h_1}": "delta_h1",
             r"\delta_{h_2}": "delta_h2", r"\delta_{h1}": "delta_h1", r"\delta_{h2}": "delta_h2",
             "x_1": ("given", "x", 0), "x_2": ("given", "x", 1), "y": ("given", "y", 0), r"\alpha": ("given", "lr")}
    # the seed writes the output layer's weights both as W_{yh1} and W_{y\hat{h}1}
    hatted = {"W_yh1": r"W_{y\hat{h}1}", "W_yh2": r"W_{y\hat{h}2}", "W_yb": r"W_{y\hat{b}}"}
    for written, key in MLP_WEIGHTS.items():
        for name in (written, hatted.get(key)):
            if name:
                table[name] = ("given",) + MLP_GIVEN_PATHS[key]
                table[name + "^{new}"] = f"{key}_new"
    return table


def _boolean_network_weights():
    """The seed's w_{H1A} … b_O, by the engine's rows (H1 … H4 in the seed's order) and inputs A … D."""
    table = {}
    for row, inputs in enumerate(("ACD", "BCD", "ABC", "ABD")):
        for letter in inputs:
            table[f"w_{{H{row + 1}{letter}}}"] = ("answer", "W_h", row, "ABCD".index(letter))
        table[f"b_{{H{row + 1}}}"] = ("answer", "b_h", row, 0)
    for row in range(4):
        table[f"w_{{O{row + 1}}}"] = ("answer", "W_o", 0, row)
    table["b_O"] = ("answer", "b_o", 0, 0)
    return table


ALIASES = {
    "lstm-forward": {**LSTM_NAMES, "c_0": ("given", "c0", 0), "h_0": ("given", "h0", 0),
                     r"\text{MSE}": "loss", "MSE": "loss"},
    "mlp-backprop-step": _mlp_aliases(),
    "jacobian-chain": {
        **{key: value for key, value in [("J_f", "J_f")]},
        r"J_{f_1}(\begin{bmatrix} 1 \\ 2 \end{bmatrix})": "J_f1_x",
        r"J_{f_2}(\begin{bmatrix} 0 \\ 4 \\ 2 \end{bmatrix})": "J_f2_u",
        r"f_1(\begin{bmatrix} 1 \\ 2 \end{bmatrix})": "f1_x",
        r"\frac{\partial f}{\partial x}(\begin{bmatrix} 1 \\ 2 \end{bmatrix})": "J_f",
        "FUNCTIONS": _jacobian_functions,
    },
    "kl-gaussian": {
        r"\mathrm{KL}(q, p)": ("choose", "KL", "KL_std"), "u_1": ("same", r"\mu_1"), "u_2": ("same", r"\mu_2"),
        "FUNCTIONS": lambda: {"q": ("function", _gaussian("mu_1", "sigma_1")),
                              "p": ("function", _gaussian("mu_2", "sigma_2"))},
    },
    "conv-layer-arithmetic": {"K": "K", "O": ("given", "output"), "I": ("given", "input"),
                              "S": ("given", "stride"), "P": ("given", "padding"),
                              r"\text{Input channels}": ("given", "in_channels"),
                              r"\text{Output channels}": ("given", "out_channels"),
                              r"\text{Number of parameters}": "params"},
    "cnn-backprop-example": {r"\hat{L}": ("given", "target"), r"F_{\text{old}}": ("given", "F"),
                             r"F_{\text{new}}": "F_new", r"\eta": ("given", "lr"), "X": ("given", "X"),
                             "F": ("given", "F"), r"\text{MSE}_{\text{Loss}}": "loss"},
    "gan-forward-backward": {"h_0": "h0", "h_1^1": "h1_1", "h_1^2": "h1_2", "h_2": "h2", "H_2": "H2",
                             "p(y=0)": "p", r"\nabla H_2": "dL_dH2", r"\nabla h_2": "dL_dh2",
                             r"\nabla w_1^1": "dL_dw1_1", r"\nabla w_1^2": "dL_dw1_2",
                             r"\nabla h_1^1": "dL_dh1_1", r"\nabla h_1^2": "dL_dh1_2", r"\nabla h_0": "dL_dh0",
                             r"\nabla w_0": ("transpose", "dL_dw0")},
    "minmax-relu-network": {"y_1": "min_form", "y_2": "max_form"},
    "rnn-gradient-scale": {},
    "quadratic-gd-early-stopping": {r"w_j^\tau": "w_j_tau", r"w_j^*": ("same", "w_j_star"),
                                    r"\mathbf{w}^*": ("same", "w_star"), r"\mathbf{w}": ("same", "w"),
                                    r"\mathbf{H}": ("same", "H"), r"\nabla E": "grad_E"},
    "receptive-field": {"FUNCTIONS": lambda: {}, "RF": ("sequence", _receptive_field)},
    # the seed's Karnaugh-map formulations H1, H2, H3 are the parity bits P_1, P_2, P_3
    "hamming-network": {"H1": "P_1", "H2": "P_2", "H3": "P_3"},
    "boolean-network": _boolean_network_weights(),
    "conv-net-backprop": _conv_net_backprop(),
    "conv-backprop-identities": _conv_backprop_identities(),
    # the seed writes the generator's density p_G where the problem writes p_g
    "gan-optimal-discriminator": {
        "D^*(x)": "D_star", "D^{*}(x)": "D_star",
        "FUNCTIONS": lambda: {r"p_{\text{data}}": ("function", _density("data")),
                              "p_G": ("function", _density("g")), "p_g": ("function", _density("g"))},
    },
    "gcn-normalization": {"D^{-1/2}": "D_inv_sqrt", r"\tilde{D}": "D", r"\hat{A}": "Q", r"\tilde{A}": "Q"},
}
