"""derive grade's throughput: submissions per second per core, --jobs 1 against --jobs 2.

    python benchmarks/grade_speed.py [--problem mlp-backprop-step] [--count 48] [--runs 3] [--target 1.3]

Makes `count` submissions from the problem's own solution (right ones,
slips, carried errors, broken LaTeX: derive.grading.samples), then times
`derive grade` on all of them, as a TA runs it (a fresh process: start-up,
worker start-up and writing the gradebook included), with --jobs 1 and
--jobs 2, `runs` times each (median). Prints the throughput per core of
each (and per CPU-second, which other load on the machine changes less),
the speed-up, and whether the two gradebooks are byte-identical; exits 1
when they differ, or when --jobs 2 is not `target` times faster than
--jobs 1 while two cores were free (measured before and after the runs).
"""
from __future__ import annotations

import argparse
import filecmp
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed_grade(paths, problem, jobs, output) -> tuple[float, float]:
    """Wall-clock and CPU seconds (of derive grade and every process it waited for)."""
    command = [sys.executable, "-m", "derive", "grade", *paths, "--problem", problem, "--jobs", str(jobs),
               "-o", str(output)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"derive grade --jobs {jobs} failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _burn(n: int) -> float:
    start = time.perf_counter()
    x = 0
    for i in range(n):
        x += i * i
    return time.perf_counter() - start


def free_cores() -> float:
    """How many cores this machine gives two busy processes just now (2.0 on an idle two-core machine):
    a benchmark of parallel speed-up means nothing when other work holds a core."""
    from concurrent.futures import ProcessPoolExecutor
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_burn, [10 ** 5] * 2))
        alone = _burn(5 * 10 ** 6)
        start = time.perf_counter()
        list(pool.map(_burn, [5 * 10 ** 6] * 2))
        return 2 * alone / (time.perf_counter() - start)


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
        times, cpu = {1: [], 2: []}, {1: [], 2: []}
        capacity = [free_cores()]
        for run in range(arguments.runs):  # interleaved, so that a busy spell hits both
            for jobs in (1, 2):
                (scratch / f"jobs{jobs}").mkdir(exist_ok=True)
                wall, used = timed_grade(paths, arguments.problem, jobs, scratch / f"jobs{jobs}" / "gradebook.csv")
                times[jobs].append(wall)
                cpu[jobs].append(used)
        capacity.append(free_cores())
        same = filecmp.cmp(scratch / "jobs1" / "gradebook.csv", scratch / "jobs2" / "gradebook.csv", shallow=False)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{arguments.count} submissions of {arguments.problem}, {cores} cores "
          f"(free for two busy processes: {min(capacity):.1f} to {max(capacity):.1f}), load average {load:.1f}")
    print("| --jobs | wall s (median of %d) | submissions/s | per core | CPU s | submissions per CPU-second |"
          % arguments.runs)
    print("|---|---|---|---|---|---|")
    rate = {}
    for jobs in (1, 2):
        median = statistics.median(times[jobs])
        used = statistics.median(cpu[jobs])
        rate[jobs] = arguments.count / median
        print(f"| {jobs} | {median:.1f} | {rate[jobs]:.2f} | {rate[jobs] / jobs:.2f} | {used:.1f} | "
              f"{arguments.count / used:.2f} |")
    speedup = rate[2] / rate[1]
    print(f"speed-up of --jobs 2: {speedup:.2f}×; gradebooks identical: {'yes' if same else 'NO'}")
    judged = cores >= 2 and min(capacity) >= 1.6
    failed = not same or (judged and speedup < arguments.target)
    if judged and speedup < arguments.target:
        print(f"target missed: --jobs 2 should be ≥ {arguments.target}× faster")
    elif not judged:
        print("speed-up not judged: this machine did not have two free cores during the run")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
