"""derive grade's throughput: submissions per second per core, --jobs 1 against --jobs 2.

    python benchmarks/grade_speed.py [--problem mlp-backprop-step] [--count 48] [--runs 3] [--target 1.3]

Makes `count` submissions from the problem's own solution (right ones,
slips, carried errors, broken LaTeX: derive.grading.samples), then times
`derive grade` on all of them, as a TA runs it (a fresh process: start-up,
worker start-up and writing the gradebook included), with --jobs 1 and
--jobs 2, `runs` times each (median). Prints the throughput per core of
each, the speed-up, and whether the two gradebooks are byte-identical;
exits 1 when they differ, or when --jobs 2 is not `target` times faster
than --jobs 1 on a machine with at least two cores.
"""
from __future__ import annotations

import argparse
import filecmp
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed_grade(paths, problem, jobs, output) -> float:
    command = [sys.executable, "-m", "derive", "grade", *paths, "--problem", problem, "--jobs", str(jobs),
               "-o", str(output)]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"derive grade --jobs {jobs} failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed


def main(argv=None) -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--problem", default="mlp-backprop-step")
    options.add_argument("--count", type=int, default=48)
    options.add_argument("--runs", type=int, default=3)
    options.add_argument("--target", type=float, default=1.3, help="least speed-up of --jobs 2 over --jobs 1")
    arguments = options.parse_args(argv)

    from derive.grading.samples import make_samples
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        paths = make_samples(arguments.problem, str(scratch / "submissions"), arguments.count)
        times = {}
        for jobs in (1, 2):
            (scratch / f"jobs{jobs}").mkdir()
            times[jobs] = [timed_grade(paths, arguments.problem, jobs, scratch / f"jobs{jobs}" / "gradebook.csv")
                           for _ in range(arguments.runs)]
        same = filecmp.cmp(scratch / "jobs1" / "gradebook.csv", scratch / "jobs2" / "gradebook.csv", shallow=False)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{arguments.count} submissions of {arguments.problem}, {cores} cores, load average {load:.1f} at the end")
    print("| --jobs | wall s (median of %d) | submissions/s | per core |" % arguments.runs)
    print("|---|---|---|---|")
    rate = {}
    for jobs in (1, 2):
        median = statistics.median(times[jobs])
        rate[jobs] = arguments.count / median
        print(f"| {jobs} | {median:.1f} | {rate[jobs]:.2f} | {rate[jobs] / jobs:.2f} |")
    speedup = rate[2] / rate[1]
    print(f"speed-up of --jobs 2: {speedup:.2f}×; gradebooks identical: {'yes' if same else 'NO'}")
    failed = not same or (cores >= 2 and speedup < arguments.target)
    if cores >= 2 and speedup < arguments.target:
        print(f"target missed: --jobs 2 should be ≥ {arguments.target}× faster (is the machine busy?)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
