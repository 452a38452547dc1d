"""The command line of grading: `derive grade` and `derive export`.

Standard library only: the command line builds its parser from here
without loading SymPy.
"""
from __future__ import annotations


def add_parsers(commands):
    """Add `derive grade` and `derive export` to the command line's subparsers."""
    return add_grade_parser(commands), add_export_parser(commands)


def add_grade_parser(commands):
    grade = commands.add_parser(
        "grade", help="check and score a batch of submissions; write a gradebook and feedback",
        description="Check every submission (a file, or a folder per student whose .md, .tex and .txt "
                    "files are read in name order) in parallel worker processes, each under a time and a "
                    "memory limit; score it with the rubric; write one gradebook row per submission and a "
                    "feedback file in Markdown per student (in a folder beside the gradebook).")
    grade.add_argument("submissions", nargs="+", metavar="SUBMISSION", help="a file, or a student's folder")
    grade.add_argument("--problem", metavar="NAME|FILE.toml",
                       help="the problem whose quantities bind the symbols, for every submission")
    grade.add_argument("--rubric", metavar="RUBRIC.toml",
                       help="points per part or per answer, and the credit for carried lines "
                            "(default: every judged line one point)")
    grade.add_argument("--jobs", type=int, default=1, metavar="N", help="worker processes (default 1)")
    grade.add_argument("--scheduler", metavar="ADDRESS",
                       help="run on the dask.distributed cluster at ADDRESS (pip install 'derive[dask]')")
    grade.add_argument("--timeout", type=float, default=300.0, metavar="SECONDS",
                       help="time limit of one submission (default 300; 0: none)")
    grade.add_argument("--memory", type=int, default=2048, metavar="MB",
                       help="memory a worker may add to its own at start (default 2048; 0: no limit)")
    grade.add_argument("--format", choices=("csv", "json", "gradescope"), default="csv",
                       help="the gradebook as CSV (default) or JSON, or one submission as Gradescope's "
                            "results.json")
    grade.add_argument("--feedback", metavar="DIR",
                       help="where the feedback files go (default: GRADEBOOK-feedback/ beside the gradebook)")
    grade.add_argument("-o", "--output", metavar="FILE", help="the gradebook (default: standard output)")

    return grade


def add_export_parser(commands):
    export = commands.add_parser(
        "export", help="export a problem as a Gradescope autograder or a PrairieLearn question",
        description="gradescope: an autograder.zip (setup.sh, run_autograder) that installs derive and "
                    "grades /autograder/submission. prairielearn: a question folder (info.json, "
                    "question.html, server.py) with variants drawn from PrairieLearn's seed.")
    export.add_argument("target", choices=("gradescope", "prairielearn"), help="the system to export to")
    export.add_argument("name", metavar="NAME", help="the problem, as `derive list` prints it")
    export.add_argument("--rubric", metavar="RUBRIC.toml", help="gradescope: the rubric to grade with")
    export.add_argument("--variants", type=int, default=20, metavar="N",
                        help="prairielearn: how many variants to draw (default 20; 1 for a problem without "
                             "random variants)")
    export.add_argument("-o", "--output", required=True, metavar="PATH",
                        help="gradescope: FILE.zip; prairielearn: the question's folder")
    return export


def command_grade(arguments) -> int:
    from derive.grading import command
    return command(arguments)


def command_export(arguments) -> int:
    if arguments.target == "gradescope":
        from derive.grading.gradescope import export
    else:
        from derive.grading.prairielearn import export
    return export(arguments)
