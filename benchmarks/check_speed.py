"""Checking a 100-line hand derivation costs at most 10× solving its problem.

    python benchmarks/check_speed.py [--lines 100] [--factor 10]

Builds a 100-line hand file for lstm-forward: the seed's own derivation
(tests/hand/lstm-forward.md) followed by further steps in the seed's style,
with the engine's values rounded to varying precision (each line different,
so nothing is served from a cache). Times, in this one run, solving the
problem and checking the file (worker start-up included), prints both and
exits 1 when checking costs more than `factor` times solving.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def hand_file(lines: int) -> str:
    from derive import solve
    seed = (ROOT / "tests" / "hand" / "lstm-forward.md").read_text().splitlines()
    values = {key: answer.value for key, answer in solve("lstm-forward").answers.items()
              if isinstance(answer.value, float)}
    extra = []
    digits = 3
    while len(seed) + len(extra) < lines:
        digits = digits % 5 + 2
        v = {key: f"{value:.{digits}f}" for key, value in values.items()}
        for t in (1, 2):
            extra += [
                f"$$c_{t} = f_{t} c_{t - 1} + i_{t} \\tilde{{c}}_{t} = {v[f'c_{t}']}$$",
                f"$$h_{t} = o_{t} \\tanh(c_{t}) = {v[f'o_{t}']} \\times \\tanh({v[f'c_{t}']}) = {v[f'h_{t}']}$$",
                f"$$f_{t} \\approx {v[f'f_{t}']}, \\quad i_{t} \\approx {v[f'i_{t}']}$$",
            ]
        extra.append(f"$$\\text{{MSE}} = \\frac{{1}}{{2}} \\left[(0.5 - h_1)^2 + (0.8 - h_2)^2 \\right] = {v['loss']}$$")
    return "\n".join(seed + extra[:lines - len(seed)]) + "\n"


def main(argv=None) -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--lines", type=int, default=100)
    options.add_argument("--factor", type=float, default=10.0)
    arguments = options.parse_args(argv)

    from derive import solve
    from derive.checking import check_file

    start = time.perf_counter()
    solve("lstm-forward")
    solving = time.perf_counter() - start

    text = hand_file(arguments.lines)
    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False) as handle:
        handle.write(text)
        path = handle.name

    start = time.perf_counter()
    report = check_file(path)
    checking = time.perf_counter() - start
    Path(path).unlink()

    ratio = checking / solving
    print(f"lines: {len(text.splitlines())}, steps: {len(report.steps)}, summary: {report.summary}")
    print(f"solve lstm-forward: {solving:.3f} s; check the hand file: {checking:.3f} s; ratio {ratio:.1f} "
          f"(limit {arguments.factor:g})")
    if report.summary["unparsed"] or report.summary["wrong"] != 1:
        print("unexpected statuses: the benchmark file should have exactly the seed's one wrong line")
        print(report.as_text())
        return 1
    return 0 if ratio <= arguments.factor else 1


if __name__ == "__main__":
    sys.exit(main())
