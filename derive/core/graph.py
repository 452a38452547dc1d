"""The graph of named quantities, with forward evaluation and reverse mode.

A quantity is a name, a symbol for it (a SymPy Symbol, or a MatrixSymbol for
vectors and matrices), a formula over the symbols of earlier quantities, and a
value.  Formulas stay small because every intermediate has its own symbol:
`h_2 = o_2 ∘ tanh(c_2)`, not the whole expanded expression.

Reverse mode is micrograd's backward pass, made symbolic: walking the
quantities in reverse order, the adjoint ∂L/∂q of each is a new quantity whose
formula sums, over q's consumers c, the vector–Jacobian product of c's local
formula with ∂L/∂c.  Each adjoint refers to its consumers' adjoints by symbol,
so the size of the gradient grows with the size of the graph, never with the
size of the expanded expression.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy
from sympy import MatrixSymbol
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from derive.core.matrices import ShapeMismatch, explicit, is_matrix, shape_of, vjp
from derive.core.numbers import settle
from derive.core.steps import ComputationGraph, Evaluation, GraphNode


@dataclass(eq=False)
class Quantity:
    name: str
    symbol: sympy.Basic
    latex: str
    text: str
    formula: sympy.Basic | None = None
    value: object = None
    kind: str = "given"  # "given", "defined" or "adjoint"
    parents: tuple = field(default_factory=tuple)

    @property
    def shape(self) -> tuple[int, ...]:
        return shape_of(self.symbol)


class GraphError(ValueError):
    pass


class Graph:
    """Named quantities in definition order (which is a topological order)."""

    def __init__(self, loss_symbol: str = "L"):
        self._quantities: dict[str, Quantity] = {}
        self._by_symbol: dict[sympy.Basic, Quantity] = {}
        self.loss_symbol = loss_symbol
        #: The quantity `backward()` ran from, once it has.
        self.loss: Quantity | None = None

    # --- building -------------------------------------------------------
    def given(self, name, value=None, *, latex=None, text=None, shape=None, symbol=None):
        """A given: a known value, or (value None) a symbol left free."""
        if shape is None and isinstance(value, sympy.MatrixBase):
            shape = value.shape
        if symbol is None:
            symbol = MatrixSymbol(name, *shape) if shape else sympy.Symbol(name, real=True)
        quantity = Quantity(name, symbol, latex or _latex_name(name), text or _text_name(name), value=settle(value)
                            if value is not None else None)
        if value is not None and shape_of(value) != quantity.shape:
            raise ShapeMismatch(f"given {name}: value is {shape_of(value)}, declared {quantity.shape}")
        return self._add(quantity).symbol

    def define(self, name, formula, *, latex=None, text=None, kind="defined"):
        """A quantity defined by a formula over earlier quantities' symbols."""
        if isinstance(formula, sympy.MatrixBase):
            formula = sympy.ImmutableMatrix(formula)
        shape = shape_of(formula)
        symbol = MatrixSymbol(name, *shape) if shape else sympy.Symbol(name, real=True)
        parents = tuple(self._by_symbol[s] for s in _sorted(formula.free_symbols) if s in self._by_symbol)
        quantity = Quantity(name, symbol, latex or _latex_name(name), text or _text_name(name),
                            formula=formula, kind=kind, parents=parents)
        return self._add(quantity).symbol

    def _add(self, quantity):
        if quantity.name in self._quantities:
            raise GraphError(f"quantity {quantity.name!r} is defined twice")
        self._quantities[quantity.name] = quantity
        self._by_symbol[quantity.symbol] = quantity
        return quantity

    # --- reading ----------------------------------------------------------
    def __getitem__(self, name) -> Quantity:
        return self._quantities[name]

    def __contains__(self, name) -> bool:
        return name in self._quantities

    def __iter__(self):
        return iter(self._quantities.values())

    def quantity_of(self, symbol) -> Quantity:
        return self._by_symbol[symbol]

    def value(self, name):
        return self._quantities[name].value

    def notation(self) -> dict[str, tuple[str, str]]:
        """Symbol name → (text, LaTeX), for the printers."""
        return {q.name: (q.text, q.latex) for q in self}

    # --- forward ----------------------------------------------------------
    def evaluate(self):
        """Value of every defined quantity, in order; returns the graph."""
        for quantity in self:
            if quantity.formula is not None and quantity.value is None:
                quantity.value = self._compute(quantity)
        return self

    def _compute(self, quantity):
        bindings = self._bindings(quantity)
        if any(bindings[p.symbol] is None for p in quantity.parents):
            return None
        value = settle(explicit(quantity.formula, bindings))
        if shape_of(value) != quantity.shape:
            raise ShapeMismatch(f"{quantity.name}: formula gives {shape_of(value)}, expected {quantity.shape}")
        return value

    def _bindings(self, quantity):
        return {p.symbol: p.value for p in quantity.parents}

    def step(self, name, note: str = "") -> Evaluation:
        """`name = formula = numbers substituted = value`, as a step."""
        quantity = self[name]
        bindings = {s: v for s, v in self._bindings(quantity).items() if v is not None}
        return Evaluation(target=quantity.symbol, formula=quantity.formula, bindings=bindings,
                          value=quantity.value, note=note, inner=self._inner(quantity, bindings))

    def _inner(self, quantity, bindings):
        """The outermost function applied to its evaluated argument, if any."""
        formula = quantity.formula
        if quantity.value is None or len(bindings) != len(quantity.parents):
            return None
        if isinstance(formula, ElementwiseApplyFunction) and not isinstance(formula.expr, MatrixSymbol):
            return ElementwiseApplyFunction(formula.function, settle(explicit(formula.expr, bindings)))
        if isinstance(formula, sympy.Function) and len(formula.args) == 1 and not formula.args[0].is_Symbol:
            return formula.func(settle(explicit(formula.args[0], bindings)), evaluate=False)
        return None

    def steps(self, names) -> list[Evaluation]:
        return [self.step(n) for n in names]

    def figure(self, caption: str = "", names=None) -> ComputationGraph:
        """The computation graph as a step that printers draw as a figure.

        One node per quantity, carrying its name, LaTeX, forward value and,
        when `backward()` has run, its gradient (the value of `dL_d<name>`;
        the loss itself gets 1).  Edges go from each quantity to the ones
        whose formulas use it, in definition order (data-flow order).

        `names`: the quantities to draw, in any order (drawn in graph order).
        By default, after `backward()`: the loss and everything it depends on
        (not the adjoints, nor what was computed after, such as an update
        step); before it: every quantity.
        Call it after `backward()` (if any) and then `evaluate()`, so that the
        values and gradients are known; unknown ones are drawn as "?".
        """
        loss = self.loss
        if names is None:
            chosen = [q for q in self if q.kind != "adjoint"]
            if loss is not None:
                chosen = self._ancestors(loss)
        else:
            missing = [n for n in names if n not in self._quantities]
            if missing:
                raise GraphError(f"figure: no quantity named {', '.join(map(repr, missing))}")
            chosen = [q for q in self if q.name in set(names)]
        keep = {q.name for q in chosen}
        nodes = tuple(GraphNode(q.name, q.latex, q.text, q.value, self._gradient_of(q, loss), q.kind)
                      for q in chosen)
        edges = tuple((p.name, q.name) for q in chosen for p in q.parents if p.name in keep)
        return ComputationGraph(nodes, edges, caption)

    def _gradient_of(self, quantity, loss):
        adjoint = self.adjoint_name(quantity.name)
        if adjoint in self:
            return self[adjoint].value
        if quantity is loss:  # backward() seeds the loss's own gradient with 1
            return sympy.ImmutableMatrix([[1]]) if quantity.shape else sympy.Integer(1)
        return None

    # --- reverse ----------------------------------------------------------
    def adjoint_name(self, name: str) -> str:
        return f"d{self.loss_symbol}_d{name}"

    def backward(self, loss: str) -> list[str]:
        """Define ∂loss/∂q for every quantity the loss depends on.

        Returns the adjoint names in the order they were defined (from the
        loss back to the givens).
        """
        root = self[loss]
        if root.shape not in ((), (1, 1)):
            raise ShapeMismatch(f"backward: {loss} must be a scalar, it is {'×'.join(map(str, root.shape))}")
        self.loss = root
        ancestors = self._ancestors(root)
        consumers: dict[str, list[Quantity]] = {q.name: [] for q in ancestors}
        for q in ancestors:
            for p in q.parents:
                consumers[p.name].append(q)
        seed = sympy.Identity(1) if root.shape else sympy.Integer(1)
        adjoint_symbol = {root.name: seed}
        defined = []
        templates: dict = {}
        for q in reversed(ancestors):
            if q is root:
                continue
            contributions = [_vjp(c.formula, q.symbol, adjoint_symbol[c.name], c.symbol, templates)
                             for c in consumers[q.name]]
            formula = _total(contributions, q.symbol)
            name = self.adjoint_name(q.name)
            adjoint_symbol[q.name] = self.define(
                name, formula, kind="adjoint",
                latex=rf"\frac{{\partial {self.loss_symbol}}}{{\partial {q.latex}}}",
                text=f"∂{self.loss_symbol}/∂{q.text}")
            defined.append(name)
        return defined

    def _ancestors(self, root: Quantity) -> list[Quantity]:
        """Quantities the root depends on (root included), in graph order."""
        seen = {root.name}
        stack = [root]
        while stack:
            for p in stack.pop().parents:
                if p.name not in seen:
                    seen.add(p.name)
                    stack.append(p)
        return [q for q in self if q.name in seen]


def _vjp(formula, wrt, cotangent, output, templates=None):
    """`vjp`, memoised by formula shape for matrix quantities.

    An unrolled network repeats a handful of matrix formula shapes (the same
    gate at every step), and SymPy's matrix rewrite strategies behind
    `MatMul(...).doit()` are slow.  So the formula, the symbol differentiated
    against, the cotangent and the output are renamed to placeholders of the
    same shapes, the template's product is derived once, and each step's own
    symbols are put back.  The placeholders are numbered in the sort order of
    the symbols they stand for, so every canonical ordering SymPy makes
    (terms of a sum, factors of a product) is the one it makes for the real
    symbols: the result is the same expression as an unmemoised `vjp`.
    Scalar formulas keep `local_derivative`'s own memo.

    `templates` remembers each consumer's template across the quantities it
    uses (a loss summed over T steps is renamed once, not T times)."""
    if wrt not in formula.free_symbols:
        return None
    if not (is_matrix(formula) or is_matrix(wrt)):
        return vjp(formula, wrt, cotangent, output)
    whole = (formula, cotangent, output)
    template = templates.get(whole) if templates is not None else None
    if template is None:
        template = _template(formula, cotangent, output)
        if templates is not None:
            templates[whole] = template
    if template is False:
        return vjp(formula, wrt, cotangent, output)
    to_template, back, key = template
    key = (key[0], to_template[wrt]) + key[1:]
    if key in _PRODUCTS:
        product = _PRODUCTS[key]
    else:
        product = vjp(*key)
        if len(_PRODUCTS) < 4096:
            _PRODUCTS[key] = product
    return None if product is None else product.xreplace(back)


def _template(formula, cotangent, output):
    """(symbol → placeholder, placeholder → symbol, (template formula,
    template cotangent, template output)), or False when a symbol has no
    placeholder (a symbolic shape, a symbol of another kind)."""
    symbols = formula.free_symbols | {output} | getattr(cotangent, "free_symbols", set())
    if not all(_templatable(s) for s in symbols):
        return False
    ordered = sorted(symbols, key=sympy.default_sort_key)
    to_template = {s: _template_symbol(i, s) for i, s in enumerate(ordered)}
    # Each element-wise function is a Lambda over a Dummy of its own, which
    # would make every step's formula a new shape: number the bound variables too.
    bound = sorted({f.variables[0] for f in formula.atoms(sympy.Lambda) if len(f.variables) == 1},
                   key=sympy.default_sort_key)
    to_template.update({v: _bound_symbol(i, v) for i, v in enumerate(bound)})
    back = {t: s for s, t in to_template.items()}
    return to_template, back, (formula.xreplace(to_template), cotangent.xreplace(to_template), to_template[output])


_PRODUCTS: dict = {}


def forget_products():
    """Empty the memo of matrix vector–Jacobian products (benchmarks measure from cold)."""
    _PRODUCTS.clear()


def _templatable(symbol) -> bool:
    if type(symbol) is sympy.Symbol:
        return True
    return type(symbol) is MatrixSymbol and all(isinstance(n, sympy.Integer) for n in symbol.shape)


def _bound_symbol(index, like):
    """The index-th placeholder of a bound variable, with `like`'s name and assumptions."""
    key = (index, like.name, tuple(sorted(like.assumptions0.items())))
    if key not in _BOUND:
        _BOUND[key] = sympy.Dummy(like.name, **like.assumptions0)
    return _BOUND[key]


_BOUND: dict = {}


def _template_symbol(index, like):
    """The index-th placeholder: a symbol of the same kind, shape and
    assumptions as `like`, named so that placeholders sort by index."""
    name = f"_{index:05d}"
    if type(like) is MatrixSymbol:
        return MatrixSymbol(name, *like.shape)
    return sympy.Symbol(name, **like.assumptions0)


def _total(contributions, symbol):
    present = [c for c in contributions if c is not None]
    if not present:
        return sympy.ZeroMatrix(*symbol.shape) if is_matrix(symbol) else sympy.Integer(0)
    if len(present) == 1:
        return present[0]
    if all(is_matrix(c) for c in present):
        return sympy.MatAdd(*present)
    return sympy.Add(*present)


def _sorted(symbols):
    return sorted(symbols, key=lambda s: s.name)


def _latex_name(name: str) -> str:
    """`W_h1x1` → `W_{h1x1}`; `ctilde_1` → `\\tilde{c}_{1}`."""
    head, _, tail = name.partition("_")
    if head.endswith("tilde"):
        head = rf"\tilde{{{head[:-5]}}}"
    elif head.endswith("hat"):
        head = rf"\hat{{{head[:-3]}}}"
    if tail:
        tail = tail.replace("_", ",")
        return f"{head}_{{{tail}}}"
    return head


def _text_name(name: str) -> str:
    """`ctilde_1` → `c̃_1`, `yhat` → `ŷ`."""
    head, sep, tail = name.partition("_")
    if head.endswith("tilde"):
        head = head[:-5] + "\u0303"
    elif head.endswith("hat"):
        head = head[:-3] + "\u0302"
    return head + sep + tail
