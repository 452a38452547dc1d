"""A problem file as a catalog `Problem`: its graph, steps and answers.

The givens become the graph's given quantities (numbers are scalars, lists
column vectors, lists of rows matrices), each formula is read by
`derive.reading` (through the array adapter of `formulas`) over the
symbols defined before it and becomes a defined quantity, and from there
everything is the engine's own: forward evaluation step by step, reverse
mode by `Graph.backward`, closed forms by `derive.nn.backprop`, figures by
`Graph.figure`, exactly as the catalog's problems use them.

Answer keys: each quantity by its name; `dL_d<name>` for each gradient
asked; `<name>_new` for each parameter a step updates and `<loss>_new` for
the loss after it; `dL_d<name>_rule` for each closed form.
"""
from __future__ import annotations

import copy
import math as _math

import sympy

from derive.catalog import Problem
from derive.core.graph import Graph
from derive.core.matrices import ShapeMismatch, explicit, shape_of
from derive.core.numbers import PRECISION, exact, matrix, settle
from derive.core.steps import Remark
from derive.errors import InputError
from derive.problemfile import names as spelling
from derive.problemfile.spec import Spec, check_dependencies, shape_of_value
from derive.problemfile.variants import draw_givens
from derive.reading import ReadError, canonical

CONVENTION = ("Denominator layout: ∂L/∂W has the shape of W, so for z = W x the gradient is ∂L/∂W = ∂L/∂z · xᵀ "
              "and ∂L/∂x = Wᵀ · ∂L/∂z.")
#: The largest count a sum's range may end at (\\sum_{i=1}^{m} with m given).
MAX_COUNT = 1000
#: A rational value stays exact up to this many bits of numerator or denominator.
EXACT_BITS = 128
#: How many names an "unknown name" message lists.
LISTED = 12


def describe(shape) -> str:
    return "a scalar" if not shape else "×".join(map(str, shape))


class FileProblem:
    """The problem of one validated file; `problem()` is its catalog entry."""

    def __init__(self, spec: Spec, name: str):
        self.spec = spec
        self.name = name
        self._formulas: dict[tuple, dict] = {}
        # A file's mistakes are found when it is loaded, not when it is solved:
        # read every formula over the file's own givens now.
        self.check(self.given_values(None))

    # --- the catalog entry ------------------------------------------------------
    def problem(self) -> Problem:
        spec = self.spec
        return Problem(
            name=self.name, title=spec.title or _title_of(spec.path), source=spec.source or f"problem file {spec.path}",
            build=self.build, given={n: g.value for n, g in spec.givens.items()}, statement=self.statement(),
            random_given=self.random_given if spec.random else None, names=self.student_names,
            convention=CONVENTION if any(g.shape for g in spec.givens.values()) else "",
            variant_title=spec.title or _title_of(spec.path))

    def statement(self) -> str:
        spec = self.spec
        if spec.statement:
            return spec.statement
        asked = [spelling.text(n) for n in spec.values]
        text = f"Compute {_listed(asked)}" if asked else "Compute the quantities"
        if spec.loss:
            text += (f"; then the gradients of {spelling.text(spec.loss)} with respect to "
                     f"{_listed([spelling.text(n) for n in spec.wrt])}")
        if spec.update:
            text += (f", and one gradient-descent step on {_listed([spelling.text(n) for n in spec.update])} "
                     f"with learning rate {spec.lr}")
        return text + ". The givens are as stated."

    def random_given(self, rng) -> dict:
        defaults = {n: copy.deepcopy(g.value) for n, g in self.spec.givens.items()}
        return draw_givens(defaults, self.spec.random, rng)

    def student_names(self) -> dict:
        """Each given as students write it → its value (answers bind themselves)."""
        table = {}
        for name in self.spec.givens:
            for written in spelling.spellings(name):
                table.setdefault(written, ("given", name))
        return table

    # --- givens -----------------------------------------------------------------
    def given_values(self, given) -> dict:
        """name → exact SymPy value, from the file's givens and `given` (a
        --given object, which may change some of them)."""
        spec = self.spec
        raw = {n: g.value for n, g in spec.givens.items()}
        where = spec.path
        if given is not None:
            if not isinstance(given, dict):
                raise InputError(f"givens of {where}: expected an object of givens")
            for key in given:
                if key not in raw:
                    raise InputError(f"givens of {where}: unknown given {key!r}; the file's givens are "
                                     f"{_listed(list(raw), LISTED)}")
            raw.update(given)

        def fail(key, what):
            raise InputError(f"{where}: {key}: {what}")

        values = {}
        for name, value in raw.items():
            key = f"given.{name}"
            shape = shape_of_value(value, key, fail)
            values[name] = exact(value, key) if not shape else matrix(value, key)
        return values

    # --- reading the formulas ---------------------------------------------------
    def formulas(self, values: dict) -> dict:
        """name → SymPy formula over the givens' and earlier quantities' symbols
        (read once for each set of shapes)."""
        shapes = tuple((n, shape_of(v), _count(v)) for n, v in values.items())
        if shapes not in self._formulas:
            self._formulas[shapes] = self._read(values)
        return self._formulas[shapes]

    def _read(self, values: dict) -> dict:
        spec = self.spec
        symbols = {}
        for name, value in values.items():
            shape = shape_of(value)
            symbols[name] = sympy.MatrixSymbol(name, *shape) if shape else sympy.Symbol(name, real=True)
        known = {written: symbols[n] for n in symbols for written in spelling.spellings(n)}
        counts = {canonical(written): _count(v) for n, v in values.items() if _count(v) is not None
                  for written in spelling.spellings(n)}
        formulas = {}
        for name, formula in spec.quantities.items():
            key = f"quantities.{name}"
            try:
                expr = _read(formula.latex, known, counts)
            except ReadError as error:
                raise InputError(f"{spec.path}: {key}: {self._explained(error, name)}") from None
            except ShapeMismatch as error:
                raise InputError(f"{spec.path}: {key}: {error}") from None
            if isinstance(expr, sympy.Tuple):
                raise InputError(f"{spec.path}: {key}: a list of values (a comma outside parentheses?); "
                                 "a quantity is one number, vector or matrix")
            if not isinstance(expr, (sympy.Expr, sympy.MatrixBase, sympy.MatrixExpr)):
                raise InputError(f"{spec.path}: {key}: not a number, vector or matrix")
            if isinstance(expr, sympy.MatrixBase):
                expr = sympy.ImmutableMatrix(expr)
            formulas[name] = expr
            shape = shape_of(expr)
            symbol = sympy.MatrixSymbol(name, *shape) if shape else sympy.Symbol(name, real=True)
            symbols[name] = symbol
            for written in spelling.spellings(name):
                known[written] = symbol
        return formulas

    def _explained(self, error: ReadError, name: str) -> str:
        message = str(error)
        if error.message.startswith("unknown name "):
            order = list(self.spec.quantities)
            earlier = list(self.spec.givens) + order[:order.index(name)]
            message += f"; the names it may use are {_listed(earlier, LISTED)}"
        return message

    def check(self, values: dict):
        """Read the formulas on these givens and check what the asks need."""
        spec = self.spec
        formulas = self.formulas(values)
        check_dependencies(spec)
        if spec.loss is not None:
            shape = shape_of(formulas[spec.loss])
            if shape not in ((), (1, 1)):
                raise InputError(f"{spec.path}: ask.gradients.of: {spec.loss} is {describe(shape)}; a gradient is "
                                 "of a scalar (a loss), such as \\frac{1}{2} \\lVert h - y \\rVert^2")
        return formulas

    # --- building the solution ----------------------------------------------------
    def build(self, solution, given):
        spec = self.spec
        values = self.given_values(given)
        formulas = self.check(values)
        graph = solution.keep(Graph())
        symbols = {}
        for name, value in values.items():
            symbols[name] = graph.given(name, value, latex=spelling.latex(name), text=spelling.text(name))
        for name, formula in formulas.items():
            symbols[name] = graph.define(name, formula, latex=spelling.latex(name), text=spelling.text(name))
        self._evaluate(graph)
        self._forward(solution, graph)
        if spec.loss is None:
            return solution
        self._gradients(solution, graph)
        if spec.update:
            self._step(solution, graph, values, formulas)
        if spec.symbolic:
            self._closed_forms(solution, graph)
        return solution

    def _evaluate(self, graph):
        """Every value, in order. Rationals stay exact (0.1 + 0.2 = 0.3); any
        other number becomes a 30-digit decimal, since the givens were typed as
        decimals (√1.50001 reads better as 1.22475 than as √150001/100)."""
        try:
            for quantity in graph:
                if quantity.formula is not None and quantity.value is None:
                    bindings = {p.symbol: p.value for p in quantity.parents}
                    if any(v is None for v in bindings.values()):
                        continue
                    try:
                        quantity.value = _decimal(settle(explicit(quantity.formula, bindings)))
                    except InputError as error:  # a log-probability of a number outside (0, 1]
                        section = "quantities" if quantity.name in self.spec.quantities else "ask"
                        raise InputError(f"{self.spec.path}: {section}.{quantity.name}: {error}") from None
                    if shape_of(quantity.value) != quantity.shape:
                        raise ShapeMismatch(f"{quantity.name}: the formula gives {describe(shape_of(quantity.value))}, "
                                            f"expected {describe(quantity.shape)}")
        except ShapeMismatch as error:
            raise InputError(f"{self.spec.path}: {error}") from None
        for quantity in graph:
            if quantity.kind != "given" and not _finite(quantity.value):
                section = "quantities" if quantity.name in self.spec.quantities else "ask"
                raise InputError(
                    f"{self.spec.path}: {section}.{quantity.name}: the value is not a finite real number; check the "
                    "givens (a logarithm of a number ≤ 0, a square root of a negative number, a division by zero?)")

    def _forward(self, solution, graph):
        spec = self.spec
        shown = [spelling.text(n) for n in spec.quantities]
        part = solution.part("a", f"Forward pass: {_listed(shown)}, in order.")
        for name in spec.quantities:
            part.steps.append(graph.step(name))
        for name in spec.values:
            part.answer(name, graph.value(name), graph[name].latex)

    def _gradients(self, solution, graph):
        spec = self.spec
        loss = graph[spec.loss]
        graph.backward(spec.loss)
        for quantity in graph:
            if quantity.kind == "adjoint":
                target = graph[quantity.name[len("dL_d"):]]
                quantity.latex = rf"\frac{{\partial {loss.latex}}}{{\partial {target.latex}}}"
                quantity.text = f"∂{loss.text}/∂{target.text}"
        _in_quantities(graph)
        self._evaluate(graph)
        wanted = [graph.adjoint_name(n) for n in spec.wrt]
        part = solution.part("b", f"Backward pass: the gradients of {loss.text} with respect to "
                                  f"{_listed([spelling.text(n) for n in spec.wrt])}, by reverse mode over the graph.")
        for name in _needed(graph, wanted):
            part.steps.append(graph.step(name))
        for name, adjoint in zip(spec.wrt, wanted):
            part.answer(adjoint, graph.value(adjoint), graph[adjoint].latex)
        part.steps.append(graph.figure(f"forward values and the gradients of {loss.text}"))

    def _step(self, solution, graph, values, formulas):
        spec = self.spec
        eta_name = next(n for n in ("eta", "lr", "eta_lr", "eta_step") if n not in graph)
        eta = graph.given(eta_name, exact(spec.lr, "ask.step.lr"), latex=r"\eta", text="η")
        part = solution.part("c", f"One gradient-descent step on {_listed([spelling.text(n) for n in spec.update])} "
                                  f"with learning rate η = {spec.lr}, and {spelling.text(spec.loss)} after it.")
        for name in spec.update:
            old, gradient = graph[name].symbol, graph[graph.adjoint_name(name)].symbol
            graph.define(f"{name}_new", old - eta * gradient, latex=_new(graph[name].latex),
                         text=f"{graph[name].text}_new")
        self._evaluate(graph)
        for name in spec.update:
            part.steps.append(graph.step(f"{name}_new"))
            part.answer(f"{name}_new", graph.value(f"{name}_new"), graph[f"{name}_new"].latex)
        after = solution.keep(Graph(), givens=False)
        renamed = {}
        for name, value in values.items():
            updated = name in spec.update
            renamed[graph[name].symbol] = after.given(
                f"{name}_new", graph.value(f"{name}_new") if updated else value,
                latex=_new(graph[name].latex) if updated else graph[name].latex, text=graph[name].text)
        for name, formula in formulas.items():
            renamed[graph[name].symbol] = after.define(f"{name}_new", formula.xreplace(renamed),
                                                       latex=_new(graph[name].latex), text=f"{graph[name].text}_new")
        self._evaluate(after)
        key = f"{spec.loss}_new"
        part.steps.append(after.step(key))
        part.answer(key, after.value(key), after[key].latex)

    def _closed_forms(self, solution, graph):
        from derive.nn.backprop import closed_form, confirm
        spec = self.spec
        part = solution.part("d" if spec.update else "c",
                             "The gradients in closed form: each adjoint substituted until only forward quantities "
                             "remain, then confirmed on the numbers.")
        part.steps.append(Remark("Reverse mode writes each gradient through the gradients after it; substituting them "
                                 "gives each in the forward quantities alone (denominator layout)."))
        for name in spec.wrt:
            adjoint = graph.adjoint_name(name)
            form = closed_form(graph, adjoint)
            relation, ok = confirm(graph, adjoint, form, reason="the adjoints substituted, then evaluated on the "
                                                                 "instance against reverse mode")
            part.steps.append(relation)
            if not ok:  # the engine disagrees with itself: a bug, never a user's error
                raise ValueError(f"the closed form of {adjoint} disagrees with reverse mode")
            part.answer(f"{adjoint}_rule", form, graph[adjoint].latex)


def _read(latex, known, counts):
    from derive.problemfile.formulas import read_formula
    return read_formula(latex, known, counts)


def _count(value):
    """A scalar given that is a whole number from 1 to MAX_COUNT (a sum's range may end at it)."""
    if isinstance(value, sympy.Integer) and 1 <= int(value) <= MAX_COUNT:
        return int(value)
    return None


def _in_quantities(graph):
    """Write the gradients in terms of the quantities: a forward formula that
    reappears in an adjoint (softmax(z), whose pullback is s ⊙ (g − 1 sᵀg))
    becomes the quantity it defines (p ⊙ (g − 1 pᵀg)), as σ′ is written
    σ(1 − σ). Values are unchanged: each quantity equals its formula."""
    table = {q.formula: q.symbol for q in graph if q.kind == "defined" and q.formula is not None
             and q.formula.free_symbols and not isinstance(q.formula, (sympy.Symbol, sympy.MatrixSymbol))}
    if not table:
        return
    for quantity in graph:
        if quantity.kind != "adjoint":
            continue
        formula = quantity.formula.xreplace(table)
        if formula == quantity.formula:
            continue
        quantity.formula = formula
        parents = []
        for symbol in sorted(formula.free_symbols, key=lambda s: s.name):
            try:
                parents.append(graph.quantity_of(symbol))
            except KeyError:
                pass
        quantity.parents = tuple(parents)


def _needed(graph, wanted) -> list:
    """The adjoints the wanted ones are computed from, in definition order."""
    seen, stack = set(wanted), list(wanted)
    while stack:
        for parent in graph[stack.pop()].parents:
            if parent.kind == "adjoint" and parent.name not in seen:
                seen.add(parent.name)
                stack.append(parent.name)
    return [q.name for q in graph if q.name in seen]


def _decimal(value):
    """Rationals stay exact while they are short; other numbers become decimals."""
    if isinstance(value, sympy.MatrixBase):
        return sympy.ImmutableMatrix(value.shape[0], value.shape[1], [_decimal(v) for v in value])
    if isinstance(value, sympy.Basic) and value.is_number and not value.is_Float:
        if not value.is_Rational or max(abs(value.p), value.q).bit_length() > EXACT_BITS:
            return value.evalf(PRECISION)
    return value


def _finite(value) -> bool:
    if value is None:
        return False
    entries = list(value) if isinstance(value, sympy.MatrixBase) else [value]
    for entry in entries:
        if not isinstance(entry, sympy.Basic) or not entry.is_number:
            return False
        try:
            number = complex(entry.evalf(30))
        except (TypeError, ValueError):
            return False
        if abs(number.imag) > 1e-25 * max(1.0, abs(number.real)) or not _math.isfinite(number.real):
            return False
    return True


def _new(latex: str) -> str:
    return rf"{{{latex}}}^{{\mathrm{{new}}}}"


def _listed(items, limit: int | None = None) -> str:
    items = list(items)
    if limit is not None and len(items) > limit:
        items = items[:limit] + ["…"]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _title_of(path: str) -> str:
    import os
    stem = os.path.splitext(os.path.basename(path))[0]
    return stem.replace("_", " ").replace("-", " ")

