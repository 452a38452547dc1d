"""The display symbols of probability derivations: KL(p ‖ q), E_p[…], vᵀAv.

Unevaluated SymPy functions that only print; both `kl` and `expectations`
write them, so they live here, below both (no import cycle).
"""
from __future__ import annotations

import sympy


class KL(sympy.Function):
    """The symbol KL(p ‖ q), unevaluated (for display)."""

    def _latex(self, printer):
        p, q = self.args
        return rf"\mathrm{{KL}}\left({printer._print(p)} \,\|\, {printer._print(q)}\right)"

    def _sympystr(self, printer):
        p, q = self.args
        return f"KL({printer._print(p)} ‖ {printer._print(q)})"


class QuadraticForm(sympy.Function):
    """vᵀ A v, unevaluated (for display): v a column, A a square matrix."""

    def _latex(self, printer):
        v, A = self.args
        return rf"\left({printer._print(v)}\right)^{{\top}} {printer._print(A)} \left({printer._print(v)}\right)"

    def _sympystr(self, printer):
        v, A = self.args
        return f"({printer._print(v)})ᵀ·{printer._print(A)}·({printer._print(v)})"


class Expectation(sympy.Function):
    """E_p[expr], unevaluated (for display)."""

    def _latex(self, printer):
        expr, under = self.args
        return rf"\mathbb{{E}}_{{{printer._print(under)}}}\left[{printer._print(expr)}\right]"

    def _sympystr(self, printer):
        expr, under = self.args
        return f"E_{printer._print(under)}[{printer._print(expr)}]"
