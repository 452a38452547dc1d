"""Solution sheets: many problems in one LaTeX document, and its PDF.

`build_sheet` solves the named problems (with their own givens, the user's,
or a random variant) and returns one `article`: title, table of contents,
the layout convention stated once, then a section per problem as the LaTeX
printer writes it.  `write_sheet` writes that source, or compiles it with
pdflatex in a scratch directory (no shell escape, no reading or writing
outside it, a time limit) and reports the first LaTeX error with its line
in the generated source.
"""
from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

# Only the standard library at import time: the command line builds its
# parser from `add_parser` without loading SymPy.
from derive.errors import InputError
from derive.files import write_bytes

#: Stated once at the top of every sheet; problems whose own convention is
#: this one (it starts "Denominator layout") do not repeat it.
CONVENTION = ("Denominator layout: the gradient of a scalar L with respect to a vector or matrix "
              "has the shape of that vector or matrix (∂L/∂W has the shape of W; ∂L/∂x is a column "
              "when x is). A Jacobian ∂f/∂x of f: ℝⁿ → ℝᵐ is m × n, one row per output. Vectors "
              "are columns.")
TEX_PACKAGES = "texlive-latex-base texlive-latex-recommended texlive-pictures latexmk lmodern"
#: Runs of pdflatex: the second one writes the table of contents.
RUNS = 2


class SheetError(InputError):
    """A sheet could not be made; the message is one line saying why."""


class CompileError(SheetError):
    """pdflatex failed on `source`."""

    def __init__(self, message: str, source: str):
        super().__init__(message)
        self.source = source


def check_request(names: list[str], given: dict | None, seed: int | None):
    if not names:
        raise InputError("name at least one problem, or use --all")
    if given is not None and len(names) != 1:
        raise InputError("--given applies to one problem; name exactly one")
    if seed is not None and not 0 <= seed < 2**63:
        raise InputError(f"--seed: expected a non-negative integer, got {seed}")
    from derive.catalog import find
    for name in names:  # every name known before any work starts
        find(name)


def solve_each(names: list[str], given: dict | None = None, seed: int | None = None) -> Iterator:
    """Each named problem solved, one at a time: with `given` (one problem
    only), a `seed` variant (problems without variants keep their own
    givens), or their own givens."""
    from derive.catalog import find, solve
    from derive.commandline.console import progress
    check_request(names, given, seed)
    for name in progress(names, len(names)):
        variant = seed if seed is not None and find(name).has_variants else None
        try:
            yield solve(name, given=given, seed=variant)
        except InputError:
            raise
        except ValueError as error:  # an engine error: say which problem it stopped
            raise SheetError(f"problem {name}: {error}") from error


def solutions(names: list[str], given: dict | None = None, seed: int | None = None) -> list:
    check_request(names, given, seed)
    return list(solve_each(names, given, seed))


def build_sheet(names: list[str], given: dict | None = None, seed: int | None = None) -> str:
    """The LaTeX source of a sheet of the named problems."""
    check_request(names, given, seed)
    return "".join(chunks(solve_each(names, given, seed), len(names), seed))


def document(solved: list, seed: int | None = None) -> str:
    """A complete article from solved problems (Solution objects)."""
    return "".join(chunks(iter(solved), len(solved), seed))


def chunks(solved: Iterator, count: int, seed: int | None) -> Iterator[str]:
    """The sheet's source piece by piece: the head, then one section per
    problem as soon as it is solved (so pdflatex can typeset while the next
    problem is being solved), then the end."""
    from derive.printing.latex import PREAMBLE, LatexPrinter, escape
    printer = LatexPrinter(standalone=False, stated_convention=CONVENTION)
    variant = (f"Variant drawn with seed {seed}: every problem that has random variants has new givens "
               f"(derive solve NAME --seed {seed} shows one alone); the others keep their own."
               if seed is not None else "Every problem with the givens of its source.")
    head = [PREAMBLE.replace(r"\allowdisplaybreaks", "\\allowdisplaybreaks\n\\setcounter{tocdepth}{1}"),
            r"\title{Solution sheet}", r"\author{derive}", r"\date{}", r"\begin{document}", r"\maketitle",
            rf"\noindent {escape(variant)} {count} problem{'s' if count != 1 else ''}; "
            "each section gives the problem's source, its statement and givens, and for every part "
            r"the derivation step by step with the answers boxed.\par\medskip",
            rf"\noindent\textbf{{Convention for matrix derivatives.}} {escape(CONVENTION)}\par",
            r"\tableofcontents", r"\clearpage"]
    yield "\n".join(head) + "\n\n"
    for index, solution in enumerate(solved):
        yield ("\n\\clearpage\n" if index else "") + printer.body(solution)
    yield "\n\\end{document}\n"


def write_sheet(names, given, seed, output_path, time_limit: float | None = None) -> str:
    """Write the sheet to `output_path`: LaTeX source, or a PDF when it ends
    in `.pdf`.  Returns what was written, for the summary line ("226 pages")."""
    output = Path(output_path)
    check_request(names, given, seed)
    pieces = chunks(solve_each(names, given, seed), len(names), seed)
    if output.suffix.lower() != ".pdf":
        _write(output, "".join(pieces).encode("utf-8"))
        return f"{len(names)} problem{'s' * (len(names) != 1)}"
    return pages_text(compile_pdf(pieces, output, time_limit))


def pages_text(pages: int | None) -> str:
    return "" if pages is None else f"{pages} page{'s' * (pages != 1)}"


def compile_pdf(source, output: Path, time_limit: float | None = None):
    """Compile LaTeX `source` (a string, or an iterator of pieces) into the
    PDF `output` with pdflatex, twice, for the table of contents.

    The first run reads the source through a pipe as the pieces come, so it
    typesets one problem while the next one is solved.  Only `output` is
    ever written: without TeX, or when TeX fails, SheetError says why (and
    how to install TeX, or which line failed) and nothing is written.
    Returns the number of pages (None if pdflatex did not say).
    """
    output = Path(output)
    pieces = iter([source]) if isinstance(source, str) else source
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        raise SheetError(f"no TeX installed (pdflatex not found), so {output} cannot be made: install TeX "
                         f"(Debian: apt-get install {TEX_PACKAGES}), or name a .tex file to get the LaTeX source")
    deadline = time.monotonic() + time_limit if time_limit else None
    with tempfile.TemporaryDirectory(prefix="derive-sheet-") as scratch:
        directory = Path(scratch)
        try:
            if hasattr(os, "mkfifo"):
                text = _streamed_run(pdflatex, directory, pieces, deadline, time_limit)
                (directory / "sheet.tex").write_text(text, encoding="utf-8")
            else:
                text = "".join(pieces)
                (directory / "sheet.tex").write_text(text, encoding="utf-8")
                _run(pdflatex, directory, "sheet.tex", text, deadline, time_limit, draft=True)
            for run in range(1, RUNS):
                _run(pdflatex, directory, "sheet.tex", text, deadline, time_limit)
        except CompileError as error:  # the message quotes the line; the source is one -o NAME.tex away
            raise SheetError(f"{error}; the same command with -o {output.with_suffix('.tex').name} "
                             "writes the LaTeX source") from None
        _write(output, (directory / "sheet.pdf").read_bytes())
        return _pages(directory / "sheet.log")


_PAGES = re.compile(r"^Output written on .*?\((\d+) pages?", re.MULTILINE)


def _pages(log: Path) -> int | None:
    try:
        match = _PAGES.search(log.read_text(encoding="latin-1"))
    except OSError:
        return None
    return int(match.group(1)) if match else None


def _command(pdflatex, filename, draft=False):
    # -no-parse-first-line: TeX would otherwise open the main file twice, and a
    # pipe can be read only once.
    return [pdflatex, "-no-parse-first-line", "-no-shell-escape", "-interaction=nonstopmode",
            "-halt-on-error", "-file-line-error",
            "-jobname=sheet", *(["-draftmode"] if draft and RUNS > 1 else []), filename]


def _environment(directory: Path) -> dict:
    # Paranoid file access: TeX may read and write only below the scratch
    # directory (and its own installation), whatever the source asks.
    # Reproducible output: the PDF's dates and /ID come from SOURCE_DATE_EPOCH
    # (the caller's, else 0), so the same sheet gives the same bytes.
    # Log lines unwrapped, so an error message is read whole.
    return {**os.environ, "openin_any": "p", "openout_any": "p", "TEXMFOUTPUT": str(directory),
            "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "0"), "FORCE_SOURCE_DATE": "1",
            "max_print_line": "10000"}


def _streamed_run(pdflatex, directory: Path, pieces, deadline, time_limit) -> str:
    """First run, fed through a named pipe while the pieces are made;
    returns the whole source."""
    fifo = directory / "stream.tex"
    os.mkfifo(fifo)
    process = subprocess.Popen(_command(pdflatex, "stream.tex", draft=True), cwd=directory,
                               env=_environment(directory), stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    written = []
    try:
        pipe = _open_writer(fifo, process, deadline, time_limit)
        try:
            for piece in pieces:
                written.append(piece)
                if pipe is not None:
                    try:
                        pipe.write(piece.encode("utf-8"))
                        pipe.flush()
                    except BrokenPipeError:  # TeX stopped at an error: finish the source, then report
                        pipe = None
        finally:
            if pipe is not None:
                try:
                    pipe.close()
                except BrokenPipeError:
                    pass
        _wait(process, deadline, time_limit)
    except BaseException:
        process.kill()
        process.wait()
        raise
    text = "".join(written)
    _check(process.returncode, directory, text, draft=True)
    return text


def _open_writer(fifo: Path, process, deadline, time_limit):
    """The pipe's writing end, once TeX has opened it for reading (None if
    TeX ended first)."""
    while True:
        try:
            descriptor = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as error:
            if error.errno != errno.ENXIO:  # ENXIO: no reader yet
                raise
        else:
            os.set_blocking(descriptor, True)
            return os.fdopen(descriptor, "wb")
        if process.poll() is not None:
            return None
        if deadline is not None and time.monotonic() > deadline:
            raise SheetError(f"pdflatex did not finish within {time_limit} s (--time-limit)")
        time.sleep(0.005)


def _wait(process, deadline, time_limit):
    try:
        process.wait(timeout=None if deadline is None else max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        raise SheetError(f"pdflatex did not finish within {time_limit} s (--time-limit)") from None


def _run(pdflatex, directory: Path, filename: str, source: str, deadline, time_limit, draft=False):
    process = subprocess.Popen(_command(pdflatex, filename, draft), cwd=directory, env=_environment(directory),
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(process, deadline, time_limit)
    except BaseException:
        process.kill()
        process.wait()
        raise
    _check(process.returncode, directory, source, draft)


def _check(returncode: int, directory: Path, source: str, draft: bool = False):
    if returncode != 0 or not (draft or (directory / "sheet.pdf").exists()):
        log = directory / "sheet.log"
        text = log.read_bytes().decode("utf-8", errors="replace") if log.exists() else ""
        raise CompileError(first_error(text, source), source)


#: An error as -file-line-error prints it (FILE:LINE: message), or TeX's own "! message".
_ERROR = re.compile(r"^(?:(?P<file>[^\s:][^:\n]*?):(?P<line>\d+): |! )(?P<message>.*)$", re.MULTILINE)
_LINE = re.compile(r"^l\.(\d+) ?(.*)$", re.MULTILINE)
_OWN = re.compile(r"^(?:\./)?(?:sheet|stream)\.tex$")
#: What TeX says after an error it cannot go on from; the error before it is the one to report.
_EMERGENCY = ("Emergency stop", "==> Fatal error occurred")


def first_error(log: str, source: str) -> str:
    """`LaTeX error at line N of the generated source: message (the line)`:
    the first error in the log, not the "Emergency stop" that follows it."""
    found = list(_ERROR.finditer(log))
    real = [match for match in found if not match.group("message").strip().startswith(_EMERGENCY)]
    if not found:
        return "pdflatex failed without an error message; see its log"
    match = (real or found)[0]
    message = match.group("message").strip()
    if not real:  # only the stop itself: TeX says why on a "*** (…)" line, or shows where it read
        why = re.search(r"^\*\*\* \((.*)\)$", log, re.MULTILINE)
        if why:
            message += f" ({why.group(1)})"
        elif re.match(r"\s*<\*>", log[match.end():]):
            message += " (the source ended before \\end{document})"
    where, line = match.group("file"), 0
    if where is None:  # "! message": the "l.N" line after it says where
        after = _LINE.search(log, match.end())
        line = int(after.group(1)) if after else 0
    elif _OWN.match(where):
        line = int(match.group("line"))
    else:  # in a file TeX read on the way (the .toc, a package)
        message = f"{message} (in {where}, line {match.group('line')})"
    lines = source.splitlines()
    context = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    if len(context) > 80:
        context = context[:77] + "..."
    at = f" at line {line} of the generated source" if line else ""
    return f"LaTeX error{at}: {message}" + (f" (the line reads: {context})" if context else "")


def _write(path: Path, data: bytes):
    try:
        write_bytes(path, data)
    except InputError as error:
        raise SheetError(str(error)) from None


def add_parser(commands):
    """Add `derive sheet` to the command line's subparsers; returns it."""
    parser = commands.add_parser(
        "sheet", help="write a solution sheet of several problems, as LaTeX or PDF",
        description="One LaTeX article of the named problems (contents, statements with givens, "
                    "step-by-step solutions, boxed answers, computation-graph figures); "
                    "compiled to PDF with pdflatex when FILE ends in .pdf.")
    parser.add_argument("names", nargs="*", metavar="NAME", help="problems, as `derive list` prints them")
    parser.add_argument("--all", action="store_true", help="every problem of the catalog")
    parser.add_argument("--given", metavar="FILE.json", help="givens for the one problem named (JSON object)")
    from derive.cli import seed
    parser.add_argument("--seed", type=seed, metavar="N",
                        help="a variant: new givens for every problem that has random variants (0 to 2^63-1)")
    parser.add_argument("-o", "--output", required=True, metavar="FILE",
                        help="FILE.tex for the LaTeX source, FILE.pdf to compile it with pdflatex")
    return parser


def command(arguments) -> int:
    """`derive sheet [NAME ...] [--all] [--given FILE.json] [--seed N] -o FILE.tex|FILE.pdf`."""
    from derive.catalog import entries
    from derive.files import read_given
    if arguments.all and arguments.names:
        raise InputError("name problems or use --all, not both")
    names = [entry.name for entry in entries()] if arguments.all else list(arguments.names)
    given = read_given(arguments.given) if arguments.given is not None else None
    if not arguments.output:
        raise InputError("-o FILE.tex or -o FILE.pdf: where to write the sheet")
    suffix = Path(arguments.output).suffix.lower()
    if suffix not in (".tex", ".pdf"):
        raise InputError(f"-o {arguments.output}: expected a name ending in .tex or .pdf")
    time_limit = getattr(arguments, "time_limit", None)
    from derive.commandline.console import wrote
    wrote(arguments.output, write_sheet(names, given, arguments.seed, arguments.output, time_limit))
    return 0
