"""LaTeX: a complete document, or the body alone for Jupyter and sheets."""
from __future__ import annotations

import json
import re
from functools import partial

import sympy

from derive.printing import breaking, math, tikz
from derive.printing.base import DocumentPrinter, _numeric_matrix, evaluation_terms, prose, relation_terms

RELATIONS = {"=": "=", "≈": r"\approx", "≤": r"\le", "≥": r"\ge", "<": "<", ">": ">",
             "⇔": r"\iff", "⇒": r"\implies", "≠": r"\neq", "→": r"\to", "↦": r"\mapsto",
             "∝": r"\propto", "≡": r"\equiv", "≪": r"\ll", "≫": r"\gg", "⊆": r"\subseteq", "∈": r"\in",
             "⟹": r"\implies", "≔": r"\mathrel{:=}", ":=": r"\mathrel{:=}", "≅": r"\cong", "~": r"\sim"}

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[utf8]{inputenc}
\usepackage[T1]{fontenc}
\usepackage{amsmath,amssymb}
\usepackage[margin=2cm]{geometry}
\IfFileExists{lmodern.sty}{\usepackage{lmodern}}{}
\usepackage{graphicx}
\usepackage{calc}
""" + tikz.PACKAGES + r"""\allowdisplaybreaks
\setcounter{MaxMatrixCols}{20}
\setlength{\arraycolsep}{4pt}
% file names and code-like tokens in prose: loose lines rather than text past the margin
\sloppy
% \derivefit{...}: typeset a picture, shrunk to fit the text width and most
% of a page, but never below 80 % (a larger picture runs into the margin)
\newsavebox{\derivebox}
\newlength{\derivescale}
\newcommand{\derivefit}[1]{\sbox{\derivebox}{#1}%
  \ifdim\wd\derivebox>\linewidth
    \setlength{\derivescale}{\maxof{0.8\wd\derivebox}{\linewidth}}%
    \sbox{\derivebox}{\resizebox{\derivescale}{!}{\usebox{\derivebox}}}\fi
  \ifdim\ht\derivebox>0.8\textheight
    \setlength{\derivescale}{\maxof{0.8\ht\derivebox}{0.8\textheight}}%
    \sbox{\derivebox}{\resizebox{!}{\derivescale}{\usebox{\derivebox}}}\fi
  \makebox[\linewidth]{\usebox{\derivebox}}}
% \derivechain{first}{rest}{note}: display math as a paragraph that breaks
% where a person breaks a chain: before a relation (\deriverel), else before
% a + or - outside brackets (\derivebin, the next line indented a little
% more), else before a product (\deriveop). Continuation lines start under
% the first relation; nothing is shrunk.
\newlength{\derivehang}
\newcommand{\deriverel}{\penalty0 }
\newcommand{\derivebin}{\discretionary{}{\kern1em}{}}
\newcommand{\deriveop}{\penalty2000 }
\newcommand{\derivechain}[3]{\par\addvspace{\medskipamount}%
  {\settowidth{\derivehang}{$\displaystyle #1\mathrel{}$}%
  \ifdim\derivehang>0.4\linewidth\setlength{\derivehang}{2em}\fi
  \noindent\leftskip=1.5em \hangindent=\derivehang \hangafter=1
  \rightskip=0pt plus 0.5\linewidth \parfillskip=0pt plus 1fil
  \relpenalty=10000 \binoppenalty=10000 \exhyphenpenalty=300 \lineskip=4pt \lineskiplimit=2pt
  \medmuskip=4mu\relax \thickmuskip=5mu\relax
  $\displaystyle #1 #2$%
  \if\relax\detokenize{#3}\relax\else
    \nobreak\hfill\penalty50\hskip1em\null\nobreak\hfill\mbox{\small(#3)}\fi
  \par}\addvspace{\medskipamount}}
% \derivenote{text}: the reason of a chain too long to stand at its right
\newcommand{\derivenote}[1]{{\leftskip=3em \rightskip=0pt plus 0.3\linewidth \noindent\small(#1)\par}%
  \addvspace{\medskipamount}}
"""

_ESCAPES = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
            "^": r"\textasciicircum{}", "_": r"\_", "~": r"\textasciitilde{}", "%": r"\%"}
def _math(table: dict[str, str]) -> dict[str, str]:
    """Characters typeset as the given math-mode LaTeX."""
    return {ch: f"${tex}$" for ch, tex in table.items()}


_GREEK = dict(zip("αβγδεζηθικλμνξπρστυφχψω",
                  r"\alpha \beta \gamma \delta \varepsilon \zeta \eta \theta \iota \kappa \lambda \mu \nu \xi "
                  r"\pi \rho \sigma \tau \upsilon \phi \chi \psi \omega".split()))
_GREEK.update(zip("ΓΔΘΛΞΠΣΥΦΨΩ", r"\Gamma \Delta \Theta \Lambda \Xi \Pi \Sigma \Upsilon \Phi \Psi \Omega".split()))
# Capitals that look Latin are the Latin letters in upright math
_GREEK.update({g: rf"\mathrm{{{latin}}}" for g, latin in zip("ΑΒΕΖΗΙΚΜΝΟΡΤΧ", "ABEZHIKMNOPTX")})
_GREEK.update({"ο": "o", "ς": r"\varsigma", "ϕ": r"\phi", "ϵ": r"\epsilon", "ϑ": r"\vartheta",
               "ϱ": r"\varrho", "ϖ": r"\varpi", "µ": r"\mu"})

_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ",
                         "0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVW"))
_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ", "0123456789+-=()aeoxhklmnpstijruv"))

_SYMBOLS = {
    # calculus and big operators
    "∂": r"\partial", "∇": r"\nabla", "∫": r"\int", "∮": r"\oint", "∑": r"\sum", "∏": r"\prod",
    "√": r"\surd", "∞": r"\infty", "′": r"^{\prime}", "″": r"^{\prime\prime}", "ℓ": r"\ell",
    # relations
    "≤": r"\le", "≥": r"\ge", "≠": r"\neq", "≈": r"\approx", "≪": r"\ll", "≫": r"\gg", "≡": r"\equiv",
    "≅": r"\cong", "∼": r"\sim", "≃": r"\simeq", "∝": r"\propto", "≔": r"\mathrel{:=}", "≲": r"\lesssim",
    "≳": r"\gtrsim", "≺": r"\prec", "≻": r"\succ", "∈": r"\in", "∉": r"\notin", "∋": r"\ni",
    "⊂": r"\subset", "⊆": r"\subseteq", "⊃": r"\supset", "⊇": r"\supseteq", "∣": r"\mid", "∥": r"\parallel",
    # operators
    "±": r"\pm", "∓": r"\mp", "×": r"\times", "÷": r"\div", "·": r"\cdot", "⋅": r"\cdot", "∘": r"\circ",
    "⊙": r"\odot", "⊗": r"\otimes", "⊕": r"\oplus", "⋆": r"\star", "∗": "*", "⁎": "_{*}", "∩": r"\cap",
    "∪": r"\cup", "∖": r"\setminus", "∧": r"\wedge", "∨": r"\vee", "¬": r"\neg", "‖": r"\|",
    "⊤": r"\top", "⊥": r"\bot", "∀": r"\forall", "∃": r"\exists", "∅": r"\emptyset",
    "⋯": r"\cdots", "⋮": r"\vdots", "⋱": r"\ddots", "⌊": r"\lfloor", "⌋": r"\rfloor", "⌈": r"\lceil",
    "⌉": r"\rceil", "⟨": r"\langle", "⟩": r"\rangle", "°": r"^{\circ}", "∠": r"\angle",
    # sets and special letters
    "ℝ": r"\mathbb{R}", "ℕ": r"\mathbb{N}", "ℤ": r"\mathbb{Z}", "ℚ": r"\mathbb{Q}", "ℂ": r"\mathbb{C}",
    "𝔼": r"\mathbb{E}", "𝟙": r"\mathbf{1}", "ŷ": r"\hat{y}", "½": r"\tfrac{1}{2}", "¼": r"\tfrac{1}{4}",
    "¾": r"\tfrac{3}{4}",
    # arrows
    "→": r"\to", "←": r"\leftarrow", "↑": r"\uparrow", "↓": r"\downarrow", "↔": r"\leftrightarrow",
    "⇒": r"\Rightarrow", "⇐": r"\Leftarrow", "⇔": r"\Leftrightarrow", "↦": r"\mapsto",
    "⟶": r"\longrightarrow", "⟵": r"\longleftarrow", "⟹": r"\Longrightarrow", "⟸": r"\Longleftarrow",
    "⟺": r"\Longleftrightarrow", "↗": r"\nearrow", "↘": r"\searrow", "⇝": r"\leadsto",
}

#: Non-ASCII characters of prose and how LaTeX (amsmath, amssymb) typesets them.
_UNICODE = {**_math(_GREEK), **_math(_SYMBOLS),
            **{ch: f"$^{{{c}}}$" for ch, c in _SUPERSCRIPTS.items()},
            **{ch: f"$_{{{c}}}$" for ch, c in _SUBSCRIPTS.items()},
            "ᵀ": r"$^{\top}$", "−": "$-$", "…": r"\dots{}", "—": "---", "–": "--", "§": r"\S{}",
            "\u00a0": "~", "‘": "`", "’": "'", "“": "``", "”": "''"}


_ACCENTS = {"\u0303": "tilde", "\u0302": "hat", "\u0304": "bar"}
#: Latin Extended-A letters T1 fonts have no glyph for: the nearest that typesets.
_NO_T1_GLYPH = {"Ħ": "H", "ħ": r"$\hbar$", "ĸ": "k", "Ŀ": r"L\textperiodcentered{}", "ŀ": r"l\textperiodcentered{}",
                "ŉ": "'n", "Ŧ": "T", "ŧ": "t", "ſ": "s"}


#: Pairs T1 fonts would typeset as one glyph (-- as an en dash, << as «):
#: an empty group between them keeps the two characters.
_LIGATURES = {("-", "-"), ("`", "`"), ("'", "'"), ("<", "<"), (">", ">"), ("!", "`"), ("?", "`"), (",", ",")}


def escape(text: str) -> str:
    """User or prose text as LaTeX that typesets it literally."""
    out, accented = [], None  # accented: the math of the last character, when it carries accents
    for i, ch in enumerate(text):
        if ch in _ACCENTS and out:
            base = out.pop()
            # stacked accents nest in math (\hat{\tilde{\text{x}}}): \text inside an accent inside \text fails
            inner = accented if accented is not None and base == f"${accented}$" else rf"\text{{{base}}}"
            accented = rf"\{_ACCENTS[ch]}{{{inner}}}"
            out.append(f"${accented}$")
            continue
        accented = None
        if ch in _NO_T1_GLYPH:
            out.append(_NO_T1_GLYPH[ch])
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch in _UNICODE:
            out.append(_UNICODE[ch])
        elif ord(ch) < 128:
            out.append(ch if ch.isprintable() or ch == "\n" else " ")
            if (ch, text[i + 1:i + 2]) in _LIGATURES:
                out.append("{}")
        elif 0xC0 <= ord(ch) <= 0x17F and ch.isalpha():
            out.append(ch)  # Latin letters: inputenc (utf8) with T1 fonts typesets them
        else:
            out.append("?")
    return "".join(out)


_SUBSCRIPT = re.compile(r"(?<![\w\\])([A-Za-zα-ωΑ-Ω])_(?:\(([^()\s]+)\)|\{([^{}\s]+)\}|([A-Za-z0-9]+))")


def prose_latex(text: str) -> str:
    """Prose as LaTeX (`escape`), with what it writes as subscripts set as
    subscripts (y_t, h_(t−1), W_h1x1) and numbers in e-notation as ×10ⁿ."""
    out, last = [], 0
    text = prose(text)
    for match in _SUBSCRIPT.finditer(text):
        sub = next(g for g in match.groups()[1:] if g)
        out.append(escape(text[last:match.start()]) + escape(match.group(1)))
        out.append(f"$_{{{sub}}}$" if re.fullmatch(r"[A-Za-z0-9]+", sub) else rf"$_{{\text{{{escape(sub)}}}}}$")
        last = match.end()
    return "".join(out) + escape(text[last:])


def escape_line(text: str) -> str:
    """`escape` for a heading or an argument: one line, since a blank line
    (a paragraph break) is an error inside a section title."""
    return escape(" ".join(text.split()))


class LatexPrinter(DocumentPrinter):
    """A document, its body alone (`standalone=False`), or, with `inline=True`,
    each step as one line of display math (what JSON and Markdown carry)."""

    format = "latex"

    def __init__(self, standalone: bool = True, section: str = "section", inline: bool = False,
                 stated_convention: str = "", portable: bool = False):
        self.standalone = standalone
        #: only standard LaTeX (amsmath): no preamble macros, no TikZ; what
        #: Jupyter's text/latex output and nbconvert's templates can take
        self.portable = portable
        self.section = section
        self.inline = inline
        #: a convention the surrounding document states once (a sheet):
        #: conventions that start the same way are not repeated per problem
        self.stated_convention = stated_convention
        # In a document, large matrices are summarised; one-line math (JSON,
        # Markdown) keeps them whole.
        self._latex = math.latex if inline else partial(math.latex, summarise=True)

    def doprint(self, solution) -> str:
        body = self.body(solution)
        if not self.standalone:
            return body
        return PREAMBLE + "\\begin{document}\n" + body + "\\end{document}\n"

    def body(self, solution) -> str:
        notation = solution.symbol_notation()
        out = [rf"\{self.section}{{{escape_line(solution.title)}}}",
               rf"{{\raggedright\noindent\textit{{Problem}} \texttt{{{escape_line(solution.problem)}}}. "
               rf"\textit{{Source:}} {escape_line(solution.source)}.\par}}\medskip",
               prose_latex(solution.statement) + r"\par\medskip"]
        givens = solution.given_quantities()
        if givens:
            rows = [f"{self._latex(q.symbol, notation)} = {self._latex(q.value, notation)}" for q in givens]
            out.append("{\\raggedright\\noindent\\textit{Given:} " + ", ".join(f"${row}$" for row in rows) + ".\\par}")
        elif solution.given is not None:
            # ragged right: typewriter text has no stretchable spaces to justify with
            out.append("{\\raggedright\\noindent\\textit{Givens:}\n" + givens_latex(solution.given) + "\\par}")
        if solution.convention and not self._stated(solution.convention):
            out.append(rf"\noindent\textit{{Convention:}} {prose_latex(str(solution.convention))}\par\medskip")
        for part in solution.parts:
            out.append(rf"\subsection*{{({escape_line(part.id)}) {prose_latex(' '.join(part.question.split()))}}}")
            for step in part.steps:
                out.append(self.print_step(step, notation))
            if part.answers:
                out.append(r"\paragraph{Answer.}")
                answers = [(answer.latex, self._latex(answer.expr, notation)) for answer in part.answers.values()]
                if self.portable:
                    out.append(self._rows([rf"{label} &= \boxed{{{value}}}" for label, value in answers]))
                else:
                    out.append(answers_latex(answers))
        return "\n\n".join(out) + "\n"

    def _stated(self, convention: str) -> bool:
        head = self.stated_convention.split(":")[0]
        return bool(head) and convention.startswith(head)

    def _print_Evaluation(self, step, notation):
        terms = evaluation_terms(step, notation, self._latex)
        return self._display(terms[0], [("=", t) for t in terms[1:]], step.note)

    def _print_Relation(self, step, notation):
        terms = relation_terms(step, notation, self._latex)
        return self._display(terms[0], [(relation_latex(r), t) for r, t in zip(step.relations, terms[1:])],
                             step.reason)

    def _print_Remark(self, step, notation):
        return rf"\text{{{escape(prose(step.text))}}}" if self.inline else prose_latex(step.text) + r"\par"

    def _print_Solved(self, step, notation):
        unknown = self._latex(step.unknown, notation)
        solutions = ", ".join(self._latex(s, notation) for s in step.solutions)
        rhs = rf"{unknown} = {solutions}" if step.solutions else rf"\text{{no solution for }} {unknown}"
        return self._display(self._latex(step.equation, notation), [(r"\implies", rhs)], step.reason)

    def _print_ComputationGraph(self, step, notation):
        if self.inline:  # MathJax (JSON, Markdown, Jupyter) cannot draw TikZ
            return rf"\text{{{escape(graph_summary(step))}}}"
        if self.portable:
            return escape(graph_summary(step)) + r"\par"
        return tikz.figure(step, escape)

    def _display(self, first: str, rest: list[tuple[str, str]], note: str = "") -> str:
        if self.inline:
            return first + "".join(f" {relation} {term}" for relation, term in rest)
        if self.portable:
            tag = rf" && \text{{({escape(prose(note))})}}" if note else ""
            if not rest:
                return rf"\[ {first} \]"
            lines = [rf"{first} &{rest[0][0]} {rest[0][1]}{tag}"]
            lines += [rf"&{relation} {term}" for relation, term in rest[1:]]
            return self._rows(lines)
        return chain_display(first, rest, prose_latex(note) if note else "")

    def _rows(self, rows):
        return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"


#: The widest answer (in ems) set in a line with others; a wider one is a display.
SHORT_ANSWER = 0.45 * breaking.LINE


def answers_latex(answers: list[tuple[str, str]]) -> str:
    """Boxed answers after a part's `Answer.`: short ones side by side in a
    ragged paragraph (breaking between answers), long ones as displays of
    their own, in their order."""
    out, run = [], []
    for label, value in answers:
        item = rf"{label} = \boxed{{{value}}}"
        if breaking.width(item) <= SHORT_ANSWER and r"\begin" not in value:
            run.append(rf"$\displaystyle {item}$")
            continue
        if run:
            out.append(_answer_run(run))
            run = []
        out.append(chain_display(label, [("=", rf"\boxed{{{value}}}")]))
    if run:
        out.append(_answer_run(run))
    return "\n".join(out)


def _answer_run(items: list[str]) -> str:
    return ("{\\raggedright " + "\\hskip 1.5em plus 1em\\penalty0\n".join(items) + "\\par}"
            "\\addvspace{\\medskipamount}")


#: The longest reason set at the right of its chain; a longer one gets a line.
SHORT_NOTE = 48


def chain_display(first: str, rest: list[tuple[str, str]], note: str = "") -> str:
    """A chain of display math through the preamble's \\derivechain: break
    points marked, and what would not break opened up (`breaking`)."""
    hang = min(breaking.width(first) + 1.3, 0.4 * breaking.LINE)
    room = breaking.LINE - hang - 1.5
    first = breaking.breakable(breaking.opened(first, breaking.LINE - 2))
    body = " \\deriverel ".join(f"{relation} {breaking.breakable(breaking.opened(term, room))}"
                                 for relation, term in rest)
    if breaking.width(first) > 0.4 * breaking.LINE:
        body = "\\deriverel " + body  # a long left side may stand alone on its line
    short = note if len(note) <= SHORT_NOTE else ""
    out = "\\derivechain{" + first + "}{" + body + "}{" + short + "}"
    if note and not short:
        out += "\n\\derivenote{" + note + "}"
    return out


def relation_latex(relation: str) -> str:
    """A relation of a chain in LaTeX: the table's, else the symbol's own form."""
    if relation in RELATIONS:
        return RELATIONS[relation]
    if relation in _SYMBOLS:
        return _SYMBOLS[relation]
    raise ValueError(f"no LaTeX form for the relation {relation!r}")


def graph_summary(step) -> str:
    """One line saying what a computation-graph figure shows."""
    caption = f"{step.caption}: " if step.caption else ""
    return (f"Computation graph ({caption}{len(step.nodes)} quantities, {len(step.edges)} edges; "
            "drawn in the LaTeX/PDF sheet)")


#: Nesting of givens shown as lists; deeper values are shown as escaped JSON.
GIVENS_DEPTH = 3


def givens_latex(given, depth: int = 0) -> str:
    """JSON givens (untrusted: every string escaped) as LaTeX text:
    objects as lists of `key: value`, numbers and numeric matrices as math."""
    if isinstance(given, dict) and given and depth < GIVENS_DEPTH:
        items = "\n".join(rf"\item \texttt{{{escape_line(str(key))}}}: {givens_latex(value, depth + 1)}"
                          for key, value in given.items())
        return "\\begin{itemize}\\setlength{\\itemsep}{0pt}\n" + items + "\n\\end{itemize}"
    if isinstance(given, list) and given and all(isinstance(v, dict) for v in given) and depth < GIVENS_DEPTH:
        items = "\n".join(rf"\item {givens_latex(value, depth + 1)}" for value in given)
        return "\\begin{enumerate}\\setlength{\\itemsep}{0pt}\n" + items + "\n\\end{enumerate}"
    numbers = _numeric_matrix(given)
    if numbers is not None:
        return f"${math.latex(numbers, summarise=True)}$"
    if isinstance(given, str):
        return rf"\texttt{{{escape_line(given)}}}"
    return rf"\texttt{{{escape_line(json.dumps(given, ensure_ascii=False))}}}"


