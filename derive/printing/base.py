"""What every document printer shares: dispatch on the step's class.

As in SymPy's printers, a step of class `Evaluation` is printed by the
method `_print_Evaluation`; a printer that lacks one fails loudly.
"""
from __future__ import annotations

import re

import sympy

from derive.core.steps import Evaluation, Relation

_E_NOTATION = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)e([-+]?\d+)\b")
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def prose(text: str) -> str:
    """Prose as a reader takes it: a number in e-notation (1.3e-04, as
    Python formats it) written 1.3×10⁻⁴."""
    return _E_NOTATION.sub(lambda m: f"{m.group(1)}×10{str(int(m.group(2))).translate(_SUPERSCRIPT)}", text)


class DocumentPrinter:
    format = ""

    def print_step(self, step, notation) -> str:
        method = getattr(self, f"_print_{type(step).__name__}", None)
        if method is None:
            raise NotImplementedError(f"{type(self).__name__} cannot print a {type(step).__name__} step")
        return method(step, notation)

    def doprint(self, solution) -> str:
        raise NotImplementedError


def evaluation_terms(step: Evaluation, notation, printer) -> list[str]:
    """The distinct terms of `target = formula = substituted = value`."""
    terms = [printer(step.target, notation)]
    for term in (printer(step.formula, notation),
                 printer(step.formula, notation, step.bindings) if step.bindings else None,
                 printer(step.inner, notation) if step.inner is not None else None,
                 printer(step.value, notation) if step.value is not None else None):
        if term is not None and term != terms[-1]:
            terms.append(term)
    return terms


def relation_terms(step: Relation, notation, printer) -> list[str]:
    return [printer(t, notation) for t in step.terms]


# --- labels of answers, in the problem's notation

_LATEX_SYMBOLS = {
    r"\partial": "∂", r"\nabla": "∇", r"\ell": "ℓ", r"\infty": "∞", r"\star": "⋆", r"\top": "ᵀ",
    r"\le": "≤", r"\ge": "≥", r"\leq": "≤", r"\geq": "≥", r"\neq": "≠", r"\iff": "⇔", r"\to": "→",
    r"\mid": "|", r"\|": "‖", r"\lVert": "‖", r"\rVert": "‖", r"\ll": "≪", r"\gg": "≫", r"\cdot": "·",
    r"\times": "×", r"\approx": "≈", r"\in": "∈", r"\#": "#", r"\{": "{", r"\}": "}", r"\big|": "|",
    r"\left.": "", r"\right.": "", r"\left": "", r"\right": "", r"\,": " ", r"\;": " ", r"\ ": " ",
    r"\quad": " ", r"\!": "", r"\min": "min", r"\max": "max", r"\lim": "lim", r"\sup": "sup", r"\log": "log",
    r"\arg": "arg", r"\dim": "dim", r"\exp": "exp", r"\det": "det",
    **dict(zip((rf"\{name}" for name in "alpha beta gamma delta epsilon varepsilon zeta eta theta iota kappa "
                "lambda mu nu xi pi rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi "
                "Pi Sigma Phi Psi Omega".split()),
               "αβγδεεζηθικλμνξπρστυφφχψωΓΔΘΛΞΠΣΦΨΩ")),
}
_ACCENTS = {"tilde": "\u0303", "hat": "\u0302", "bar": "\u0304", "dot": "\u0307"}
_FONTS = ("mathrm", "operatorname", "text", "mathbf", "mathcal", "mathit", "boldsymbol", "mathsf", "mathbb")
_BRACED = r"\{((?:[^{}]|\{[^{}]*\})*)\}"


def latex_to_text(latex: str) -> str | None:
    """A label written in LaTeX (`\\frac{\\partial L}{\\partial W_{2}}`,
    `\\tilde{c}_{1}`) as plain text (∂L/∂W_2, c̃_1); None when it uses
    LaTeX this does not know."""
    text = latex
    for _ in range(6):  # nested groups, innermost first
        before = text
        text = re.sub(r"\\frac" + _BRACED + _BRACED, lambda m: f"{_atom(m.group(1))}/{_atom(m.group(2))}", text)
        text = re.sub(r"\\(" + "|".join(_ACCENTS) + r")" + _BRACED,
                      lambda m: m.group(2) + _ACCENTS[m.group(1)] if len(m.group(2)) == 1
                      else m.group(2) + "~", text)
        text = re.sub(r"\\mathbb\{E\}", "𝔼", text)
        text = re.sub(r"\\(?:" + "|".join(_FONTS) + r")" + _BRACED, lambda m: m.group(1), text)
        if text == before:
            break
    for command in sorted(_LATEX_SYMBOLS, key=len, reverse=True):
        after = r"(?![A-Za-z])" if command[-1].isalpha() else ""
        text = re.sub(re.escape(command) + after, lambda m, c=command: _LATEX_SYMBOLS[c], text)
    text = re.sub(r"([_^])" + _BRACED, lambda m: _script(m.group(1), m.group(2)), text)
    if "\\" in text:
        return None
    text = text.replace("{", "").replace("}", "").replace("^ᵀ", "ᵀ").replace("∂ ", "∂")
    text = re.sub(r"(?<=[(^ ])-(?=\d)", "\u2212", text)
    return re.sub(r"\s+", " ", text).strip()


def _atom(text: str) -> str:
    text = re.sub(r"^(∂|\\partial|d)\s+", lambda m: "∂" if m.group(1) != "d" else "d", text.strip())
    return f"({text})" if re.search(r"[\s+−-]", text) else text


def _script(mark: str, text: str) -> str:
    if mark == "^" and re.fullmatch(r"[\d−-]+", text):
        return text.translate(_SUPERSCRIPT).replace("−", "⁻")
    return mark + (text if len(text) == 1 or re.fullmatch(r"[A-Za-z0-9,]+", text) else f"({text})")


def answer_label(answer, notation, format: str) -> str:
    """How an answer is labelled where it is displayed: its LaTeX label, or
    that label as text (JSON keeps the key, a contract)."""
    if format == "latex":
        return answer.latex
    if answer.key in notation and answer.latex in (answer.key, ""):
        return notation[answer.key][0]
    return latex_to_text(answer.latex) or (notation[answer.key][0] if answer.key in notation else answer.key)


def given_text(given, printer) -> str:
    """JSON givens (a variant's, or a user's) as `name = value` items, numbers
    and numeric lists as the formula printer writes them."""
    numbers = _numeric_matrix(given)
    if numbers is not None:
        return printer(numbers)
    if isinstance(given, dict):
        return "; ".join(f"{key} = {given_text(value, printer)}" for key, value in given.items())
    if isinstance(given, list):
        return "[" + ", ".join(given_text(v, printer) if not isinstance(v, dict) else "{" + given_text(v, printer) + "}"
                               for v in given) + "]"
    if isinstance(given, bool):
        return "true" if given else "false"
    return str(given)


def _numeric_matrix(value):
    """A JSON number, vector (as a column) or rectangular list of rows as a
    SymPy number or matrix; None for anything else."""
    def is_number(v):
        return isinstance(v, (int, float)) and not isinstance(v, bool) and _finite(v)

    if is_number(value):
        return _exact(value)
    if isinstance(value, list) and value and all(is_number(v) for v in value):
        return sympy.ImmutableMatrix([[_exact(v)] for v in value])
    if (isinstance(value, list) and value and all(isinstance(r, list) and r for r in value)
            and len({len(r) for r in value}) == 1 and all(is_number(v) for r in value for v in r)):
        return sympy.ImmutableMatrix([[_exact(v) for v in r] for r in value])
    return None


def _finite(number) -> bool:
    return isinstance(number, int) or (number == number and abs(number) != float("inf"))


def _exact(number):
    """The number as typed: 0.1 stays 0.1 (through its shortest repr)."""
    if isinstance(number, int) and abs(number) < 10**15:
        return sympy.Integer(number)
    if number != 0 and not 1e-9 < abs(number) < 1e15:
        return sympy.Float(number)  # printed in scientific notation
    return sympy.Rational(repr(number))
