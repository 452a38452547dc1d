"""LaTeX: a complete document, or the body alone for Jupyter and sheets."""
from __future__ import annotations

from . import math, tikz
from .base import DocumentPrinter, evaluation_terms, relation_terms

RELATIONS = {"=": "=", "≈": r"\approx", "≤": r"\le", "≥": r"\ge", "<": "<", ">": ">",
             "⇔": r"\iff", "⇒": r"\implies", "≠": r"\neq"}

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[utf8]{inputenc}
\usepackage[T1]{fontenc}
\usepackage{amsmath,amssymb}
\usepackage[margin=2.2cm]{geometry}
\usepackage{lmodern}
\usepackage{graphicx}
""" + tikz.PACKAGES + r"""\allowdisplaybreaks
\setcounter{MaxMatrixCols}{20}
% \derivefit{...}: typeset a picture, shrunk to fit the text width and most of a page
\newsavebox{\derivebox}
\newcommand{\derivefit}[1]{\sbox{\derivebox}{#1}%
  \ifdim\wd\derivebox>\linewidth\sbox{\derivebox}{\resizebox{\linewidth}{!}{\usebox{\derivebox}}}\fi
  \ifdim\ht\derivebox>0.8\textheight\sbox{\derivebox}{\resizebox{!}{0.8\textheight}{\usebox{\derivebox}}}\fi
  \usebox{\derivebox}}
"""

_ESCAPES = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
            "^": r"\textasciicircum{}", "_": r"\_", "~": r"\textasciitilde{}", "%": r"\%"}
_UNICODE = {"σ": r"$\sigma$", "∂": r"$\partial$", "⊙": r"$\odot$", "ᵀ": r"$^{\top}$", "−": "-",
            "≈": r"$\approx$", "≤": r"$\le$", "≥": r"$\ge$", "⇒": r"$\Rightarrow$", "→": r"$\to$",
            "×": r"$\times$", "·": r"$\cdot$", "∈": r"$\in$", "∘": r"$\circ$", "‖": r"$\|$",
            "μ": r"$\mu$", "α": r"$\alpha$", "η": r"$\eta$", "π": r"$\pi$", "∑": r"$\sum$",
            "Π": r"$\Pi$", "ρ": r"$\rho$", "λ": r"$\lambda$", "≠": r"$\neq$", "⇔": r"$\Leftrightarrow$",
            "ŷ": r"$\hat{y}$", "√": r"$\surd$", "…": r"\dots{}", "φ": r"$\phi$", "δ": r"$\delta$",
            "—": "---", "–": "--", "∞": r"$\infty$", "⊕": r"$\oplus$", "¬": r"$\neg$", "∨": r"$\vee$",
            "∧": r"$\wedge$", "₁": r"$_1$", "₂": r"$_2$", "²": r"$^2$", "ε": r"$\varepsilon$",
            "θ": r"$\theta$", "§": r"\S{}", "₃": r"$_3$", "₄": r"$_4$", "³": r"$^3$", "←": r"$\leftarrow$", "↦": r"$\mapsto$", "½": r"$\frac{1}{2}$", "⋆": r"$\star$", "∗": r"$*$", "ℝ": r"$\mathbb{R}$",
            "⌊": r"$\lfloor$", "⌋": r"$\rfloor$", "⁻": r"$^{-}$", "¹": r"$^1$", "₀": r"$_0$", "φ": r"$\phi$", "β": r"$\beta$", "ω": r"$\omega$", "Σ": r"$\Sigma$"}


_ACCENTS = {"\u0303": "tilde", "\u0302": "hat", "\u0304": "bar"}


def escape(text: str) -> str:
    """User or prose text as LaTeX that typesets it literally."""
    out = []
    for ch in text:
        if ch in _ACCENTS and out:
            base = out.pop()
            out.append(rf"$\{_ACCENTS[ch]}{{\text{{{base}}}}}$")
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch in _UNICODE:
            out.append(_UNICODE[ch])
        elif ord(ch) < 128:
            out.append(ch if ch.isprintable() or ch == "\n" else " ")
        elif 0xC0 <= ord(ch) <= 0x17F and ch.isalpha():
            out.append(ch)  # Latin letters: inputenc (utf8) with T1 fonts typesets them
        else:
            out.append("?")
    return "".join(out)


class LatexPrinter(DocumentPrinter):
    """A document, its body alone (`standalone=False`), or, with `inline=True`,
    each step as one line of display math (what JSON and Markdown carry)."""

    format = "latex"

    def __init__(self, standalone: bool = True, section: str = "section", inline: bool = False):
        self.standalone = standalone
        self.section = section
        self.inline = inline

    def doprint(self, solution) -> str:
        body = self.body(solution)
        if not self.standalone:
            return body
        return PREAMBLE + "\\begin{document}\n" + body + "\\end{document}\n"

    def body(self, solution) -> str:
        notation = solution.notation
        out = [rf"\{self.section}{{{escape(solution.title)}}}",
               rf"\noindent\textit{{Problem}} \texttt{{{escape(solution.problem)}}}. "
               rf"\textit{{Source:}} {escape(solution.source)}.\par\medskip",
               escape(solution.statement) + r"\par\medskip"]
        if solution.convention:
            out.append(rf"\noindent\textit{{Convention:}} {escape(solution.convention)}\par\medskip")
        for part in solution.parts:
            out.append(rf"\subsection*{{({escape(part.id)}) {escape(part.question)}}}")
            for step in part.steps:
                out.append(self.print_step(step, notation))
            if part.answers:
                out.append(r"\paragraph{Answer.}")
                rows = [rf"{answer.latex} &= \boxed{{{math.latex(answer.expr, notation)}}}"
                        for answer in part.answers.values()]
                out.append("\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}")
        return "\n\n".join(out) + "\n"

    def _print_Evaluation(self, step, notation):
        terms = evaluation_terms(step, notation, math.latex)
        return self._display(terms[0], [("=", t) for t in terms[1:]], step.note)

    def _print_Relation(self, step, notation):
        terms = relation_terms(step, notation, math.latex)
        return self._display(terms[0], [(RELATIONS[r], t) for r, t in zip(step.relations, terms[1:])],
                             step.reason)

    def _print_Remark(self, step, notation):
        return rf"\text{{{escape(step.text)}}}" if self.inline else escape(step.text) + r"\par"

    def _print_Solved(self, step, notation):
        unknown = math.latex(step.unknown, notation)
        solutions = ", ".join(math.latex(s, notation) for s in step.solutions)
        rhs = rf"{unknown} = {solutions}" if step.solutions else rf"\text{{no solution for }} {unknown}"
        return self._display(math.latex(step.equation, notation), [(r"\implies", rhs)], step.reason)

    def _print_ComputationGraph(self, step, notation):
        if self.inline:  # MathJax (JSON, Markdown, Jupyter) cannot draw TikZ
            return rf"\text{{{escape(graph_summary(step))}}}"
        return tikz.figure(step, escape)

    def _display(self, first: str, rest: list[tuple[str, str]], note: str = "") -> str:
        if self.inline:
            return first + "".join(f" {relation} {term}" for relation, term in rest)
        tag = rf" && \text{{({escape(note)})}}" if note else ""
        if not rest:
            return rf"\[ {first} \]"
        lines = [rf"{first} &{rest[0][0]} {rest[0][1]}{tag}"]
        lines += [rf"&{relation} {term}" for relation, term in rest[1:]]
        return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"


def graph_summary(step) -> str:
    """One line saying what a computation-graph figure shows."""
    caption = f"{step.caption}: " if step.caption else ""
    return (f"Computation graph ({caption}{len(step.nodes)} quantities, {len(step.edges)} edges; "
            "drawn in the LaTeX/PDF sheet)")
