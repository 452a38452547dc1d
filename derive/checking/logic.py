"""Boolean identities (∧, ∨, ⊕, ¬): checked by their truth tables.

Bits are not numbers at random points: x ∧ x = x holds on {0, 1} but not
as a polynomial, so the sides of a Boolean chain are compared on every
assignment of their variables (at most MAX_VARIABLES of them). The text is
read by the small parser below into tuples; nothing is evaluated as code.

Names are bits, and `D1` and `D_1` are one bit (the seeds write both).
A bare name on the left is a definition, compared with the problem's
answer of that name when the problem has one (the Hamming parity bits),
and remembered for the lines after it.
"""
from __future__ import annotations

import itertools
import re

import sympy

from derive.checking.parse import canonical

OPERATORS = {r"\wedge": "and", r"\land": "and", r"\vee": "or", r"\lor": "or", r"\oplus": "xor",
             r"\neg": "not", r"\lnot": "not"}
BOOLEAN = re.compile(r"\\(wedge|land|vee|lor|oplus|neg|lnot)(?![A-Za-z])")
TOKEN = re.compile(r"\s*(\\(?:wedge|land|vee|lor|oplus|neg|lnot)(?![A-Za-z])|\\(?:bar|overline)\s*\{|[()\[\]{}]"
                   r"|[A-Za-z](?:_\{?[A-Za-z0-9]{1,8}\}?|[0-9]{1,4})?|[01](?![0-9.]))")
SPACING = re.compile(r"\\(?:left|right|big|Big|bigg|Bigg)(?![A-Za-z])|\\[,;:! ]|\\quad|\\qquad")
MAX_VARIABLES = 12
MAX_DEPTH = 60
#: trees are walked recursively, and each row of the truth table walks them
MAX_TOKENS = 400


class LogicError(ValueError):
    pass


def is_boolean(sides) -> bool:
    """Whether a chain is a statement about bits: some side uses ∧, ∨, ⊕ or ¬."""
    return any(BOOLEAN.search(side) for side in sides)


def bit_name(name: str) -> str:
    return canonical(name).replace("_", "")


def parse(text: str):
    """A side as ('var', name) | ('const', 0/1) | ('not', a) | (op, a, b)."""
    tokens, position, text = [], 0, SPACING.sub(" ", text).strip()
    while position < len(text):
        m = TOKEN.match(text, position)
        if m is None or not m.group(1):
            raise LogicError(f"cannot read {text[position:position + 12]!r} as a bit or ∧ ∨ ⊕ ¬")
        tokens.append(m.group(1))
        if len(tokens) > MAX_TOKENS:
            raise LogicError(f"more than {MAX_TOKENS} symbols in one Boolean side")
        position = m.end()
        while position < len(text) and text[position].isspace():
            position += 1
    parser = _Parser(tokens)
    tree = parser.either(0)
    if parser.at < len(tokens):
        raise LogicError(f"unexpected {tokens[parser.at]!r}")
    return tree


class _Parser:
    """¬ binds tightest, then ∧; ∨ and ⊕ may not be mixed without brackets."""
    CLOSE = {"(": ")", "[": "]", "{": "}"}

    def __init__(self, tokens):
        self.tokens, self.at = tokens, 0

    def peek(self):
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self):
        token = self.peek()
        if token is None:
            raise LogicError("the side ends too early")
        self.at += 1
        return token

    def either(self, depth):
        tree, kind = self.conjunction(depth), None
        while OPERATORS.get(self.peek()) in ("or", "xor"):
            op = OPERATORS[self.take()]
            if kind is not None and op != kind:
                raise LogicError("∨ and ⊕ mixed without brackets: the order is ambiguous")
            kind = op
            tree = (op, tree, self.conjunction(depth))
        return tree

    def conjunction(self, depth):
        tree = self.negation(depth)
        while OPERATORS.get(self.peek()) == "and":
            self.take()
            tree = ("and", tree, self.negation(depth))
        return tree

    def negation(self, depth):
        if depth > MAX_DEPTH:
            raise LogicError("nested too deeply")
        token = self.take()
        if OPERATORS.get(token) == "not":
            return ("not", self.negation(depth + 1))
        if token.startswith("\\"):  # \bar{…}, \overline{…}
            return ("not", self.group("}", depth))
        if token in self.CLOSE:
            return self.group(self.CLOSE[token], depth)
        if token in ("0", "1"):
            return ("const", int(token))
        if token[0].isalpha():
            return ("var", bit_name(token))
        raise LogicError(f"unexpected {token!r}")

    def group(self, close, depth):
        tree = self.either(depth + 1)
        if self.take() != close:
            raise LogicError(f"missing {close!r}")
        return tree


def variables(tree, found=None) -> set:
    found = set() if found is None else found
    if tree[0] == "var":
        found.add(tree[1])
    for child in tree[1:]:
        if isinstance(child, tuple):
            variables(child, found)
    return found


def value(tree, bits: dict) -> int:
    kind = tree[0]
    if kind == "var":
        return bits[tree[1]]
    if kind == "const":
        return tree[1]
    if kind == "not":
        return 1 - value(tree[1], bits)
    a, b = value(tree[1], bits), value(tree[2], bits)
    return {"and": a & b, "or": a | b, "xor": a ^ b}[kind]


def from_sympy(expr):
    """An engine answer (SymPy's And/Or/Not/Xor over symbols) as a tree."""
    if isinstance(expr, sympy.Symbol):
        return ("var", bit_name(expr.name))
    if expr is sympy.true or expr is sympy.false:
        return ("const", int(bool(expr)))
    kinds = {sympy.And: "and", sympy.Or: "or", sympy.Xor: "xor"}
    if isinstance(expr, sympy.Not):
        return ("not", from_sympy(expr.args[0]))
    for cls, kind in kinds.items():
        if isinstance(expr, cls):
            trees = [from_sympy(arg) for arg in expr.args]
            tree = trees[0]
            for other in trees[1:]:
                tree = (kind, tree, other)
            return tree
    raise LogicError(f"the engine's answer is not a Boolean formula ({type(expr).__name__})")


def substitute(tree, definitions: dict):
    if tree[0] == "var":
        return definitions.get(tree[1], tree)
    return (tree[0],) + tuple(substitute(c, definitions) if isinstance(c, tuple) else c for c in tree[1:])


def counterexample(a, b) -> dict | None:
    """An assignment where the two trees differ, or None when they agree everywhere."""
    names = sorted(variables(a) | variables(b))
    if len(names) > MAX_VARIABLES:
        raise LogicError(f"more than {MAX_VARIABLES} bits: the truth table is not enumerated")
    for row in itertools.product((0, 1), repeat=len(names)):
        bits = dict(zip(names, row))
        if value(a, bits) != value(b, bits):
            return bits
    return None


def describe_bits(bits: dict) -> str:
    return ", ".join(f"{name}={bit}" for name, bit in bits.items())
