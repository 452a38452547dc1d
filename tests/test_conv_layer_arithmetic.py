import numpy as np
import pytest

from derive import solve
from derive.architecture import output_size, solve_size
from derive.numbers import InputError


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
    with pytest.raises(InputError, match="exactly one"):
        solve_size({"input": 205, "output": 66})


@pytest.mark.parametrize("size, kernel, stride, padding", [(32, 5, 1, 2), (28, 3, 2, 1), (64, 7, 2, 3)])
def test_family_solves_each_unknown_against_window_counts(size, kernel, stride, padding):
    padded = np.zeros(size + 2 * padding)
    output = np.lib.stride_tricks.sliding_window_view(padded, kernel)[::stride].shape[0]
    base = {"input": size, "kernel": kernel, "stride": stride, "padding": padding, "output": output,
            "in_channels": 3, "out_channels": 8}
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


def test_family_rejects_unknown_keys():
    with pytest.raises(InputError, match="unknown key 'kernal'"):
        solve("conv-arithmetic", given={"input": 5, "kernal": 3, "stride": 1})
