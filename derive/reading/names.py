"""Names as the reader compares them, and the functions it knows.

`canonical` is the one spelling of a name: `\\mathbf{W}_{1}`, `W_1` and
`W_{1}` are all `W_1`; `\\hat{y}` is `hat{y}`; `\\sigma` is `sigma`. A
problem's names go through the same function, so whatever way a student
writes a name, it meets the problem's quantity.
"""
from __future__ import annotations

import re
from functools import lru_cache

import sympy

GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota",
         "kappa", "lambda", "mu", "nu", "xi", "rho", "varrho", "sigma", "varsigma", "tau", "upsilon", "phi",
         "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon",
         "Phi", "Psi", "Omega", "ell"}
_STYLE = re.compile(r"\\(?:mathbf|boldsymbol|bm|mathrm|mathit|mathsf|mathtt|text|textrm|textbf|textit|"
                    r"operatorname|vec|pmb|mathnormal)\s*(?=\{)")
_ACCENT = re.compile(r"\\(widehat|widetilde|overline|hat|tilde|bar|dot|ddot|check|breve|mathcal|mathbb|"
                     r"mathscr|mathfrak)\s*(?:\{([^{}]*)\}|(\\[A-Za-z]+|[A-Za-z0-9]))")
_ACCENT_NAMES = {"widehat": "hat", "widetilde": "tilde", "overline": "bar", "mathcal": "cal", "mathbb": "bb",
                 "mathscr": "scr", "mathfrak": "frak"}


def canonical(name: str) -> str:
    """The one spelling of a name written in LaTeX (see the module text)."""
    name = _STYLE.sub("", name)
    name = _ACCENT.sub(lambda m: f"{_ACCENT_NAMES.get(m.group(1), m.group(1))}<{canonical(m.group(2) or m.group(3))}>", name)
    name = re.sub(r"\\(?:left|right|[,;!: ]|quad)", "", name)
    name = re.sub(r"[\\{}\s]", "", name)
    return name.replace("<", "{").replace(">", "}")


@lru_cache(maxsize=1)
def _table() -> dict:
    """Spelling (lower case) → SymPy function: every record of the engine's
    function registry under each of its spellings, and the elementary
    functions LaTeX has commands for."""
    from derive.core.functions import FUNCTIONS

    table = {"ln": sympy.log, "tan": sympy.tan, "sinh": sympy.sinh, "cosh": sympy.cosh, "max": sympy.Max,
             "min": sympy.Min, "sgn": sympy.sign}
    for record in FUNCTIONS.values():
        for spelling in (record.name, *record.spellings):
            table.setdefault(spelling.lower(), record.sympy)
    return table


def function_spellings() -> set:
    return set(_table()) | {"det", "tr", "diag", "softmax", "kl", "argmax", "argmin"}


def function(spelling: str):
    """The SymPy function a spelling names, or None."""
    return _table().get(spelling.lower())
