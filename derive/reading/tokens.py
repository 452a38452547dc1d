"""LaTeX math as tokens, in one left-to-right pass (linear in the input).

The tokenizer does what a person reading the formula does before parsing
it: spacing (`\\,`, `\\quad`, `~`), sizing (`\\left`, `\\big`), boxes and
colours are not mathematics; `418\\,716` is one number; `\\mathbf{W}_{1}`,
`\\hat{y}`, `W^{[2]}` and `c^{\\mathrm{new}}` are one name each; `^\\top`
and `^T` are a transpose; `\\frac12` is `\\frac{1}{2}`; a `|` opens or
closes an absolute value by where it stands. Prose inside `\\text{…}` with
a space in it is a comment and dropped.

Every token carries its column in the input, for error messages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from derive.reading.errors import ReadError
from derive.reading.names import canonical, GREEK

#: The longest formula read, in characters, and the deepest nesting.
MAX_LENGTH = 4000
MAX_DEPTH = 60

SPACING = {",", ";", ":", "!", " ", "quad", "qquad", "enspace", "thinspace", "medspace", "thickspace",
           "negthinspace", "displaystyle", "textstyle", "scriptstyle", "limits", "nolimits", "mathstrut",
           "strut", "nonumber", "notag", "middle"}
SIZING = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr",
          "Biggl", "Biggr"}
#: Commands that take one argument and show it unchanged.
TRANSPARENT = {"boxed", "underline", "mathbf", "boldsymbol", "bm", "mathit", "mathrm", "mathsf", "mathtt",
               "textbf", "textit", "pmb", "vec", "mathnormal"}
#: Commands that take an argument and give it a mark that is part of the name.
ACCENTS = {"hat": "hat", "widehat": "hat", "tilde": "tilde", "widetilde": "tilde", "bar": "bar",
           "overline": "bar", "dot": "dot", "ddot": "ddot", "check": "check", "breve": "breve",
           "mathcal": "cal", "mathbb": "bb", "mathscr": "scr", "mathfrak": "frak"}
WORDS = {"text", "textrm", "textnormal", "operatorname", "mathrm", "mathit", "textsf", "mathsf"}
RELATIONS = {"approx": "≈", "simeq": "≈", "eq": "=", "neq": "≠", "ne": "≠", "le": "≤", "leq": "≤",
             "leqslant": "≤", "ge": "≥", "geq": "≥", "geqslant": "≥", "Rightarrow": "⇒", "implies": "⇒",
             "Longrightarrow": "⇒", "iff": "⇔", "Leftrightarrow": "⇔", "equiv": "=", "coloneqq": "=",
             "triangleq": "=", "doteq": "=", "to": "→", "rightarrow": "→", "longrightarrow": "→",
             "mapsto": "→", "propto": "∝", "lt": "<", "gt": ">", "sim": "~"}
TIMES = {"cdot", "times", "ast", "cdotp", "bullet"}
HADAMARD = {"odot", "circ", "otimes"}
#: Function commands of LaTeX itself; other functions come as \operatorname{…}.
FUNCTIONS = {"log", "ln", "exp", "tanh", "sinh", "cosh", "sin", "cos", "tan", "max", "min", "det", "tr",
             "sgn", "sign", "arg", "lg", "argmax", "argmin"}
BIG_OPERATORS = {"sum": "SUM", "prod": "PROD"}
ENVIRONMENTS = {"bmatrix", "pmatrix", "matrix", "Bmatrix", "vmatrix", "smallmatrix", "array", "cases"}
LETTERS = re.compile(r"[A-Za-z]")
NUMBER = re.compile(r"\d+(?:\.\d*)?|\.\d+")
GROUP_OF_THREE = re.compile(r"(?:\\,|\{,\}|\\ |\u2009|\\thinspace\s?)(\d{3})(?![\d.])")
EXPONENT = re.compile(r"[eE][+-]?\d{1,3}(?![\w.])")
COMMAND = re.compile(r"\\([A-Za-z]+|.)")
#: Tokens after which a `|` closes an absolute value rather than opening one.
OPERAND_ENDS = {"NUMBER", "NAME", "RPAR", "RSQ", "RBRACE", "RBAR", "RNORM", "TRANSPOSE", "BANG", "ENDM"}


@dataclass(frozen=True)
class Token:
    type: str
    value: str
    column: int


class Tokenizer:
    def __init__(self, text: str):
        if len(text) > MAX_LENGTH:
            raise ReadError(f"longer than {MAX_LENGTH} characters", 0)
        self.text = text
        self.i = 0
        self.tokens: list[Token] = []
        self.bars: list[str] = []  # open | and ‖, innermost last
        self.depth = 0
        self.environments: list[str] = []

    # --- driver ---------------------------------------------------------------
    def run(self) -> list[Token]:
        while self.i < len(self.text):
            self.step()
        if self.environments:
            raise ReadError(f"\\begin{{{self.environments[-1]}}} is never ended", len(self.text))
        return self.tokens

    def emit(self, kind: str, value: str = "", column: int | None = None):
        self.tokens.append(Token(kind, value, self.i if column is None else column))

    def step(self):
        c = self.text[self.i]
        if c.isspace() or c == "~":
            self.i += 1
        elif c.isdigit() or (c == "." and self.i + 1 < len(self.text) and self.text[self.i + 1].isdigit()):
            self.number()
        elif LETTERS.match(c):
            self.name(c, self.i + 1)
        elif c == "\\":
            self.command()
        else:
            self.symbol(c)

    # --- numbers -------------------------------------------------------------
    def number(self):
        start = self.i
        m = NUMBER.match(self.text, self.i)
        digits, self.i = m.group(), m.end()
        if "." not in digits and len(digits) <= 3:
            while (g := GROUP_OF_THREE.match(self.text, self.i)):
                digits += g.group(1)
                self.i = g.end()
        if (e := EXPONENT.match(self.text, self.i)):
            digits += e.group()
            self.i = e.end()
        if digits.endswith(".") and not digits[:-1].isdigit():
            raise ReadError(f"not a number: {digits}", start)
        self.emit("NUMBER", digits.rstrip(".") if digits.endswith(".") else digits, start)

    # --- names ---------------------------------------------------------------
    def name(self, base: str, end: int, start: int | None = None, vector: bool = False):
        """A name from its base (a letter, a Greek letter, a marked or styled
        letter) and what decorates it: _sub, ^{(k)}, ^{[k]}, ^*, primes."""
        start = self.i if start is None else start
        self.i = end
        name = base
        while self.i < len(self.text):
            self.skip_space()
            if self.peek("_"):
                self.i += 1
                name += "_" + canonical(self.argument())
            elif self.peek("'"):
                self.i += 1
                name += "'"
            elif self.peek("^") and (mark := self.decoration(vector)) is not None:
                if mark == "T":
                    self.emit("NAME", name, start)
                    self.emit("TRANSPOSE", "T")
                    return
                name += mark
            else:
                break
        self.emit("NAME", name, start)

    def decoration(self, vector: bool = False) -> str | None:
        """After `^`: a transpose ("T"), a mark that belongs to the name, or
        None for an exponent (the `^` is left for the parser). On a bold name
        (a vector or matrix), a superscript that is not a number is an index:
        `\\mathbf{w}^{\\tau-1}` is the iterate, not a power."""
        save = self.i
        mark = self._decoration()
        if mark is None and vector:
            self.i = save + 1
            argument = self.argument()
            bare = canonical(argument)
            if not re.fullmatch(r"-?\d+(?:\.\d+)?|-?\d+/\d+", bare):
                return "^" + bare
        if mark is None:
            self.i = save
        return mark

    def _decoration(self) -> str | None:
        save = self.i
        self.i += 1
        self.skip_space()
        if self.peek("\\top") or self.peek("\\intercal") or self.peek("\\mathsf{T}") or self.peek("\\mathrm{T}"):
            self.i = self.text.index("}", self.i) + 1 if self.peek("\\math") else self.i + len(
                "\\top" if self.peek("\\top") else "\\intercal")
            return "T"
        if self.peek("\\prime"):
            self.i += len("\\prime")
            return "'"
        if self.text.startswith("T", self.i) and not LETTERS.match(self.text[self.i + 1:self.i + 2] or "0"):
            self.i += 1
            return "T"
        if self.peek("*"):
            self.i += 1
            return "^*"
        if self.peek("{"):
            inner = self.text[self.i + 1:self.closing(self.i)].strip()
            bare = canonical(inner)
            if bare in ("T", "top", "intercal", "mathsfT"):
                self.i = self.closing(self.i) + 1
                return "T"
            if bare in ("'", "prime", "''"):
                self.i = self.closing(self.i) + 1
                return "'" * max(1, bare.count("'"))
            if (inner[:1] in "([" and inner[-1:] in ")]") or bare in ("*", "new", "old", "textnew", "mathrmnew",
                                                                         "mathrmold", "textold", "opt", "star"):
                self.i = self.closing(self.i) + 1
                return "^" + bare
        self.i = save
        return None

    def argument(self) -> str:
        """One argument: a {group}, a command, or a single character; as text."""
        self.skip_space()
        if self.peek("{"):
            end = self.closing(self.i)
            text = self.text[self.i + 1:end]
            self.i = end + 1
            return text
        if self.peek("\\"):
            m = COMMAND.match(self.text, self.i)
            self.i = m.end()
            return m.group()
        if self.i >= len(self.text):
            raise ReadError("a subscript or argument is missing", self.i)
        self.i += 1
        return self.text[self.i - 1]

    def closing(self, at: int) -> int:
        """The index of the brace that closes the one at `at`."""
        depth = 0
        for j in range(at, len(self.text)):
            ch = self.text[j]
            if ch == "\\":
                continue
            if ch == "{" and self.text[j - 1:j] != "\\":
                depth += 1
                if depth > MAX_DEPTH:
                    raise ReadError(f"nested deeper than {MAX_DEPTH} levels", j)
            elif ch == "}" and self.text[j - 1:j] != "\\":
                depth -= 1
                if depth == 0:
                    return j
        raise ReadError("a { is never closed", at)

    # --- commands ------------------------------------------------------------
    def command(self):
        start = self.i
        m = COMMAND.match(self.text, self.i)
        if m is None:
            raise ReadError("a lone backslash", start)
        word = m.group(1)
        self.i = m.end()
        if word in SPACING:
            return
        if word in SIZING:
            self.skip_space()
            if self.peek("."):
                self.i += 1
            elif self.peek("|") or self.peek("\\|") or self.peek("\\vert") or self.peek("\\Vert"):
                bar = "‖" if self.peek("\\|") or self.peek("\\Vert") else "|"
                self.i += 1 if self.peek("|") else (2 if self.peek("\\|") else 5)
                self.bar(bar, opening=(word.startswith("left") or word.endswith("l")), column=start)
            return
        if word == "\\":
            self.emit("ROWSEP", "", start) if self.environments else None
            return
        if word in ("{", "}"):
            self.symbol("(" if word == "{" else ")", start)
            return
        if word == "|":
            self.bar("‖", None, start)
            return
        if word in ("lvert", "rvert", "vert", "lVert", "rVert", "Vert"):
            bar = "‖" if word.endswith("Vert") else "|"
            self.bar(bar, True if word[0] == "l" else (False if word[0] == "r" else None), start)
            return
        if word in ("mid",):
            self.emit("MID", "|", start)
            return
        if word in ("parallel",):
            self.emit("PARALLEL", "‖", start)
            return
        if word in ("frac", "dfrac", "tfrac", "cfrac"):
            self.fraction(start)
            return
        if word == "sqrt":
            self.emit("SQRT", "", start)
            return
        if word in ("begin", "end"):
            self.environment(word, start)
            return
        if word in ("color", "textcolor", "label", "tag", "hspace", "vspace", "phantom"):
            self.argument()
            if word == "textcolor":
                return
            return
        if word in ("underbrace", "overbrace"):
            self.emit("LBRACE", "", start)
            self.depth += 1
            self.skip_space()
            if not self.peek("{"):
                raise ReadError(f"\\{word} needs a {{…}}", start)
            body_end = self.closing(self.i)
            inner = Tokenizer(self.text[self.i + 1:body_end])
            inner.environments = []
            for token in inner.run():
                self.tokens.append(Token(token.type, token.value, token.column + self.i + 1))
            self.i = body_end + 1
            self.skip_space()
            if self.peek("_") or self.peek("^"):
                self.i += 1
                self.argument()
            self.emit("RBRACE", "")
            self.depth -= 1
            return
        if word in TRANSPARENT and word not in WORDS:
            self.styled(start)
            return
        if word in WORDS:
            self.word(start)
            return
        if word in ACCENTS:
            inner = canonical(self.argument())
            self.name(canonical(f"\\{word}{{{inner}}}"), self.i, start)
            return
        if word in GREEK:
            self.name(word, self.i, start)
            return
        if word in ("ell", "imath", "jmath", "hbar"):
            self.name(word, self.i, start)
            return
        if word in ("partial", "nabla", "infty", "pi"):
            if word == "nabla":
                self.skip_space()
                sub = ""
                if self.peek("_"):
                    self.i += 1
                    sub = canonical(self.argument())
                self.emit("NABLA", sub, start)
                return
            self.emit("PARTIAL" if word == "partial" else "NAME", word, start)
            return
        if word in RELATIONS:
            self.emit("REL", RELATIONS[word], start)
            return
        if word in ("not",):
            self.skip_space()
            if self.peek("="):
                self.i += 1
                self.emit("REL", "≠", start)
                return
            raise ReadError("\\not is read only before =", start)
        if word == "stackrel" or word == "overset":
            self.argument()
            self.skip_space()
            continue_at = self.i
            rel = self.argument()
            if canonical(rel) not in ("=", "approx"):
                self.i = continue_at
                raise ReadError(f"\\{word} over something other than = or ≈", start)
            self.emit("REL", "=" if canonical(rel) == "=" else "≈", start)
            return
        if word in TIMES:
            self.emit("TIMES", "·", start)
            return
        if word in HADAMARD:
            self.emit("ODOT", "⊙", start)
            return
        if word == "div":
            self.emit("DIV", "/", start)
            return
        if word in ("pm", "mp"):
            raise ReadError("± is not one value", start)
        if word in BIG_OPERATORS:
            self.emit(BIG_OPERATORS[word], "", start)
            return
        if word in FUNCTIONS:
            self.function(word, start)
            return
        if word in ("ldots", "cdots", "dots", "vdots", "ddots"):
            raise ReadError("“…” stands for terms not written", start)
        if word in ("langle", "rangle"):
            self.emit("LPAR" if word == "langle" else "RPAR", "", start)
            return
        if word in ("lbrack", "rbrack"):
            self.symbol("[" if word == "lbrack" else "]", start)
            return
        if word in ("top", "intercal"):
            self.emit("TRANSPOSE", "T", start)
            return
        if word in ("prime",):
            raise ReadError("a prime needs something before it", start)
        raise ReadError(f"\\{word} is not read", start)

    def styled(self, start: int):
        """\\mathbf{W}, \\boldsymbol{\\mu}, \\boxed{…}: digits, a name or a group."""
        self.skip_space()
        if not self.peek("{"):
            inner = self.argument()
            if inner.startswith("\\") and inner[1:] in GREEK:
                self.name(inner[1:], self.i, start)
            elif LETTERS.fullmatch(inner):
                self.name(inner, self.i, start)
            elif inner.isdigit():
                self.emit("NUMBER", inner, start)
            else:
                raise ReadError(f"cannot read the argument {inner!r}", start)
            return
        end = self.closing(self.i)
        inner = self.text[self.i + 1:end].strip()
        plain = canonical(inner)
        if re.fullmatch(r"[A-Za-z]|(?:" + "|".join(sorted(GREEK)) + ")", plain) and not inner.startswith("\\math"):
            self.name(plain, end + 1, start, vector=True)
            return
        self.emit("LBRACE", "", start)
        self.depth += 1
        self.i += 1
        self._until(end)
        self.i = end + 1
        self.emit("RBRACE", "")
        self.depth -= 1

    def _until(self, end: int):
        while self.i < end:
            self.step()

    def word(self, start: int):
        """\\text{…}, \\operatorname{…}, \\mathrm{…}: a function, a name, or
        (with a space in it) prose, which is dropped."""
        inner = self.argument().strip()
        if not inner:
            return
        if re.search(r"\s", inner) or not re.fullmatch(r"[A-Za-z0-9_'\-\\{}]+", inner):
            if re.fullmatch(r"[A-Za-z]+\s*\(", inner):
                raise ReadError(f"cannot read {inner!r}", start)
            return  # prose: "for all i", "(chain rule)"
        if inner.isdigit():
            self.emit("NUMBER", inner, start)
            return
        if canonical(inner).lower() in _function_words():
            self.function(canonical(inner), start)
            return
        # \mathrm{w} stands for a bold w where the checker's normaliser replaced \mathbf
        upright_letter = len(canonical(inner)) == 1 and canonical(inner) not in "ed"
        self.name(canonical(inner), self.i, start, vector=upright_letter)

    def function(self, word: str, start: int):
        self.skip_space()
        if self.peek("_"):
            self.i += 1
            word += "_" + canonical(self.argument())
        self.emit("FUNC", word, start)

    def fraction(self, start: int):
        """\\frac{a}{b}, and \\frac12 (single-character arguments)."""
        self.emit("FRAC", "", start)
        for _ in range(2):
            self.skip_space()
            if self.peek("{"):
                self.group()
            else:
                argument = self.argument()
                self.emit("LBRACE", "")
                Tokenizer(argument)  # bounds only
                sub = Tokenizer(argument).run()
                self.tokens.extend(Token(t.type, t.value, self.i) for t in sub)
                self.emit("RBRACE", "")

    def group(self):
        end = self.closing(self.i)
        self.emit("LBRACE", "")
        self.depth += 1
        self.i += 1
        self._until(end)
        self.i = end + 1
        self.emit("RBRACE", "")
        self.depth -= 1

    def environment(self, word: str, start: int):
        name = canonical(self.argument())
        if name not in ENVIRONMENTS and name not in ("aligned", "align", "align*", "split", "gathered"):
            raise ReadError(f"the environment {name} is not read", start)
        if name in ("aligned", "align", "align*", "split", "gathered"):
            return
        if word == "begin":
            if name == "array":
                self.argument()  # the column specification
            self.environments.append(name)
            self.emit("BEGINM", name, start)
        else:
            if not self.environments or self.environments[-1] != name:
                raise ReadError(f"\\end{{{name}}} does not match", start)
            self.environments.pop()
            self.emit("ENDM", name, start)

    # --- single characters ------------------------------------------------------
    def symbol(self, c: str, column: int | None = None):
        column = self.i if column is None else column
        if c == "^" and column == self.i:
            save = self.i
            if self.decoration() == "T":
                self.emit("TRANSPOSE", "T", column)
                return
            self.i = save
        self.i += 1 if column == self.i else 0
        kinds = {"+": "PLUS", "-": "MINUS", "−": "MINUS", "*": "TIMES", "·": "TIMES", "×": "TIMES",
                 "/": "DIV", "^": "CARET", "_": "UNDERSCORE", "!": "BANG", ",": "COMMA", ";": "SEMI",
                 "(": "LPAR", ")": "RPAR", "[": "LSQ", "]": "RSQ", "{": "LBRACE", "}": "RBRACE",
                 "'": "PRIME", "⊙": "ODOT"}
        if c in "=<>≈≤≥≠⇒":
            value = {"<": "<", ">": ">"}.get(c, c)
            if c in "<>" and self.peek("="):
                self.i += 1
                value = "≤" if c == "<" else "≥"
            if c == "=" and self.peek(">"):
                self.i += 1
                value = "⇒"
            self.emit("REL", value, column)
            return
        if c == ":" and self.peek("="):
            self.i += 1
            self.emit("REL", "=", column)
            return
        if c == "&":
            if self.environments:
                self.emit("AMP", "", column)
            return
        if c == "|":
            self.bar("|", None, column)
            return
        if c not in kinds:
            raise ReadError(f"cannot read {c!r}", column)
        kind = kinds[c]
        if kind in ("LBRACE", "LPAR", "LSQ"):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ReadError(f"nested deeper than {MAX_DEPTH} levels", column)
        elif kind in ("RBRACE", "RPAR", "RSQ"):
            self.depth -= 1
        self.emit(kind, c, column)

    def bar(self, bar: str, opening: bool | None, column: int):
        """| and ‖: explicit (\\left|, \\lvert) or decided by position; a bar
        after an operand with none open is a condition, q(z | x), or for ‖
        the separator of KL(q ‖ p)."""
        previous = self.tokens[-1].type if self.tokens else ""
        if opening is None:
            if self.bars and self.bars[-1] == bar and previous in OPERAND_ENDS:
                opening = False
            elif previous in OPERAND_ENDS and bar not in self.bars and self.depth > 0:
                self.emit("MID" if bar == "|" else "PARALLEL", bar, column)
                return
            else:
                opening = True
        if opening:
            self.bars.append(bar)
            self.emit("LBAR" if bar == "|" else "LNORM", bar, column)
        else:
            if not self.bars or self.bars[-1] != bar:
                raise ReadError(f"a closing {bar} without its opening one", column)
            self.bars.pop()
            self.emit("RBAR" if bar == "|" else "RNORM", bar, column)

    # --- helpers ---------------------------------------------------------------
    def peek(self, s: str) -> bool:
        return self.text.startswith(s, self.i)

    def skip_space(self):
        while self.i < len(self.text):
            if self.text[self.i].isspace():
                self.i += 1
            elif self.text.startswith("\\,", self.i) or self.text.startswith("\\;", self.i) or \
                    self.text.startswith("\\!", self.i):
                self.i += 2
            else:
                break


def _function_words() -> set:
    from derive.reading.names import function_spellings
    return function_spellings()


def tokenize(text: str) -> list[Token]:
    return Tokenizer(text).run()
