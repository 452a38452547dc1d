"""The command line: `derive list`, `solve`, `sheet`, `check`, `completion`.

Every error a user can cause ends in one line on stderr naming what was
wrong, and exit status 2; no traceback reaches the terminal (set
DERIVE_DEBUG=1 to see one for an internal error). Ctrl-C ends a command
with status 130, SIGTERM with 143, after its scratch files are removed.

Subcommands are rows of `COMMANDS`: a name, a function that adds the
subcommand's parser, and the function that runs it (given as
"module:function", imported only when the subcommand runs, so that
`derive list` does not load SymPy). A new subcommand is one `register(...)`.
"""
from __future__ import annotations

import argparse
import importlib
import math
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from typing import Callable

from derive.errors import InputError
from derive.files import OutputClosed

EXIT_OK, EXIT_WRONG, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_PIPE, EXIT_TERMINATED = 130, 141, 143
#: Default wall-clock limit for one command, in seconds.
DEFAULT_TIME_LIMIT = 300
MAX_TIME_LIMIT = 10**6
#: Seeds are 63-bit: a variant's seed fits a signed 64-bit integer elsewhere too.
MAX_SEED = 2**63 - 1
#: The longest error message printed; a longer one is cut (a 40 kB name is not "one line").
MAX_MESSAGE = 400
#: `-o` suffix → output format of `derive solve`.
FORMATS = {".txt": "text", ".text": "text", ".tex": "latex", ".md": "markdown", ".markdown": "markdown",
           ".json": "json"}


class UsageError(Exception):
    pass


class TimeLimit(BaseException):
    """Raised when --time-limit runs out; a BaseException so no `except Exception` swallows it."""


class Terminated(BaseException):
    """Raised by SIGTERM or SIGHUP, so that scratch files are removed on the way out."""


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


# ---------------------------------------------------------------- argument types

def _ascii_integer(text: str, what: str) -> int:
    # int() reads any Unicode digits ("٣" is 3); a seed or a limit is typed in ASCII
    stripped = text.strip()
    body = stripped[1:] if stripped[:1] in "+-" else stripped
    if not body or not body.isascii() or not body.isdigit() or len(body) > 30:
        raise argparse.ArgumentTypeError(f"expected {what}, got {_shown(text)}")
    return int(stripped)


def seed(text: str) -> int:
    """--seed N: an integer from 0 to 2⁶³ − 1, in ASCII digits."""
    value = _ascii_integer(text, "a non-negative integer")
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"expected an integer from 0 to {MAX_SEED}, got {_shown(text)}")
    return value


def time_limit(text: str) -> float:
    """--time-limit SECONDS: more than 0, at most 10⁶."""
    try:
        if not text.strip().isascii():
            raise ValueError
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {_shown(text)}") from None
    if not (math.isfinite(value) and 0 < value <= MAX_TIME_LIMIT):
        raise argparse.ArgumentTypeError(
            f"expected more than 0 and at most {MAX_TIME_LIMIT} seconds, got {_shown(text)}"
            + (" (there is no unlimited: give a large number)" if value == 0 else ""))
    return int(value) if value.is_integer() else value


def _shown(text, width: int = 40) -> str:
    text = str(text)
    return repr(text if len(text) <= width else text[:width - 1] + "…")


# ---------------------------------------------------------------- the parser

@dataclass(frozen=True)
class Subcommand:
    name: str
    #: adds the subcommand to argparse's subparsers and returns its parser
    add: Callable
    #: "module:function" that takes the parsed arguments and returns the exit status
    run: str
    #: said when --time-limit runs out
    too_long: str = "are the givens too large?"


#: The subcommands, in the order `derive --help` lists them.
COMMANDS: dict[str, Subcommand] = {}


def register(name: str, add: Callable, run: str, too_long: str = Subcommand.too_long):
    COMMANDS[name] = Subcommand(name, add, run, too_long)


def _grading_parser(commands, name: str):
    from derive.grading.commands import add_export_parser, add_grade_parser  # standard library only
    return (add_grade_parser if name == "grade" else add_export_parser)(commands)


def _global_options(parser, top: bool):
    """--time-limit and --quiet, before or after the subcommand. On a
    subcommand the default is SUPPRESS, so it does not undo a value given
    before the subcommand."""
    default = (lambda value: value) if top else (lambda value: argparse.SUPPRESS)
    options = parser.add_argument_group("global options") if not top else parser
    options.add_argument("--time-limit", type=time_limit, default=default(DEFAULT_TIME_LIMIT), metavar="SECONDS",
                         help=f"give up after this many seconds (default {DEFAULT_TIME_LIMIT}, "
                              f"at most {MAX_TIME_LIMIT})")
    options.add_argument("-q", "--quiet", action="store_true", default=default(False),
                         help="no progress and no 'wrote FILE' line on stderr; errors are still printed")


def parser() -> Parser:
    top = Parser(prog="derive", description="Derive, explain and check deep-learning coursework: "
                                            "step-by-step solutions, solution sheets, and checks of hand "
                                            "derivations.",
                 epilog="Exit status: 0 success; 1 `check` found a wrong step; 2 bad usage or bad input "
                        "(one line on stderr says what); 3 an internal error (DERIVE_DEBUG=1 shows the "
                        "traceback); 130 interrupted. `derive COMMAND --help` describes each command.")
    top.add_argument("--version", action="version", version=f"%(prog)s {version()}",
                     help="print the version and exit")
    _global_options(top, top=True)
    commands = top.add_subparsers(dest="command", parser_class=Parser, metavar="COMMAND",
                                  title="commands", help="what to do; `derive COMMAND --help` says more")
    commands.required = True
    for command in COMMANDS.values():
        sub = command.add(commands)
        _global_options(sub, top=False)
    return top


def version() -> str:
    from importlib.metadata import PackageNotFoundError, version as installed
    try:
        return installed("derive")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


def _list_parser(commands):
    parser = commands.add_parser(
        "list", help="list the problems of the catalog",
        description="Every problem and family of the catalog, one a line: its name, the family it "
                    "belongs to, whether it takes --given FILE.json and --seed N, and its title.")
    parser.add_argument("--json", action="store_true",
                        help='print a JSON list of {"name", "title", "source", "family"} instead')
    return parser


def _solve_parser(commands):
    parser = commands.add_parser(
        "solve", help="solve a problem and print its solution step by step",
        description="Solve one problem of the catalog and write its solution step by step: "
                    "formula = numbers substituted = result, for every part.",
        epilog="Examples: derive solve lstm-forward; derive solve mlp --seed 3 -o mlp.md; "
               "derive solve kl --format json > kl.json (edit its \"given\", then --given kl.json).")
    parser.add_argument("name", metavar="NAME", help="the problem, as `derive list` prints it")
    parser.add_argument("--format", choices=("text", "latex", "markdown", "json"), default=None,
                        help="text (the default), latex (a complete document), markdown, or json "
                             "(with the givens under \"given\"); without it, -o's extension decides")
    parser.add_argument("--given", metavar="FILE.json",
                        help="the problem's givens from a JSON object (only problems `derive list` marks "
                             "as taking --given)")
    parser.add_argument("--seed", type=seed, metavar="N",
                        help="a random variant of the givens, the same for the same N (0 to 2^63-1)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write to FILE instead of standard output; its extension picks the format: "
                             ".txt, .tex, .md, .json, or .pdf (the one-problem sheet, compiled with pdflatex)")
    return parser


def _sheet_parser(commands):
    from derive.sheet import add_parser  # standard library only: no SymPy at start-up
    return add_parser(commands)


CHECK_DESCRIPTION = """\
Check a hand derivation line by line. FILE is LaTeX or Markdown; every
display-math equation ($$ ... $$, \\[ ... \\], equation, align) is a step,
and each step gets a status: ok, wrong (with the expected value), carried
(follows from an earlier wrong line), unparsed or unchecked.

Which problem's quantities the symbols name is set by --problem for the
whole file, or by a marker line from that line on:
    % problem: NAME          (LaTeX)
    <!-- problem: NAME -->   (Markdown)
"""

CHECK_EPILOG = """\
Example: answer.md holds
    <!-- problem: lstm-forward -->
    $$f_1 = \\sigma(1.2) = 0.7685$$
    $$i_1 = \\sigma(-1.1) = 0.3$$
and `derive check answer.md` prints
    answer.md:2: ok: f_1 = \\sigma(1.2) = 0.7685 — f_1 = 0.768525 as the engine finds
    answer.md:3: wrong: i_1 = \\sigma(-1.1) = 0.3 — \\sigma(-1.1) = 0.24974, which rounds to 0.2, not 0.3
    answer.md: 2 steps: 1 ok, 1 wrong, 0 carried, 0 unparsed, 0 unchecked
Exit status: 0 nothing wrong, 1 a step is wrong, 2 the file cannot be read.
The seeds' own solutions: derive check tests/hand/lstm-forward.md
"""


def _check_parser(commands):
    parser = commands.add_parser("check", help="check a hand derivation line by line",
                                 description=CHECK_DESCRIPTION, epilog=CHECK_EPILOG,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", metavar="FILE", help="the hand derivation: LaTeX or Markdown with display math")
    parser.add_argument("--problem", metavar="NAME",
                        help="the problem whose quantities the symbols name, for the whole file "
                             "(markers in the file switch it from their line on)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser


def _completion_parser(commands):
    parser = commands.add_parser(
        "completion", help="print a shell completion script (bash or zsh)",
        description="Print a completion script for derive's commands, options and problem names.",
        epilog='bash: eval "$(derive completion bash)" in ~/.bashrc; '
               'zsh: eval "$(derive completion zsh)" in ~/.zshrc (after compinit).')
    parser.add_argument("shell", choices=("bash", "zsh"), help="the shell to complete in")
    return parser


register("list", _list_parser, "derive.cli:command_list")
register("solve", _solve_parser, "derive.cli:command_solve")
register("sheet", _sheet_parser, "derive.cli:command_sheet")
register("check", _check_parser, "derive.checking:command",
         too_long="each step has its own limit; is the file very large?")
register("grade", lambda commands: _grading_parser(commands, "grade"), "derive.grading.commands:command_grade",
         too_long="each submission has its own limit (--timeout); is the batch very large?")
register("export", lambda commands: _grading_parser(commands, "export"), "derive.grading.commands:command_export")
register("completion", _completion_parser, "derive.commandline.completion:command")


# ---------------------------------------------------------------- running

def main(argv=None) -> int:
    from derive.commandline.console import set_quiet
    try:
        arguments = parser().parse_args(argv)
    except UsageError as error:
        return fail(str(error))
    except SystemExit as exit:  # --help, --version
        return int(exit.code or 0)
    except KeyboardInterrupt:  # Ctrl-C while the command line is still being read
        return fail("interrupted", EXIT_INTERRUPTED)
    command = COMMANDS[arguments.command]
    set_quiet(arguments.quiet)
    try:
        with _terminating(), Deadline(arguments.time_limit):
            return _function(command.run)(arguments)
    except OutputClosed:
        return EXIT_PIPE
    except TimeLimit:
        return fail(f"gave up after {arguments.time_limit:g} s (--time-limit); {command.too_long}")
    except (UsageError, InputError) as error:
        return fail(str(error))
    except KeyboardInterrupt:
        return fail("interrupted", EXIT_INTERRUPTED)
    except Terminated:
        return fail("terminated", EXIT_TERMINATED)
    except Exception as error:  # a bug of ours, not the user's
        if os.environ.get("DERIVE_DEBUG"):
            raise
        fail(f"internal error: {type(error).__name__}: {error} (DERIVE_DEBUG=1 shows where)")
        return EXIT_INTERNAL


def _function(path: str):
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)


def fail(message: str, status: int = EXIT_USAGE) -> int:
    text = " ".join(str(message).split())
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE - 1] + "…"
    try:
        print(f"derive: {text}", file=sys.stderr)
    except (OSError, ValueError):
        pass
    return status


def _owns_signals() -> bool:
    return threading.current_thread() is threading.main_thread()


class _terminating:
    """SIGTERM and SIGHUP raise Terminated while a command runs, so that the
    `finally` blocks remove scratch directories and stop child processes.
    Only on the main thread, and only where no one else (a host embedding
    derive) handles the signal; the handlers are restored afterwards."""

    SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))

    def __enter__(self):
        self.previous, self.owner = {}, os.getpid()
        if not _owns_signals():
            return self
        for number in self.SIGNALS:
            if signal.getsignal(number) == signal.SIG_DFL:
                self.previous[number] = signal.signal(number, self._raise)
        return self

    def _raise(self, signum, frame):
        if os.getpid() != self.owner:  # a forked worker inherited the handler: die as it would have
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise Terminated()

    def __exit__(self, *exception):
        for number, handler in self.previous.items():
            signal.signal(number, handler)
        return False


class Deadline:
    """Raise TimeLimit in the running thread after `seconds`.

    On the main thread it is SIGALRM (which also interrupts a blocking
    wait). A host's own SIGALRM handler and pending alarm are kept: the
    timer is set for whichever comes first, the host's handler runs when its
    time comes, and both are restored at the end. Off the main thread, where
    signals cannot be used, a timer thread raises TimeLimit asynchronously
    in the command's thread."""

    def __init__(self, seconds: float):
        self.seconds = seconds

    def __enter__(self):
        self.deadline = time.monotonic() + self.seconds
        self.signals = _owns_signals() and hasattr(signal, "setitimer")
        if self.signals:
            self._enter_signal()
        else:
            self._enter_thread()
        return self

    def __exit__(self, *exception):
        if self.signals:
            self._exit_signal()
        else:
            self._exit_thread()
        return False

    # main thread: SIGALRM
    def _enter_signal(self):
        self.previous = signal.getsignal(signal.SIGALRM)
        left, self.host_interval = signal.setitimer(signal.ITIMER_REAL, 0)
        self.host_deadline = time.monotonic() + left if left else None
        signal.signal(signal.SIGALRM, self._expire)
        self._arm()

    def _arm(self):
        due = min(d for d in (self.deadline, self.host_deadline) if d is not None)
        signal.setitimer(signal.ITIMER_REAL, max(due - time.monotonic(), 0.001))

    def _expire(self, signum, frame):
        now = time.monotonic()
        if self.host_deadline is not None and now >= self.host_deadline - 0.001:
            self.host_deadline = self.host_deadline + self.host_interval if self.host_interval else None
            self._arm()
            if callable(self.previous):
                self.previous(signum, frame)  # the host's watchdog, at its own time
            elif self.previous == signal.SIG_DFL:
                signal.signal(signal.SIGALRM, signal.SIG_DFL)
                signal.raise_signal(signal.SIGALRM)  # what the host's alarm would have done
            return
        if now >= self.deadline - 0.001:
            raise TimeLimit()
        self._arm()

    def _exit_signal(self):
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.previous)
        if self.host_deadline is not None:
            signal.setitimer(signal.ITIMER_REAL, max(self.host_deadline - time.monotonic(), 0.001),
                             self.host_interval)

    # elsewhere: an asynchronous exception from a timer thread
    def _enter_thread(self):
        self.lock, self.done, self.fired = threading.Lock(), False, False
        self.target = threading.get_ident()
        self.timer = threading.Timer(self.seconds, self._interrupt)
        self.timer.daemon = True
        self.timer.start()

    def _interrupt(self):
        with self.lock:
            if not self.done:
                self.fired = _async_raise(self.target, TimeLimit)

    def _exit_thread(self):
        with self.lock:
            self.done = True
            self.timer.cancel()
            if self.fired:  # raised too late to matter: clear it if still pending
                _async_raise(self.target, None)


def _async_raise(thread_id: int, exception) -> bool:
    try:
        import ctypes
        set_async = ctypes.pythonapi.PyThreadState_SetAsyncExc
    except (ImportError, AttributeError):  # not CPython: no limit off the main thread
        return False
    # no argtypes: None goes as NULL, which clears a pending exception
    return set_async(ctypes.c_ulong(thread_id), None if exception is None else ctypes.py_object(exception)) == 1


# ---------------------------------------------------------------- the commands

def command_list(arguments) -> int:
    import json

    from derive.catalog import entries
    from derive.files import write_output
    rows = entries()
    if arguments.json:
        write_output(json.dumps([row.as_json() for row in rows], indent=2, ensure_ascii=False) + "\n")
        return EXIT_OK
    table = [("NAME", "FAMILY", "--given", "--seed", "TITLE")]
    table += [(row.name, row.family or "-", "yes" if row.takes_given else "-",
               "yes" if row.has_variants else "-", row.title) for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(4)]
    write_output("".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths)) + "  " + line[4] + "\n"
                         for line in table))
    return EXIT_OK


def output_format(output: str | None, chosen: str | None) -> str:
    """The format of `derive solve`: --format, else -o's extension, else text."""
    suffix = os.path.splitext(output)[1].lower() if output else ""
    if suffix == ".pdf":
        if chosen not in (None, "latex"):
            raise UsageError(f"-o {output}: a PDF is typeset from LaTeX; drop --format {chosen} "
                             "or name another file")
        return "pdf"
    if chosen is not None:
        return chosen
    if not suffix or suffix in FORMATS:
        return FORMATS.get(suffix, "text")
    raise UsageError(f"-o {output}: cannot tell the format from {suffix!r}; name a .txt, .tex, .md, .json or "
                     ".pdf file, or give --format")


def command_solve(arguments) -> int:
    from derive.commandline.console import wrote
    from derive.files import read_given, write_output
    chosen = output_format(arguments.output, arguments.format)
    given = read_given(arguments.given) if arguments.given is not None else None
    from derive.catalog import solve
    solution = solve(arguments.name, given=given, seed=arguments.seed)
    if chosen == "pdf":
        from derive import sheet
        pages = sheet.compile_pdf(sheet.document([solution], arguments.seed), arguments.output,
                                  arguments.time_limit)
        wrote(arguments.output, sheet.pages_text(pages))
        return EXIT_OK
    from derive.printing import render
    write_output(render(solution, chosen), arguments.output)
    if arguments.output is not None:
        wrote(arguments.output)
    return EXIT_OK


def command_sheet(arguments) -> int:
    from derive.sheet import command
    return command(arguments)
