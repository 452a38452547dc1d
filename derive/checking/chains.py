"""Checking one equation chain against the sides before it, the problem's
quantities, and what the author wrote on earlier lines.

Three worlds are kept apart. In the author's world a name has the value the
author last gave it (0.0993 for δ_ŷ, if that is what they wrote); in the
engine's world it has the engine's value; in the corrected world the
author's values stand except those of earlier wrong lines, which take the
engine's (names, and the decimals those lines ended on). A chain whose
sides disagree with each other is `wrong`, unless they agree once an earlier
error is corrected (the author used the right value and only wrote a wrong
one down). A chain that agrees with itself but not with the engine is
`carried` when its own formula, with the earlier errors corrected, gives the
engine's value (the difference is the earlier error's), and `wrong` otherwise.

This module runs inside the worker process: its inputs and outputs are
plain data (strings, tuples), never interval objects.
"""
from __future__ import annotations

import random
import re
from fractions import Fraction

from dataclasses import dataclass, field

import sympy
from mpmath import iv, mp

from derive.checking.bind import Binding, squash
from derive.checking import logic
from derive.checking.compare import (
    POINTS, Context, Matrix, TooLarge, Unbound, Unsupported, agree, describe, evaluate, multiply, rounds_like,
    scalar_or_matrix,
)
from derive.checking.normalise import readings
from derive.checking.parse import ParseError, Side, canonical, parse_side, placeholder

STATUSES = ("ok", "wrong", "carried", "unparsed", "unchecked")
#: first trial numbers of the random points tried: values in (0.6, 1.9), then in (0.05, 0.45)
RANGES = (0, 100)
#: stands for a side the problem names as a whole but the grammar cannot parse
ALIAS = "math{alias}"
#: taint keys that carry the engine's value of a decimal a wrong line ended on
FIX = "fix:"


@dataclass
class Outcome:
    status: str
    expected: str = ""
    message: str = ""
    #: name → frozen value the author gave it on this line
    defines: dict = field(default_factory=dict)
    #: names and literals that carry this line's error forward: text → line
    taints: dict = field(default_factory=dict)


# --- frozen values: mpmath intervals do not pickle ------------------------------

def freeze(value):
    value = scalar_or_matrix(value)
    if isinstance(value, Matrix):
        return ("m", tuple(tuple(freeze(v) for v in row) for row in value.rows))
    return ("s", value._mpi_[0], value._mpi_[1])


def thaw(frozen):
    if frozen[0] == "m":
        return Matrix([[thaw(v) for v in row] for row in frozen[1]])
    return iv.mpf([mp.make_mpf(frozen[1]), mp.make_mpf(frozen[2])])


# --- the worker-side state ---------------------------------------------------------

_BINDINGS: dict[str, Binding] = {}
_PARSED: dict[tuple, object] = {}


def binding(problem):
    if problem is None:
        return None
    if problem not in _BINDINGS:
        _BINDINGS[problem] = Binding(problem)
    return _BINDINGS[problem]


def parsed(text: str, functions):
    key = (text, functions)
    if key in _PARSED:
        return _PARSED[key]
    try:
        result = parse_side(text, functions)
    except ParseError as error:
        result = error
    if len(_PARSED) >= 5000:
        _PARSED.clear()  # before inserting: the entry just made must survive
    _PARSED[key] = result
    return result


def check_chain(problem, sides, line, author, taints, unchecked_relation="", start=1) -> Outcome:
    """author: name → frozen value; taints: text → origin line."""
    bound = binding(problem)
    functions = bound.function_names if bound else ()
    if unchecked_relation:
        return Outcome("unchecked", message=f"the relation {unchecked_relation} is not checked")
    if logic.is_boolean(sides):
        return check_boolean(bound, sides, author, start)
    kept_texts, parsed_sides, failures = [], [], []
    for i, text in enumerate(sides):
        side = parsed(text, functions)
        if isinstance(side, ParseError) and bound is not None and squash(text) in bound.side_aliases:
            # a whole side the problem names (p(y=0)) that the grammar cannot read
            side = Side(text, sympy.Symbol(ALIAS), [], [], [])
        if isinstance(side, ParseError):
            failures.append(f"side {i + 1} ({shorten(text)}): {side}")
            if i < start:
                start -= 1
            continue
        kept_texts.append(text)
        parsed_sides.append(side)
    if len(parsed_sides) < 2 or (failures and len(parsed_sides) - start < 1):
        return Outcome("unparsed", message="; ".join(failures) or "nothing to compare")
    outcome = Chain(bound, kept_texts, parsed_sides, line, author, taints, max(start, 1)).check()
    if failures:
        outcome.message += " (not parsed, so not checked: " + "; ".join(failures) + ")"
    return outcome


def check_boolean(bound, sides, author, start=1) -> Outcome:
    """A chain of Boolean formulas: adjacent sides must have one truth table;
    a bare name on the left is compared with the problem's answer of that name."""
    trees = []
    for i, text in enumerate(sides):
        try:
            trees.append(logic.parse(text))
        except logic.LogicError as error:
            return Outcome("unparsed", message=f"side {i + 1} ({shorten(text)}): {error}")
    if len(trees) < 2:
        return Outcome("unparsed", message="nothing to compare")
    definitions = {name[len("bool:"):]: frozen[1] for name, frozen in author.items() if frozen[0] == "b"}
    subject = trees[0][1] if trees[0][0] == "var" else None
    first = 1 if subject is not None else 0
    definitions.pop(subject, None)  # a name defined again is not its old value
    try:
        compared = []
        for j in range(max(first + 1, start), len(trees)):
            a, b = (logic.substitute(trees[k], definitions) for k in (j - 1, j))
            bits = logic.counterexample(a, b)
            if bits is not None:
                return Outcome("wrong", message=f"{shorten(sides[j - 1])} is {logic.value(a, bits)} but "
                                                f"{shorten(sides[j])} is {logic.value(b, bits)} at "
                                                f"{logic.describe_bits(bits)}")
            compared.append(sorted(logic.variables(a) | logic.variables(b)))
        last = logic.substitute(trees[-1], definitions)
        engine = _boolean_answer(bound, sides[0]) if subject is not None else None
        if engine is not None:
            key, tree = engine
            bits = logic.counterexample(last, tree)
            if bits is not None:
                return Outcome("wrong", message=f"{shorten(sides[-1])} is {logic.value(last, bits)} at "
                                                f"{logic.describe_bits(bits)}, where the engine's {key} is "
                                                f"{logic.value(tree, bits)}")
            compared.append(sorted(logic.variables(last) | logic.variables(tree)))
    except logic.LogicError as error:
        return Outcome("unchecked", message=str(error))
    defines = {"bool:" + subject: ("b", last)} if subject is not None else {}
    if not compared:
        return Outcome("unchecked", message=f"{shorten(sides[0])} is the author's own name: nothing to compare "
                                            f"with", defines=defines)
    names = sorted({name for group in compared for name in group})
    against = f", as the engine's {engine[0]}" if engine is not None else ""
    return Outcome("ok", message=f"the sides agree on all {2 ** len(names)} assignments of {', '.join(names)} "
                                 f"(truth table){against}", defines=defines)


def _boolean_answer(bound, text):
    """(key, tree) of the problem's Boolean answer that a name stands for, or None."""
    if bound is None:
        return None
    try:
        key = bound.identity(bound.name_of(text))
    except Exception:  # a name the normaliser does not take is no answer's name
        return None
    answer = bound.solution.answers.get(key) if isinstance(key, str) else None
    expr = getattr(answer, "expr", None)
    if not isinstance(expr, sympy.logic.boolalg.Boolean) or isinstance(expr, sympy.logic.boolalg.BooleanAtom):
        return None
    try:
        return key, logic.from_sympy(expr)
    except logic.LogicError:
        return None


def shorten(text, width=40):
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"


class Chain:
    """One equation chain: its sides as written and parsed, and what the
    lines before it left (the author's values, the taints of wrong lines)."""

    def __init__(self, bound, texts, sides, line, author, taints, start=1):
        self.bound = bound
        self.texts = texts
        self.sides = sides
        self.line = line
        # Boolean definitions ("b") are bits, not numbers: only check_boolean reads them
        self.author = {name: thaw(value) for name, value in author.items() if value[0] != "b"}
        self.taints = {key: value for key, value in taints.items() if not key.startswith(FIX)}
        #: decimal an earlier wrong line ended on → the engine's value of its quantity
        self.fixes = {key[len(FIX):]: thaw(value) for key, value in taints.items() if key.startswith(FIX)}
        #: the first side compared with the one before it (earlier ones were, on earlier lines)
        self.start = start
        #: loose readings the verdict relied on, reported with it
        self.notes: list[str] = []
        #: earlier wrong values the line did not use (it used the right ones): said when it is ok
        self.corrections: list[str] = []
        self.cache = {}
        self.reason = ""
        #: (side, world) → the names that took random values in it
        self.random_names = {}
        self.start = start
        # integrals are costly (quadrature): fewer random points
        integrals = any(side.expr.has(sympy.Integral) for side in sides)
        self.points = 2 if integrals else POINTS
        #: relative agreement at random points; quadrature is good to ~1e-6
        self.tolerance = 1e-5 if integrals else 1e-9

    # --- evaluation in the two worlds ----------------------------------------
    def context(self, world: str, randoms=None) -> Context:
        bound = self.bound

        def lookup(name):
            identity = self.identity(name)
            if world == "author" and identity in self.author:
                return self.author[identity]
            if world == "corrected" and identity in self.author and identity not in self.taints:
                return self.author[identity]
            value = bound.lookup(name, context) if bound is not None else None
            if value is None and world == "corrected" and identity in self.author:
                return self.author[identity]  # the engine has no value to correct it with
            return value
        context = Context(lookup, bound.exact if bound else frozenset(), randoms,
                          bound.functions() if bound else {}, bound.rename if bound else None)
        context.scope = (bound.problem if bound else None, world,
                         repr(sorted(self.author.items())) if world == "author" else "")
        if world == "corrected":
            context.literal_values = dict(self.fixes)
            context.scope = None  # depends on the taints too: integrals are not cached
        return context

    def identity(self, name):
        return self.bound.identity(name) if self.bound is not None else name

    def value(self, index: int, world="author", randoms=None):
        """(value, names used) of side `index`, or (exception, names); random
        points are deterministic per trial, so values are cached."""
        key = (id(self.sides[index]), world, None if randoms is None else getattr(randoms, "trial", -1))
        if key not in self.cache:
            self.cache[key] = self._value(index, world, randoms)
        return self.cache[key]

    def _value(self, index: int, world="author", randoms=None):
        side = self.sides[index]
        alias = self.side_alias(index)
        context = self.context(world, randoms)
        try:
            if alias is not None:
                if isinstance(alias, tuple) and alias[0] in ("choose", "same", "function", "sequence"):
                    raise Unbound(self.texts[index])
                value = self.bound.resolve(alias)
                if value is None:
                    raise Unbound(self.texts[index])
                if isinstance(value, (sympy.Basic, sympy.MatrixBase)):  # an answer in symbols
                    value = self.bound.symbolic(value, context)
                self.random_names[(index, world)] = set(context.random_used)
                return scalar_or_matrix(value), {squash(self.texts[index])}
            value = evaluate(side, context)
            self.random_names[(index, world)] = set(context.random_used)
            return value, context.used
        except (Unbound, Unsupported, ZeroDivisionError, ValueError, OverflowError) as error:
            return error, context.used

    def side_alias(self, index):
        if self.bound is None:
            return None
        return self.bound.side_aliases.get(squash(self.texts[index]))

    def subject(self) -> str | None:
        """The name the chain defines, when its first side is a bare name."""
        expr = self.sides[0].expr
        if isinstance(expr, sympy.Symbol) and expr.name == ALIAS:
            return squash(self.texts[0])
        if isinstance(expr, sympy.Symbol) and not self.sides[0].literals and placeholder(expr.name) is None:
            return canonical(expr.name)
        alias = self.side_alias(0)
        if alias is not None:
            return squash(self.texts[0])
        return None

    # --- the verdict -------------------------------------------------------------
    def check(self) -> Outcome:
        outcome = self.verdict()
        if outcome.status == "ok":
            self.cleared(outcome)
            self.notes += self.corrections
            for i in range(len(self.sides)):
                value, _ = self.value(i)
                if isinstance(value, Unsupported):
                    self.notes.append(f"side {i + 1} not evaluated: {value}")
        if self.notes and outcome.status in ("ok", "carried"):
            outcome.message += " (" + "; ".join(self.notes) + ")"
        return outcome

    def verdict(self) -> Outcome:
        subject = self.subject()
        known = subject is not None and self.engine_knows(subject)
        first = 1 if subject is not None else 0
        values = [self.value(i) for i in range(len(self.sides))]
        compared = False
        symbolic = []
        # the sides against each other, in the author's world
        for j in range(max(first, self.start, 1), len(self.sides)):
            if j - 1 < first:
                continue
            (a, _), (b, _) = values[j - 1], values[j]
            if isinstance(a, Exception) or isinstance(b, Exception):
                # both sides in symbols: compare at random points; a number
                # against symbols the problem does not know is not comparable
                if isinstance(a, Unbound) and isinstance(b, Unbound):
                    symbolic.append(j)
                continue
            compared = True
            if not agree(a, b):
                if self.reread(j - 1, j) or self.agrees_corrected(j - 1, j):
                    continue
                return self.disagreement(j, a, b, values)
        for j in symbolic:
            verdict = self.symbolic_pair(j - 1, j)
            if verdict is False:
                point = self.last_point  # a rereading tried below must not replace the point shown
                if self.reread(j - 1, j, symbolic=True):
                    verdict = True
                self.last_point = point
            if verdict is True:
                compared = True
            elif verdict is False:
                return self.disagreement_symbolic(j)
        too_large = next((v for v, _ in values if isinstance(v, TooLarge)), None)
        if known:
            return self.against_engine(subject, values, compared)
        if subject is not None and len(self.sides) > 1:
            return self.definition(subject, values, compared, too_large)
        if compared:
            return self.carried_arithmetic(None, values) or Outcome("ok", message="the sides agree")
        if too_large is not None:
            return Outcome("unchecked", message=f"refused: {too_large}")
        reason = self.reason or next((str(v) for v, _ in values if isinstance(v, Unsupported)), "")
        return Outcome("unchecked", message=f"nothing to compare with{': ' + reason if reason else ''}")

    def engine_knows(self, subject) -> bool:
        if self.bound is None:
            return False
        if subject in self.bound.choices:
            return True
        if self.side_alias(0) is not None:
            return True
        value, _ = self.value(0, world="engine")
        return not isinstance(value, Unbound) or subject in self.bound.values

    def tainted_inputs(self, indices) -> list[tuple[str, int]]:
        found = []
        for i in indices:
            _, used = self.value(i)
            names = set(used) | all_names(self.sides[i])
            for name in sorted(names):
                if self.identity(name) in self.taints:
                    label = self.taints.get("label:" + self.identity(name), name)
                    found.append((label, self.taints[self.identity(name)]))
            # a side that is one number only claims a value: the same number on a
            # wrong line before is a coincidence (b = -1.5 twice), not an error carried
            literals = [] if lone_literal(self.sides[i]) else self.sides[i].literals
            for literal in literals + cell_literals(self.sides[i]):
                if literal in self.taints:
                    found.append((literal, self.taints[literal]))
            if squash(self.texts[i]) in self.taints:
                found.append((shorten(self.texts[i]), self.taints[squash(self.texts[i])]))
            if not (lone_literal(self.sides[i]) or written_integer(self.texts[i])):
                for number in integers_in(self.texts[i]):
                    if INTEGER + number in self.taints and self.taints[INTEGER + number] is not None:
                        found.append((number, self.taints[INTEGER + number]))
        return found

    def disagreement(self, j, a, b, values) -> Outcome:
        expected = describe(a)
        written = self.texts[j]
        message = f"{shorten(self.texts[j - 1])} is {describe(a)}, not {shorten(written)}{entries_differing(b, a)}"
        if not isinstance(a, Matrix) and lone_literal(self.sides[j]):
            expected = rounds_like(a, lone_literal(self.sides[j]))
            message = f"{shorten(self.texts[j - 1])} = {describe(a)}, which rounds to {expected}, not {written}"
        hint = self.hint(j - 1, j, a, b)
        tainted = self.tainted_inputs(range(j))
        if tainted:
            message += f" (it uses {tainted[0][0]} from line {tainted[0][1]}, itself wrong)"
        subject = self.subject()
        return self.wrong(expected, message + hint, subject, values, tainted)

    def wrong(self, expected, message, subject, values, tainted, status="wrong", engine=None) -> Outcome:
        """A wrong or carried line: what it defines, and taints that point later
        lines at it (the line where the wrong value was stated)."""
        outcome = Outcome(status, expected, message)
        origin = self.line
        last = self.texts[-1]
        for literal in self.sides[-1].literals + cell_literals(self.sides[-1]):
            outcome.taints[literal] = origin
        if self.sides[-1].matrices:
            outcome.taints[squash(last)] = origin
        if (written := written_integer(last)) is not None:
            outcome.taints[INTEGER + written] = origin  # "66² = 4 365": a later 4 365 × 96 carries it
        if subject is not None:
            outcome.taints[self.identity(subject)] = origin
            outcome.taints["label:" + self.identity(subject)] = subject_text(self.texts[0])
            self.define(outcome, subject, values)
            self.record_fix(outcome, subject, engine)
        return outcome

    def record_fix(self, outcome, subject, engine=None):
        """For a line ending on a wrong decimal: the engine's value of its quantity,
        which that decimal stands for in the corrected world of later lines."""
        literal = lone_literal(self.sides[-1])
        if not literal:
            return
        if engine is None and self.bound is not None and self.engine_knows(subject):
            engine = self.engine_value(subject)
        engine = scalar_or_matrix(engine) if engine is not None else None
        if not hasattr(engine, "_mpi_"):  # none, an exception, a matrix: no number to stand for
            return
        outcome.taints[FIX + literal.lstrip("-")] = freeze(-engine if literal.startswith("-") else engine)

    def cleared(self, outcome):
        """An `ok` line that states its subject rightly clears the subject's
        taint (and that of the decimal it ends on): later lines use a right value."""
        subject = self.subject()
        if subject is None:
            return
        identity, literal = self.identity(subject), lone_literal(self.sides[-1]).lstrip("-")
        if identity in self.taints:
            outcome.taints[identity] = outcome.taints["label:" + identity] = None
        if literal in self.taints:
            outcome.taints[literal] = None
        if literal in self.fixes:
            outcome.taints[FIX + literal] = None

    def define(self, outcome, subject, values):
        """The author's value of `subject` from the chain's last side; a side
        in symbols (an exception, or no value) defines no number."""
        value = values[-1][0] if values else None
        if value is not None and not isinstance(value, Exception):
            outcome.defines[self.identity(subject)] = freeze(value)

    def against_engine(self, subject, values, compared) -> Outcome:
        engine = self.engine_value(subject)
        claim_index = max((i for i in range(1, len(values)) if not isinstance(values[i][0], Exception)),
                          default=None)
        if claim_index is None or isinstance(engine, Exception):
            return self.symbolic_against_engine(subject, values, compared)
        claim = values[claim_index][0]
        if agree(claim, engine):
            outcome = Outcome("ok", message=f"{subject_text(self.texts[0])} = {describe(engine)} as the engine finds")
            self.define(outcome, subject, values)
            return outcome
        anchor = self.rounded_anchor(values, engine, claim_index)
        if anchor is not None:
            outcome = Outcome("ok", message=f"{subject_text(self.texts[0])} = {describe(engine)}; the line's "
                                            f"{shorten(self.texts[claim_index])} differs only by the rounding of "
                                            f"{anchor} on earlier lines")
            self.define(outcome, subject, values)
            return outcome
        if self.opposite_convention(subject, claim, engine):
            outcome = Outcome("ok", message=f"{subject_text(self.texts[0])} = {describe(claim)}: the engine's δ is "
                                            f"{describe(engine)}, defined with the opposite sign (δ = −∂L/∂z); "
                                            f"both conventions are in use")
            self.define(outcome, subject, values)
            return outcome
        tainted = self.tainted_inputs(range(1, len(self.sides)))
        expected = describe(engine)
        if not isinstance(claim, Matrix) and lone_literal(self.sides[claim_index]):
            expected = rounds_like(engine, lone_literal(self.sides[claim_index]))
        tainted += self.restated(subject, claim)
        explained, corrected = self.explained(engine, claim_index) if tainted else (False, None)
        if tainted and explained is not False:
            verified = any(not isinstance(values[i][0], Exception) for i in range(1, claim_index))
            how = "follows correctly from" if verified else "repeats" if claim_index == 1 else "uses"
            return self.wrong(expected, f"{how} {inputs_text(tainted)}, which {'is' if single(tainted) else 'are'} "
                              f"wrong; the engine has {subject_text(self.texts[0])} = {describe(engine)}",
                              subject, values, tainted, status="carried", engine=engine)
        if tainted:
            # the earlier error does not explain this one: the line's own formula, fed the
            # engine's values for those inputs, still misses the engine's value
            hint = self.hint(claim_index, None, corrected, engine) or self.sign_hint(engine, "corrected")
            return self.wrong(expected, f"{subject_text(self.texts[0])} is {describe(engine)}, not "
                              f"{shorten(self.texts[claim_index])}; it uses {inputs_text(tainted)}, "
                              f"{'itself' if single(tainted) else 'themselves'} wrong, but with "
                              f"{'that' if single(tainted) else 'those'} corrected the line gives "
                              f"{describe(corrected)}: an error of its own, not only one carried forward{hint}",
                              subject, values, tainted, engine=engine)
        hint = self.hint(claim_index, None, claim, engine) or self.sign_hint(engine)
        worked = "" if lone_literal(self.sides[claim_index]) else f" (which is {describe(claim)})"
        worked += entries_differing(claim, engine)
        shown = expected if lone_literal(self.sides[claim_index]) else describe(engine)
        return self.wrong(expected, f"{subject_text(self.texts[0])} is {shown}, not "
                                    f"{shorten(self.texts[claim_index])}{worked}{hint}", subject, values, [])

    def restated(self, subject, claim) -> list[tuple[str, int]]:
        """[(name, line)] when the line restates the value a wrong line gave its subject."""
        identity = self.identity(subject)
        if identity in self.taints and identity in self.author and agree(self.author[identity], claim):
            return [(self.taints.get("label:" + identity, subject), self.taints[identity])]
        return []

    def explained(self, engine, claim_index):
        """Whether the earlier errors the line uses explain its difference from
        the engine: (True, value) when a side, with those errors corrected,
        gives the engine's value; (False, value) when correcting them changes
        the line's value but not to the engine's; (None, None) when nothing
        could be corrected (the line only repeats a wrong number)."""
        changed = None
        for i in range(1, claim_index + 1):
            written, _ = self.value(i)
            value, _ = self.value(i, world="corrected")
            if isinstance(value, Exception) or isinstance(written, Exception):
                continue
            if agree(value, engine):
                return True, value
            if changed is None and freeze(value) != freeze(written):
                changed = value
        return (None, None) if changed is None else (False, changed)

    def agrees_corrected(self, i, j) -> bool:
        """Sides that disagree with the values an earlier wrong line wrote but
        agree with the right ones: the author worked with the right value (the
        earlier line is a slip in writing it down), so this line is not wrong."""
        tainted = self.tainted_inputs((i, j))
        if not tainted:
            return False
        (a, _), (b, _) = self.value(i, world="corrected"), self.value(j, world="corrected")
        if isinstance(a, Exception) or isinstance(b, Exception) or not agree(a, b):
            return False
        self.corrections.append(f"it works with the right value of {inputs_text(tainted)}, not the one written "
                                f"there")
        return True

    def rounded_anchor(self, values, engine, claim_index):
        """A side that evaluates, with the author's rounded values of earlier
        quantities, to an interval holding the engine's value: the chain then
        differs from the engine only by that rounding. Returns those names."""
        for i in range(1, claim_index):
            value, used = values[i]
            if isinstance(value, Exception) or not agree(value, engine):
                continue
            rounded = sorted(name for name in used if self.identity(name) in self.author
                             and self.identity(name) not in self.taints)
            if rounded and not self.tainted_inputs(range(1, claim_index + 1)):
                return ", ".join(rounded)
        return None

    def engine_value(self, subject):
        if subject in self.bound.choices:
            return Unbound(subject)
        value, _ = self.value(0, world="engine")
        return value

    def carried_arithmetic(self, subject, values) -> Outcome | None:
        """Sides that agree with each other, fed a number an earlier line got
        wrong: right arithmetic on a wrong input, as examiners mark it."""
        tainted = self.tainted_inputs(range(1, len(self.sides) - 1) if len(self.sides) > 2 else range(1, 2))
        if not tainted:
            return None
        return self.wrong("", f"follows correctly from {inputs_text(tainted)}, which "
                              f"{'is' if single(tainted) else 'are'} wrong", subject, values, tainted,
                          status="carried")

    def opposite_convention(self, subject, claim, engine) -> bool:
        """δ is ∂L/∂z in some courses and −∂L/∂z in others: a δ line whose own
        arithmetic holds and whose value is exactly the engine's negative
        follows the other convention, and is not wrong."""
        name = canonical(self.texts[0]) if self.texts else ""
        if not (name.startswith("delta") or name.startswith("boldsymboldelta")):
            return False
        try:
            return not agree(claim, engine) and agree(claim, multiply(-1, engine))
        except (TypeError, ValueError):
            return False

    def definition(self, subject, values, compared, too_large) -> Outcome:
        if compared and (carried := self.carried_arithmetic(subject, values)) is not None:
            return carried
        unchecked = self.reason or f"{subject_text(self.texts[0])} is the author's own name"
        outcome = Outcome("ok" if compared else "unchecked",
                          message="the sides agree" if compared else f"{unchecked}: nothing to compare with")
        if too_large is not None and not compared:
            outcome.message = f"refused: {too_large}"
        self.define(outcome, subject, values)
        return outcome

    # --- symbolic sides: random points first --------------------------------
    def reread(self, i, j, symbolic=False) -> bool:
        """Whether a loose reading of either side (a/2σ² as a/(2σ²), \\log a b
        as log(ab)) makes the pair agree; the reading is then noted."""
        functions = self.bound.function_names if self.bound else ()
        for k in (i, j):
            for text in readings(self.texts[k]):
                side = parsed(text, functions)
                if not isinstance(side, Side):
                    continue
                original = self.sides[k]
                self.sides[k] = side
                try:
                    if symbolic:
                        agrees = self.symbolic_pair(i, j)
                    else:
                        (a, _), (b, _) = self.value(i), self.value(j)
                        agrees = not isinstance(a, Exception) and not isinstance(b, Exception) and agree(a, b)
                finally:
                    self.sides[k] = original
                if agrees:
                    self.notes.append(f"read {shorten(self.texts[k])} as {shorten(text, 60)}")
                    return True
        return False

    def symbolic_pair(self, i, j):
        """True when equal at every random point, False when not, None when
        the sides cannot be evaluated even at random points, or relate names
        the problem does not know (a + b = c, or φ(z) = σ(z) − 0.5 defining φ):
        random points decide identities, not definitions."""
        for base in RANGES:
            notes = len(self.notes)
            verdict = self._symbolic_pair(i, j, base)
            if verdict is True and len(self.notes) == notes:  # not decided by simplification
                names = sorted(self.random_names.get((i, "author"), set()) | self.random_names.get((j, "author"), set()))
                if names:
                    self.notes.append(f"equal at {self.points} random values of {', '.join(names[:4])}")
            if verdict != "retry":
                return verdict
        return None

    def _symbolic_pair(self, i, j, base):
        differing = 0
        for trial in range(base, base + self.points):
            randoms = self.random_point(trial)
            a, _ = self.value(i, randoms=randoms)
            b, _ = self.value(j, randoms=randoms)
            if isinstance(a, Exception) or isinstance(b, Exception):
                if trial == base and (isinstance(a, Unsupported) or isinstance(b, Unsupported)) \
                        and base != RANGES[-1]:
                    return "retry"  # (1 − ρη)^τ at ρη > 1: try smaller values
                return self.simplified(i, j) if trial == base else None
            if trial == base and self.unknown_names(i) != self.unknown_names(j):
                names = sorted(self.unknown_names(i) ^ self.unknown_names(j))
                self.reason = (f"it relates names the problem does not know ({', '.join(names[:4])}): "
                               f"a definition, or an identity in them, is not decided by random values")
                return None
            if not agree(a, b, relative=self.tolerance):
                unknown = sorted(self.unknown_names(i) | self.unknown_names(j))
                if unknown and not self.claims_identity(i, j):
                    # Hu = ηu holds for some u only: with names of the author's own,
                    # a failure at random values does not make the line wrong
                    self.reason = (f"the sides differ at random values of {', '.join(unknown[:4])}: a condition "
                                   f"on them (an equation to solve), or a slip; not decided")
                    return None
                if differing == 0:
                    self.last_point = (randoms, a, b)
                if not unknown:
                    return False
                differing += 1
        if differing == 0:
            return True
        if differing == self.points:
            return False  # an identity in the author's symbols that fails wherever it is tried
        self.reason = (f"the sides agree at some random values of "
                       f"{', '.join(sorted(self.unknown_names(i) | self.unknown_names(j))[:4])} and not at others: "
                       f"not decided")
        return None

    def claims_identity(self, i, j) -> bool:
        """Whether an equation in names the problem does not know claims an
        identity, to be decided by random values, rather than states a condition
        to solve: its sides are in the same names, and there are two or more of
        them or a function, integral or sum is applied ((a+b)² = a² + b²,
        log(ab) = log a log b, σ'(z) = σ(z)(1 + σ(z)), ∫₀¹ xy dx = y). 2x = x + 1
        and Hu = ηu, in one unknown name and no function, are conditions on x
        and u: not decided."""
        names = self.unknown_names(i)
        if names != self.unknown_names(j):
            return False
        operations = (sympy.Function, sympy.Integral, sympy.Sum, sympy.Product, sympy.Derivative)
        functions = any(side.expr.atoms(*operations) for side in (self.sides[i], self.sides[j]))
        return len(names) >= 2 or functions

    def simplified(self, i, j):
        """When random points cannot evaluate a side (a derivative, say):
        SymPy's simplification of the difference, which the worker's time
        limit bounds. True/False when it decides, None when it cannot."""
        try:
            a, b = to_sympy(self.sides[i]), to_sympy(self.sides[j])
            names = lambda e: {canonical(s.name) for s in e.free_symbols}
            if names(a) != names(b) or not (names(a) & {"x", "y", "z", "t"} or names(a)):
                return None
            difference = sympy.simplify((a - b).doit())
        except Exception:  # SymPy cannot combine them (shapes, unknown objects)
            return None
        if difference == 0 or (isinstance(difference, sympy.MatrixBase) and difference.is_zero_matrix):
            self.notes.append("by symbolic simplification")
            return True
        if isinstance(difference, sympy.Basic) and not isinstance(difference, sympy.MatrixBase):
            # a difference left over: nonzero at a random point means the sides differ
            point = {s: sympy.Rational(random.Random(f"0:{s.name}").randint(60, 190), 100)
                     for s in difference.free_symbols}
            try:
                value = complex(difference.xreplace(point).evalf(20))
            except (TypeError, ValueError):
                return None
            if abs(value) > 1e-9:
                left = complex(a.doit().xreplace(point).evalf(20)).real
                right = complex(b.doit().xreplace(point).evalf(20)).real
                self.last_point = ({canonical(k.name): iv.mpf(v.p) / v.q for k, v in point.items()},
                                   iv.mpf(left), iv.mpf(right))
                self.notes.append("by symbolic simplification")
                return False
        return None

    def unknown_names(self, index) -> set:
        names = self.random_names.get((index, "author"), set())
        return {name for name in names if not (self.bound and self.bound.knows_symbol(name))}

    def random_point(self, trial):
        return _RandomPoint(trial)

    def disagreement_symbolic(self, j) -> Outcome:
        randoms, a, b = self.last_point
        at = ", ".join(f"{k} = {describe(v, 4)}" for k, v in sorted(randoms.items())[:4])
        hint = self.hint(j - 1, j, a, b)
        if not hint and isinstance(randoms, _RandomPoint):
            hint = self.sign_hint(a, randoms=randoms, indices=(j,)) or self.sign_hint(b, randoms=randoms,
                                                                                       indices=(j - 1,))
        subject = self.subject()
        return self.wrong(self.expected_form(subject), f"{shorten(self.texts[j - 1])} ≠ {shorten(self.texts[j])}: "
                                                       f"at {at} they are {describe(a)} and {describe(b)}{hint}",
                          subject, [], [])

    def expected_form(self, subject) -> str:
        """The engine's expression for a quantity the problem knows in symbols
        (in the line's own symbols where it has several), or ""."""
        if subject is None or self.bound is None or not self.engine_knows(subject):
            return ""
        outcome = self.symbolic_against_engine(subject, [], False)
        return outcome.expected if outcome.status == "wrong" else ""

    def symbolic_against_engine(self, subject, values, compared) -> Outcome:
        keys = self.bound.choices.get(subject)
        candidates = keys or (None,)
        last = len(self.sides) - 1
        mismatches = []
        failed = set()
        for key, base in ((key, base) for key in candidates for base in RANGES):
            if key in failed:
                continue  # wrong at some random values: smaller ones cannot save it
            ok = True
            for trial in range(base, base + self.points):
                randoms = self.random_point(trial)
                claim, _ = self.value(last, randoms=randoms)
                if key is None:
                    engine, _ = self.value(0, world="engine", randoms=randoms)
                    engine_names = self.random_names.get((0, "engine"), set())
                else:
                    context = self.context("engine", randoms)
                    engine = self.bound.symbolic(self.bound.solution.answers[key].expr, context)
                    engine_names = set(context.random_used)
                if isinstance(claim, Exception) and not isinstance(claim, Unbound) and not self.reason:
                    # the problem knows the quantity: say why the line was not compared with it
                    self.reason = (f"{subject_text(self.texts[0])} is the problem's, but the line cannot be "
                                   f"evaluated ({claim})")
                if isinstance(claim, Exception) or isinstance(engine, Exception):
                    ok = "retry" if trial == base and base != RANGES[-1] and (
                        isinstance(claim, Unsupported) or isinstance(engine, Unsupported)) else None
                    break
                if self.unknown_names(last):
                    # h = ReLU(w_1ᵀx + b_1) in the author's own symbols, against the engine's
                    # numbers: random values of w_1, x, b_1 say nothing about it
                    self.reason = (f"the line is in symbols the problem does not know "
                                   f"({', '.join(sorted(self.unknown_names(last))[:4])})")
                    ok = None
                    break
                if engine_names and not self.random_names.get((last, "author")) and not self.unknown_names(last):
                    # RF_1 = 1 + 10·1 = 11 against the engine's closed form in k_1: the line is a number
                    # for an instance the problem does not fix, so the two cannot be compared
                    self.reason = (f"the problem's {subject_text(self.texts[0])} is a formula in "
                                   f"{', '.join(sorted(engine_names)[:4])}; the line is a number for values "
                                   f"of them the problem does not give")
                    ok = None
                    break
                if not agree(claim, engine, relative=self.tolerance):
                    ok = False
                    failed.add(key)
                    mismatches.append((key, randoms, claim, engine, engine_names))
                    break
            if ok is True:
                return Outcome("ok", message=f"{subject_text(self.texts[0])} agrees with the engine's "
                                             f"{key or 'value'} at {self.points} random points")
        if not mismatches:
            return self.definition(subject, values, compared, None)
        key, randoms, claim, engine = self.closest(mismatches, self.random_names.get((last, "author"), set()))
        symbolic = self.bound.values.get(subject) if key is None else self.bound.solution.answers[key].expr
        alias = self.side_alias(0)
        if key is None and isinstance(alias, str) and alias in self.bound.solution.answers:
            symbolic = self.bound.solution.answers[alias].expr
        expected = str(symbolic) if isinstance(symbolic, (sympy.Basic, sympy.MatrixBase)) else ""
        at = ", ".join(f"{k} = {describe(v, 4)}" for k, v in sorted(randoms.items())[:4])
        engine_name = f"the engine's {key}" if key else "the engine"
        hint = self.sign_hint(engine, randoms=randoms, indices=(last,)) if isinstance(randoms, _RandomPoint) else ""
        return Outcome("wrong", expected, f"{subject_text(self.texts[0])} disagrees with the engine: at {at} "
                                          f"the line gives {describe(claim)}, {engine_name} {describe(engine)}{hint}")

    @staticmethod
    def closest(mismatches, names):
        """Of the answers a line disagrees with (KL in μ₁, μ₂, σ₁, σ₂ and KL_std
        in μ, σ), the one in the line's own symbols: its expression is the one
        to show. Ties keep the order of the problem's choices."""
        def fit(mismatch):
            engine_names = mismatch[4]
            return len(names & engine_names) - len(names ^ engine_names)
        best = max(mismatches, key=fit)
        return best[:4]

    # --- hints ---------------------------------------------------------------------
    def sign_hint(self, target, world="author", randoms=None, indices=None) -> str:
        """A hint when flipping the sign of one term of a sum in a side gives the
        target value (W − αδx written for W + αδx, σ(1 + σ) for σ(1 − σ)); at a
        random point when `randoms` is given. A few sums and terms are tried."""
        for i in indices if indices is not None else range(1, len(self.sides)):
            side = self.sides[i]
            sums = side.expr.atoms(sympy.Add)
            if len(sums) > 12:  # a hint is not worth the time a large side would take
                continue
            for total in sorted(sums, key=sympy.default_sort_key)[:6]:
                for term in total.args[:8]:
                    flipped = Side(side.latex, side.expr.xreplace({total: total - 2 * term}), side.literals,
                                   side.matrices, side.arguments, side.cases)
                    try:
                        value = evaluate(flipped, self.context(world, randoms))
                    except Exception:  # a flipped term that cannot be evaluated gives no hint
                        continue
                    if agree(value, target, relative=self.tolerance if randoms is not None else 0.0):
                        return "; with the sign of one term flipped they agree (a wrong sign?)"
        return ""


    def hint(self, i, j, a, b) -> str:
        """A likely slip that explains a disagreement between a and b."""
        text = self.texts[j] if j is not None else self.texts[i]
        other = self.texts[i] if j is not None else ""
        for k, source in ((i, other), (j, text)):
            if k is None:
                continue
            if r"\tan" in self.texts[k] and r"\tanh" not in self.texts[k]:
                fixed = self.texts[k].replace(r"\tan", r"\tanh")
                side = parsed(fixed, self.bound.function_names if self.bound else ())
                if isinstance(side, Side):
                    context = self.context("author")
                    try:
                        value = evaluate(side, context)
                    except Exception:
                        value = None
                    reference = b if k == i else a
                    if value is not None and agree(value, reference):
                        return "; with tanh in place of tan the sides agree (tan written for tanh?)"
        if isinstance(a, Matrix) and isinstance(b, Matrix) and a.shape == b.shape[::-1] \
                and agree(a.transpose(), b):
            return "; the transpose agrees (a transposed product?)"
        if isinstance(a, Matrix) or isinstance(b, Matrix):
            return ""
        x, y = mp.make_mpf(a.mid._mpi_[0]), mp.make_mpf(b.mid._mpi_[0])
        if y != 0 and x != 0:
            if agree(-a, b):
                return "; only the sign differs (a dropped minus?)"
            ratio = x / y
            for factor, name in ((2, "2"), (0.5, "1/2"), (mp.log(10), "ln 10 (log base?)"),
                                 (1 / mp.log(10), "ln 10 (log base?)")):
                if abs(ratio - factor) < 1e-3 * abs(factor):
                    return f"; they differ by a factor {name}"
            if j is not None and lone_literal(self.sides[j]):
                written = lone_literal(self.sides[j]).lstrip("-")
                decimals = len(written.split(".")[1]) if "." in written else 0
                truncated = mp.floor(abs(x) * 10 ** decimals) / 10 ** decimals * (1 if x > 0 else -1)
                if abs(truncated - mp.mpf(written)) < mp.mpf(10) ** (-decimals - 3):
                    return "; it looks truncated rather than rounded"
        return ""


class _RandomPoint(dict):
    """Random values for unbound names, the same for every side at one trial."""

    def __init__(self, trial):
        super().__init__()
        self.trial = trial

    def __missing__(self, key):
        raise KeyError(key)


def single(tainted) -> bool:
    """Whether the earlier wrong inputs come from one line."""
    return len({line for _, line in tainted}) == 1


def inputs_text(tainted) -> str:
    """'line 52 (\\delta_{\\hat{y}}, 0.0993) and line 56 (\\delta_{h_1})': the earlier
    wrong lines a line uses, each with what it took from them, at most three lines."""
    by_line: dict[int, list[str]] = {}
    for name, line in tainted:
        names = by_line.setdefault(line, [])
        if name not in names:
            names.append(name)
    return " and ".join(f"line {line} ({', '.join(names)})" for line, names in sorted(by_line.items())[:3])


def entries_differing(written, engine) -> str:
    """Where two matrices of the same size differ: '; entry (3, 4) is 1.078, not 1.178'."""
    written, engine = scalar_or_matrix(written), scalar_or_matrix(engine)
    if not (isinstance(written, Matrix) and isinstance(engine, Matrix)):
        return ""
    a, b = written.entries(), engine.entries()
    if len(a) != len(b):
        return f"; its shape is {written.shape[0]}×{written.shape[1]}, the engine's {engine.shape[0]}×{engine.shape[1]}"
    columns = engine.shape[1] if written.shape == engine.shape else 1
    differing = [(k // columns + 1, k % columns + 1, x, y) for k, (x, y) in enumerate(zip(a, b)) if not agree(x, y)]
    shown = ", ".join(f"entry ({r}, {c}) is {describe(x)}, not {describe(y)}" for r, c, x, y in differing[:3])
    more = f" and {len(differing) - 3} more" if len(differing) > 3 else ""
    return f"; {shown}{more}" if differing else ""


def to_sympy(side: Side):
    """A side as one SymPy expression, its placeholders put back (exact
    numbers for decimals); only for simplification, never for evaluation."""
    replacements = {}
    for symbol in side.expr.free_symbols:
        lifted = placeholder(symbol.name)
        if lifted is None:
            continue
        kind, index = lifted
        if kind == "numlit":
            fraction = Fraction(side.literals[index])
            replacements[symbol] = sympy.Rational(fraction.numerator, fraction.denominator)
        elif kind.startswith("matlit"):
            matrix = sympy.ImmutableMatrix([[to_sympy(cell) for cell in row] for row in side.matrices[index]])
            replacements[symbol] = matrix.T if kind.endswith("^T") else matrix
        elif kind == "arglit":
            replacements[symbol] = to_sympy(side.arguments[index])
        else:
            raise ValueError("cases are not simplified")
    return side.expr.xreplace(replacements)


def all_names(side: Side) -> set[str]:
    """The canonical names a side mentions, inside arguments and matrices too."""
    names = {canonical(symbol.name) for symbol in side.expr.free_symbols}
    for inner in side.arguments + [cell for rows in side.matrices for row in rows for cell in row]:
        names |= all_names(inner)
    return names


def cell_literals(side: Side) -> list[str]:
    found = []
    for rows in side.matrices:
        for row in rows:
            for cell in row:
                found += cell.literals + cell_literals(cell)
    for argument in side.arguments:
        found += argument.literals + cell_literals(argument)
    return found


def subject_text(text: str) -> str:
    text = re.sub(r"\\textcircled\{[^{}]*\}\s*", "", text)
    return shorten(re.sub(r"\\text\{\s*([^{}]*?)\s*\}", r"\1", text), 30)


#: Taint key of an integer written as a line's result (with its separators removed).
INTEGER = "int:"
_INTEGER = re.compile(r"(?<![\d.\\^_{])\d{1,3}(?:(?:\\,|\{,\}|\\ )\d{3})+(?![\d.])|(?<![\d.\\^_{])\d{2,}(?![\d.])")


def integers_in(text: str) -> list[str]:
    """Integers of two or more digits written in a side (exponents and
    subscripts aside), with their thousands separators removed."""
    return [re.sub(r"\D", "", m.group()) for m in _INTEGER.finditer(text)]


def written_integer(text: str) -> str | None:
    """The integer a side consists of (418\\,716 → 418716), or None."""
    found = _INTEGER.fullmatch(text.strip())
    return re.sub(r"\D", "", found.group()) if found else None


def lone_literal(side: Side) -> str:
    """The decimal a side consists of, with its sign, or ""."""
    expr, sign = side.expr, ""
    if isinstance(expr, sympy.Mul) and len(expr.args) == 2 and expr.args[0] == -1:
        expr, sign = expr.args[1], "-"
    if isinstance(expr, sympy.Symbol) and side.literals:
        return sign + side.literals[0]
    return ""
