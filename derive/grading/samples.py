"""Sample submissions made from a problem's own solution, for tests, benchmarks
and trying the grader: none is typed by hand, so every one follows the engine.

- `right`: the solution as Markdown, every step as the engine writes it;
- `wrong`: the same with the result of one line perturbed (a slip the
  checker finds: a line it judges);
- `carried`: the solution of a variant (other givens) handed in for the
  problem's own: its first lines use wrong numbers, later ones follow from
  them (error carried forward);
- `unparsed`: the right solution with a line of broken LaTeX added.

    from derive.grading.samples import make_samples
    make_samples("mlp-backprop-step", "submissions/", count=24)
"""
from __future__ import annotations

import os
import re

KINDS = ("right", "wrong", "carried", "unparsed")
#: the last number of a display-math line: `= 0.346909 $$`
_LAST_NUMBER = re.compile(r"(=\s*\(?)(-?\d+(?:\.\d+)?)(\)?\s*\$\$\s*)$")


def solution_text(problem: str, seed: int | None = None) -> str:
    from derive import render
    from derive.catalog import find
    found = find(problem)
    solution = found.solve(seed=seed if seed is not None and found.has_variants else None)
    return render(solution, "markdown")


def perturbed(text: str, which: int) -> str:
    """`text` with the result of its `which`-th numeric display line changed."""
    lines = text.split("\n")
    numeric = [i for i, line in enumerate(lines) if line.startswith("$$") and _LAST_NUMBER.search(line)]
    if not numeric:
        raise ValueError("no display line ends in a number")
    i = numeric[which % len(numeric)]

    def change(match):
        value = match.group(2)
        decimals = len(value.split(".")[1]) if "." in value else 0
        new = float(value) * 1.5 + 1
        return match.group(1) + (f"{new:.{decimals}f}" if decimals else str(int(round(new)))) + match.group(3)

    lines[i] = _LAST_NUMBER.sub(change, lines[i])
    return "\n".join(lines)


def slipped(problem: str, n: int) -> str:
    """The solution with the `n`-th (or the next) line's result perturbed such
    that the checker finds the slip (a line it does not judge would hide it)."""
    from derive.checking import check
    text = solution_text(problem)
    count = sum(1 for line in text.split("\n") if line.startswith("$$") and _LAST_NUMBER.search(line))
    for k in range(n, n + count):
        candidate = perturbed(text, k)
        if check(candidate, problem=problem).summary["wrong"]:
            return candidate
    raise ValueError(f"{problem}: no perturbed line is judged wrong")


def unparsed(text: str, which: int) -> str:
    lines = text.split("\n")
    display = [i for i, line in enumerate(lines) if line.startswith("$$")]
    at = display[which % len(display)] if display else len(lines)
    return "\n".join(lines[:at] + [r"$$ z = \frac{1}{ $$", ""] + lines[at:])


def sample(problem: str, kind: str, n: int = 0) -> str:
    """The `n`-th sample submission of `kind` for `problem`."""
    if kind == "right":
        return solution_text(problem)
    if kind == "wrong":
        return slipped(problem, n)
    if kind == "carried":
        return solution_text(problem, seed=1000 + n)
    if kind == "unparsed":
        return unparsed(solution_text(problem), n)
    raise ValueError(f"unknown kind {kind!r} (kinds: {', '.join(KINDS)})")


def make_samples(problem: str, folder: str, count: int = 24, folders_every: int = 6) -> list[str]:
    """Write `count` submissions into `folder` (student-01.md, …; every
    `folders_every`-th is a folder of two files, as a student hands in a
    multi-file answer) and return their paths in order."""
    os.makedirs(folder, exist_ok=True)
    paths = []
    for n in range(count):
        kind = KINDS[n % len(KINDS)]
        text = sample(problem, kind, n // len(KINDS))
        name = f"student-{n + 1:02d}"
        if folders_every and n % folders_every == folders_every - 1:
            path = os.path.join(folder, name)
            os.makedirs(path, exist_ok=True)
            lines = text.split("\n")
            half = len(lines) // 2
            while half < len(lines) and lines[half].startswith("$$"):
                half += 1
            for file, chunk in (("1-forward.md", lines[:half]), ("2-backward.md", lines[half:])):
                with open(os.path.join(path, file), "w", encoding="utf-8") as out:
                    out.write("\n".join(chunk) + "\n")
        else:
            path = os.path.join(folder, name + ".md")
            with open(path, "w", encoding="utf-8") as out:
                out.write(text)
        paths.append(path)
    return paths
