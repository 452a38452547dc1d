"""derive/architecture holds the arithmetic only: no import cycle among its
modules (imports inside functions included), no problem's steps; the steps
that derive and tabulate receptive fields and stack sizes live in the
problems that print them, and give the numbers of the arithmetic."""
import ast
import pathlib

import sympy

from derive.architecture import receptive_fields, sizes
from derive.architecture.receptive_fields import receptive_field
from derive.architecture.sizes import conv_stack
from derive.core.steps import Evaluation

ARCHITECTURE = pathlib.Path(receptive_fields.__file__).parent


def imports_of(path: pathlib.Path) -> set[str]:
    """The derive.architecture modules `path` imports, anywhere in the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found |= {name.split(".")[2] for name in names
                  if name.startswith("derive.architecture.") and name.count(".") >= 2
                  and (ARCHITECTURE / f"{name.split('.')[2]}.py").exists()}
    return found


def test_no_import_cycle_within_architecture():
    graph = {path.stem: imports_of(path) - {path.stem} for path in ARCHITECTURE.glob("*.py")}
    state = {}

    def visit(module, trail):
        if state.get(module) == "done":
            return
        assert state.get(module) != "open", "import cycle: " + " → ".join(trail + [module])
        state[module] = "open"
        for other in sorted(graph.get(module, ())):
            visit(other, trail + [module])
        state[module] = "done"

    for module in sorted(graph):
        visit(module, [])
    assert "stack" in graph["sizes"] and "stack" in graph["receptive_fields"]
    assert "receptive_fields" not in graph["sizes"] and "sizes" not in graph["receptive_fields"]


def test_architecture_has_no_problem_steps():
    for module in (receptive_fields, sizes):
        for name in ("closed_form_steps", "table_steps", "stack_steps", "SEED_FORM"):
            assert not hasattr(module, name), f"{module.__name__}.{name} belongs to its problem"
    for path in ARCHITECTURE.glob("*.py"):
        assert "problems" not in imports_of(path)
        assert "from problems" not in path.read_text(encoding="utf-8")


STACK = [{"kernel": 11, "stride": 4, "padding": 2, "out_channels": 96}, {"kernel": 3, "stride": 2, "pool": True},
         {"kernel": 5, "stride": 1, "padding": 2, "dilation": 2, "out_channels": 64}]


def evaluations(steps) -> dict:
    return {str(step.target): step.value for step in steps if isinstance(step, Evaluation)}


def test_the_receptive_field_table_substitutes_the_arithmetic():
    from problems.receptive_field import table_steps
    records = receptive_field(STACK)
    table = evaluations(table_steps(records))
    for m, record in enumerate(records, start=1):
        assert table[f"RF_{m}"] == record["size"]
        assert table[f"J_{m}"] == record["jump"]
        assert table[f"start_{m}"] == record["start"]
    assert [table[f"RF_{m}"] for m in (1, 2, 3)] == [11, 19, 83]  # 1 + 10, + 2·4, + 8·8 (dilated 5 → 9)


def test_the_closed_form_steps_end_in_the_closed_form():
    from problems.receptive_field import SEED_FORM, closed_form_check_steps, closed_form_steps
    steps = closed_form_steps()
    assert any(getattr(step, "terms", (None,))[-1] == SEED_FORM for step in steps)
    checks = closed_form_check_steps(receptive_field(STACK))
    assert [step.terms[-1] for step in checks if str(step.terms[0]).startswith("RF_")] == [11, 19, 83]


def test_the_stack_table_substitutes_the_arithmetic():
    from problems.conv_arithmetic import stack_steps
    records = conv_stack(227, 3, STACK)
    table = evaluations(stack_steps(records))
    assert table["O_1"] == records[0]["output"] == 56
    assert table["params_1"] == (11 * 11 * 3 + 1) * 96
    assert table["mults_1"] == 56 * 56 * 96 * 11 * 11 * 3
    assert "params_2" not in table and table["O_2"] == records[1]["output"] == 27
    assert table["O_3"] == 27 - 2 * (5 - 1) + 4  # padding 2, dilation 2: 27 + 4 − 9 + 1
    assert table["params_3"] == sympy.Integer((25 * 96 + 1) * 64)
