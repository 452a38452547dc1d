"""The one safe reader of LaTeX formulas: text → tokens → LALR parse → SymPy.

    from derive.reading import read, read_chain, ReadError
    expr = read(r"\\sigma(W_z x + b_z)", {"W_z": W, "x": x, "b_z": b})
    sides, relations = read_chain(r"\\frac12 (0.3)^2 = 0.045")

Names in `names` are keyed as written (`"W_z"`, `"\\hat{y}"`, `"\\alpha"`);
both they and the formula's names are compared through
`derive.reading.names.canonical`. With `strict=True` an unknown name is an
error; otherwise it becomes a Symbol of that name. The text is never
evaluated: the tokenizer is a linear scan, the grammar is LALR(1) (Lark),
and the tree is built with SymPy constructors only. Problem files
(`derive.problemfile`) and `derive check` read formulas only through here.
"""
from __future__ import annotations

from typing import Callable, Mapping

from lark.exceptions import LarkError, UnexpectedInput

from derive.reading.build import Builder, exact_number
from derive.reading.errors import ReadError
from derive.reading.grammar import parser
from derive.reading.names import canonical
from derive.reading.tokens import tokenize

__all__ = ["read", "read_chain", "ReadError", "canonical", "exact_number"]


def _tree(latex: str):
    tokens = tokenize(latex)
    if not tokens:
        raise ReadError("nothing to read", 0)
    try:
        return parser().parse(tokens)
    except UnexpectedInput as error:
        token = getattr(error, "token", None)
        column = getattr(token, "start_pos", None) or getattr(error, "pos_in_stream", 0) or 0
        what = "the end" if token is None or token.type == "$END" else repr(token.value or token.type)
        raise ReadError(f"unexpected {what}", column) from None
    except LarkError as error:
        raise ReadError(f"cannot read: {str(error).splitlines()[0]}", 0) from None


def read_chain(latex: str, names: Mapping[str, object] | None = None, *, strict: bool = False,
               number: Callable[[str], object] | None = None, keep_transposes: bool = False) -> tuple[list, list[str]]:
    """The sides of `a = b ≈ c` and the relations between them. With
    `keep_transposes`, the transpose of an unknown scalar name is the name
    `W^T` (the checker decides later what W is) rather than W itself."""
    builder = Builder(names, number=number, strict=strict, keep_transposes=keep_transposes)
    try:
        return builder.chain(_tree(latex))
    except RecursionError:
        raise ReadError("nested too deeply", 0) from None
    except (TypeError, ValueError, AttributeError, IndexError, ZeroDivisionError, NotImplementedError) as error:
        if isinstance(error, ReadError):
            raise
        raise ReadError(f"cannot combine these: {_first_line(error)}", 0) from None


def read(latex: str, names: Mapping[str, object] | None = None, *, strict: bool = True,
         number: Callable[[str], object] | None = None):
    """One formula (no relation) as a SymPy expression."""
    sides, relations = read_chain(latex, names, strict=strict, number=number)
    if relations:
        raise ReadError(f"a formula, not a relation ({relations[0]})", 0)
    return sides[0]


def _first_line(error) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:120] if text else type(error).__name__
