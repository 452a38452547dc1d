"""The command line: `derive list`, `derive solve`, `derive sheet`, `derive check`.

Every error a user can cause ends in one line on stderr naming what was
wrong, and exit status 2; no traceback reaches the terminal (set
DERIVE_DEBUG=1 to see one for an internal error).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys

from derive.errors import InputError
from derive.files import read_given, write_output as write

EXIT_OK, EXIT_WRONG, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
#: Default wall-clock limit for one command, in seconds.
DEFAULT_TIME_LIMIT = 300


class UsageError(Exception):
    pass


class TimeLimit(BaseException):
    """Raised by the alarm; a BaseException so no `except Exception` swallows it."""


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def parser() -> Parser:
    top = Parser(prog="derive", description="Derive, explain and check deep-learning coursework.")
    top.add_argument("--time-limit", type=int, default=DEFAULT_TIME_LIMIT, metavar="SECONDS",
                     help=f"give up after this many seconds (default {DEFAULT_TIME_LIMIT})")
    commands = top.add_subparsers(dest="command", parser_class=Parser, required=True)

    listing = commands.add_parser("list", help="list the problems of the catalog")
    listing.add_argument("--json", action="store_true", help="print the catalog as JSON")

    solve = commands.add_parser("solve", help="solve a problem and print its solution step by step")
    solve.add_argument("name", help="problem name, as `derive list` prints it, or a problem file FILE.toml")
    solve.add_argument("--format", choices=("text", "latex", "markdown", "json"), default="text")
    solve.add_argument("--given", metavar="FILE.json", help="givens for a family (JSON object)")
    solve.add_argument("--seed", type=int, metavar="N", help="draw a random variant of the givens")
    solve.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")

    from derive.sheet import add_parser as add_sheet_parser  # standard library only: no SymPy at start-up
    add_sheet_parser(commands)

    check = commands.add_parser("check", help="check a hand derivation line by line")
    check.add_argument("file", metavar="FILE", help="LaTeX or Markdown with display math")
    check.add_argument("--problem", metavar="NAME|FILE.toml", help="the problem whose quantities bind the symbols")
    check.add_argument("--json", action="store_true", help="print the report as JSON")

    from derive.grading.commands import add_parsers as add_grading_parsers  # standard library only
    add_grading_parsers(commands)
    return top


def main(argv=None) -> int:
    try:
        arguments = parser().parse_args(argv)
    except UsageError as error:
        return fail(str(error))
    except SystemExit as exit:  # --help
        return int(exit.code or 0)
    try:
        _set_time_limit(arguments.time_limit)
        return COMMANDS[arguments.command](arguments)
    except TimeLimit:
        return fail(f"gave up after {arguments.time_limit} s (--time-limit); are the givens too large?")
    except (UsageError, InputError) as error:
        return fail(str(error))
    except Exception as error:  # a bug of ours, not the user's
        if os.environ.get("DERIVE_DEBUG"):
            raise
        print(f"derive: internal error: {type(error).__name__}: {error} (DERIVE_DEBUG=1 shows where)",
              file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        if hasattr(signal, "SIGALRM"):
            signal.alarm(0)


def fail(message: str) -> int:
    print(f"derive: {' '.join(str(message).split())}", file=sys.stderr)
    return EXIT_USAGE


def _set_time_limit(seconds: int):
    if not 0 <= seconds <= 10**6:
        raise UsageError(f"--time-limit: expected 0 (none) to 1000000 seconds, got {seconds}")
    if seconds == 0 or not hasattr(signal, "SIGALRM"):
        return

    def expire(signum, frame):
        raise TimeLimit()

    signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)


def command_list(arguments) -> int:
    from derive.catalog import entries
    rows = entries()
    if arguments.json:
        write(json.dumps([row.as_json() for row in rows], indent=2, ensure_ascii=False) + "\n")
    else:
        width = max(len(row.name) for row in rows)
        write("".join(f"{row.name:<{width}}  {row.title}\n" for row in rows))
    return EXIT_OK


def command_solve(arguments) -> int:
    from derive.catalog import solve
    from derive.printing import render
    given = read_given(arguments.given) if arguments.given is not None else None
    if arguments.seed is not None and arguments.seed < 0:
        raise UsageError(f"--seed: expected a non-negative integer, got {arguments.seed}")
    solution = solve(arguments.name, given=given, seed=arguments.seed)
    write(render(solution, arguments.format), arguments.output)
    return EXIT_OK


def command_sheet(arguments) -> int:
    from derive.sheet import command
    if arguments.seed is not None and arguments.seed < 0:
        raise UsageError(f"--seed: expected a non-negative integer, got {arguments.seed}")
    return command(arguments)


def command_check(arguments) -> int:
    from derive.checking import command
    return command(arguments)


def command_grade(arguments) -> int:
    from derive.grading.commands import command_grade
    return command_grade(arguments)


def command_export(arguments) -> int:
    from derive.grading.commands import command_export
    return command_export(arguments)


COMMANDS = {"list": command_list, "solve": command_solve, "sheet": command_sheet, "check": command_check,
            "grade": command_grade, "export": command_export}
