"""Computation-graph figures in TikZ, laid out here (no graphviz).

Each quantity is a box `name | data v | grad g`, as micrograd draws its
graphs.  The layout is a small Sugiyama-style one: a defined quantity sits
one layer below its deepest input, a given one layer above its first
consumer (so weights sit next to where they are used), and within a layer
the nodes are ordered by the mean position of their neighbours, which keeps
most edges short and uncrossed.  The layers become rows of a TikZ matrix, so
TikZ itself sizes the columns to the boxes.  Past `MAX_NODES` quantities the
boxes would be unreadable, so each layer collapses into one block naming its
quantities.
"""
from __future__ import annotations

import sympy

from derive.core.steps import ComputationGraph
from derive.printing import math

#: Most quantities drawn one box each (readable on a page); larger graphs collapse layers.
MAX_NODES = 40
#: Largest matrix (rows, columns) printed inside a box; larger ones show their shape.
MAX_BOX_MATRIX = (4, 4)
#: Significant digits of the numbers in the boxes.
DIGITS = 4

PACKAGES = r"""\usepackage{tikz}
\usetikzlibrary{arrows.meta,backgrounds}
"""


def layers(step: ComputationGraph) -> dict[str, int]:
    """Layer of every node: defined ones below their inputs, givens just
    above their first consumer."""
    parents = {node.name: [] for node in step.nodes}
    children = {node.name: [] for node in step.nodes}
    for source, target in step.edges:
        parents[target].append(source)
        children[source].append(target)
    layer = {}
    for node in step.nodes:  # data-flow order: parents come first
        layer[node.name] = 1 + max((layer[p] for p in parents[node.name]), default=-1)
    for node in reversed(step.nodes):
        if not parents[node.name] and children[node.name]:
            layer[node.name] = min(layer[c] for c in children[node.name]) - 1
    lowest = min(layer.values(), default=0)
    return {name: value - lowest for name, value in layer.items()}


def placement(step: ComputationGraph) -> tuple[list[list[str]], dict[str, int]]:
    """Node names per layer, and each node's column: sweeps down and up the
    layers move each node toward the mean column of its inputs (going down)
    or consumers (going up), keeping one column between neighbours."""
    layer = layers(step)
    order = {node.name: i for i, node in enumerate(step.nodes)}
    grid = [[] for _ in range(max(layer.values(), default=-1) + 1)]
    for node in step.nodes:
        grid[layer[node.name]].append(node.name)
    parents = {node.name: [] for node in step.nodes}
    children = {node.name: [] for node in step.nodes}
    for source, target in step.edges:
        parents[target].append(source)
        children[source].append(target)
    position = {name: i for row in grid for i, name in enumerate(row)}
    for sweep in range(5):
        downward = sweep % 2 == 0
        for row in (grid if downward else grid[::-1]):
            desired = {}
            for name in row:
                linked = (parents if downward else children)[name] or parents[name] + children[name]
                desired[name] = sum(position[n] for n in linked) / len(linked) if linked else position[name]
            row.sort(key=lambda n: (desired[n], order[n]))
            _pack(row, desired, position)
    leftmost = min(position.values(), default=0)
    return grid, {name: column - leftmost for name, column in position.items()}


def rows(step: ComputationGraph) -> list[list[str]]:
    """Node names per layer, ordered to keep edges short."""
    return placement(step)[0]


def _pack(row, desired, position):
    """Integer columns near the desired ones, left to right, one apart, the
    row then shifted so that on average it sits where it wants to."""
    previous = None
    for name in row:
        column = round(desired[name])
        position[name] = column if previous is None else max(column, previous + 1)
        previous = position[name]
    drift = round(sum(position[n] - desired[n] for n in row) / len(row)) if row else 0
    for name in row:
        position[name] -= drift


def figure(step: ComputationGraph, escape) -> str:
    """The figure as LaTeX (a centred, page-fitted tikzpicture and caption)."""
    if not step.nodes:
        return ""
    picture = _detailed(step) if len(step.nodes) <= MAX_NODES else _collapsed(step, escape)
    caption = " ".join(step.caption.split())
    caption = escape(caption[:1].upper() + caption[1:]) if caption else "Computation graph"
    with_gradients = any(node.gradient is not None for node in step.nodes)
    note = ((r" Each box reads \emph{quantity $|$ data $|$ grad}, the gradient being that of the loss."
             if with_gradients else r" Each box reads \emph{quantity $|$ data}.")
            if len(step.nodes) <= MAX_NODES else
            rf" {len(step.nodes)} quantities, too many to draw one by one: each block is one layer.")
    return ("\\begin{center}\n\\derivefit{%\n" + picture + "}\n\n"
            rf"\small\textit{{Figure.}} {caption}.{note}" + "\n\\end{center}")


#: Rough size of a box with row and column separation, in cm, to choose
#: the orientation that needs the least shrinking to fit the page.
BOX = {"record": (4.2, 1.2), "stacked": (2.6, 1.8)}
PAGE = (16.6, 20.0)


def _detailed(step: ComputationGraph) -> str:
    """Layers top to bottom (as rows), or left to right when that shrinks
    the figure less (a wide first layer of weights, as in an LSTM)."""
    grid, column = placement(step)
    span, depth = max(column.values()) + 1, len(grid)
    stacked = max(len(row) for row in grid) > 3  # wide graphs: narrow boxes
    across, down = BOX["stacked" if stacked else "record"]
    top_down = min(PAGE[0] / (span * across), PAGE[1] / (depth * down))
    left_right = min(PAGE[0] / (depth * BOX["stacked"][0]), PAGE[1] / (span * BOX["stacked"][1]))
    transpose = left_right > top_down
    stacked = stacked or transpose
    ids = {node.name: f"n{i}" for i, node in enumerate(step.nodes)}
    nodes = {node.name: node for node in step.nodes}
    cells = [[""] * (depth if transpose else span) for _ in range(span if transpose else depth)]
    for level, row in enumerate(grid):
        for name in row:
            i, j = (column[name], level) if transpose else (level, column[name])
            cells[i][j] = rf"\node[{nodes[name].kind}] ({ids[name]}) {{{_box(nodes[name], stacked)}}};"
    lines = [" \\& ".join(line) + r" \\" for line in cells]
    edges = [rf"\draw[flow] ({ids[s]}) -- ({ids[t]});" for s, t in step.edges]
    return _picture(lines, edges, "row sep=3mm, column sep=9mm" if transpose else "row sep=7mm, column sep=4mm")


def _collapsed(step: ComputationGraph, escape) -> str:
    """One block per layer; an arrow joins consecutive layers, and a block
    names the earlier layers it also reads (skip edges would be a tangle)."""
    layer = layers(step)
    grid = rows(step)
    links = {(layer[s], layer[t]) for s, t in step.edges if layer[s] != layer[t]}
    lines = []
    for i, row in enumerate(grid):
        names = ", ".join(f"${latex}$" for latex in _latex_names(step, row))
        skips = sorted(s + 1 for s, t in links if t == i and s < i - 1)
        also = f"; also reads layer{'s' if len(skips) > 1 else ''} {', '.join(map(str, skips))}" if skips else ""
        lines.append(rf"\node[block] (b{i}) {{\textbf{{Layer {i + 1}}} ({len(row)}{also}): {names}}}; \\")
    edges = [rf"\draw[flow] (b{i}) -- (b{i + 1});" for i in range(len(grid) - 1) if (i, i + 1) in links]
    return _picture(lines, edges)


def _latex_names(step, names):
    by_name = {node.name: node.latex for node in step.nodes}
    return [by_name[n] for n in names]


def _picture(lines, edges, separation="row sep=7mm, column sep=4mm") -> str:
    return ("\\begin{tikzpicture}[>=Stealth, flow/.style={->, draw=black!60},\n"
            "  given/.style={draw, fill=black!6, inner sep=2pt, font=\\small},\n"
            "  defined/.style={draw, fill=white, inner sep=2pt, font=\\small},\n"
            "  adjoint/.style={draw, fill=white, inner sep=2pt, font=\\small},\n"
            "  block/.style={draw, fill=white, text width=14cm, align=left, font=\\small}]\n"
            f"\\matrix[ampersand replacement=\\&, {separation}] {{\n"
            + "\n".join(lines) + "\n};\n"
            "\\begin{scope}[on background layer]\n" + "\n".join(edges) + "\n\\end{scope}\n"
            "\\end{tikzpicture}")


def _box(node, stacked: bool = False) -> str:
    """`name | data v | grad g` in a row, or (stacked) the name above its numbers."""
    cells = [f"${node.latex}$", r"{\scriptsize data} " + _number(node.value)]
    if node.gradient is not None:
        cells.append(r"{\scriptsize grad} " + _number(node.gradient))
    if stacked:
        return (r"\begin{tabular}{@{}c@{}}" + cells[0] + r" \\ \hline " + r" \\ ".join(cells[1:])
                + r"\end{tabular}")
    return r"\begin{tabular}{@{}" + "c|" * (len(cells) - 1) + "c@{}}" + " & ".join(cells) + r"\end{tabular}"


def _number(value) -> str:
    if value is None:
        return "--"  # not known (an unevaluated quantity)
    if isinstance(value, sympy.MatrixBase):
        rows, columns = value.shape
        if (rows, columns) == (1, 1):
            return _number(value[0, 0])
        if rows > MAX_BOX_MATRIX[0] or columns > MAX_BOX_MATRIX[1]:
            return rf"$\in\mathbb{{R}}^{{{rows}\times{columns}}}$"
        body = r" \\ ".join(" & ".join(_scalar(v) for v in value.row(i)) for i in range(rows))
        return rf"$\left(\begin{{smallmatrix}}{body}\end{{smallmatrix}}\right)$"
    return f"${_scalar(value)}$"


def _scalar(value) -> str:
    """A number in a box: a short decimal (⅓ and √3/3 alike), anything else as it prints."""
    if isinstance(value, sympy.Basic) and value.is_number and not value.is_Integer and value.is_real:
        value = value.evalf(15)
    return math.latex(value, digits=DIGITS)
