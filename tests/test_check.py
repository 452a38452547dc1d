"""`derive check` on the seeds' own hand solutions (tests/hand/), line by line.

The expected status of each line comes from the engine's values and from
an independent reference where one is cheap (math.tanh, plain NumPy); each
seed mistake is asserted at its line, with the report in the message.
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
import pytest

from derive.checking import check, check_file, command

HAND = Path(__file__).parent / "hand"


def report_of(name):
    return check_file(str(HAND / name))


def line_of(path: Path, fragment: str, occurrence: int = 0) -> int:
    lines = [i for i, text in enumerate(path.read_text().splitlines(), start=1) if fragment in text]
    assert len(lines) > occurrence, f"{fragment!r} not in {path.name}"
    return lines[occurrence]


def judged(report) -> dict:
    """The verdicts, with lines not judged counted together: whether such a line
    is unparsed or unchecked changes as the reader learns notation."""
    counts = report.summary
    return {"ok": counts["ok"], "wrong": counts["wrong"], "carried": counts["carried"],
            "not judged": counts["unparsed"] + counts["unchecked"]}


def statuses(report, line):
    return [step.status for step in report.steps if step.line == line]


def assert_line(report, path, fragment, expected, occurrence=0):
    line = line_of(path, fragment, occurrence)
    got = statuses(report, line)
    assert got and all(status == expected for status in got), (
        f"line {line} ({fragment!r}): expected {expected}, got {got}\n{report.as_text()}")
    return [step for step in report.steps if step.line == line]


# --- lstm-forward: seed 000, Problem 3 ---------------------------------------------

def test_lstm_forward_every_number_right_but_tan_written_for_tanh():
    path = HAND / "lstm-forward.md"
    report = report_of(path.name)
    # h_2 = o_2 tanh(c_2): the seed's numbers use tanh, its formula says tan
    assert math.isclose(0.889199 * math.tanh(-0.21688), -0.18988, abs_tol=5e-6)
    assert abs(0.889199 * math.tan(-0.21688) - -0.18988) > 1e-3
    step, = assert_line(report, path, r"\tan(-0.21688)", "wrong")
    assert "tanh in place of tan" in step.message, report.as_text()
    for fragment in ("f_1 = ", "i_1 = ", r"\tilde{c}_1 = ", "c_1 = ", "$$o_1 = 0.978119", "h_1 = 0.217415",
                     "f_2 = ", "= \\sigma(-1.19129)", "i_2 = ", "\\tilde{c}_2 = ", "c_2 = ", "o_2 = ",
                     "$$h_2 = -0.18988", "MSE", "= 0.52986", "52.986"):
        assert_line(report, path, fragment, "ok")
    assert report.summary["wrong"] == 1 and report.summary["unparsed"] == 0, report.as_text()
    assert report.exit_status == 1


def test_precision_is_the_authors():
    # σ(1.2) = 0.768525: 0.7685 is the author's rounding, 0.7686 is not
    ok = check(r"$$\sigma(1.2) = 0.7685$$")
    bad = check(r"$$\sigma(1.2) = 0.7686$$")
    assert [s.status for s in ok.steps] == ["ok"], ok.as_text()
    assert [s.status for s in bad.steps] == ["wrong"], bad.as_text()
    assert bad.steps[0].expected == "0.7685", bad.as_text()


def test_rounding_done_on_an_earlier_line_is_accepted():
    text = "$$a = \\sigma(2.5) \\approx 0.9241$$\n\n$$b = a(1 - a) = 0.9241(1 - 0.9241) \\approx 0.07014$$\n"
    report = check(text)
    assert [s.status for s in report.steps] == ["ok", "ok"], report.as_text()


def test_never_silently_ok():
    report = check("$$x = y + 1$$\n\n$$\\frac{d}{dx} x^2 = 2x$$\n")
    assert all(step.status in ("unchecked", "ok") for step in report.steps), report.as_text()
    assert report.steps[0].status == "unchecked", report.as_text()


def test_command_prints_json_and_returns_the_exit_status(capsys):
    status = command(argparse.Namespace(file=str(HAND / "lstm-forward.md"), problem=None, json=True))
    out = json.loads(capsys.readouterr().out)
    assert status == 1
    assert set(out) == {"file", "steps", "summary"}
    assert set(out["summary"]) == {"ok", "wrong", "carried", "unparsed", "unchecked"}
    assert set(out["steps"][0]) == {"line", "problem", "latex", "status", "expected", "message"}
    assert out["steps"][0]["problem"] == "lstm-forward"


def test_command_text_and_bad_input(tmp_path, capsys):
    path = tmp_path / "ok.md"
    path.write_text("$$\\sigma(1.2) = 0.7685$$\n")
    assert command(argparse.Namespace(file=str(path), problem=None, json=False)) == 0
    assert ":1: ok: " in capsys.readouterr().out
    assert command(argparse.Namespace(file=str(path), problem="no-such-problem", json=False)) == 2
    err = capsys.readouterr().err
    assert "no-such-problem" in err and len(err.strip().splitlines()) == 1


# --- mlp-backprop-step: seed 001 §4 ---------------------------------------------------

def sigmoid(z):
    return 1 / (1 + math.exp(-z))


def test_mlp_backprop_step_delta_y_is_wrong_and_the_updates_carry_it():
    path = HAND / "mlp-backprop-step.md"
    report = report_of(path.name)
    # an independent forward and backward pass in plain floats
    h1, h2 = sigmoid(2.5 * 0 + 1 * 1 + 1.5), sigmoid(-1.5 * 0 - 0.3 * 1 + 2)
    y_hat = sigmoid(1 * h1 + 0.5 * h2 - 1)
    delta_y = y_hat * (1 - y_hat) * (1 - y_hat)
    assert round(delta_y, 4) == 0.1005 and abs(delta_y - 0.0993) > 1e-3
    step, = assert_line(report, path, r"\delta_{\hat{y}} = ", "wrong")
    assert step.expected == "0.1005", report.as_text()
    # 0.9241(1 − 0.9241)·0.0993 = 0.006965: the seed also truncates it to 0.0069
    step, = assert_line(report, path, r"\delta_{h_1} = ", "wrong")
    assert "truncated" in step.message and "line" in step.message, report.as_text()
    for fragment in (r"\delta_{h_2} = ", r"W_{y\hat{h}1}^{new} = ", r"W_{y\hat{h}2}^{new} = ",
                     r"W_{y\hat{b}}^{new} = ", r"W_{h2x2}^{new} = "):
        step, = assert_line(report, path, fragment, "carried")
        assert "follows correctly from line" in step.message, report.as_text()
    # updates the seed's rounding hides: at four decimals they equal the engine's
    for fragment in (r"W_{h1x1}^{new} = ", r"W_{h1x2}^{new} = ", r"W_{h1b}^{new} = ", r"W_{h2x1}^{new} = ",
                     r"W_{h2b}^{new} = ", r"h_1 = \sigma(2.5)", r"h_2 = \sigma(1.7)", r"\hat{y} = \sigma(",
                     r"\hat{y} \approx 0.5859", "Assume"):
        assert_line(report, path, fragment, "ok")
    assert report.summary["unparsed"] == 0 and report.summary["unchecked"] == 0, report.as_text()


# --- jacobian-chain: seed 001 §3 -------------------------------------------------------

def test_jacobian_chain_product_is_wrong():
    path = HAND / "jacobian-chain.md"
    report = report_of(path.name)
    product = np.array([[1, 1, 1], [0, 8, 4]]) @ np.array([[0, 1], [4, 4], [2, 1]])
    assert product.tolist() == [[6, 6], [40, 36]]
    step, = assert_line(report, path, r"J_f = \begin{bmatrix} 1 & 1 & 1", "wrong")
    assert step.expected == "[6 6; 40 36]", report.as_text()
    step, = assert_line(report, path, r"\frac{\partial f}{\partial x} \left(", "carried")
    for fragment in (r"J_{f_1} = \begin", r"J_{f_2} = \begin", r"J_{f_1} \left(\begin{bmatrix} 1",
                     r"J_{f_2} \left(\begin{bmatrix} 0", r"J_f = J_{f_2}"):
        assert_line(report, path, fragment, "ok")
    assert report.summary == {"ok": 10, "wrong": 1, "carried": 1, "unparsed": 0, "unchecked": 0}, report.as_text()


# --- kl-gaussian: seed 000, Problem 4(a) --------------------------------------------

def test_kl_gaussian_derivation_is_right_step_by_step():
    """Every step of the seed's KL derivation holds: integrals are checked by
    quadrature at random (μ, σ), closed forms against the engine's KL."""
    path = HAND / "kl-gaussian.md"
    report = report_of(path.name)
    assert report.summary == {"ok": 14, "wrong": 0, "carried": 0, "unparsed": 0, "unchecked": 0}, report.as_text()
    # the seed writes \log 2\pi\sigma^2 and e^{-a/2\sigma^2}; the checker says how it read them
    step, = assert_line(report, path, r"- \int q(x) \log \frac{1}", "ok")
    assert "read" in step.message, report.as_text()
    step, = assert_line(report, path, r"\log\left(\frac{1}{\sigma}\right)", "ok")
    assert "KL_std" in step.message, report.as_text()


def test_a_wrong_kl_closed_form_is_found():
    text = ("<!-- problem: kl-gaussian -->\n"
            "$$KL(q, p) = \\log\\left(\\frac{\\sigma_2}{\\sigma_1}\\right) + "
            "\\frac{\\sigma_1^2 + (\\mu_1 - \\mu_2)^2}{\\sigma_2^2} - \\frac{1}{2}$$\n")
    report = check(text)
    assert [s.status for s in report.steps] == ["wrong"], report.as_text()
    assert "disagrees with the engine" in report.steps[0].message


# --- conv-layer-arithmetic and receptive-field: seed 001 §9 and §10 -------------------

def test_conv_layer_arithmetic_seed_is_right():
    path = HAND / "conv-layer-arithmetic.md"
    report = report_of(path.name)
    # independent: (205 − K)/3 + 1 = 66 → K = 10; (10·10·10 + 1)·96; 66·66·1000·96
    assert (205 - 10) // 3 + 1 == 66 and (10 * 10 * 10 + 1) * 96 == 96096 and 66 * 66 * 1000 * 96 == 418176000
    assert report.summary["wrong"] == 0 and report.summary["unparsed"] == 0, report.as_text()
    for fragment in ("O = \\frac{I - K + 2P}{S} + 1", "$$K = 10$$", "&= 96096", "&= 418176000"):
        assert_line(report, path, fragment, "ok")
    # a quantity named in words the problem does not know: honestly unchecked, never ok
    step, = [s for s in report.steps if s.latex.startswith(r"\text{Number of multiplications per output pixel}")]
    assert step.status == "unchecked", report.as_text()


def test_receptive_field_recurrence_and_closed_form_are_right():
    path = HAND / "receptive-field.md"
    report = report_of(path.name)
    assert report.summary == {"ok": 8, "wrong": 0, "carried": 0, "unparsed": 0, "unchecked": 0}, report.as_text()
    assert_line(report, path, r"RF_n = RF_{n-1} + (k_n - 1)", "ok")


def test_a_wrong_receptive_field_closed_form_is_found():
    text = ("% problem: receptive-field\n"
            "\\[ RF_n = k_1 + \\sum_{i=2}^n \\left((k_i - 1) \\prod_{j=1}^{i} s_j \\right) \\]\n")
    report = check(text)
    assert [s.status for s in report.steps] == ["wrong"], report.as_text()


# --- cnn-backprop-example: seed 001 §6 -----------------------------------------------

def test_cnn_backprop_example_loss_sum_and_first_gradient_are_wrong():
    path = HAND / "cnn-backprop-example.md"
    report = report_of(path.name)
    M = np.array([[46, 46, -16], [71, 71, -16], [88, 88, -29]])
    target = np.eye(3)
    # the seed's sum has eight of the nine terms and misplaces the targets
    written = (46**2 + 46**2 + 16**2 + 70**2 + 70**2 + 16**2 + 88**2 + 88**2) / 9
    assert abs(((M - target) ** 2).mean() - 3442.44) < 0.005 and abs(written - 3442.44) > 100
    step, = assert_line(report, path, r"\text{MSE}_{\text{Loss}} = \frac{1}{9}", "wrong")
    assert "3336.89" in step.message, report.as_text()
    assert_line(report, path, r"\text{MSE}_{\text{Loss}} = 3442.44", "ok")
    # ∂L/∂O routes each pooled gradient to its argmax: (2,3) collects −16 twice, −32, not −16
    assert_line(report, path, r"0 & 45 + 46 & -16 & 0", "wrong")
    for fragment in (r"0 & 91 & -32 & 0", r"\frac{\partial L}{\partial M} = ", r"\frac{\partial L}{\partial F} = X^T",
                     r"$$O = \begin", r"$$M = \begin", r"F_{\text{new}} = F_{\text{old}} - 0.0005"):
        assert_line(report, path, fragment, "ok")
    assert report.summary["wrong"] == 2 and report.summary["unparsed"] == 0, report.as_text()


# --- gan-forward-backward: seed 002, Problem 1 ------------------------------------------

def test_gan_forward_backward_mistyped_entry_of_H2_and_p_carries_it():
    path = HAND / "gan-forward-backward.md"
    report = report_of(path.name)
    h2 = np.array([[0.424, 1.566, 1.734, 1.302], [1.260, 3.220, 4.864, 1.424],
                   [1.158, 4.658, 3.722, 1.044], [1.924, 1.980, 1.178, 0.418]])
    # H_2 stacks h_2's columns; its 12th entry is h_2[3, 2] = 1.178, the seed prints 1.078
    assert h2.flatten(order="F")[11] == 1.178
    step, = assert_line(report, path, "H_2 = [0.424", "wrong")
    assert "entry (12, 1) is 1.078, not 1.178" in step.message, report.as_text()
    step, = assert_line(report, path, "p(y=0) = \\sigma", "carried")
    assert "line" in step.message and step.expected.startswith("0.99999456"), report.as_text()
    # the deconvolution and its bias, continued over two displays, and every gradient
    for fragment in ("h_2 = \\text{ReLU}", "\\nabla h_2 = ", "\\nabla w_1^1 = ", "\\nabla w_1^2 = ", "\\nabla h_1^1 = ",
                     "\\nabla h_1^2 = ", "\\nabla h_0 = ", "\\nabla w_0 = ", "h_1^1 = ", "h_1^2 = ", "h_0 = "):
        assert_line(report, path, fragment, "ok")
    assert report.summary["wrong"] == 1, report.as_text()


# --- the fast parser reads what the grammar reads ------------------------------------

def test_fast_parser_agrees_with_the_grammar_on_every_seed_side():
    """Every side of every hand file that both parsers read evaluates to the
    same value at random points (the fast parser only skips the grammar's cost)."""
    import derive.checking.parse as parse_module
    from derive.checking.chains import _RandomPoint
    from derive.checking.compare import Context, agree, evaluate
    from derive.checking.extract import statements

    def value(side):
        point = _RandomPoint(7)
        try:
            return evaluate(side, Context(lambda name: None, randoms=point))
        except Exception as error:  # sides with unknown functions cannot be compared here
            return error

    compared, seen = 0, set()
    for path in sorted(HAND.iterdir()):
        for statement in statements(path.read_text()):
            for text in statement.sides:
                # distinct, short sides keep the grammar's cost (tens of ms each) bounded
                if text in seen or len(text) > 90 or compared >= 60:
                    continue
                seen.add(text)
                try:
                    fast = parse_module.parse_side(text, ("q", "p", "f_1", "f_2", "J_{f_1}", "J_{f_2}"))
                    parse_module.GRAMMAR_ONLY = True
                    slow = parse_module.parse_side(text, ("q", "p", "f_1", "f_2", "J_{f_1}", "J_{f_2}"))
                except parse_module.ParseError:
                    continue
                finally:
                    parse_module.GRAMMAR_ONLY = False
                a, b = value(fast), value(slow)
                if isinstance(a, Exception) or isinstance(b, Exception):
                    continue
                compared += 1
                assert agree(a, b, relative=1e-12), f"{path.name}:{statement.line}: {text!r}: {fast.expr} vs {slow.expr}"
    assert compared >= 40


# --- rnn-gradient-scale (seed 000 P1) and minmax-relu-network (seed 004 B1a) ------------

def test_rnn_gradient_scale_sigmoid_slope_at_zero():
    path = HAND / "rnn-gradient-scale.md"
    report = report_of(path.name)
    assert 1 / (1 + math.exp(-0)) * (1 - 1 / (1 + math.exp(-0))) == 0.25
    assert_line(report, path, r"\sigma'(0) = 1/4", "ok")
    assert_line(report, path, r"\sigma(z) = \frac{1}{1+e^{-z}}", "ok")
    # φ(z) = σ(z) − 0.5 defines φ: random values cannot judge it, and it is not called ok
    step, = assert_line(report, path, r"\phi(z) = \sigma(z) - 0.5", "unchecked")
    assert "does not know" in step.message, report.as_text()
    assert report.summary["wrong"] == 0 and report.summary["unparsed"] == 0, report.as_text()


def test_minmax_relu_network_max_identity():
    path = HAND / "minmax-relu-network.md"
    report = report_of(path.name)
    for x1, x2 in ((0.3, -1.2), (-2.0, 5.0), (1.5, 1.5)):
        assert math.isclose(max(x1, x2), max(0, x1 - x2) + x2) and math.isclose(min(x1, x2), -max(0, x1 - x2) + x1)
    step, = assert_line(report, path, r"y_2 = \max(x_1, x_2) = \max(0, x_1 - x_2) + x_2", "ok")
    assert "random points" in step.message, report.as_text()
    # the OCR lost "min" before (x_1, x_2): the line cannot be read as written
    assert_line(report, path, r"(x_1, x_2) = -\max(0, x_1 - x_2) + x_1", "unparsed")


def test_cases_are_piecewise():
    text = ("$$\\text{ReLU}(-0.3) = \\begin{cases} -0.3 & -0.3 > 0 \\\\ 0 & \\text{otherwise} \\end{cases} = 0$$\n\n"
            "$$\\begin{cases} 2 & 1.5 > 1 \\\\ 0 & \\text{else} \\end{cases} = 0$$\n\n"
            "$$\\mathrm{elu}(x) = \\begin{cases} x & x > 0 \\\\ 0.5(e^{x} - 1) & x \\leq 0 \\end{cases}$$\n")
    report = check(text)
    assert [s.status for s in report.steps] == ["ok", "wrong", "unchecked"], report.as_text()
    assert report.steps[1].expected == "2"


def test_derivatives_by_symbolic_simplification():
    report = check("$$\\frac{d}{dx} \\sin(x) = \\cos(x)$$\n\n$$\\frac{d}{dx} x^3 = 2x^2$$\n")
    assert [s.status for s in report.steps] == ["ok", "wrong"], report.as_text()
    assert "simplification" in report.steps[0].message


@pytest.mark.parametrize("line, hint", [
    (r"\ln(0.5) = 0.6931", "sign"),
    (r"2 \times 0.3456 = 0.3456", "factor"),
    (r"\log(100) = 2", "log base"),
    (r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix} \begin{bmatrix} 1 \\ 1 \end{bmatrix} = \begin{bmatrix} 4 & 6 \end{bmatrix}",
     ""),
    (r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix} \begin{bmatrix} 0 & 1 \\ 1 & 0 \end{bmatrix} = "
     r"\begin{bmatrix} 2 & 4 \\ 1 & 3 \end{bmatrix}", "transpose"),
])
def test_hints_for_common_slips(line, hint):
    report = check(f"$${line}$$\n")
    assert [s.status for s in report.steps] == ["wrong"], report.as_text()
    assert hint in report.steps[0].message, report.as_text()


# --- quadratic-gd-early-stopping: seed 001 §12 -------------------------------------------

def test_quadratic_gd_component_formula_and_honest_limits():
    path = HAND / "quadratic-gd-early-stopping.md"
    report = report_of(path.name)
    # independent: iterate w ← w − ρ η (w − w*) from 0 along one eigen-direction
    rho, eta, w_star, w = 0.1, 3.0, 2.0, 0.0
    for _ in range(7):
        w -= rho * eta * (w - w_star)
    assert math.isclose(w, (1 - (1 - rho * eta) ** 7) * w_star)
    for occurrence in (0, 1):
        step, = assert_line(report, path, r"w_j^\tau = \{1 - (1 - \rho\eta_j)^\tau\}", "ok", occurrence)
        assert "random points" in step.message, report.as_text()
    # Hu = ηu is a condition on u, not an identity: never wrong, never ok
    step, = assert_line(report, path, r"\mathbf{H}\mathbf{u}_j = \eta_j \mathbf{u}_j", "unchecked")
    assert "condition" in step.message, report.as_text()
    assert report.summary["wrong"] == 0, report.as_text()


# --- symbolic definitions: honest outcomes, no false verdicts --------------------------

@pytest.mark.parametrize("name", ["lstm-zero-input.md", "autoencoder-backprop.md"])
def test_definitions_in_the_authors_symbols_are_unchecked_not_judged(name):
    """Seeds 000 P2 and 002 P2 define gates and gradients in their own symbols
    (f_t = σ(U_f h_{t−1} + b_f), h = ReLU(w_1ᵀx + b_1)): nothing there can be
    compared with the engine's numbers, and nothing may be called ok or wrong."""
    report = report_of(name)
    assert report.steps, report.as_text()
    assert report.summary["ok"] == 0 and report.summary["wrong"] == 0 and report.summary["carried"] == 0, \
        report.as_text()


def test_markers_switch_the_problem_midway_and_problem_option_overrides():
    text = ("% problem: lstm-forward\n\\[ h_1 = 0.217415 \\]\n"
            "% problem: mlp-backprop-step\n\\[ h_1 = \\sigma(2.5) \\approx 0.9241 \\]\n")
    report = check(text)
    assert [(s.problem, s.status) for s in report.steps] == [("lstm-forward", "ok"), ("mlp-backprop-step", "ok")], \
        report.as_text()
    forced = check(text, problem="lstm-forward")
    assert [s.status for s in forced.steps] == ["ok", "wrong"], forced.as_text()


def test_latex_comments_and_align_rows_keep_their_lines():
    text = ("% a note: $$ 1 = 2 $$\n% problem: lstm-forward\n\\begin{align}\n"
            "h_1 &= 0.217415 % rounded\n\\\\\n  &= 0.2174\n\\end{align}\n")
    report = check(text)
    assert [(s.line, s.status) for s in report.steps] == [(4, "ok"), (6, "ok")], report.as_text()


# --- hamming-network and boolean-network: seed 001 §1 and §2 -------------------------------

def step_network(W, b, x):
    return [1 if sum(w * v for w, v in zip(row, x)) + bias > 0 else 0 for row, bias in zip(W, b)]


def test_hamming_network_formulations_right_weights_wrong():
    path = HAND / "hamming-network.md"
    report = report_of(path.name)
    # the Karnaugh-map formulations and the XOR forms are the parity bits (truth tables)
    for fragment in ("H1 = (D1", "H2 = (D1", "H3 = (D2", "P_1 = D_1", "P_2 = D_1", "P_3 = D_2"):
        step, = assert_line(report, path, fragment, "ok")
        assert "truth table" in step.message, report.as_text()
    # independent: the seed's first hidden unit, [1 −1 −1 0]·D − 0.5 with a step, should be
    # D1 ∧ ¬D2 ∧ ¬D4 (its first minterm) but ignores D4 and reads D3
    seed_row = [1, -1, -1, 0]
    assert step_network([seed_row], [-0.5], (1, 0, 0, 1)) == [1]  # fires although D4 = 1
    step, = [s for s in report.steps if s.latex.startswith("W_h =")]
    assert step.status == "wrong" and step.line == line_of(path, "W_h = "), report.as_text()
    # W_o is 3×4 but the hidden layer has 12 units: W_o·H is undefined
    step, = [s for s in report.steps if s.latex.startswith("W_o =")]
    assert step.status == "wrong" and "shape is 3×4" in step.message, report.as_text()
    # σ(W_h·D + B_h) only names the layers: never judged
    for fragment in (r"H = \sigma(W_h", r"O = \sigma(W_o"):
        assert_line(report, path, fragment, "unchecked")
    assert report.summary == {"ok": 6, "wrong": 2, "carried": 0, "unparsed": 0, "unchecked": 4}, report.as_text()


def test_boolean_network_identities_right_two_biases_wrong():
    path = HAND / "boolean-network.md"
    report = report_of(path.name)
    for fragment in (r"P \oplus Q = (P", r"(A \vee \neg B) \oplus (\neg C \vee \neg D) =",
                     r"\neg(\neg C \vee \neg D) = C", r"\neg(A \vee \neg B) = \neg A"):
        step, = assert_line(report, path, fragment, "ok")
        assert "truth table" in step.message, report.as_text()
    # P = A ∨ ¬B names a formula: nothing to compare with
    assert_line(report, path, r"$$P = A \vee \neg B", "unchecked")
    # independent: with the seed's bias −1.5, H3 = ¬A ∧ B ∧ ¬C never fires, not even at A=0, B=1, C=0
    assert step_network([[-1, 1, -1]], [-1.5], (0, 1, 0)) == [0]
    assert step_network([[-1, 1, -1]], [-0.5], (0, 1, 0)) == [1]
    for fragment in (r"b_{H3} &= -1.5", r"b_{H4} &= -1.5"):
        step, = assert_line(report, path, fragment, "wrong")
        assert step.expected == "-0.5", report.as_text()
    for fragment in (r"b_{H1} = -2.5", r"b_{H2} &= -1.5", r"w_{H3C} &= -1", "b_O &= -0.5"):
        assert_line(report, path, fragment, "ok")
    assert report.summary == {"ok": 23, "wrong": 2, "carried": 0, "unparsed": 0, "unchecked": 2}, report.as_text()


def test_a_wrong_boolean_identity_names_the_assignment():
    report = check("$$\\neg(A \\wedge B) = \\neg A \\wedge \\neg B$$\n\n$$A \\vee B \\oplus C = C$$\n\n"
                   "$$P = A \\vee B$$\n\n$$P \\wedge \\neg A = \\neg A \\wedge B$$\n")
    assert [s.status for s in report.steps] == ["wrong", "unparsed", "unchecked", "ok"], report.as_text()
    assert "A=0, B=1" in report.steps[0].message and "ambiguous" in report.steps[1].message, report.as_text()


def test_rows_of_an_aligned_block_keep_their_lines():
    text = "intro\n$$\\begin{aligned}\na &= 1 + 1 \\\\\nb &= 2 + 2\n\\end{aligned}$$\n"
    report = check(text)
    assert [(s.line, s.status) for s in report.steps] == [(3, "unchecked"), (4, "unchecked")], report.as_text()


# --- conv-net-backprop: seed 001 §8 --------------------------------------------------------

def test_conv_net_backprop_dz1_dw1_is_wrong():
    path = HAND / "conv-net-backprop.md"
    report = report_of(path.name)
    # independent: central differences of z₁ = tanh(x ⋆ v₁) in w1 at one point
    x, w, h = np.array([[0.7, -1.2], [1.5, 0.4]]), np.array([0.3, -0.8]), 1e-6
    z1 = lambda w1: np.tanh(x @ np.array([w1, w[1]]))
    numeric = (z1(w[0] + h) - z1(w[0] - h)) / (2 * h)
    seed = (1 - np.tanh(x @ w) ** 2) * (x[0, 0] + x[1, 0])
    assert np.allclose(numeric, (1 - np.tanh(x @ w) ** 2) * x[:, 0], atol=1e-8)
    assert not np.allclose(numeric, seed, atol=1e-3)
    step, = assert_line(report, path, r"\frac{\partial z_1}{\partial w_1} = \begin{bmatrix}", "wrong")
    assert "x11*(1 - tanh(w1*x11 + w2*x12)**2)" in step.expected, report.as_text()
    for fragment in (r"\frac{\partial \text{Loss}}{\partial y^*} = 2(y^* - y)",
                     r"\frac{\partial (x * v_1)}{\partial w_1} = \begin{bmatrix} x_{11}"):
        assert_line(report, path, fragment, "ok")
    # v₂ᵀ(1 − σ(v₂z₁)) adds 1 to a vector: the problem knows ∂z₂/∂z₁, the line cannot be evaluated
    step, = [s for s in report.steps if s.latex.startswith(r"\frac{\partial z_2}{\partial z_1}")]
    assert step.status == "unchecked" and "cannot be evaluated" in step.message, report.as_text()
    assert report.summary == {"ok": 3, "wrong": 1, "carried": 0, "unparsed": 1, "unchecked": 17}, report.as_text()


# --- gan-optimal-discriminator: seed 001 §15.1.3 -------------------------------------------

def test_gan_optimal_discriminator_is_right():
    path = HAND / "gan-optimal-discriminator.md"
    report = report_of(path.name)
    # independent: a log D + b log(1 − D) is largest at D = a/(a + b), on a grid
    a, b = 0.7, 0.2
    grid = np.linspace(1e-4, 1 - 1e-4, 200001)
    assert abs(grid[np.argmax(a * np.log(grid) + b * np.log(1 - grid))] - a / (a + b)) < 1e-4
    step, = assert_line(report, path, r"D^*(x) = \frac{p_{\text{data}}(x)}", "ok")
    assert "random points" in step.message, report.as_text()
    # "∂/∂D (…) = 0" is a condition, not an identity
    assert_line(report, path, r"\frac{\partial}{\partial D}", "unchecked")
    assert judged(report) == {"ok": 1, "wrong": 0, "carried": 0, "not judged": 3}, report.as_text()
    wrong = check("<!-- problem: gan-optimal-discriminator -->\n"
                  "$$D^*(x) = \\frac{p_{\\text{data}}(x)}{p_{\\text{data}}(x) + 2 p_G(x)}$$\n")
    assert [s.status for s in wrong.steps] == ["wrong"], wrong.as_text()


# --- derivations in the authors' own symbols: honestly unchecked, never ok --------------

@pytest.mark.parametrize("name, summary", [
    # 001 §11: update rules with no numbers (the problem's instance is reconstructed)
    ("optimizer-updates.md", {"ok": 0, "wrong": 0, "carried": 0, "unparsed": 0, "unchecked": 14}),
    # 001 §13: c(t) as functions of t, and ∂c(t)/∂c(t−1) = f(t) (the engine's is diag f_t)
    ("lstm-cell-gradient.md", {"ok": 0, "wrong": 0, "carried": 0, "unparsed": 2, "unchecked": 3}),
    # 001 §14: φ, W_h, h_{t−1} in symbols the problem has only as matrices
    ("rnn-jacobian.md", {"ok": 0, "wrong": 0, "carried": 0, "unparsed": 0, "unchecked": 4}),
    ("bptt.md", {"ok": 0, "wrong": 0, "carried": 0, "unparsed": 8, "unchecked": 8}),
    # 002 P3: expectations under conditional densities, and a ≥ (Jensen)
    ("elbo-derivation.md", {"ok": 0, "wrong": 0, "carried": 0, "unparsed": 6, "unchecked": 1}),
    # 004 B2: an OCR of handwriting ("62" for σ², "u^7" for uᵀ): nothing the problem can name
    ("ppca-posterior.md", {"ok": 0, "wrong": 0, "carried": 0, "unparsed": 1, "unchecked": 2}),
    ("ppca-em.md", {"ok": 0, "wrong": 0, "carried": 0, "unparsed": 4, "unchecked": 0}),
])
def test_symbolic_seed_derivations_are_not_judged(name, summary):
    report = report_of(name)
    assert report.summary == summary, report.as_text()
    assert report.exit_status == 0, report.as_text()


def test_residual_backprop_only_a_repeated_line_is_ok():
    """004 B1(b), an OCR of handwriting: the one `ok` is a line that repeats
    the side before it word for word; nothing else can be judged."""
    path = HAND / "residual-backprop.md"
    report = report_of(path.name)
    ok = [s for s in report.steps if s.status == "ok"]
    assert len(ok) == 1, report.as_text()
    previous = path.read_text().splitlines()[ok[0].line - 3]
    assert previous.strip("$ ") == path.read_text().splitlines()[ok[0].line - 1].strip("$ "), report.as_text()
    assert judged(report) == {"ok": 1, "wrong": 0, "carried": 0, "not judged": 13}, report.as_text()


# --- conv-backprop-identities: seed 001 §5 ---------------------------------------------------

def test_conv_backprop_identities_entry_derivatives_are_right():
    path = HAND / "conv-backprop-identities.md"
    report = report_of(path.name)
    # independent: O = X ⋆ F by loops; ∂O_ij/∂F_mn and ∂O_mn/∂X_ij by perturbing one entry
    rng = np.random.default_rng(0)
    X, F = rng.normal(size=(5, 5)), rng.normal(size=(2, 3))
    correlate = lambda X, F: np.array([[np.sum(X[i:i + 2, j:j + 3] * F) for j in range(3)] for i in range(4)])
    i, j, m, n = 2, 1, 1, 2
    bump = np.zeros_like(F); bump[m, n] = 1
    assert np.isclose((correlate(X, F + bump) - correlate(X, F))[i, j], X[i + m, j + n])
    bump = np.zeros_like(X); bump[3, 2] = 1  # X_ij with i, j = 3, 2 feeds O_mn at m, n = 2, 1 through F_{1,1}
    assert np.isclose((correlate(X + bump, F) - correlate(X, F))[2, 1], F[3 - 2, 2 - 1])
    for fragment in (r"\frac{\partial O_{i,j}}{\partial F_{m,n}} = X_{i+m,j+n}",
                     r"\frac{\partial O_{m,n}}{\partial X_{i,j}} = F_{i-m,j-n}"):
        step, = assert_line(report, path, fragment, "ok")
        assert "random points" in step.message, report.as_text()
    # index sums without bounds and ⋆/⊗ as operators: the grammar reads neither
    assert judged(report) == {"ok": 2, "wrong": 0, "carried": 0, "not judged": 12}, report.as_text()
    wrong = check("<!-- problem: conv-backprop-identities -->\n"
                  "$$\\frac{\\partial O_{m,n}}{\\partial X_{i,j}} = F_{m-i,n-j}$$\n")
    assert [s.status for s in wrong.steps] == ["wrong"], wrong.as_text()


# --- review findings: crashes, carried only when explained, expected forms, identities ------

KL_SEED_LINE = (r"$$KL(q, p) = \frac{1}{2} \log(2\pi\sigma_2^2) + \frac{\sigma_1^2 + (\mu_1 - \mu_2)^2}{2\sigma_2^2}"
                r" - \frac{1}{2} (1 + \log 2\pi\sigma_1^2)$$")
KL_HALF_LOG = (r"\frac{1}{2} \log\left(\frac{\sigma_2}{\sigma_1}\right) + \frac{\sigma_1^2 + (\mu_1 - \mu_2)^2}"
               r"{2\sigma_2^2} - \frac{1}{2}")


def kl_normal(mu1, s1, mu2, s2):
    """KL(N(μ₁, σ₁²) ‖ N(μ₂, σ₂²)) by quadrature: an independent reference."""
    import mpmath
    q = lambda x: mpmath.npdf(x, mu1, s1)
    return float(mpmath.quad(lambda x: q(x) * (mpmath.log(q(x)) - mpmath.log(mpmath.npdf(x, mu2, s2))),
                             [-mpmath.inf, mu1, mpmath.inf]))


def test_a_wrong_symbolic_continuation_is_wrong_not_a_crash():
    """A continuation line (= …) whose closed form slips (½ log σ₂/σ₁ for log σ₂/σ₁)
    was reported `unchecked: AttributeError`; it is `wrong`, as the same line alone is."""
    mu1, s1, mu2, s2 = 0.3, 0.8, -0.4, 1.7
    slip = 0.5 * math.log(s2 / s1) + (s1 ** 2 + (mu1 - mu2) ** 2) / (2 * s2 ** 2) - 0.5
    assert abs(slip - kl_normal(mu1, s1, mu2, s2)) > 0.1
    continued = check("<!-- problem: kl-gaussian -->\n" + KL_SEED_LINE + f"\n\n$$= {KL_HALF_LOG}$$\n")
    alone = check(f"<!-- problem: kl-gaussian -->\n$$KL(q, p) = {KL_HALF_LOG}$$\n")
    assert [s.status for s in continued.steps] == ["ok", "wrong"], continued.as_text()
    assert "Error" not in continued.steps[1].message and "≠" in continued.steps[1].message, continued.as_text()
    assert [s.status for s in alone.steps] == ["wrong"], alone.as_text()
    import sympy  # the expected form is engine output (trusted): compare it with quadrature
    names = sympy.symbols("mu_1 sigma_1 mu_2 sigma_2")
    expected = sympy.sympify(continued.steps[1].expected, locals={str(n): n for n in names})
    assert math.isclose(float(expected.subs(dict(zip(names, (mu1, s1, mu2, s2))))), kl_normal(mu1, s1, mu2, s2),
                        rel_tol=1e-8), continued.as_text()


def test_a_specialised_kl_slip_shows_the_expected_form_in_its_own_symbols():
    """KL(q, p) in μ, σ (p standard normal) with +½ for −½: `expected` is the engine's
    KL_std, the candidate in the line's symbols, not the general KL in μ₁, μ₂, σ₁, σ₂."""
    report = check("<!-- problem: kl-gaussian -->\n$$KL(q, p) = \\log\\left(\\frac{1}{\\sigma}\\right) + "
                   "\\frac{\\sigma^2 + \\mu^2}{2} + \\frac{1}{2}$$\n")
    step, = report.steps
    assert step.status == "wrong" and "KL_std" in step.message and "wrong sign" in step.message, report.as_text()
    assert "mu_1" not in step.expected and "sigma_2" not in step.expected, report.as_text()
    import sympy  # the expected form is engine output (trusted): compare it with quadrature
    mu, sigma = sympy.symbols("mu sigma")
    expected = sympy.sympify(step.expected, locals={"mu": mu, "sigma": sigma})
    for m, s in ((0.3, 0.8), (-1.1, 1.6)):
        assert math.isclose(float(expected.subs({mu: m, sigma: s})), kl_normal(m, s, 0, 1), rel_tol=1e-8)


def seed_with(name, old, new):
    text = (HAND / name).read_text()
    assert old in text
    return text.replace(old, new)


def line_in(text, fragment):
    return next(i for i, line in enumerate(text.splitlines(), start=1) if fragment in line)


def test_carried_only_when_the_earlier_error_explains_the_difference():
    """001 §4 with W_{h1x2}'s update written with a minus: 1 − 0.1·0.0069 = 0.9993. It used
    δ_{h1}, itself wrong (line 56), but with the engine's δ_{h1} the line's own formula gives
    0.9993 still, not the engine's 1.0007: a sign error of its own, `wrong`, not `carried`."""
    text = seed_with("mlp-backprop-step.md",
                     r"W_{h1x2} + \alpha\delta_{h1}x_2 = 1 + 0.1 \cdot 0.0069 \cdot 1 \approx 1.0007",
                     r"W_{h1x2} - \alpha\delta_{h1}x_2 = 1 - 0.1 \cdot 0.0069 \cdot 1 \approx 0.9993")
    report = check(text)
    h1, h2 = sigmoid(2.5), sigmoid(1.7)
    y_hat = sigmoid(h1 + 0.5 * h2 - 1)
    delta_h1 = h1 * (1 - h1) * y_hat * (1 - y_hat) ** 2
    assert round(1 + 0.1 * delta_h1, 4) == 1.0007 and round(1 - 0.1 * delta_h1, 4) == 0.9993
    line = line_in(text, r"W_{h1x2}^{new} = ")
    step, = [s for s in report.steps if s.line == line]
    assert step.status == "wrong" and step.expected == "1.0007", report.as_text()
    assert "line 56" in step.message and "error of its own" in step.message, report.as_text()
    assert "wrong sign" in step.message, report.as_text()
    # the others still carry δ_ŷ (line 52) or δ_{h2}, which is named by its own line (58)
    step, = [s for s in report.steps if s.line == line_in(text, r"W_{h2x2}^{new} = ")]
    assert step.status == "carried" and "line 58" in step.message, report.as_text()
    assert report.summary["carried"] == 5 and report.summary["wrong"] == 3, report.as_text()


def test_a_line_that_used_the_right_value_after_a_slip_is_ok():
    """000 P3 with two slips in writing down (i₁ = 0.25974, tanh(−0.67388) = −0.57753) that
    the next lines do not use: c₁ = 0.226052 and c₂ = −0.21688 are the engine's values, so
    they are `ok` (with a note), not `wrong` for disagreeing with the slips."""
    text = seed_with("lstm-forward.md", r"\sigma(-1.1) \\ = 0.24974", r"\sigma(-1.1) \\ = 0.25974")
    assert r"= \tanh(-0.67388) = -0.58753" in text
    text = text.replace(r"= \tanh(-0.67388) = -0.58753", r"= \tanh(-0.67388) = -0.57753")
    assert math.isclose(sigmoid(-1.1), 0.24974, abs_tol=5e-6)
    assert math.isclose(sigmoid(-1.1) * math.tanh(1.5), 0.226052, abs_tol=5e-7)
    assert abs(0.25974 * 0.905 - 0.226052) > 1e-3
    report = check(text)
    for fragment in (r"\sigma(-1.1) \\ = 0.25974", r"= \tanh(-0.67388) = -0.57753"):
        assert statuses(report, line_in(text, fragment))[-1] == "wrong", report.as_text()
    for fragment in ("c_1 = f_1", "c_2 = f_2"):
        step, = [s for s in report.steps if s.line == line_in(text, fragment)]
        assert step.status == "ok" and "right value of line" in step.message, report.as_text()
    # h₂ = o₂ tan(c₂) is wrong for its own reason (tan), not for a c₂ it did not get wrong
    step, = [s for s in report.steps if s.line == line_in(text, r"\tan(-0.21688)")]
    assert step.status == "wrong" and "tanh in place of tan" in step.message and "line" not in step.message, \
        report.as_text()
    assert report.summary["wrong"] == 3 and report.summary["carried"] == 0, report.as_text()


def test_a_misstated_given_that_is_not_used_leaves_the_update_ok():
    """001 §4 with W_{h1x1} = 3.5 among the givens (the engine's is 2.5) while the update
    uses 2.5: the given is `wrong`, its update `ok`."""
    text = seed_with("mlp-backprop-step.md", r"W_{h1x1} = 2.5, \quad", r"W_{h1x1} = 3.5, \quad")
    report = check(text)
    given = line_in(text, r"W_{h1x1} = 3.5")
    assert statuses(report, given)[0] == "wrong", report.as_text()
    step, = [s for s in report.steps if s.line == line_in(text, r"W_{h1x1}^{new} = ")]
    assert step.status == "ok" and f"line {given}" in step.message, report.as_text()


def test_a_restated_wrong_value_is_carried_from_its_latest_line_and_a_right_one_clears_it():
    text = seed_with("mlp-backprop-step.md", "Calculate error at hidden nodes:",
                     "$$\\delta_{\\hat{y}} \\approx 0.0993$$\n\nCalculate error at hidden nodes:")
    report = check(text)
    restated = line_in(text, r"$$\delta_{\hat{y}} \approx 0.0993$$")
    step, = [s for s in report.steps if s.line == restated]
    assert step.status == "carried" and "repeats line 52" in step.message, report.as_text()
    step, = [s for s in report.steps if s.line == line_in(text, r"\delta_{h_2} = ")]
    assert step.status == "carried" and f"line {restated}" in step.message, report.as_text()
    cleared = check("% problem: lstm-forward\n$$i_1 = 0.25974$$\n\n$$i_1 = 0.24974$$\n\n"
                    "$$c_1 = i_1 \\times 0.805 = 0.2010$$\n")
    assert [s.status for s in cleared.steps] == ["wrong", "ok", "wrong"], cleared.as_text()
    assert "line" not in cleared.steps[2].message, cleared.as_text()


@pytest.mark.parametrize("line, status, holds", [
    (r"(a+b)^2 = a^2 + b^2", "wrong", lambda a, b: (a + b) ** 2 == a ** 2 + b ** 2),
    (r"(a+b)^2 = a^2 + 2ab + b^2", "ok", lambda a, b: math.isclose((a + b) ** 2, a * a + 2 * a * b + b * b)),
    (r"\log(ab) = \log a \log b", "wrong", lambda a, b: math.isclose(math.log(a * b), math.log(a) * math.log(b))),
    (r"\log(ab) = \log a + \log b", "ok", lambda a, b: math.isclose(math.log(a * b), math.log(a) + math.log(b))),
    (r"\sigma'(z) = \sigma(z)(1+\sigma(z))", "wrong",
     lambda a, b: math.isclose((sigmoid(a + 1e-6) - sigmoid(a - 1e-6)) / 2e-6, sigmoid(a) * (1 + sigmoid(a)))),
    (r"\sigma'(z) = \sigma(z)(1-\sigma(z))", "ok",
     lambda a, b: math.isclose((sigmoid(a + 1e-6) - sigmoid(a - 1e-6)) / 2e-6, sigmoid(a) * (1 - sigmoid(a)),
                               rel_tol=1e-6)),
])
def test_identities_in_the_authors_own_symbols_are_decided(line, status, holds):
    assert all(holds(a, b) for a, b in ((0.7, 1.3), (1.9, 0.4))) == (status == "ok")
    report = check(f"$${line}$$\n")
    assert [s.status for s in report.steps] == [status], report.as_text()
    assert ("random values of" if status == "ok" else "≠") in report.steps[0].message, report.as_text()
    # σ(1 + σ) for σ(1 − σ): one flipped sign
    assert ("wrong sign" in report.steps[0].message) == ("1+\\sigma" in line), report.as_text()


def test_definitions_and_conditions_in_the_authors_symbols_stay_undecided():
    report = check("$$h = \\text{ReLU}(w x + b)$$\n\n$$2x = x + 1$$\n\n$$x^2 = x$$\n\n$$f(x) = x^2 + 1$$\n")
    assert [s.status for s in report.steps] == ["unchecked"] * 4, report.as_text()


def test_definite_integrals_in_numbers_are_evaluated():
    # ∫₀¹ x² dx = [x³/3]₀¹ = 1/3; ∫₀^π sin = 2; ∫₀¹ dx/x diverges
    report = check("$$\\int_0^1 x^2 dx = \\frac{1}{2}$$\n\n$$\\int_0^1 x^2 \\, dx = 0.5$$\n\n"
                   "$$\\int_0^1 x^2 dx = \\frac{1}{3}$$\n\n$$\\int_0^{\\pi} \\sin(x) dx = 2$$\n\n"
                   "$$\\int_0^1 \\frac{1}{x} dx = 5$$\n")
    assert [s.status for s in report.steps] == ["wrong", "wrong", "ok", "ok", "unchecked"], report.as_text()
    assert report.steps[0].expected == "0.333333" and report.steps[1].expected == "0.3", report.as_text()


def test_an_integral_identity_in_the_authors_symbol_is_decided_even_from_the_cache():
    # ∫₀¹ x y dx = y/2 for every y; the second line reuses the first's quadratures,
    # which must still say that y took random values
    report = check("$$\\int_0^1 x y dx = \\frac{y}{2}$$\n\n$$\\int_0^1 x y dx = y$$\n")
    assert [s.status for s in report.steps] == ["ok", "wrong"], report.as_text()
    assert "factor 1/2" in report.steps[1].message, report.as_text()
