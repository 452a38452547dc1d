"""Numbers: reading them from untrusted input, keeping them exact where that
stays readable, and turning them into JSON.

Input numbers never pass through `sympify`: a JSON number becomes an exact
Rational through `fractions.Fraction`, so 0.1 is 1/10 and not the binary
float 0.1000000000000000055…
"""
from __future__ import annotations

import math
from fractions import Fraction

import sympy

from derive.errors import InputError

#: Digits carried when a value has to become a floating-point number.
PRECISION = 30
#: The largest magnitude accepted from input: beyond it, course problems
#: have no meaning and floating-point results overflow.
LARGEST = 1e15
#: The most entries one matrix of givens may have.
MAX_ENTRIES = 1024
#: A closed form with more operations than this is shown as a decimal.
READABLE_OPS = 24


def exact(value, where: str) -> sympy.Expr:
    """A JSON number as an exact SymPy number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{where}: expected a number, got {json_type(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(f"{where}: expected a finite number, got {value}")
    if abs(value) > LARGEST:
        raise InputError(f"{where}: {value:.3g} is larger than {LARGEST:.0e} in magnitude")
    if isinstance(value, int):
        return sympy.Integer(value)
    fraction = Fraction(repr(value))
    return sympy.Rational(fraction.numerator, fraction.denominator)


def matrix(value, where: str, shape: tuple[int, int] | None = None) -> sympy.ImmutableMatrix:
    """A JSON vector (a column) or list of rows as an exact matrix."""
    if not isinstance(value, list) or not value:
        raise InputError(f"{where}: expected a non-empty list, got {json_type(value)}")
    if len(value) > MAX_ENTRIES:
        raise InputError(f"{where}: more than {MAX_ENTRIES} rows")
    if all(not isinstance(row, list) for row in value):
        rows = [[exact(v, f"{where}[{i}]")] for i, v in enumerate(value)]
    else:
        if not all(isinstance(row, list) and row for row in value):
            raise InputError(f"{where}: expected a list of numbers or a list of non-empty rows")
        width = len(value[0])
        rows = []
        for i, row in enumerate(value):
            if len(row) != width:
                raise InputError(f"{where}: row {i} has {len(row)} entries, row 0 has {width}")
            rows.append([exact(v, f"{where}[{i}][{j}]") for j, v in enumerate(row)])
    if len(rows) * len(rows[0]) > MAX_ENTRIES:
        raise InputError(f"{where}: more than {MAX_ENTRIES} entries; symbolic steps are for small instances")
    result = sympy.ImmutableMatrix(rows)
    if shape is not None and result.shape != shape:
        raise InputError(f"{where}: expected shape {shape[0]}×{shape[1]}, got {result.shape[0]}×{result.shape[1]}")
    return result


def json_type(value) -> str:
    if value == []:
        return "an empty list"
    names = {bool: "a boolean", str: "a string", type(None): "null", dict: "an object", list: "a list"}
    return names.get(type(value), type(value).__name__)


def settle(value):
    """The value a step reports: exact when that stays short, else a decimal.

    Rationals and short surds stay exact (a GCN normalisation is nicer as
    1/√3 than as 0.57735); anything involving a transcendental function of
    numbers becomes a Float carrying PRECISION digits, so that later steps
    stay small instead of nesting σ(σ(…)).
    """
    if isinstance(value, sympy.MatrixBase):
        return sympy.ImmutableMatrix(value.shape[0], value.shape[1], [settle(v) for v in value])
    if isinstance(value, bool) or not isinstance(value, sympy.Basic):
        return value
    if value.free_symbols or value.is_Rational or value.is_Float:
        return value
    if value.has(sympy.Float) or value.atoms(sympy.Function) or value.has(sympy.exp, sympy.log, sympy.pi, sympy.E):
        return value.evalf(PRECISION)
    if sympy.count_ops(value) > READABLE_OPS:
        return value.evalf(PRECISION)
    return value


def is_numeric(value) -> bool:
    if isinstance(value, sympy.MatrixBase):
        return all(is_numeric(v) for v in value)
    return isinstance(value, sympy.Basic) and value.is_number


def json_value(value):
    """A value as JSON: number, nested list, bool, or None when symbolic.

    Matrices of one entry are plain numbers; column vectors are flat lists.
    """
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (sympy.logic.boolalg.BooleanTrue, sympy.logic.boolalg.BooleanFalse)):
        return bool(value)
    if isinstance(value, sympy.MatrixBase):
        if value.shape == (1, 1):
            return json_value(value[0, 0])
        if not is_numeric(value):
            return None
        if value.shape[1] == 1:
            return [json_value(v) for v in value]
        return [[json_value(v) for v in value.row(i)] for i in range(value.shape[0])]
    if isinstance(value, (int, float)):
        return value
    if not value.is_number:
        return None
    if value.is_Integer:
        return int(value)
    number = complex(value.evalf(PRECISION))
    if number.imag != 0 or not math.isfinite(number.real):
        return None
    return float(number.real)


def format_decimal(value: float, digits: int = 6) -> str:
    """A decimal with `digits` significant digits, trailing zeros dropped."""
    if value == 0:
        return "0"
    if not math.isfinite(value):
        return str(value)
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{int(exponent)}"
    return text
