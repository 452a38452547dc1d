"""Renderers of the document model: one printer class per format."""
from __future__ import annotations

FORMATS = ("text", "latex", "markdown", "json")


def printer_for(format: str):
    if format == "text":
        from derive.printing.text import TextPrinter
        return TextPrinter()
    if format in ("latex", "latex-fragment", "latex-portable"):
        # latex-fragment: the body of the "latex" document (for sheets and for
        # documents of one's own with its preamble); latex-portable: a body in
        # plain amsmath, without TikZ, for Jupyter and nbconvert.
        from derive.printing.latex import LatexPrinter
        return LatexPrinter(standalone=format == "latex", portable=format == "latex-portable")
    if format == "markdown":
        from derive.printing.markdown import MarkdownPrinter
        return MarkdownPrinter()
    if format == "json":
        from derive.printing.json import JsonPrinter
        return JsonPrinter()
    raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")


def render(solution, format: str = "text") -> str:
    return printer_for(format).doprint(solution)
