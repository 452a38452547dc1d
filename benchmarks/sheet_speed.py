"""Speed of `derive sheet --all`, against the work it cannot avoid.

Targets (issue "Solution sheets"), measured in the same run:

- `derive sheet --all -o sheet.tex` within 1.5 × the time of `derive solve`
  of every problem in one process;
- `derive sheet --all -o sheet.pdf` within the `.tex` time plus two
  `pdflatex` runs of the same source.

Each command runs in a fresh Python process (imports included, as a user
sees it); each time is the best of `--repeat` rounds, which is the least
disturbed by other work on the machine, and the commands take turns within
a round.  The PDF is typeset while the problems are solved (pdflatex reads
the source through a pipe), so with a free core it costs about one
pdflatex run more than the `.tex`.  Exits 1 naming each missed target.

    python benchmarks/sheet_speed.py [--repeat N]
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SOLVE_ALL = """
import os
from derive.catalog import entries
from derive.cli import main
for entry in entries():
    assert main(["solve", entry.name, "-o", os.devnull]) == 0, entry.name
"""

# `derive sheet` through the command line when the CLI has it, else the same
# function the CLI calls.
SHEET = """
import argparse, sys
from derive import cli
output = sys.argv[1]
if "sheet" in cli.COMMANDS:
    sys.exit(cli.main(["sheet", "--all", "-o", output]))
from derive.sheet import command
sys.exit(command(argparse.Namespace(names=[], all=True, given=None, seed=None, output=output,
                                    time_limit=cli.DEFAULT_TIME_LIMIT)))
"""

TEX_RATIO = 1.5


def timed(command, cwd=None) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(repeat: int) -> dict[str, float]:
    """Best time of each command over `repeat` rounds; a round runs each
    command once, in turn, so a change of load on the machine falls on all."""
    python = sys.executable
    best: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        tex, pdf = scratch / "sheet.tex", scratch / "sheet.pdf"
        latex_dir = scratch / "latex"
        latex_dir.mkdir()
        twice = ["bash", "-c", "for i in 1 2; do pdflatex -no-shell-escape -interaction=nonstopmode "
                               "-halt-on-error sheet.tex >/dev/null || exit 1; done"]
        has_tex = shutil.which("pdflatex") is not None
        for _ in range(repeat):
            times = {"solve": timed([python, "-c", SOLVE_ALL]), "tex": timed([python, "-c", SHEET, str(tex)])}
            if has_tex:
                shutil.copy(tex, latex_dir / "sheet.tex")
                times["latex"] = timed(twice, cwd=latex_dir)
                times["pdf"] = timed([python, "-c", SHEET, str(pdf)])
            for key, value in times.items():
                best[key] = min(value, best.get(key, value))
    return best


def main(argv=None) -> int:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--repeat", type=int, default=5, help="rounds of measurement (best counts)")
    best = measure(options.parse_args(argv).repeat)
    solve_all, sheet_tex = best["solve"], best["tex"]
    missed = []
    print(f"derive solve, every problem, one process: {solve_all:7.2f} s")
    print(f"derive sheet --all -o sheet.tex:           {sheet_tex:7.2f} s  "
          f"({sheet_tex / solve_all:.2f} × solve; target ≤ {TEX_RATIO})")
    if sheet_tex > TEX_RATIO * solve_all:
        missed.append(f"sheet.tex took {sheet_tex / solve_all:.2f} × the time of solving every problem "
                      f"(target ≤ {TEX_RATIO} ×)")
    if "pdf" not in best:
        print("pdflatex not installed: the PDF target is not measured", file=sys.stderr)
    else:
        latex, sheet_pdf = best["latex"], best["pdf"]
        print(f"pdflatex twice on that source:             {latex:7.2f} s")
        print(f"derive sheet --all -o sheet.pdf:           {sheet_pdf:7.2f} s  "
              f"(target ≤ {sheet_tex + latex:.2f} s = .tex + two pdflatex runs)")
        if sheet_pdf > sheet_tex + latex:
            missed.append(f"sheet.pdf took {sheet_pdf:.2f} s, more than the .tex time plus two pdflatex "
                          f"runs ({sheet_tex + latex:.2f} s)")
    for target in missed:
        print(f"MISSED: {target}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
