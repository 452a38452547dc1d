"""Parsing one normalised side with latex2sympy2_extended.

latex2sympy2_extended builds SymPy objects from its LaTeX grammar: names
become `Symbol`/`Function` objects whose name is the text, never code. It
calls `parse_expr` only on `variable_values` given as strings, which this
module never passes, and turns its NUMBER tokens into numbers with
`sympy.Number(text)`, which sympifies: that one method is replaced here by an
exact conversion with int()/Fraction. Nothing here sympifies text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy
from fractions import Fraction

from latex2sympy2_extended import latex2sympy
from latex2sympy2_extended import latex2sympy2 as _latex2sympy2
from latex2sympy2_extended.latex2sympy2 import ConversionConfig
from latex2sympy2_extended.math_normalization import NormalizationConfig

from derive.checking.fastparse import fast_parse
from derive.reading import ReadError, read_chain
from derive.checking.normalise import ARGUMENT, CASES, LITERAL, MATRIX, Normalised, NormaliseError, normalise

def _parse_number(self, text: str):
    """The grammar's NUMBER tokens as exact numbers, without the library's
    `sympy.Number(text)` (which sympifies, i.e. evals, the string)."""
    text = text.replace(",", "")
    if re.fullmatch(r"\d{1,300}", text):
        return sympy.Integer(int(text))
    if re.fullmatch(r"\d{0,300}\.\d{0,300}", text) and text != ".":
        fraction = Fraction(text)
        return sympy.Rational(fraction.numerator, fraction.denominator)
    raise ValueError(f"not a number: {text[:20]!r}")


_latex2sympy2._Latex2Sympy.parse_number = _parse_number


def _convert_number(number: str):
    """The library's module-level number conversion, without `sympy.Number(str)`."""
    if "," in number and number.startswith("0"):
        number = number.replace(",", ".")
    return _parse_number(None, number.replace(" ", "").replace(",", "") if "." in number
                         else number.translate(str.maketrans("", "", ", ")))


_latex2sympy2.convert_number = _convert_number

CONVERSION = ConversionConfig(interpret_as_mixed_fractions=False, interpret_simple_eq_as_assignment=False,
                              interpret_contains_as_eq=False, lowercase_symbols=False)
NORMALISATION = NormalizationConfig(basic_latex=False, units=False, malformed_operators=False, nits=False,
                                    boxed="none", equations=False)
#: The most nodes a parsed side may have.
MAX_NODES = 5000
#: Tests set this to compare the fast parser with the grammar.
GRAMMAR_ONLY = False


class ParseError(ValueError):
    pass


@dataclass
class Side:
    latex: str
    expr: object
    literals: list[str]
    matrices: list[list[list["Side"]]]
    arguments: list["Side"]
    #: rows (value, (relation, left, right) or None) of each \\begin{cases}
    cases: list = field(default_factory=list)


def canonical(name: str) -> str:
    """A name as the checker compares it: `\\tilde{c}_{1}` and `tilde{c}_1` are one."""
    name = re.sub(r"\\?(mathrm|mathit|mathbf|operatorname|text|math)(?=\{)", "", name)
    return re.sub(r"[\\{}\s]", "", name)


def parse_side(text: str, functions: tuple[str, ...] = ()) -> Side:
    try:
        normalised = normalise(text, functions)
    except NormaliseError as error:
        raise ParseError(str(error)) from None
    return _parse(text, normalised)


def _parse(text: str, normalised: Normalised) -> Side:
    matrices = [[[_parse(cell.latex, cell) for cell in row] for row in rows] for rows in normalised.matrices]
    arguments = [_parse(argument.latex, argument) for argument in normalised.arguments]
    cases = [[(_parse(value.latex, value),
               None if condition is None else (condition[0], _parse(condition[1].latex, condition[1]),
                                               _parse(condition[2].latex, condition[2])))
              for value, condition in rows] for rows in normalised.cases]
    if not normalised.latex:
        raise ParseError("nothing to parse")
    simple = _simple(normalised.latex)
    if simple is None and GRAMMAR_ONLY is False:
        simple = fast_parse(normalised.latex)
    if simple is not None:
        if sympy.count_ops(simple, visual=False) > MAX_NODES:
            raise ParseError(f"more than {MAX_NODES} operations")
        return Side(text, simple, normalised.literals, matrices, arguments, cases)
    try:
        expr = latex2sympy(normalised.latex, normalization_config=NORMALISATION, conversion_config=CONVERSION)
    except RecursionError:
        raise ParseError("nested too deeply") from None
    except Exception as error:  # the grammar raises bare Exceptions for syntax errors
        expr = _read(normalised.latex, error)
    if not isinstance(expr, (sympy.Basic, sympy.MatrixBase)) or isinstance(expr, sympy.Set) or (
            isinstance(expr, sympy.logic.boolalg.Boolean) and not isinstance(expr, sympy.Expr)):
        raise ParseError(f"not an expression ({type(expr).__name__})")
    if sympy.count_ops(expr, visual=False) > MAX_NODES:
        raise ParseError(f"more than {MAX_NODES} operations")
    return Side(text, expr, normalised.literals, matrices, arguments, cases)


def _read(latex: str, error: Exception):
    """The project's own reader (derive.reading), for what latex2sympy2's
    grammar does not take (∇_W L, ‖x‖, KL(q ‖ p), \\operatorname{…}, …).
    When it cannot read the side either, the grammar's error stands."""
    try:
        sides, relations = read_chain(latex, keep_transposes=True)
        if not relations and len(sides) == 1:
            return sides[0]
    except ReadError:
        pass
    if isinstance(error, (AttributeError, TypeError, KeyError, IndexError, ValueError, NotImplementedError)):
        # the library failed inside its own conversion: its message is about its internals
        raise ParseError("cannot parse this construct") from None
    message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    raise ParseError(f"cannot parse: {message[:120]}") from None


def placeholder(name: str) -> tuple[str, int] | None:
    """('numlit', k) or ('matlit', k) for a placeholder symbol's name."""
    m = re.fullmatch(r"(?:math)?\{?(" + LITERAL + "|" + MATRIX + "|" + ARGUMENT + "|" + CASES + r")\}?_\{?(\d+)\}?(\^T)?", name.replace("\\mathrm", ""))
    if m is None:
        return None
    return m.group(1) + (m.group(3) or ""), int(m.group(2))


SIMPLE = re.compile(r"(-)?\s*(?:(\d{1,15})|\\mathrm\{(" + LITERAL + "|" + MATRIX + "|" + ARGUMENT + "|" + CASES
                    + r")\}_\{(\d+)\}|([A-Za-z]))")


def _simple(latex: str):
    """The grammar is slow (milliseconds a call); most matrix cells and many
    sides are one number or one letter, built here directly."""
    m = SIMPLE.fullmatch(latex.strip())
    if m is None:
        return None
    sign, integer, kind, index, letter = m.groups()
    if integer is not None:
        value = sympy.Integer(int(integer))
    elif kind is not None:
        value = sympy.Symbol(f"math{{{kind}}}_{index}")
    else:
        value = sympy.Symbol(letter)
    return sympy.Mul(-1, value, evaluate=False) if sign else value
