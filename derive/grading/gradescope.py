"""`derive export gradescope NAME -o autograder.zip`: an autograder for Gradescope.

The zip holds, at its root (as Gradescope wants):

- `setup.sh`: run once, as root, when Gradescope builds the image: makes a
  virtual environment and installs the copy of derive in `derive-src/`
  (and its dependencies, from PyPI);
- `run_autograder`: run for every submission: grades the files in
  `/autograder/submission` with `derive grade --format gradescope` within
  Gradescope's default container (½ vCPU, 768 MB: one worker, a memory
  limit, a time limit under Gradescope's own) and writes
  `/autograder/results/results.json`; if derive itself cannot run, it still
  writes a results.json saying so;
- `derive-src/`: this installation's derive and its problem packages, with
  a pyproject.toml of their dependencies and entry points;
- `rubric.toml`, when one was given.

Every path run_autograder uses can be changed by an environment variable
(`AUTOGRADER_ROOT`, `DERIVE_SUBMISSION`, `DERIVE_RESULTS`, `DERIVE_SOURCE`,
`DERIVE_PYTHON`), so it can be tried outside Gradescope. The zip's bytes
depend only on the problem, the rubric and derive's sources.
"""
from __future__ import annotations

import importlib.util
import io
import os
import shlex
import zipfile
from importlib.metadata import PackageNotFoundError, entry_points, requires, version

from derive.errors import InputError

GROUP = "derive.problems"
#: Gradescope's default container, and what derive grade is allowed in it.
MEMORY_MB = 400
TIMEOUT = 540  # Gradescope's default limit is 10 minutes
#: A fixed time for every zip entry, so the same inputs give the same bytes.
EPOCH = (1980, 1, 1, 0, 0, 0)

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image:
# a virtual environment with derive (from derive-src/) and its dependencies.
set -euo pipefail
SOURCE="${DERIVE_SOURCE:-/autograder/source}"
VENV="${DERIVE_VENV:-/opt/derive}"
if ! python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq python3 python3-venv python3-pip >/dev/null
fi
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "$SOURCE/derive-src" "tomli>=1.1; python_version < '3.11'"
# fail the build now, not at the first student's submission
"$VENV/bin/python" -m derive list >/dev/null
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission: derive grades the student's
# files (.md, .tex, .txt) in the submission folder and writes results.json.
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
SUBMISSION="${{DERIVE_SUBMISSION:-$ROOT/submission}}"
RESULTS="${{DERIVE_RESULTS:-$ROOT/results}}"
SOURCE="${{DERIVE_SOURCE:-$ROOT/source}}"
PYTHON="${{DERIVE_PYTHON:-/opt/derive/bin/python}}"
mkdir -p "$RESULTS"
# Gradescope's default container: half a CPU and 768 MB.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
RUBRIC=()
if [ -f "$SOURCE/rubric.toml" ]; then RUBRIC=(--rubric "$SOURCE/rubric.toml"); fi
"$PYTHON" -m derive grade "$SUBMISSION" --problem {problem} ${{RUBRIC[@]+"${{RUBRIC[@]}}"}} \\
    --format gradescope --jobs 1 --memory {memory} --timeout {timeout} \\
    -o "$RESULTS/results.json.part"
status=$?
if [ -s "$RESULTS/results.json.part" ]; then
    mv "$RESULTS/results.json.part" "$RESULTS/results.json"
else
    rm -f "$RESULTS/results.json.part"
    printf '{{"score": 0, "output": "The autograder could not grade this submission (derive exit status %s); ask the course staff.", "tests": []}}\\n' "$status" > "$RESULTS/results.json"
fi
exit 0
"""

README = """# {problem}: a Gradescope autograder made by derive

Upload this zip as the assignment's autograder (Ubuntu base image, the
default ½ vCPU / 768 MB container is enough). Students submit their
derivation as .md, .tex or .txt files; each line of display math is checked
and the score follows {rubric}.

Try it locally: unzip into DIR/source, put a submission's files in
DIR/submission, then

    AUTOGRADER_ROOT=DIR DERIVE_PYTHON=$(command -v python3) bash DIR/source/run_autograder

and read DIR/results/results.json.
"""


def export(arguments) -> int:
    from derive.catalog import find
    find(arguments.name)
    if not arguments.output.lower().endswith(".zip"):
        raise InputError(f"-o {arguments.output}: expected a name ending in .zip")
    rubric_text = None
    if arguments.rubric:
        from derive.grading.rubric import load
        rubric_text = rubric_toml(load(arguments.rubric, arguments.name))  # refused now, not at a submission
    problem_file = None
    if os.path.isfile(arguments.name):  # a problem file travels in the bundle
        with open(arguments.name, "rb") as handle:
            problem_file = handle.read()
    from derive.files import write_bytes
    write_bytes(arguments.output, bundle(arguments.name, rubric_text.encode() if rubric_text else None, problem_file))
    return 0


def rubric_toml(rubric) -> str:
    """The rubric as the bundle carries it: checked, and without its problem
    (run_autograder names the problem, which may be a file of the bundle)."""
    from derive.grading.gradebook import number
    lines = [f"carried = {number(rubric.carried)}"]
    for table in ("parts", "answers"):
        entries = getattr(rubric, table)
        if entries:
            lines += ["", f"[{table}]"] + [f"{_quote(key)} = {number(points)}" for key, points in entries.items()]
    return "\n".join(lines) + "\n"


def bundle(problem: str, rubric: bytes | None = None, problem_file: bytes | None = None) -> bytes:
    """The autograder zip's bytes."""
    argument = '"$SOURCE/problem.toml"' if problem_file is not None else shlex.quote(problem)
    files: dict[str, tuple[bytes, int]] = {
        "setup.sh": (SETUP.encode(), 0o755),
        "run_autograder": (RUN.format(problem=argument, memory=MEMORY_MB, timeout=TIMEOUT).encode(), 0o755),
        "README.md": (README.format(problem=problem, rubric="rubric.toml" if rubric else
                                    "no rubric: every judged line is one point").encode(), 0o644),
    }
    if rubric is not None:
        files["rubric.toml"] = (rubric, 0o644)
    if problem_file is not None:
        files["problem.toml"] = (problem_file, 0o644)
    for path, data in source_files().items():
        files[f"derive-src/{path}"] = (data, 0o644)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            data, mode = files[name]
            info = zipfile.ZipInfo(name, EPOCH)
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


def source_files() -> dict[str, bytes]:
    """derive and every package registering problems, as an installable tree."""
    roots = ["derive"] + sorted({point.value.split(":")[0].split(".")[0]
                                 for point in entry_points(group=GROUP)} - {"derive"})
    files = {}
    for root in roots:
        spec = importlib.util.find_spec(root)
        if spec is None or not spec.submodule_search_locations:
            raise InputError(f"cannot find the package {root!r} to bundle (is derive installed?)")
        top = list(spec.submodule_search_locations)[0]
        for folder, subfolders, names in os.walk(top):
            subfolders[:] = sorted(d for d in subfolders if d != "__pycache__" and not d.startswith("."))
            for name in sorted(names):
                if name.endswith((".pyc", ".pyo")) or name.startswith("."):
                    continue
                path = os.path.join(folder, name)
                relative = os.path.relpath(path, os.path.dirname(top)).replace(os.sep, "/")
                with open(path, "rb") as handle:
                    files[relative] = handle.read()
    files["pyproject.toml"] = pyproject(roots).encode()
    return files


def pyproject(roots: list[str]) -> str:
    try:
        dependencies = [r for r in (requires("derive") or []) if "extra ==" not in r]
        derive_version = version("derive")
    except PackageNotFoundError:
        raise InputError("derive is not installed as a package (pip install -e .): cannot bundle it") from None
    points = sorted((point.name, point.value) for point in entry_points(group=GROUP))
    lines = ['[build-system]', 'requires = ["setuptools>=64"]', 'build-backend = "setuptools.build_meta"', '',
             '[project]', 'name = "derive"', f'version = "{derive_version}"', 'requires-python = ">=3.10"',
             'dependencies = [' + ", ".join(_quote(r) for r in dependencies) + ']', '',
             '[project.scripts]', 'derive = "derive.cli:main"', '',
             f'[project.entry-points."{GROUP}"]']
    lines += [f'{_quote(name)} = {_quote(value)}' for name, value in points]
    lines += ['', '[tool.setuptools.packages.find]', 'include = [' + ", ".join(_quote(r + "*") for r in roots) + ']']
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
