"""Start-up and whole-catalog cost, as multiples of `python -c "import sympy"`.

Every command starts a fresh interpreter, so the fair unit is the time that
interpreter needs to import SymPy at all, measured side by side with the
commands (interleaved, medians).
"""
from __future__ import annotations

import os
import shutil
import sys

from measure import PYTHON, Section, command_seconds, side_by_side

CATALOG_IN_ONE_PROCESS = (
    "from derive.catalog import entries, solve\n"
    "from derive.printing import render\n"
    "for entry in entries():\n"
    "    render(solve(entry.name), 'text')\n"
)


def derive_command() -> list[str]:
    beside = os.path.join(os.path.dirname(PYTHON), "derive")
    script = beside if os.path.exists(beside) else shutil.which("derive")
    return [script] if script else [PYTHON, "-m", "derive"]


def run(repeat: int = 7) -> Section:
    derive = derive_command()
    commands = {
        "python -c 'import sympy'": command_seconds([PYTHON, "-c", "import sympy"]),
        "derive list": command_seconds(derive + ["list"]),
        "derive solve lstm-forward": command_seconds(derive + ["solve", "lstm-forward"]),
    }
    times = side_by_side(commands, repeat)
    catalog = side_by_side({"import sympy": commands["python -c 'import sympy'"],
                            "every problem, one process": command_seconds([PYTHON, "-c", CATALOG_IN_ONE_PROCESS])},
                           max(3, repeat // 2))
    unit = times["python -c 'import sympy'"]
    catalog_unit = catalog["import sympy"]
    section = Section("Start-up and whole catalog", ("command", "median s", "× import sympy"))
    for name, seconds in times.items():
        section.rows.append((name, f"{seconds:.3f}", f"{seconds / unit:.2f}"))
    whole = catalog["every problem, one process"]
    section.rows.append(("solve and render every catalog problem, one process", f"{whole:.3f}",
                         f"{whole / catalog_unit:.1f}"))
    for name, limit in (("derive list", 1.5), ("derive solve lstm-forward", 4.0)):
        ratio = times[name] / unit
        section.target(f"`{name}` within {limit}× import sympy", f"{ratio:.2f}×", ratio <= limit)
    ratio = whole / catalog_unit
    section.target("whole catalog in one process within 40× import sympy", f"{ratio:.1f}×", ratio <= 40)
    return section


if __name__ == "__main__":
    section = run()
    print(section.markdown())
    sys.exit(1 if section.missed else 0)
