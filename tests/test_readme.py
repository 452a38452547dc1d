"""The README works as written: its Python example runs, its Quickstart's
first line installs and runs `derive` in a fresh virtual environment, and
`.ci/run` runs its second line verbatim.

The Quickstart test copies the working tree (without .git, .venv and
caches) to a temporary directory and runs the first line there with bash,
exactly as printed. It reaches the package index as a user would (pip's
cache makes it quick after `.ci/run` has installed the same packages); where
the index cannot be reached it is skipped, except in CI, where the line must
work.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
#: pip's ways of saying the index could not be reached.
OFFLINE = re.compile(r"NewConnectionError|Temporary failure in name resolution|Network is unreachable|"
                     r"No matching distribution found|Could not find a version")


def section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README, re.MULTILINE | re.DOTALL)
    assert match, f"README has no section {title!r}"
    return match.group(1)


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, re.MULTILINE | re.DOTALL)


def quickstart() -> list[str]:
    lines = [block.strip() for block in blocks(section("Quickstart"), "sh")]
    assert len(lines) == 2 and all("\n" not in line for line in lines), lines
    return lines


def test_the_quickstart_is_two_commands_and_ci_runs_the_second_verbatim():
    install, tests = quickstart()
    assert "python3 -m venv .venv" in install and "derive solve" in install
    assert "pytest" in tests
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert tests in ci, ".ci/run must run the README's test line exactly as printed"


def test_the_readme_python_example_runs_as_written(capsys):
    (code,) = blocks(README, "python")
    cwd = os.getcwd()
    os.chdir(ROOT)  # it reads tests/hand/…, as from the root of the repository
    try:
        exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
    finally:
        os.chdir(cwd)
    assert "h_{2}" in capsys.readouterr().out  # the Markdown it prints


def test_the_readme_python_example_comments_say_what_it_returns():
    from derive import solve
    solution = solve("lstm-forward")
    (code,) = blocks(README, "python")
    assert f"# {solution!r}" in code
    assert f"# {solution.answers['h_2'].value!r}" in code


def _copy_of_the_tree(target: Path) -> Path:
    ignore = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.egg-info", ".pytest_cache", ".hypothesis",
                                    "build", "dist", "*.pyc", "held_out")
    shutil.copytree(ROOT, target, ignore=ignore, symlinks=True)
    return target


@pytest.mark.skipif(shutil.which("bash") is None or sys.platform == "win32", reason="the Quickstart is for a POSIX shell")
def test_the_quickstart_installs_and_runs_derive_in_a_fresh_venv(tmp_path):
    install, _ = quickstart()
    tree = _copy_of_the_tree(tmp_path / "derive")
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PIP_REQUIRE_VIRTUALENV")}
    # `python3` as a new user's shell finds it: the PATH without this test run's virtual environment
    hidden = {str(Path(sys.prefix) / "bin")}
    environment["PATH"] = os.pathsep.join(p for p in environment.get("PATH", "").split(os.pathsep) if p not in hidden)
    result = subprocess.run(["bash", "-c", install], cwd=tree, env=environment, capture_output=True, text=True,
                            timeout=900)
    if result.returncode != 0 and OFFLINE.search(result.stdout + result.stderr) and not os.environ.get("CI"):
        pytest.skip("the package index cannot be reached from here")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "h_2" in result.stdout and "Forward pass" in result.stdout
    assert (tree / ".venv" / "bin" / "derive").exists()
    version = subprocess.run([str(tree / ".venv" / "bin" / "derive"), "--version"], capture_output=True, text=True,
                             timeout=120)
    assert version.returncode == 0 and version.stdout.startswith("derive ")
