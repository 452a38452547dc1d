"""Binding the names of a hand derivation to a problem's quantities.

The engine's values are SymPy objects made by the engine (trusted); the
checker turns numbers into intervals and keeps symbolic answers (the KL
closed form) as expressions that the evaluator evaluates at random points.
"""
from __future__ import annotations

import re
from fractions import Fraction

import sympy
from mpmath import iv

from derive.catalog import find, solve
from derive.checking.compare import INDEX_NAMES, Evaluator, Matrix, Unbound, scalar_or_matrix
from derive.checking.normalise import normalise, spelling
from derive.checking.parse import Side, canonical



def squash(latex: str) -> str:
    """A side's text with spacing and \\left/\\right removed, to match whole-side aliases."""
    try:
        latex = spelling(latex)
    except Exception:
        pass
    latex = re.sub(r"\\(left|right)(?=[()\[\].|])", "", latex)
    latex = re.sub(r"\\[,;!: ]", "", latex)
    return re.sub(r"\s+", "", latex).replace(r"\left.", "").replace(r"\right.", "")


def engine_value(value):
    """An engine answer as intervals, or the SymPy expression when symbolic;
    None for what has no value to compare (claims true/false, sets)."""
    if isinstance(value, bool) or isinstance(value, sympy.logic.boolalg.Boolean) and not isinstance(value, sympy.Expr):
        return None
    if isinstance(value, sympy.MatrixBase):
        if value.free_symbols:
            return value
        return scalar_or_matrix(Matrix([[_number(value[i, j]) for j in range(value.cols)]
                                        for i in range(value.rows)]))
    if isinstance(value, sympy.Basic):
        if value.free_symbols:
            return value
        return _number(value)
    if isinstance(value, (int, float)):
        return _number(sympy.Rational(str(value)) if isinstance(value, float) else sympy.Integer(value))
    if isinstance(value, list) and value:
        # givens: a list of rows, or a flat list read as a column
        rows = value if all(isinstance(row, list) for row in value) else [[v] for v in value]
        return scalar_or_matrix(Matrix([[engine_value(v) for v in row] for row in rows]))
    return None


def _number(value):
    value = sympy.nsimplify(value) if isinstance(value, float) else value
    if value.is_Rational:
        return iv.mpf(int(value.p)) / int(value.q)
    text = str(sympy.N(value, 40))
    return iv.mpf([text, text])


def _numbers(data, found):
    if isinstance(data, bool):
        return found
    if isinstance(data, (int, float)):
        found.add(Fraction(repr(data)) if isinstance(data, float) else Fraction(data))
    elif isinstance(data, dict):
        for value in data.values():
            _numbers(value, found)
    elif isinstance(data, (list, tuple)):
        for value in data:
            _numbers(value, found)
    return found


def _path(data, path):
    for key in path:
        data = data[key]
    return data


class Binding:
    """What one problem gives names in a hand derivation."""

    def __init__(self, problem: str):
        self.problem = problem
        self.solution = solve(problem)
        # the problem's own names for its quantities, as its hand solutions write them
        table = dict(find(problem).student_names())
        factory = table.pop("FUNCTIONS", None)
        self._symbols = None
        self.values: dict[str, object] = {}
        #: name → what it stands for, so that δ_{h1} and δ_{h_1} are one quantity
        self.identities: dict[str, str] = {}
        self.choices: dict[str, tuple[str, ...]] = {}
        self.sequences: dict[str, tuple] = {}
        self.function_specs: dict[str, tuple] = {}
        self.side_aliases: dict[str, str] = {}
        self.exact = frozenset(_numbers(self.solution.given or {}, set()))
        answers = self.solution.answers
        functions = factory() if factory else {}
        self.function_names = tuple(functions)
        for key, answer in answers.items():
            try:
                value = engine_value(answer.expr)
            except (TypeError, ValueError, AttributeError):  # an answer with no number to compare
                value = None
            for name in (key, canonical(answer.latex), self._spelled(answer.latex)):
                self.values.setdefault(name, value)
                self.identities.setdefault(name, key)
        # every quantity of the solution's graphs, not only its answers (answers win a name):
        # a hand derivation names intermediates too (Ã = A + I, z₁, δ)
        for key, quantity in self.solution.quantities.items():
            if quantity.value is None or quantity.kind == "given" or getattr(quantity.value, "free_symbols", None):
                # givens are bound by their paths (their letters double as dummies); a symbolic
                # intermediate (O = X ⋆ F) would be compared with notation the line may not share
                continue
            try:
                value = engine_value(quantity.value)
            except (TypeError, ValueError, AttributeError):
                continue
            for name in (key, canonical(quantity.latex), self._spelled(quantity.latex)):
                if name not in self.values:
                    self.values[name] = value
                    self.identities[name] = key
        self._forget_family_names(find(problem))
        for written, (_, builder) in functions.items():
            name = self._name(written)
            self.function_specs[name] = builder()
            # the bare name is the function's expression in the author's variables
            self.values[name] = self.function_specs[name][1]
        for written, spec in table.items():
            self._bind(written, spec, answers)

    def _forget_family_names(self, problem):
        """An instance of a family (mlp-backprop-step of mlp) also has the
        family's generic answers (z_1, a_2 for whole layers). Where its
        statement never writes that letter with a subscript, a student's z_2
        is their own quantity, not the family's: it is not bound."""
        if not problem.family or problem.family == problem.name or not self.solution.statement:
            return
        written = set(re.findall(r"(?<![A-Za-z])([A-Za-z])(?:_|[\u2080-\u2089])", self.solution.statement))
        for name in [n for n in self.values if re.fullmatch(r"[A-Za-z]_\{?\w+\}?", n)]:
            if name[0] not in written and self.identities.get(name, name) in self.solution.answers:
                del self.values[name]
                self.identities.pop(name, None)

    def _spelled(self, latex: str) -> str:
        try:
            return self._name(latex)
        except Exception:  # an engine label the normaliser does not take
            return canonical(latex)

    def name_of(self, written: str) -> str:
        """The canonical name of a written name, as this binding keys it."""
        return self._name(written)

    def _name(self, written: str) -> str:
        # the normaliser alone gives a name's canonical form; no parse needed
        return canonical(normalise(written, self.function_names).latex)

    def _bind(self, written, spec, answers):
        if isinstance(spec, tuple) and spec[0] == "sequence":
            self.sequences[canonical(written)] = spec[1]()
            return
        name = self._name(written) if "(" not in written else None
        if name is None:
            self.side_aliases[squash(written)] = spec
            if isinstance(spec, tuple) and spec[0] == "choose":
                self.choices[squash(written)] = spec[1:]
            return
        # a name the grammar would read otherwise (h_1^1 as a power) still names the whole side
        self.side_aliases.setdefault(squash(written), spec)
        if isinstance(spec, tuple) and spec[0] == "choose":
            self.choices[name] = spec[1:]
        elif isinstance(spec, tuple) and spec[0] == "same":
            if self._name(spec[1]) != name:  # \mathbf{w} and w are one name already
                self.values[name] = ("same", self._name(spec[1]))
                self.identities[name] = self._name(spec[1])
        else:
            self.values[name] = self.resolve(spec, answers)
            self.identities[name] = spec if isinstance(spec, str) else ":".join(map(str, spec))

    def resolve(self, spec, answers=None):
        answers = answers if answers is not None else self.solution.answers
        if isinstance(spec, str):
            return engine_value(answers[spec].expr)
        if spec[0] == "given":
            return engine_value(_path(self.solution.given, spec[1:]))
        if spec[0] == "answer":
            return engine_value(answers[spec[1]].expr[spec[2], spec[3]])
        if spec[0] == "transpose":
            return engine_value(answers[spec[1]].expr.T)
        if spec[0] == "expression":  # engine-made SymPy, evaluated at the line's random points
            return spec[1]()
        raise ValueError(f"unknown alias {spec!r}")

    def knows_symbol(self, name: str) -> bool:
        """Whether a name is one of the problem's own symbols (μ_1 in the KL,
        k_3 of the receptive field's k_i), as opposed to one the author made up."""
        if self._symbols is None:
            symbols, bases = set(), set()
            expressions = [a.expr for a in self.solution.answers.values()]
            expressions += [expr for _, expr in self.function_specs.values()]
            expressions += [expr for _, expr in self.sequences.values()]
            expressions += [value for value in self.values.values() if isinstance(value, (sympy.Basic, sympy.MatrixBase))]
            for params, _ in self.function_specs.values():
                symbols |= {canonical(p.name) for p in params}
            for expr in expressions:
                if isinstance(expr, (sympy.Basic, sympy.MatrixBase)):
                    symbols |= {canonical(s.name) for s in expr.free_symbols if hasattr(s, "name")}
                    bases |= {str(b.label) for b in getattr(expr, "atoms", lambda *a: set())(sympy.IndexedBase)}
            self._symbols = (symbols, bases)
        symbols, bases = self._symbols
        return name in symbols or name.split("_")[0] in bases or self.rename(name) in symbols

    def rename(self, name: str) -> str:
        value = self.values.get(name)
        if isinstance(value, tuple) and value and value[0] == "same":
            return value[1]
        return name

    def identity(self, name: str) -> str:
        return self.identities.get(name, name)

    # --- used by the evaluator --------------------------------------------------
    def lookup(self, name: str, context, depth: int = 0):
        if depth > 5:
            return None
        value = self.sequence(name, context)
        if value is not None:
            return value
        value = self.values.get(name)
        if isinstance(value, tuple) and value and value[0] == "same":
            return self.lookup(value[1], context, depth + 1)
        if value is None:
            return None
        if isinstance(value, (sympy.Basic, sympy.MatrixBase)):
            return self.symbolic(value, context)
        return value

    def symbolic(self, expr, context, locals_=None):
        saved = dict(context.locals)
        context.locals.update(locals_ or {})
        try:
            return scalar_or_matrix(Evaluator(Side("", expr, [], [], []), context).run(expr))
        finally:
            context.locals = saved

    def sequence(self, name: str, context):
        m = re.fullmatch(r"(.+?)_(.+)", name)
        if m is None or m.group(1) not in self.sequences:
            return None
        index_symbol, expr = self.sequences[m.group(1)]
        index = index_value(m.group(2), context)
        if index is None:
            return None
        return self.symbolic(expr, context, {index_symbol.name: iv.mpf(index)})

    def functions(self):
        return {name: self._apply(name) for name in self.function_specs}

    def _apply(self, name):
        params, expr = self.function_specs[name]

        def apply(args, context):
            if len(args) == 1 and isinstance(args[0], Matrix) and len(params) > 1:
                args = args[0].entries()
            if len(args) != len(params):
                raise Unbound(name)
            return self.symbolic(expr, context, {p.name: a for p, a in zip(params, args)})
        return apply


def index_value(text: str, context) -> int | None:
    """The value of a subscript such as 2, n or n-1."""
    m = re.fullmatch(r"([A-Za-z]?)([+-]\d+)?|(\d+)", text)
    if m is None:
        return None
    if m.group(3):
        return int(m.group(3))
    letter, offset = m.group(1), int(m.group(2) or 0)
    if not letter:
        return None
    value = context.locals.get(letter)
    if value is None and context.randoms is not None and letter in INDEX_NAMES:
        value = context.randoms.setdefault(letter, iv.mpf(3 + getattr(context.randoms, "trial", 0) % 100))
    if value is None:
        return None
    return int(value.a) + offset
