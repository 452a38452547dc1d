"""A small parser for the arithmetic most hand-derivation sides are made of.

latex2sympy2_extended's ANTLR grammar costs tens of milliseconds a side,
which would make checking a file far slower than solving its problem. Most
sides, once normalised, are numbers, names, + − × · / ^, \\frac, \\sqrt,
parentheses and functions applied to a parenthesised argument: this parser
reads exactly those and builds the same SymPy objects (unevaluated, factors
in the order written). Anything else (integrals, sums, environments, |x|,
factorials …) returns None and the side goes to latex2sympy2_extended.

Like the grammar, it only ever makes Symbols and Functions named by the
text; it evaluates nothing.
"""
from __future__ import annotations

import re

import sympy

GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota",
         "kappa", "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "upsilon", "phi", "varphi", "chi", "psi",
         "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"}
ACCENTS = {"hat", "tilde", "bar", "vec", "dot", "ddot", "widehat", "widetilde", "overline", "mathrm", "mathbf",
           "mathit"}
FUNCTIONS = {"tanh": sympy.tanh, "tan": sympy.tan, "sin": sympy.sin, "cos": sympy.cos, "sinh": sympy.sinh,
             "cosh": sympy.cosh, "exp": sympy.exp}
MAX_DEPTH = 60


class Unsupported(Exception):
    """Not in this parser's subset: use the grammar."""


def fast_parse(latex: str):
    try:
        parser = Parser(latex)
        expr = parser.expression()
        parser.skip()
        if parser.i != len(latex):
            return None
        return expr
    except (Unsupported, IndexError, RecursionError):
        return None


class Parser:
    def __init__(self, text: str):
        self.text = text
        self.i = 0
        self.depth = 0

    # --- tokens ------------------------------------------------------------------
    def skip(self):
        while self.i < len(self.text) and self.text[self.i].isspace():
            self.i += 1

    def peek(self, token: str) -> bool:
        self.skip()
        if not self.text.startswith(token, self.i):
            return False
        end = self.i + len(token)
        return not (token[0] == "\\" and token[-1].isalpha() and end < len(self.text) and self.text[end].isalpha())

    def take(self, token: str) -> bool:
        if self.peek(token):
            self.i += len(token)
            return True
        return False

    def expect(self, token: str):
        if not self.take(token):
            raise Unsupported(token)

    def braced(self) -> str:
        """The raw text of a {…} group (nested braces kept)."""
        self.skip()
        if self.text[self.i] != "{":
            raise Unsupported("{")
        depth, start = 0, self.i
        while True:
            char = self.text[self.i]
            depth += char == "{"
            depth -= char == "}"
            self.i += 1
            if depth == 0:
                return self.text[start + 1:self.i - 1]

    # --- grammar -------------------------------------------------------------------
    def expression(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Unsupported("depth")
        terms = [self.term()]
        while True:
            if self.take("+"):
                terms.append(self.term())
            elif self.take("-"):
                terms.append(sympy.Mul(-1, self.term(), evaluate=False))
            else:
                break
        self.depth -= 1
        return terms[0] if len(terms) == 1 else sympy.Add(*terms, evaluate=False)

    def term(self):
        if self.take("-"):
            return sympy.Mul(-1, self.term(), evaluate=False)
        if self.take("+"):
            return self.term()
        result = self.power()
        while True:
            if self.take(r"\times") or self.take(r"\cdot") or self.take("*"):
                result = multiply(result, self.power())
            elif self.take("/"):
                result = multiply(result, sympy.Pow(self.power(), -1, evaluate=False))
            elif self.starts_atom():
                result = multiply(result, self.power())
            else:
                return result

    def starts_atom(self) -> bool:
        self.skip()
        if self.i >= len(self.text):
            return False
        char = self.text[self.i]
        if char.isalnum() or char in "({[":
            return True
        if char == "\\":
            m = re.match(r"\\([a-zA-Z]+)", self.text[self.i:])
            return bool(m) and m.group(1) not in ("times", "cdot", "right", "end")
        return False

    def power(self):
        base = self.atom()
        if self.take("^"):
            exponent = self.exponent()
            if base == sympy.E:
                return sympy.exp(exponent, evaluate=False)
            return sympy.Pow(base, exponent, evaluate=False)
        return base

    def exponent(self):
        self.skip()
        if self.text[self.i] == "{":
            return sub_parse(self.braced())
        if self.text[self.i].isdigit():
            self.i += 1
            return sympy.Integer(int(self.text[self.i - 1]))
        if self.text[self.i].isalpha():
            self.i += 1
            return sympy.Symbol(self.text[self.i - 1])
        m = re.match(r"\\([a-zA-Z]+)", self.text[self.i:])
        if m and m.group(1) in GREEK:  # x^\tau
            self.i += m.end()
            return sympy.Symbol(m.group(1))
        raise Unsupported("exponent")

    def atom(self):
        self.skip()
        text, i = self.text, self.i
        char = text[i]
        if char.isdigit():
            m = re.match(r"\d{1,300}", text[i:])
            self.i += m.end()
            if self.i < len(text) and text[self.i] in ".!,":
                raise Unsupported("number")
            return sympy.Integer(int(m.group()))
        for opening, closing in (("(", ")"), ("[", "]"), ("{", "}")):
            if char == opening:
                self.i += 1
                inner = self.expression()
                self.expect(closing)
                return inner
        if char.isalpha():
            self.i += 1
            return self.named(char)
        if char == "\\":
            return self.command()
        raise Unsupported(char)

    def command(self):
        m = re.match(r"\\([a-zA-Z]+)", self.text[self.i:])
        if m is None:
            raise Unsupported("command")
        name = m.group(1)
        self.i += m.end()
        if name == "frac":
            top_text, bottom_text = self.braced(), self.braced()
            if re.match(r"\s*(d|\\partial)\b", bottom_text) or re.fullmatch(r"\s*(d|\\partial)\s*", top_text):
                raise Unsupported("a derivative")
            top, bottom = sub_parse(top_text), sub_parse(bottom_text)
            return sympy.Mul(top, sympy.Pow(bottom, -1, evaluate=False), evaluate=False)
        if name == "sqrt":
            if self.peek("["):
                raise Unsupported("root")
            return sympy.Pow(sub_parse(self.braced()), sympy.Rational(1, 2), evaluate=False)
        if name == "pi":
            return sympy.pi
        if name in FUNCTIONS or name == "ln":
            return self.function(name)
        if name in GREEK:
            return self.named(name)
        if name in ACCENTS:
            return self.named(f"\\{name}{{{self.braced()}}}")
        raise Unsupported(name)

    def function(self, name):
        if self.peek("^"):
            raise Unsupported("power of a function")
        if not self.take("("):
            raise Unsupported("function without parentheses")
        argument = self.expression()
        self.expect(")")
        if name == "ln":
            return sympy.log(argument, sympy.E, evaluate=False)
        return FUNCTIONS[name](argument, evaluate=False)

    def named(self, head: str):
        """A name with its subscript: x, x_1, W_{h1x1}, \\tilde{c}_{1}."""
        name = head
        if self.text.startswith("_", self.i):
            self.i += 1
            if self.text.startswith("{", self.i):
                name += "_{" + self.braced() + "}"
            elif self.i < len(self.text) and self.text[self.i].isalnum():
                name += "_" + self.text[self.i]
                self.i += 1
            else:
                raise Unsupported("subscript")
        if name == "e":
            return sympy.E
        if head.startswith("\\mathrm{"):
            # as the grammar names them: \mathrm{RF}_n is math{RF}_n
            name = "math" + name[len("\\mathrm"):]
            if self.peek("("):
                return self.applied("\\mathrm" + name[len("math"):])
            return sympy.Symbol(name)
        if re.fullmatch(r"[A-Za-z](_\{[^{}]*\}|_[A-Za-z0-9])?", name) and self.peek("("):
            return self.applied(name, strict=True)
        return sympy.Symbol(name.lstrip("\\"))

    def applied(self, name, strict=False):
        """f(\\mathrm{arglit}_{k}, …): a function the normaliser recognised;
        anything else in parentheses after a name is a product."""
        start = self.i
        self.expect("(")
        arguments = []
        while True:
            self.skip()
            m = re.match(r"\\mathrm\{arglit\}_\{(\d+)\}", self.text[self.i:])
            if m is None:
                if strict:
                    self.i = start
                    return sympy.Symbol(name)
                raise Unsupported("argument")
            self.i += m.end()
            arguments.append(sympy.Symbol(f"math{{arglit}}_{m.group(1)}"))
            if self.take(")"):
                break
            self.expect(",")
        return sympy.Function(name)(*arguments)


def sub_parse(text: str):
    parser = Parser(text)
    expr = parser.expression()
    parser.skip()
    if parser.i != len(text):
        raise Unsupported("trailing")
    return expr


def multiply(a, b):
    args = (list(a.args) if isinstance(a, sympy.Mul) and not _negation(a) else [a]) + [b]
    return sympy.Mul(*args, evaluate=False)


def _negation(expr) -> bool:
    return len(expr.args) == 2 and expr.args[0] == -1
