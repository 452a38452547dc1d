"""How a name of a problem file is written: in formulas, in LaTeX, in text.

A name is ASCII (`W_z`, `h_0`, `mu_B`, `xhat` or `x_hat`) because it is also an answer
key. In a formula it is written as LaTeX: `W_z` or `W_{z}`, `\\mu_B` for
`mu_B`, `\\hat{x}` for `xhat`, `\\mathrm{var}` for a name of several letters;
the reader compares names through one canonical spelling, so every way of
writing a name meets it.
"""
from __future__ import annotations

from derive.reading.names import GREEK

GREEK_TEXT = dict(zip(
    ["alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota",
     "kappa", "lambda", "mu", "nu", "xi", "rho", "varrho", "sigma", "varsigma", "tau", "upsilon", "phi", "varphi",
     "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi",
     "Omega", "ell"],
    "αβγδεεζηθϑικλμνξρϱσςτυφφχψωΓΔΘΛΞΠΣΥΦΨΩℓ"))
ACCENTS = ("hat", "tilde", "bar")


def _parts(name: str):
    """`xhat_1` and `x_hat_1` → ("x", "hat", "1"); `W_z` → ("W", "", "z")."""
    parts = name.split("_")
    if len(parts) >= 2 and parts[1] in ACCENTS:
        return parts[0], parts[1], "_".join(parts[2:])
    head, _, tail = name.partition("_")
    for accent in ACCENTS:
        if head.endswith(accent) and len(head) > len(accent):
            return head[:-len(accent)], accent, tail
    return head, "", tail


def _head_latex(base: str) -> str:
    if base in GREEK:
        return "\\" + base
    if len(base) > 1:
        return rf"\mathrm{{{base}}}"
    return base


def latex(name: str) -> str:
    """The LaTeX of a name: `W_{z}`, `\\mu_{B}`, `\\hat{x}_{1}`, `\\mathrm{var}`."""
    base, accent, tail = _parts(name)
    head = _head_latex(base)
    if accent:
        head = rf"\{accent}{{{head}}}"
    return f"{head}_{{{tail.replace('_', ',')}}}" if tail else head


def text(name: str) -> str:
    """The plain text of a name: `W_z`, `μ_B`, `x̂_1`."""
    base, accent, tail = _parts(name)
    head = GREEK_TEXT.get(base, base)
    if accent:
        head += {"hat": "\u0302", "tilde": "\u0303", "bar": "\u0304"}[accent]
    return f"{head}_{tail}" if tail else head


def spellings(name: str) -> tuple[str, ...]:
    """The ways a formula may write the name (the reader canonicalises each)."""
    found = [name, latex(name)]
    base, accent, tail = _parts(name)
    if accent:
        found.append(f"\\{accent}{{{_head_latex(base)}}}" + (f"_{{{tail}}}" if tail else ""))
    return tuple(dict.fromkeys(found))
