import json
import re
import subprocess
import sys

import pytest

from catalog_names import NAMES as CATALOG_NAMES

CORE = ["lstm-forward", "mlp-backprop-step", "jacobian-chain", "kl-gaussian", "conv-layer-arithmetic"]
KEYS = {
    "lstm-forward": "f_1 i_1 ctilde_1 c_1 o_1 h_1 f_2 i_2 ctilde_2 c_2 o_2 h_2 loss".split(),
    "mlp-backprop-step": "h_1 h_2 y_hat delta_y delta_h1 delta_h2".split()
    + [f"{w}_new" for w in "W_h1x1 W_h1x2 W_h1b W_h2x1 W_h2x2 W_h2b W_yh1 W_yh2 W_yb".split()],
    "jacobian-chain": ["J_f1", "J_f2", "J_f"],
    "kl-gaussian": ["KL", "KL_std"],
    "conv-layer-arithmetic": ["K", "params", "mults"],
}


def derive(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "derive", *args], capture_output=True, text=True, timeout=300)


def test_list_json_follows_the_contract_in_catalog_order():
    result = derive("list", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert all(set(row) == {"name", "title", "source", "family"} for row in rows)
    names = [row["name"] for row in rows]
    order = CATALOG_NAMES
    listed = [n for n in names if n in order]
    assert listed == sorted(listed, key=order.index)
    assert set(CORE) <= set(names)


@pytest.mark.parametrize("name", CORE)
def test_solution_json_has_the_contract_keys(name):
    result = derive("solve", name, "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["problem"] == name
    for part in data["parts"]:
        assert set(part) >= {"id", "question", "steps", "answers"}
        assert all(set(step) == {"text", "latex"} for step in part["steps"])
        for key, answer in part["answers"].items():
            assert key.isascii() and key.replace("_", "").isalnum()
            assert set(answer) == {"latex", "expr", "value"}
    answers = {k for part in data["parts"] for k in part["answers"]}
    assert set(KEYS[name]) <= answers


@pytest.mark.parametrize("name", CORE)
@pytest.mark.parametrize("format", ["text", "latex", "markdown", "json"])
def test_same_command_prints_the_same_bytes(name, format):
    first, second = derive("solve", name, "--format", format), derive("solve", name, "--format", format)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout


def test_unknown_problem_suggests_close_names():
    result = derive("solve", "lstm-foward")
    assert result.returncode == 2
    assert "did you mean" in result.stderr and "lstm-forward" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("content, expected", [
    ('{"x": [1,', "line 1"),
    ("[1, 2]", "JSON object"),
    ('{"x": [1, 2], "layers": [{"W": [[1, 2, 3]], "b": [0], "activation": "sigmoid"}], "y": [1], "lr": 0.1}',
     "layers[0].W"),
    ('{"x": [1, 2], "layers": [{"W": [[1, 2]], "b": [0], "activation": "swish"}], "y": [1], "lr": 0.1}',
     "activation"),
    ('{"x": [1, "two"], "layers": [{"W": [[1, 2]], "b": [0], "activation": "tanh"}], "y": [1], "lr": 0.1}',
     "x[1]"),
    ('{"x": [1, 2], "layers": [{"W": [[1, 2]], "b": [0], "activation": "tanh"}], "y": [1]}', "lr"),
    ('{"x": [1, 2], "layers": [], "y": [1], "lr": 0.1}', "layers"),
    ('{"x": [1, 2], "layers": [{"W": [[1, 2]], "b": [0], "activation": "tanh"}], "y": [1], "lr": NaN}', "NaN"),
    ('{"x": [1e400], "layers": [{"W": [[1]], "b": [0], "activation": "tanh"}], "y": [1], "lr": 0.1}', "finite"),
    ('{"bogus": 1}', "bogus"),
    ('{"x": [1e300, 1], "layers": [{"W": [[1, 2]], "b": [0], "activation": "tanh"}], "y": [1], "lr": 0.1}',
     "larger than"),
    ('{"x": [[1, 2]], "layers": [{"W": [[1, 2]], "b": [0], "activation": "tanh"}], "y": [1], "lr": 0.1}',
     "list of numbers"),
])
def test_bad_givens_exit_2_with_one_line_naming_the_key(tmp_path, content, expected):
    path = tmp_path / "given.json"
    path.write_text(content)
    result = derive("solve", "mlp", "--given", str(path))
    assert result.returncode == 2, result.stdout
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_givens_for_a_problem_without_givens_and_missing_files(tmp_path):
    path = tmp_path / "given.json"
    path.write_text("{}")
    result = derive("solve", "elbo-derivation", "--given", str(path))
    assert result.returncode == 2 and "takes no givens" in result.stderr
    result = derive("solve", "mlp", "--given", str(tmp_path / "missing.json"))
    assert result.returncode == 2 and "missing.json" in result.stderr
    result = derive("solve", "mlp", "--seed", "-3")
    assert result.returncode == 2


def test_time_limit_is_range_checked_and_disarmed_after_the_command():
    import signal
    import time

    from derive.cli import main
    assert derive("--time-limit", "99999999999", "list").returncode == 2
    assert derive("--time-limit", "0", "list").returncode == 2  # 0 is not "no limit" in disguise
    from derive.catalog import entries
    entries()  # imported first: a limit that runs out inside an import would leave it half done
    # a limit far above what `list` takes (a loaded CI machine is slow), then no alarm left behind
    assert main(["--time-limit", "600", "list"]) == 0
    assert signal.alarm(0) == 0  # no alarm left behind for the caller
    time.sleep(0.01)


def test_numbers_print_exactly():
    import sympy

    from derive.printing import math
    assert math.latex(sympy.Integer(9007199254740993)) == "9007199254740993"
    assert math.text(sympy.Rational(123456789012, 1000)) == "123456789.012"
    assert math.text(sympy.Rational(-1, 8)) == "−0.125"  # the minus sign of the statements (U+2212)
    assert math.text(sympy.Rational(1, 3)) == "1/3"


def test_output_file_and_seeded_variants_are_deterministic(tmp_path):
    target = tmp_path / "out.md"
    assert derive("solve", "lstm", "--seed", "5", "--format", "markdown", "-o", str(target)).returncode == 0
    again = derive("solve", "lstm", "--seed", "5", "--format", "markdown")
    assert target.read_text() == again.stdout
    other = derive("solve", "lstm", "--seed", "6", "--format", "markdown")
    assert other.stdout != again.stdout


def test_an_engine_error_is_internal_not_bad_input(monkeypatch, capsys):
    """Only errors about the user's input exit 2; a ValueError from inside the
    engine is our bug (exit 3), not something the user can fix."""
    import derive.catalog
    from derive.cli import main

    def broken(*args, **kwargs):
        raise ValueError("a closed form disagrees with its recurrence")
    monkeypatch.setattr(derive.catalog, "solve", broken)
    assert main(["solve", "lstm-forward"]) == 3
    assert "internal error" in capsys.readouterr().err


# ---------------------------------------------------------------- the first ten minutes (issue 21)

def run(*arguments):
    import contextlib
    import io

    from derive.cli import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(arguments))
    return status, out.getvalue(), err.getvalue()


def test_version_comes_from_the_package_metadata():
    from importlib.metadata import version

    import derive as package
    result = derive("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"derive {version('derive')}"
    assert package.__version__ == version("derive")


@pytest.mark.parametrize("suffix, format", [(".tex", "latex"), (".md", "markdown"), (".json", "json"),
                                            (".txt", "text"), ("", "text")])
def test_the_output_format_follows_the_extension(tmp_path, suffix, format):
    target = tmp_path / f"out{suffix}"
    status, _, err = run("solve", "lstm-forward", "-o", str(target))
    assert status == 0, err
    assert target.read_text(encoding="utf-8") == run("solve", "lstm-forward", "--format", format)[1]
    assert err == f"derive: wrote {target}\n"


def test_format_overrides_the_extension_and_unknown_extensions_are_refused(tmp_path):
    target = tmp_path / "out.md"
    assert run("solve", "lstm-forward", "--format", "json", "-o", str(target))[0] == 0
    assert json.loads(target.read_text())["problem"] == "lstm-forward"
    status, _, err = run("solve", "lstm-forward", "-o", str(tmp_path / "out.html"))
    assert status == 2 and ".html" in err and "--format" in err
    status, _, err = run("solve", "lstm-forward", "--format", "text", "-o", str(tmp_path / "out.pdf"))
    assert status == 2 and "PDF" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.md"]


def test_solve_to_pdf_is_the_one_problem_sheet(tmp_path):
    import shutil
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex not installed")
    target = tmp_path / "kl.pdf"
    status, _, err = run("solve", "kl-gaussian", "-o", str(target))
    assert status == 0, err
    assert target.read_bytes().startswith(b"%PDF") and re.fullmatch(r"derive: wrote \S+ \(\d+ pages?\)\n", err)


@pytest.mark.parametrize("arguments", [
    ["--time-limit", "30", "solve", "lstm-forward"], ["solve", "lstm-forward", "--time-limit", "30"],
    ["solve", "--quiet", "lstm-forward"], ["-q", "solve", "lstm-forward"], ["list", "--time-limit", "5", "-q"],
])
def test_global_options_go_before_or_after_the_command(arguments):
    status, out, err = run(*arguments)
    assert status == 0 and out and not err, err


def test_a_time_limit_after_the_command_is_the_one_used():
    from derive.cli import parser
    assert parser().parse_args(["--time-limit", "9", "list", "--time-limit", "7"]).time_limit == 7
    assert parser().parse_args(["--time-limit", "9", "list"]).time_limit == 9
    assert parser().parse_args(["list"]).time_limit == 300


def test_quiet_drops_the_summary(tmp_path):
    status, _, err = run("solve", "lstm-forward", "-q", "-o", str(tmp_path / "x.md"))
    assert status == 0 and err == ""


def test_progress_only_on_a_terminal(tmp_path, monkeypatch):
    from derive.commandline import console
    output = tmp_path / "two.tex"
    status, _, err = run("sheet", "mlp", "kl-gaussian", "-o", str(output))
    assert status == 0 and err == f"derive: wrote {output} (2 problems)\n"  # stderr not a terminal: no progress
    monkeypatch.setattr(console, "_terminal", lambda: True)
    status, _, err = run("sheet", "mlp", "kl-gaussian", "-o", str(output))
    assert status == 0 and "\r[1/2] mlp" in err and "\r[2/2] kl-gaussian" in err
    assert err.endswith(f"\rderive: wrote {output} (2 problems)\n")
    status, _, err = run("sheet", "mlp", "kl-gaussian", "-o", str(output), "--quiet")
    assert status == 0 and err == ""


def _all_parsers():
    import argparse

    from derive.cli import parser
    top = parser()
    found = [("derive", top)]
    for action in top._actions:
        if isinstance(action, argparse._SubParsersAction):
            found += [(f"derive {name}", sub) for name, sub in action.choices.items()]
            assert all(choice.help for choice in action._choices_actions)  # every command described
    return found


def test_every_option_and_argument_has_help():
    for name, parser in _all_parsers():
        for action in parser._actions:
            assert action.help and action.help.strip(), f"{name}: {action.option_strings or action.dest} has no help"


def test_check_help_explains_the_markers_and_its_example_runs_as_shown(tmp_path):
    result = derive("check", "--help")
    assert result.returncode == 0
    assert "% problem: NAME" in result.stdout and "<!-- problem: NAME -->" in result.stdout
    lines = result.stdout.splitlines()
    start = lines.index("Example: answer.md holds")
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("and `derive check answer.md` prints"))
    (tmp_path / "answer.md").write_text("\n".join(line.strip() for line in lines[start + 1:end]) + "\n")
    expected = [line.strip() for line in lines[end + 1:end + 4]]
    checked = subprocess.run([sys.executable, "-m", "derive", "check", "answer.md"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=300)
    assert checked.returncode == 1 and checked.stdout.splitlines() == expected, checked.stdout


def test_list_says_the_family_and_whether_given_and_seed_apply():
    from derive.catalog import entries
    status, out, _ = run("list")
    assert status == 0
    header, *rows = out.splitlines()
    assert header.split() == ["NAME", "FAMILY", "--given", "--seed", "TITLE"]
    problems = entries()
    assert len(rows) == len(problems)
    for row, problem in zip(rows, problems):
        name, family, takes_given, seeds = row.split()[:4]
        assert name == problem.name and family == (problem.family or "-")
        assert takes_given == ("yes" if problem.takes_given else "-")
        assert seeds == ("yes" if problem.has_variants else "-")


def _complete(script: str, line: str) -> list[str]:
    words = line.split(" ")
    program = (f"{script}\nCOMP_WORDS=({' '.join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}\n"
               '_derive; printf "%s\\n" "${COMPREPLY[@]}"\n')
    result = subprocess.run(["bash", "-c", program], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_bash_completion_knows_commands_options_and_problem_names():
    import shutil
    if shutil.which("bash") is None:
        pytest.skip("no bash")
    script = derive("completion", "bash").stdout
    assert _complete(script, "derive so") == ["solve"]
    assert _complete(script, "derive solve lstm-f") == ["lstm-forward"]
    assert _complete(script, "derive solve lstm-forward --for") == ["--format"]
    assert _complete(script, "derive solve x --format ") == ["text", "latex", "markdown", "json"]
    assert _complete(script, "derive sheet mlp kl-g") == ["kl-gaussian"]
    assert _complete(script, "derive --time-limit 5 li") == ["list"]
    assert _complete(script, "derive check --problem lstm-fo") == ["lstm-forward"]
    assert _complete(script, "derive completion ") == ["bash", "zsh"]


def test_zsh_completion_names_every_command_and_problem():
    import shutil

    from derive.catalog import entries
    from derive.cli import COMMANDS
    script = derive("completion", "zsh").stdout
    assert script.startswith("#compdef derive")
    assert all(f"'{name}:" in script for name in COMMANDS)
    assert all(problem.name in script for problem in entries())
    if shutil.which("zsh"):
        result = subprocess.run(["zsh", "-n", "-c", script], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        loaded = subprocess.run(["zsh", "-f", "-c", "autoload -U compinit && compinit -u && " + 'eval "$0" && '
                                 "print -r -- ${_comps[derive]}", script], capture_output=True, text=True, timeout=60)
        assert loaded.stdout.strip() == "_derive", loaded.stderr


def test_short_reprs_and_rich_display():
    from derive import check, solve
    solution = solve("lstm-forward")
    assert repr(solution) == "<Solution lstm-forward: 4 parts, 27 answers>"
    answer = solution.answers["h_2"]
    assert repr(answer) == "<Answer h_2 = −0.189882>"  # the text printer's minus sign
    assert answer._repr_latex_() == r"$\displaystyle h_{2} = -0.189882$"
    assert "h_2" in answer._repr_markdown_()
    big = solve("mlp-backprop-step")
    assert all(len(repr(a)) < 90 for a in big.answers.values())
    report = check("$$2 + 3 = 5$$\n\n$$2 + 3 = 6$$\n")
    assert repr(report) == "<Report <text>: 2 steps: 1 ok, 1 wrong>"
    markdown = report._repr_markdown_()
    assert "| line | status | step | why |" in markdown and "| 3 | wrong |" in markdown
    assert "&lt;text>" in markdown


def test_a_new_subcommand_is_one_registration(capsys):
    from derive import cli

    def add(commands):
        parser = commands.add_parser("hello", help="say hello")
        parser.add_argument("--to", default="world", help="whom to greet")
        return parser

    cli.register("hello", add, "tests_hello_module:run")
    try:
        import types
        module = types.ModuleType("tests_hello_module")
        module.run = lambda arguments: print(f"hello {arguments.to} {arguments.time_limit}") or 0
        sys.modules["tests_hello_module"] = module
        assert cli.main(["hello", "--to", "you", "--time-limit", "4"]) == 0
        assert capsys.readouterr().out == "hello you 4\n"
    finally:
        del cli.COMMANDS["hello"]
        sys.modules.pop("tests_hello_module", None)


def test_a_closed_pipe_ends_quietly():
    """`derive solve … | head -1`: no error message, no traceback, status 141 (as a SIGPIPE)."""
    process = subprocess.Popen([sys.executable, "-m", "derive", "solve", "bptt", "--format", "json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # gone before the solution is written
    err = process.stderr.read().decode()
    assert process.wait(timeout=300) == 141 and err == "", err
