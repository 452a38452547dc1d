import json
import random
import subprocess
import sys

import numpy as np
import pytest
import sympy

from derive import solve
from derive.architecture.receptive_fields import CLOSED_FORM, k, n, receptive_field, s
from problems.receptive_field import SEED_FORM
from derive.core.numbers import InputError


def reached(layers, output_index=0, lengths=None):
    """Input coordinates (padding included, so possibly < 0) one output unit depends on,
    found by walking the index map o ↦ o·s − p + d·t back through every layer.

    With `lengths` (the length of each layer's input), positions that fall in a
    layer's zero padding are dropped: they carry no signal from the input."""
    positions = {output_index}
    for number in reversed(range(len(layers))):
        layer = layers[number]
        k, s = layer["kernel"], layer["stride"]
        p, d = layer.get("padding", 0), layer.get("dilation", 1)
        positions = {o * s - p + d * t for o in positions for t in range(k)}
        if lengths is not None:
            positions = {q for q in positions if 0 <= q < lengths[number]}
    return positions


def conv_ones(x, layer):
    """A real 1-D convolution with an all-ones kernel (no cancellation), zero padding."""
    k, s = layer["kernel"], layer["stride"]
    p, d = layer.get("padding", 0), layer.get("dilation", 1)
    x = np.pad(x, p)
    count = (len(x) - d * (k - 1) - 1) // s + 1
    return np.array([sum(x[o * s + d * t] for t in range(k)) for o in range(count)])


def seen_by_first_output(layers, length):
    """Input pixels whose one-hot input makes output unit 0 non-zero, and each layer's input length."""
    lengths = [length]
    for layer in layers:
        lengths.append(len(conv_ones(np.zeros(lengths[-1]), layer)))
    seen = set()
    for pixel in range(length):
        x = np.zeros(length)
        x[pixel] = 1.0
        for layer in layers:
            x = conv_ones(x, layer)
        if x[0] != 0:
            seen.add(pixel)
    return seen, lengths


def random_stack(rng):
    layers = []
    for _ in range(rng.randint(1, 4)):
        layer = {"kernel": rng.randint(1, 5), "stride": rng.randint(1, 3)}
        if rng.random() < 0.6:
            layer["padding"] = rng.randint(0, 3)
        if rng.random() < 0.4:
            layer["dilation"] = rng.randint(2, 3)
        layers.append(layer)
    return layers


STACKS = [random_stack(random.Random(seed)) for seed in range(12)] + [
    [{"kernel": 11, "stride": 4, "padding": 2}, {"kernel": 3, "stride": 2}, {"kernel": 5, "stride": 1, "padding": 2}],
    [{"kernel": 3, "stride": 1, "dilation": 2, "padding": 2}, {"kernel": 3, "stride": 2, "dilation": 4}],
]


@pytest.mark.parametrize("layers", STACKS)
def test_records_match_brute_force_propagation(layers):
    records = receptive_field(layers)
    for n in range(1, len(layers) + 1):
        first, second = reached(layers[:n], 0), reached(layers[:n], 1)
        record = records[n - 1]
        assert record["start"] == min(first)
        assert record["size"] == max(first) - min(first) + 1
        assert record["jump"] == record["stride"] == min(second) - min(first)
    # The real input pixels that reach the first output, found with real convolutions.
    seen, lengths = seen_by_first_output(layers, 120)
    assert seen == reached(layers, 0, lengths)
    assert seen <= set(range(records[-1]["start"], records[-1]["start"] + records[-1]["size"]))


@pytest.mark.parametrize("layers", STACKS)
def test_closed_form_with_effective_kernels(layers):
    records = receptive_field(layers)
    closed = CLOSED_FORM.subs(n, len(layers)).doit()
    values = {k[m]: l.get("dilation", 1) * (l["kernel"] - 1) + 1 for m, l in enumerate(layers, 1)}
    values.update({s[m]: l["stride"] for m, l in enumerate(layers, 1)})
    assert closed.xreplace(values) == records[-1]["size"] == len(range(min(reached(layers)), max(reached(layers)) + 1))


def test_closed_form_equals_seed_form_and_the_recurrence():
    k, s = sympy.IndexedBase("k"), sympy.IndexedBase("s")
    for depth in range(1, 7):
        recurrence = k[1]  # the seed's RF_1 = k_1, then RF_m = RF_{m−1} + (k_m − 1) s_1 ⋯ s_{m−1}
        for m in range(2, depth + 1):
            recurrence += (k[m] - 1) * sympy.Mul(*[s[q] for q in range(1, m)])
        assert sympy.expand(CLOSED_FORM.subs(n, depth).doit() - recurrence) == 0
        assert sympy.expand(SEED_FORM.subs(n, depth).doit() - recurrence) == 0


@pytest.mark.parametrize("seed", [None, 1, 2, 3])
def test_problem_answers(seed):
    sol = solve("receptive-field", seed=seed)
    layers = sol.given["layers"]
    assert sol.answers["RF_n"].expr == CLOSED_FORM
    for n in range(1, len(layers) + 1):
        first = reached(layers[:n])
        assert sol.answers[f"RF_{n}"].value == max(first) - min(first) + 1
        assert sol.answers[f"start_{n}"].value == min(first)
        assert sol.answers[f"J_{n}"].value == min(reached(layers[:n], 1)) - min(first)


@pytest.mark.parametrize("layers, field", [
    ([{"kernel": 3, "stride": 0}], "layers[0].stride"),
    ([{"kernel": 3, "stride": 1}, {"kernel": 2.5, "stride": 1}], "layers[1].kernel"),
    ([{"kernel": 3, "stride": 1, "padding": -1}], "layers[0].padding"),
    ([{"kernel": 3, "stride": 1}, {"kernel": 3, "stride": 1, "dilation": 0}], "layers[1].dilation"),
    ([{"kernel": 3, "stride": True}], "layers[0].stride"),
    ([{"kernel": 3}], "layers[0].stride"),
    ([{"kernel": 3, "stride": 1, "pad": 1}], "layers[0]: unknown field 'pad'"),
    ([], "layers"),
])
def test_bad_layers_name_the_field(layers, field):
    with pytest.raises(InputError, match=field.replace("[", r"\[").replace("]", r"\]")):
        receptive_field(layers)


def test_bad_given_exits_2_with_one_line(tmp_path):
    path = tmp_path / "stack.json"
    path.write_text(json.dumps({"layers": [{"kernel": 3, "stride": 2}, {"kernel": 0, "stride": 1}]}))
    result = subprocess.run([sys.executable, "-m", "derive", "solve", "receptive-field", "--given", str(path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "given.layers[1].kernel" in lines[0] and "Traceback" not in result.stderr


@pytest.mark.parametrize("layers", STACKS)
def test_jump_and_start_closed_forms_against_brute_force(layers):
    from derive.architecture.receptive_fields import JUMP_FORM, START_FORM, p
    for depth in range(1, len(layers) + 1):
        values = {s[m]: l["stride"] for m, l in enumerate(layers[:depth], 1)}
        values.update({p[m]: l.get("padding", 0) for m, l in enumerate(layers[:depth], 1)})
        first, second = reached(layers[:depth], 0), reached(layers[:depth], 1)
        assert START_FORM.subs(n, depth).doit().xreplace(values) == min(first)
        assert JUMP_FORM.subs(n, depth).doit().xreplace(values) == min(second) - min(first)


def test_stack_file_with_channels_is_accepted_and_validated(tmp_path, capsys):
    from derive.cli import main
    stack = {"input": 64, "in_channels": 3,
             "layers": [{"kernel": 3, "stride": 2, "padding": 1, "out_channels": 16},
                        {"kernel": 2, "stride": 2, "pool": True}]}
    path = tmp_path / "stack.json"
    path.write_text(json.dumps(stack))
    assert main(["solve", "receptive-field", "--given", str(path), "--format", "json"]) == 0
    answers = {k: a["value"] for part in json.loads(capsys.readouterr().out)["parts"] for k, a in part["answers"].items()}
    plain = [{k: v for k, v in l.items() if k in ("kernel", "stride", "padding")} for l in stack["layers"]]
    assert answers["RF_2"] == max(reached(plain)) - min(reached(plain)) + 1
    assert answers["start_2"] == min(reached(plain)) and answers["start_1"] == -1
    for bad, field in (({**stack, "input": 0}, "given.input"),
                       ({"layers": [{"kernel": 3, "stride": 1, "out_channels": 0}]}, "given.layers[0].out_channels"),
                       ({"layers": [{"kernel": 3, "stride": 1, "pool": "yes"}]}, "given.layers[0].pool"),
                       ({"layers": [{"kernel": 3, "stride": 1}], "depth": 3}, "unknown key 'depth'")):
        path.write_text(json.dumps(bad))
        assert main(["solve", "receptive-field", "--given", str(path)]) == 2
        err = capsys.readouterr().err
        assert field in err and len(err.strip().splitlines()) == 1
