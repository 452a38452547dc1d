import json

import numpy as np
import pytest

from derive import solve
from derive.architecture.sizes import output_size, solve_size
from derive.core.numbers import InputError


def test_kernel_params_and_multiplications_by_brute_force():
    sol = solve("conv-layer-arithmetic")
    K = sol.answers["K"].value
    # Brute force: the kernels whose strided windows tile 205 positions into exactly 66 with nothing left over.
    exact = [k for k in range(1, 206) if (205 - k) % 3 == 0 and (205 - k) // 3 + 1 == 66]
    assert [K] == exact
    weights, bias = np.zeros((96, 10, K, K)), np.zeros(96)
    assert sol.answers["params"].value == weights.size + bias.size
    assert sol.answers["params_no_bias"].value == weights.size
    windows = np.lib.stride_tricks.sliding_window_view(np.zeros((205, 205)), (K, K))[::3, ::3]
    assert windows.shape[:2] == (66, 66)
    assert sol.answers["mults"].value == windows.shape[0] * windows.shape[1] * 96 * weights[0].size


def test_output_size_matches_a_strided_window_count():
    for size, kernel, stride, padding in [(7, 3, 2, 1), (10, 4, 3, 0), (5, 5, 1, 2)]:
        padded = np.zeros(size + 2 * padding)
        count = np.lib.stride_tricks.sliding_window_view(padded, kernel)[::stride].shape[0]
        assert output_size(size, kernel, stride, padding) == count


def test_unknown_stride_and_impossible_sizes():
    unknown, value, _ = solve_size({"input": 205, "output": 66, "kernel": 10})
    assert (unknown, value) == ("stride", 3)
    with pytest.raises(InputError, match="no integer"):
        solve_size({"input": 205, "output": 100, "stride": 3})  # K = −92
    with pytest.raises(InputError, match="7/3"):
        solve_size({"input": 10, "output": 4, "kernel": 3})  # S = 7/3
    with pytest.raises(InputError, match="all but one"):
        solve_size({"input": 205, "output": 66})


@pytest.mark.parametrize("size, kernel, stride, padding", [(32, 5, 1, 2), (28, 3, 2, 1), (64, 7, 2, 3)])
def test_family_solves_each_unknown_against_window_counts(size, kernel, stride, padding):
    padded = np.zeros(size + 2 * padding)
    output = np.lib.stride_tricks.sliding_window_view(padded, kernel)[::stride].shape[0]
    base = {"input": size, "kernel": kernel, "stride": stride, "padding": padding, "output": output,
            "in_channels": 3, "out_channels": 8, "floor": True}
    for unknown, key in (("output", "O"), ("kernel", "K")):
        given = {k: v for k, v in base.items() if k != unknown}
        sol = solve("conv-arithmetic", given=given)
        solved_kernel = kernel
        if unknown == "output":
            assert sol.answers[key].value == output
        else:
            # The solved kernel must give the same number of windows (it may differ from the
            # original one when the stride does not divide exactly).
            solved_kernel = sol.answers[key].value
            windows = np.lib.stride_tricks.sliding_window_view(padded, solved_kernel)[::stride].shape[0]
            assert windows == output
        weights = np.zeros((8, 3, solved_kernel, solved_kernel))
        assert sol.answers["params"].value == weights.size + 8


def test_a_stride_that_does_not_divide_needs_floor():
    given = {"input": 28, "kernel": 3, "stride": 2, "padding": 1}  # 28 + 2 − 3 = 27, odd
    with pytest.raises(InputError, match="given.stride: 2 does not divide"):
        solve("conv-arithmetic", given=given)
    padded = np.zeros(28 + 2)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 3)[::2].shape[0]
    assert solve("conv-arithmetic", given={**given, "floor": True}).answers["O"].value == windows


def test_family_rejects_unknown_keys():
    with pytest.raises(InputError, match="unknown key 'kernal'"):
        solve("conv-arithmetic", given={"input": 5, "kernal": 3, "stride": 1})


# --- bad input through the CLI: exit 2, one line naming the field --------------------------

@pytest.mark.parametrize("given, field", [
    ({"input": -5, "output": 66, "stride": 3}, "given.input"),
    ({"input": 0, "output": 66, "stride": 3}, "given.input"),
    ({"input": 205, "output": 66, "stride": 0}, "given.stride"),
    ({"input": 205, "output": 66, "stride": 3, "padding": -1}, "given.padding"),
    ({"input": 205, "output": 66, "stride": 3, "in_channels": 0}, "given.in_channels"),
    ({"input": 10, "output": 4, "kernel": 3}, "stride"),  # S = 7/3: the stride does not divide
    ({"input": 205, "output": 67, "stride": 3, "kernel": 10}, "given.output"),  # inconsistent knowns
    ({"kernel": 3, "stride": 2}, "input, output"),  # too few knowns: both missing ones named
    ({"input": 205, "output": 66, "stride": 3, "kernal": 10}, "unknown key 'kernal'"),
    ({"input": 5, "kernel": 7, "stride": 1}, "given.kernel"),
    ({"input": 32, "in_channels": 3, "layers": [{"kernel": 3, "stride": 1}]}, "given.layers[0].out_channels"),
    ({"input": 5, "in_channels": 3, "layers": [{"kernel": 3, "stride": 1, "out_channels": 2},
                                               {"kernel": 5, "stride": 1, "out_channels": 2}]},
     "given.layers[1].kernel"),
    ({"input": 8, "in_channels": 3, "layers": [{"kernel": 3, "stride": 1, "out_channels": 2, "bias": 1}]},
     "given.layers[0]: unknown field 'bias'"),
    ({"input": 8, "in_channels": 3, "layers": [{"kernel": 3, "stride": -2, "out_channels": 2}]},
     "given.layers[0].stride"),
    ({"input": 8, "in_channels": 3, "extra": 1, "layers": [{"kernel": 3, "stride": 1, "out_channels": 2}]},
     "unknown key 'extra'"),
])
def test_cli_bad_input_exits_2_naming_the_field(tmp_path, capsys, given, field):
    from derive.cli import main
    path = tmp_path / "layer.json"
    path.write_text(json.dumps(given))
    assert main(["solve", "conv-arithmetic", "--given", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and field in lines[0], captured.err


def test_all_four_sizes_given_and_consistent_are_checked():
    sol = solve("conv-arithmetic", given={"input": 205, "output": 66, "kernel": 10, "stride": 3,
                                          "in_channels": 10, "out_channels": 96})
    assert sol.answers["O"].value == 66 and sol.answers["params"].value == 96096


def test_stride_that_does_not_divide_the_output_floors_with_a_remark_when_asked():
    # ResNet's first layer: (224 + 6 − 7)/2 = 111.5, and PyTorch floors to 112 outputs.
    sol = solve("conv-arithmetic", given={"input": 224, "kernel": 7, "stride": 2, "padding": 3, "floor": True})
    windows = np.lib.stride_tricks.sliding_window_view(np.zeros(224 + 6), 7)[::2].shape[0]
    assert sol.answers["O"].value == windows == 112
    assert any("does not divide" in getattr(step, "text", "") for step in sol.parts[0].steps)


def conv_outputs_by_brute_force(size, channels, layers):
    """Run real (zero) arrays through numpy window views; count weights of explicit arrays."""
    x = np.zeros((channels, size, size))
    rows = []
    for layer in layers:
        k, s, p, d = layer["kernel"], layer["stride"], layer.get("padding", 0), layer.get("dilation", 1)
        padded = np.pad(x, ((0, 0), (p, p), (p, p)))
        span = d * (k - 1) + 1
        windows = np.lib.stride_tricks.sliding_window_view(padded, (span, span), axis=(1, 2))[:, ::s, ::s]
        out = windows.shape[1]
        if layer.get("pool"):
            x = windows[..., ::d, ::d].max(axis=(-1, -2))
            rows.append((out, x.shape[0], 0, 0))
            continue
        weights, bias = np.zeros((layer["out_channels"], x.shape[0], k, k)), np.zeros(layer["out_channels"])
        x = np.einsum("cijab,ocab->oij", windows[..., ::d, ::d], weights) + bias[:, None, None]
        # one multiplication per weight per output value
        rows.append((out, x.shape[0], weights.size + bias.size, out * out * weights.size))
    return rows


STACKS = [
    (227, 3, [{"kernel": 11, "stride": 4, "out_channels": 96}, {"kernel": 3, "stride": 2, "pool": True},
              {"kernel": 5, "stride": 1, "padding": 2, "out_channels": 256}]),
    (32, 3, [{"kernel": 3, "stride": 1, "padding": 1, "out_channels": 8},
             {"kernel": 3, "stride": 2, "padding": 2, "dilation": 2, "out_channels": 4},
             {"kernel": 2, "stride": 2, "pool": True}]),
]


@pytest.mark.parametrize("size, channels, layers", STACKS)
def test_stack_against_brute_force(size, channels, layers):
    sol = solve("conv-arithmetic", given={"input": size, "in_channels": channels, "layers": layers})
    rows = conv_outputs_by_brute_force(size, channels, layers)
    for number, (out, out_channels, params, mults) in enumerate(rows, start=1):
        assert sol.answers[f"O_{number}"].value == out
        assert sol.answers[f"C_{number}"].value == out_channels
        assert sol.answers[f"params_{number}"].value == params
        assert sol.answers[f"mults_{number}"].value == mults
    assert sol.answers["params"].value == sum(r[2] for r in rows)
    assert sol.answers["mults"].value == sum(r[3] for r in rows)


@pytest.mark.parametrize("size, channels, layers", STACKS)
def test_one_stack_file_serves_both_problems(tmp_path, capsys, size, channels, layers):
    from derive.cli import main
    from derive.architecture.receptive_fields import receptive_field
    path = tmp_path / "stack.json"
    path.write_text(json.dumps({"input": size, "in_channels": channels, "layers": layers}))
    for name in ("conv-arithmetic", "receptive-field"):
        assert main(["solve", name, "--given", str(path), "--format", "json"]) == 0
        answers = {k: a["value"] for part in json.loads(capsys.readouterr().out)["parts"]
                   for k, a in part["answers"].items()}
        if name == "receptive-field":
            records = receptive_field([{k: v for k, v in l.items() if k in ("kernel", "stride", "padding", "dilation")}
                                       for l in layers])
            assert answers[f"RF_{len(layers)}"] == records[-1]["size"]
    # …and every single layer of the stack, with its input size, is a valid conv-arithmetic given
    # (with the floor that a stack takes implicitly).
    current, current_channels = size, channels
    for layer in layers:
        one = {"input": current, "in_channels": current_channels, "floor": True, **layer}
        sol = solve("conv-arithmetic", given=one)
        if layer.get("pool"):
            assert sol.answers["params"].value == sol.answers["mults"].value == 0
        current, current_channels = sol.answers["O"].value, layer.get("out_channels", current_channels)
