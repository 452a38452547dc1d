"""Family `cnn` and its instance `cnn-backprop-example` against plain NumPy
loops (convolution, pooling, loss) and central finite differences."""
import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from derive import render, solve
from derive.core.numbers import InputError
from problems import cnn
from reference import agrees_with_printed, central_difference, modified


# --- an independent reference: loops over indices, nothing from the engine ---
def correlate(X, F, stride=1, padding=0):
    X = np.pad(np.asarray(X, float), padding)
    F = np.asarray(F, float)
    rows = (X.shape[0] - F.shape[0]) // stride + 1
    cols = (X.shape[1] - F.shape[1]) // stride + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            for m in range(F.shape[0]):
                for n in range(F.shape[1]):
                    out[i, j] += X[stride * i + m, stride * j + n] * F[m, n]
    return out


def pool(O, kind, size, stride):
    rows, cols = (O.shape[0] - size) // stride + 1, (O.shape[1] - size) // stride + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            window = O[stride * i:stride * i + size, stride * j:stride * j + size]
            out[i, j] = window.max() if kind == "max" else window.mean()
    return out


def loss_of(g, X=None, F=None):
    X = g["X"] if X is None else X
    F = g["F"] if F is None else F
    M = pool(correlate(X, F, g["stride"], g["padding"]), g["pool"]["kind"], g["pool"]["size"], g["pool"]["stride"])
    r = M - np.asarray(g["target"], float)
    return {"mse": np.mean(r ** 2), "sse": np.sum(r ** 2), "half_sse": 0.5 * np.sum(r ** 2)}[g["loss"]]


def array(answer):
    return np.atleast_2d(np.array(answer.value, float))


def check_against_reference(g, sol):
    O = correlate(g["X"], g["F"], g["stride"], g["padding"])
    M = pool(O, g["pool"]["kind"], g["pool"]["size"], g["pool"]["stride"])
    assert array(sol.answers["O"]) == pytest.approx(O, abs=1e-9)
    assert array(sol.answers["M"]) == pytest.approx(M, abs=1e-9)
    assert sol.answers["loss"].value == pytest.approx(loss_of(g), rel=1e-12)
    dF = central_difference(lambda F: loss_of(g, F=F), np.array(g["F"], float), eps=1e-5)
    dX = central_difference(lambda X: loss_of(g, X=X), np.array(g["X"], float), eps=1e-5)
    assert array(sol.answers["dL_dF"]) == pytest.approx(dF, abs=1e-5 * (1 + abs(dF).max()))
    assert array(sol.answers["dL_dX"]) == pytest.approx(dX, abs=1e-5 * (1 + abs(dX).max()))
    assert array(sol.answers["F_new"]) == pytest.approx(np.array(g["F"], float) - g["lr"] * dF,
                                                        abs=1e-6 * (1 + abs(dF).max()))


def test_seed_instance_agrees_with_numpy_loops_and_finite_differences():
    check_against_reference(cnn.GIVEN, solve("cnn-backprop-example"))


def test_seed_printed_numbers():
    a = solve("cnn-backprop-example").answers
    assert a["O"].value == [[9, 39, -35, -44], [16, 46, -16, -23], [29, 71, -29, -48], [40, 88, -66, -93]]
    assert a["M"].value == [[46, 46, -16], [71, 71, -16], [88, 88, -29]]
    assert agrees_with_printed(a["loss"].value, "3442.44")
    # ∂L/∂M = (2/9)·[45 46 −16; 71 70 −16; 88 88 −30]
    assert np.array(a["dL_dM"].value) * 9 / 2 == pytest.approx(np.array([[45, 46, -16], [71, 70, -16], [88, 88, -30]]))
    # ∂L/∂O: the (2,2) entry of O is the maximum of two windows and receives 45 + 46 = 91.
    assert np.array(a["dL_dO"].value) * 9 / 2 == pytest.approx(
        np.array([[0, 0, 0, 0], [0, 91, -32, 0], [0, 141, -30, 0], [0, 176, 0, 0]]))
    printed_half = [["417.44", "-78.22", "-238.22"], ["476.11", "-127.11", "-371.78"], ["539", "-163.89", "-561.44"]]
    printed_new = [["0.58", "0.08", "-0.76"], ["1.52", "0.13", "-1.63"], ["0.46", "0.16", "-0.44"]]
    for i in range(3):
        for j in range(3):
            assert agrees_with_printed(a["dL_dF"].value[i][j] / 2, printed_half[i][j])
            assert agrees_with_printed(a["F_new"].value[i][j], printed_new[i][j])


def test_seed_mse_line_is_wrong_but_its_total_is_right():
    # Step "MSE": the seed's sum has eight terms, with (71 − 1)² at M[2,1] where the target is 0.
    seed_terms = [(46 - 0) ** 2, (46 - 0) ** 2, (-16 - 0) ** 2, (71 - 1) ** 2, (71 - 1) ** 2, (-16 - 0) ** 2,
                  (88 - 0) ** 2, (88 - 0) ** 2]
    engine = solve("cnn-backprop-example").answers["loss"].value
    assert not agrees_with_printed(sum(seed_terms) / 9, "3442.44")
    assert agrees_with_printed(engine, "3442.44")


number = st.integers(-40, 40).map(lambda v: v / 8)


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_random_instances_match_reference(data):
    kernel = data.draw(st.integers(1, 3))
    stride = data.draw(st.integers(1, 2))
    padding = data.draw(st.integers(0, 1))
    size = data.draw(st.integers(kernel + 1, 5))
    conv = (size + 2 * padding - kernel) // stride + 1
    kind = data.draw(st.sampled_from(["max", "average"]))
    pool_size = data.draw(st.integers(1, min(2, conv)))
    pool_stride = data.draw(st.integers(1, 2))
    pooled = (conv - pool_size) // pool_stride + 1
    # Distinct inputs so that no pooling window has a tie (where the loss has no derivative).
    values = data.draw(st.lists(st.integers(-200, 200), min_size=size * size, max_size=size * size, unique=True))
    X = [[values[i * size + j] / 16 for j in range(size)] for i in range(size)]
    g = {"X": X, "F": [[data.draw(number) for _ in range(kernel)] for _ in range(kernel)],
         "stride": stride, "padding": padding, "pool": {"kind": kind, "size": pool_size, "stride": pool_stride},
         "target": [[data.draw(number) for _ in range(pooled)] for _ in range(pooled)],
         "loss": data.draw(st.sampled_from(["mse", "sse", "half_sse"])), "lr": 0.01}
    O = correlate(X, g["F"], stride, padding)
    if kind == "max" and pool_size > 1:
        # Still, two products can tie; skip those draws rather than test a kink.
        windows = [np.sort(O[i * pool_stride:i * pool_stride + pool_size, j * pool_stride:j * pool_stride + pool_size],
                           axis=None) for i in range(pooled) for j in range(pooled)]
        if any(w[-1] - w[-2] < 1e-3 for w in windows):
            return
    check_against_reference(g, solve("cnn", given=g))


def test_json_given_reproduces_the_solution_and_seeds_are_deterministic():
    first = json.loads(render(solve("cnn", seed=3), "json"))
    assert first == json.loads(render(solve("cnn", seed=3), "json"))
    again = json.loads(render(solve("cnn", given=first["given"]), "json"))
    assert again["parts"] == first["parts"]
    seed_instance = json.loads(render(solve("cnn-backprop-example"), "json"))
    assert seed_instance["given"] == cnn.GIVEN


def test_max_pool_ties_route_to_the_first_maximum_and_accumulate():
    g = {"X": [[1, 1, 1], [1, 1, 1], [1, 1, 1]], "F": [[1]], "stride": 1, "padding": 0,
         "pool": {"kind": "max", "size": 2, "stride": 1}, "target": [[0, 0], [0, 0]], "loss": "sse", "lr": 0.1}
    dO = solve("cnn", given=g).answers["dL_dO"].value
    # Every window's maximum ties; each routes to its top-left entry, 2·(1 − 0) each.
    assert dO == [[2, 2, 0], [2, 2, 0], [0, 0, 0]]


def bad(**changes):
    """cnn's givens with keys changed; `pool_<key>` changes a key of the pool."""
    pool = {key[5:]: value for key, value in changes.items() if key.startswith("pool_")}
    g = modified(cnn.GIVEN, **{key: value for key, value in changes.items() if not key.startswith("pool_")})
    g["pool"].update(pool)
    return g


@pytest.mark.parametrize("g, words", [
    (bad(target=[[1, 0], [0, 1]]), ["given.target", "3×3"]),
    (bad(pool_kind="median"), ["given.pool.kind", "max"]),
    (bad(loss="hinge"), ["given.loss", "mse"]),
    (bad(F=[[1, "a"]]), ["given.F[0][1]", "number"]),
    (bad(lr=None), ["given.lr", "missing"]),
    (bad(F=[[1] * 7] * 7), ["given.F", "does not fit"]),
    (bad(stride=0), ["given.stride", "integer"]),
    (bad(X=[[1, 2], [3]]), ["given.X", "row 1"]),
])
def test_bad_givens_name_the_key(g, words):
    with pytest.raises(InputError) as error:
        solve("cnn", given=g)
    for word in words:
        assert word in str(error.value)
