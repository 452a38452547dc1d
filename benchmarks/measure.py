"""Measuring on a shared, noisy machine: medians, side-by-side references,
fitted exponents, and targets that name themselves when missed.
"""
from __future__ import annotations

import math
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field


@dataclass
class Section:
    """One benchmark's results: a Markdown table, notes, and missed targets."""

    title: str
    header: tuple
    rows: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    targets: list = field(default_factory=list)  # (description, measured text, met, goal)

    def target(self, description: str, measured: str, met: bool, goal: bool = False):
        """A target; a `goal` is one the project aims at and has not yet
        reached everywhere: reported (met or open) but not failing the run."""
        self.targets.append((description, measured, met, goal))
        word = "met   " if met else ("open  " if goal else "MISSED")
        print(f"  {word} {description}: {measured}", flush=True)

    @property
    def missed(self) -> list[str]:
        return [f"{self.title}: {d} ({m})" for d, m, met, goal in self.targets if not met and not goal]

    @property
    def open_goals(self) -> list[str]:
        return [f"{self.title}: {d} ({m})" for d, m, met, goal in self.targets if not met and goal]

    def markdown(self) -> str:
        lines = [f"## {self.title}", ""]
        if self.rows:
            lines += ["| " + " | ".join(self.header) + " |", "|" + "---|" * len(self.header)]
            lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in self.rows]
            lines.append("")
        if self.targets:
            lines += ["| target | measured | |", "|---|---|---|"]
            lines += [f"| {d} | {m} | {'met' if met else ('open goal' if goal else '**missed**')} |"
                      for d, m, met, goal in self.targets]
            lines.append("")
        lines += [f"{note}\n" for note in self.notes]
        return "\n".join(lines)


def median_seconds(function, repeat: int = 5) -> float:
    """Median wall time of `function()` over `repeat` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def side_by_side(functions: dict, repeat: int = 5) -> dict:
    """Median times of several functions, interleaved so that load spikes
    on this shared machine hit all of them alike."""
    times = {name: [] for name in functions}
    for _ in range(repeat):
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def command_seconds(argv: list[str]) -> callable:
    """A function that runs a command to completion (output discarded)."""
    def run():
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return run


def power_law_exponent(xs, ys) -> float:
    """Least-squares slope of log y against log x."""
    lx = [math.log(x) for x in xs]
    ly = [math.log(y) for y in ys]
    mx, my = statistics.fmean(lx), statistics.fmean(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)


def machine() -> str:
    import numpy
    import sympy
    return (f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}, SymPy {sympy.__version__}, NumPy {numpy.__version__}")


PYTHON = sys.executable
