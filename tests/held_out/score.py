"""Score `derive check` on the held-out hand derivations against their keys.

    python tests/held_out/score.py [--verbose] [FILES...]

The derivations and keys here were written by people who never saw the
checker; each key says, per display line, whether the line is right (`ok`),
a planted error (`wrong`), right given an earlier error (`carried`) or not
something to judge (`none`). Printed: the share of lines judged, planted
errors caught, planted errors called ok, correct lines called wrong, carried
lines recognised, symbolic lines judged — the figures of the checker issue.
"""
from __future__ import annotations

import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
JUDGED = {"ok", "wrong", "carried"}
SEVERITY = ["wrong", "carried", "ok", "unchecked", "unparsed"]


def verdict(statuses: list[str]) -> str:
    """The line's verdict when it holds several steps: the most severe."""
    if not statuses:
        return "missing"
    return min(statuses, key=lambda s: SEVERITY.index(s) if s in SEVERITY else len(SEVERITY))


def score(paths, verbose: bool = False) -> dict:
    from derive.checking import check

    totals = {"lines": 0, "judged": 0, "planted": 0, "caught": 0, "planted_ok": 0, "correct": 0,
              "false_alarms": 0, "carried": 0, "carried_seen": 0, "symbolic": 0, "symbolic_judged": 0}
    for key_path in paths:
        key = json.loads(key_path.read_text(encoding="utf-8"))
        text = (key_path.parent / key["file"]).read_text(encoding="utf-8")
        report = check(text, problem=key.get("problem"), file=key["file"])
        for entry in key["lines"]:
            expect = entry["expect"]
            if expect == "none":
                continue
            got = verdict(report.status_at(entry["line"]))
            totals["lines"] += 1
            totals["judged"] += got in JUDGED
            if entry.get("kind") == "symbolic":
                totals["symbolic"] += 1
                totals["symbolic_judged"] += got in JUDGED
            if expect == "wrong":
                totals["planted"] += 1
                totals["caught"] += got == "wrong"
                totals["planted_ok"] += got == "ok"
            elif expect == "ok":
                totals["correct"] += 1
                totals["false_alarms"] += got == "wrong"
            elif expect == "carried":
                totals["carried"] += 1
                totals["carried_seen"] += got == "carried"
            if verbose and got != expect:
                print(f"{key['file']}:{entry['line']}: expected {expect}, got {got} — {entry.get('note', '')}")
    return totals


def summary(t: dict) -> str:
    def share(a, b):
        return f"{a}/{b} ({100 * a / b:.0f}%)" if b else "0/0"
    return "\n".join([
        f"display lines judged:           {share(t['judged'], t['lines'])}",
        f"planted errors caught (wrong):  {share(t['caught'], t['planted'])}",
        f"planted errors called ok:       {t['planted_ok']}",
        f"correct lines called wrong:     {t['false_alarms']} of {t['correct']}",
        f"carried lines recognised:       {share(t['carried_seen'], t['carried'])}",
        f"symbolic lines judged:          {share(t['symbolic_judged'], t['symbolic'])}",
    ])


def main(argv: list[str]) -> int:
    verbose = "--verbose" in argv
    names = [a for a in argv if not a.startswith("--")]
    paths = [HERE / (n if n.endswith(".key.json") else n + ".key.json") for n in names] or sorted(
        HERE.glob("*.key.json"))
    print(summary(score(paths, verbose)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
