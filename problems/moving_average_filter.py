"""003 2.1: the five-tap moving-average filter h = (1/5)·1[−2 ≤ i ≤ 2]:
the convolution written out, its fixed points, white noise through it, and a
sinusoid through it."""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.analysis.identities import LINEARITY, check_identity, expectation_from_moments
from derive.core.steps import Relation, Remark, Solved
from problems import S3

i, j, k, n = sympy.symbols("i j k n", integer=True)
tau = sympy.Symbol("tau", integer=True, nonnegative=True)
omega, alpha = sympy.symbols("omega alpha", positive=True)
f = sympy.Function("f")
h = sympy.Function("h")
y = sympy.Function("y")
E = sympy.Function("E")
#: the filter's support and weight
LOW, HIGH, WEIGHT = -2, 2, sympy.Rational(1, 5)
TAPS = HIGH - LOW + 1

STATEMENT = (
    "A signal f: Z → R is filtered by h[i] = 1/5 for i in {−2, …, 2} and 0 otherwise. "
    "(a) Write (h ∗ f) in general and for this h. (b) Find f with h ∗ f = f. "
    "(c) For f[i] ~ N(0, 1), uncorrelated across i, find the mean and variance of (h ∗ f)[i]. "
    "(d) With y = h ∗ f, compute E[y[i] y[j]]: are y[i], y[j] uncorrelated for i ≠ j. "
    "(e) For f[i] = α sin(ωi) with α, ω > 0 and ω << 1, does y look periodic, and with what period. "
    "(f) Prove sup_i y[i] ≤ α.")

NOTATION = {"omega": ("ω", r"\omega"), "alpha": ("α", r"\alpha"), "tau": ("τ", r"\tau"),
            "G": ("G(ω)", r"G(\omega)")}


def build(solution, given=None):
    solution.notation.update(dict(NOTATION))
    _definition(solution)
    _fixed_points(solution)
    noise = _white_noise(solution)
    _covariance(solution, noise)
    _sinusoid(solution)
    return solution


def filtered(signal, at):
    """(h ∗ signal)[at] for this h: the weighted sum over the support."""
    return WEIGHT * sympy.Add(*[signal(at - shift) for shift in range(LOW, HIGH + 1)])


def _definition(solution):
    part = solution.part("a", "The convolution (h ∗ f)[i], in general and for this h.")
    general = sympy.Sum(h(k) * f(i - k), (k, -sympy.oo, sympy.oo))
    on_support = sympy.Sum(WEIGHT * f(i - k), (k, LOW, HIGH))
    part.steps.append(Relation((sympy.Symbol("h_conv_f"), general, on_support, on_support.doit()),
                               reason="definition; h[k] = 1/5 on {−2, …, 2} and 0 elsewhere"))
    solution.notation["h_conv_f"] = ("(h ∗ f)[i]", r"(h * f)[i]")
    part.answer("conv", on_support.doit(), r"(h * f)[i]")


def _fixed_points(solution):
    part = solution.part("b", "Signals with h ∗ f = f.")
    equation = sympy.expand(filtered(f, i) - f(i))
    part.steps.append(Relation((sympy.Symbol("h_conv_f") - f(i), equation, 0),
                               reason="h ∗ f = f at every i"))
    # shifted so the lowest index is n: a linear recurrence of order 4
    recurrence = sympy.expand(TAPS * equation.xreplace({i: n + HIGH}))
    general = sympy.rsolve(recurrence, f(n))
    if general is None:
        raise ValueError("rsolve could not solve the fixed-point recurrence")
    general = general.xreplace({n: i})
    part.steps.append(Solved(sympy.Eq(recurrence, 0), f(n), (general.xreplace({i: n}),),
                             reason="linear recurrence with constant coefficients: characteristic roots "
                                    "1 (double) and (−3 +/- √5)/2"))
    c = sympy.Symbol("c", real=True)
    constant = sympy.simplify(filtered(lambda _: c, i))
    shown = sympy.Mul(WEIGHT, sympy.Add(*[c] * TAPS, evaluate=False), evaluate=False)
    part.steps.append(Relation((sympy.Symbol("h_conv_f"), shown, constant), reason="a constant signal f[i] = c"))
    check_identity(constant, c, where="constant signals are fixed points")
    check_identity(sympy.simplify(filtered(lambda t: general.xreplace({i: t}), i) - general), 0,
                   where="every solution of the recurrence is a fixed point")
    part.steps.append(Remark(
        "Every constant signal is a fixed point, the simplest answer. The engine finds them all: affine signals "
        "a + b i as well (the filter is symmetric, so it preserves slopes), and two geometric sequences whose "
        "ratios (−3 +/- √5)/2 are negative, which grow without bound in one direction."))
    part.answer("fixed_point_example", constant, "c")
    part.answer("fixed_points", general, "f[i]")


def _noise_symbols(first, last):
    return {t: sympy.Symbol(f"f_{t}".replace("-", "m"), real=True) for t in range(first, last + 1)}


def _white_noise(solution):
    part = solution.part("c", "Mean and variance of (h ∗ f)[i] for uncorrelated standard-normal f[i].")
    samples = _noise_symbols(-HIGH, -LOW)  # f[i − k] for the taps, with i = 0 (stationarity)
    for t, symbol in samples.items():
        solution.notation[symbol.name] = (f"f[i{-t:+d}]".replace("+0", ""), rf"f[i{-t:+d}]".replace("+0", ""))
    output = WEIGHT * sympy.Add(*samples.values())
    first = {s: 0 for s in samples.values()}
    second = {(a, b): int(a == b) for a in samples.values() for b in samples.values()}
    mean = expectation_from_moments(output, samples.values(), first, second)
    variance = expectation_from_moments(output**2, samples.values(), first, second) - mean**2
    part.steps.append(Relation((E(y(i)), E(output), mean), reason=LINEARITY + "; E[f[i]] = 0"))
    part.steps.append(Relation((E(y(i)**2) - E(y(i))**2, WEIGHT**2 * sympy.Sum(sympy.Symbol("delta_kl"), (k, LOW, HIGH),
                                                                             (sympy.Symbol("l"), LOW, HIGH)),
                                variance),
                               reason="E[f[a] f[b]] = 1 if a = b else 0: 5 equal pairs among 25"))
    solution.notation["delta_kl"] = ("δ_kl", r"\delta_{kl}")
    part.answer("mean", mean, r"\mathbb{E}[y[i]]")
    part.answer("variance", variance, r"\operatorname{Var}[y[i]]")
    return samples


def _covariance(solution, _):
    part = solution.part("d", "E[y[i] y[j]]: are outputs at different positions uncorrelated.")
    # Overlap of the taps: y[i] uses f[i−k], y[j] uses f[j−l]; the pair meets when l = k + tau, tau = j − i ≥ 0.
    overlap = sympy.Max(0, sympy.Min(HIGH, HIGH - tau, evaluate=False) - sympy.Max(LOW, LOW - tau, evaluate=False)
                        + 1, evaluate=False)
    counted = sympy.simplify(overlap)
    part.steps.append(Relation((sympy.Symbol("pairs"), overlap, counted),
                               reason="count k in {−2, …, 2} with k + tau in {−2, …, 2}: the windows of "
                                      "y[i] and "
                                      "y[j] share that many inputs"))
    solution.notation["pairs"] = ("#{k : f[i−k] = f[j−l]}", r"\#\{k : f[i-k] = f[j-l]\}")
    general = WEIGHT**2 * counted.xreplace({tau: sympy.Abs(j - i)})
    for lag in range(0, 3 * TAPS):  # the formula against the explicit double sum, lag by lag
        explicit = _explicit_product_moment(lag)
        check_identity(general.xreplace({i: 0, j: lag}), explicit, where=f"E[y[i] y[i+{lag}]]")
    part.steps.append(Relation((E(y(i) * y(j)), general),
                               reason="each shared input contributes E[f²]/25 = 1/25; by symmetry tau = |i − j|; "
                                      "checked against the explicit double sum for every lag up to 14"))
    part.steps.append(Remark("So y[i] and y[j] are correlated whenever |i − j| < 5: the windows overlap."))
    part.answer("E_yi_yj", general, r"\mathbb{E}[y[i]\,y[j]]")
    part.answer("uncorrelated", sympy.false if general.xreplace({i: 0, j: 1}) != 0 else sympy.true,
                r"\text{uncorrelated for } i \neq j")


def _explicit_product_moment(lag):
    samples = _noise_symbols(-HIGH, lag - LOW)
    output_at = lambda at: WEIGHT * sympy.Add(*[samples[at - s] for s in range(LOW, HIGH + 1)])  # noqa: E731
    first = {s: 0 for s in samples.values()}
    second = {(a, b): int(a == b) for a in samples.values() for b in samples.values()}
    return expectation_from_moments(output_at(0) * output_at(lag), samples.values(), first, second)


def _sinusoid(solution):
    part = solution.part("e", "A sinusoid f[i] = α sin(ωi) through the filter.")
    terms = sympy.Add(*[alpha * sympy.sin(sympy.expand(omega * (i - s))) for s in range(LOW, HIGH + 1)])
    output = WEIGHT * terms
    expanded = sympy.expand(sympy.expand_trig(output))
    parts = sympy.collect(expanded, [sympy.sin(omega * i), sympy.cos(omega * i)], evaluate=False)
    cosine_part = sympy.simplify(parts.get(sympy.cos(omega * i), 0))
    gain = sympy.simplify(parts[sympy.sin(omega * i)] / alpha)
    gain = sympy.expand(sympy.fu(gain)) if gain.has(sympy.cos(omega)**2) else gain
    target = (1 + 2 * sympy.cos(omega) + 2 * sympy.cos(2 * omega)) / 5
    check_identity(gain, target, where="the gain")
    gain = target
    if cosine_part != 0:
        raise ValueError("the filtered sinusoid has a cosine component; the filter is not symmetric")
    part.steps.append(Relation((y(i), output, alpha * gain * sympy.sin(omega * i)),
                               reason="sin(a − b) + sin(a + b) = 2 sin a cos b: the cos(ωi) parts cancel"))
    part.steps.append(Relation((sympy.Symbol("G"), gain), reason="so y = G(ω) f"))
    near_zero = sympy.limit(gain, omega, 0)
    part.steps.append(Relation((sympy.Limit(gain, omega, 0), near_zero),
                               reason="for ω << 1 the gain is close to 1 and positive"))
    part.steps.append(Remark("y is the same sinusoid scaled by G(ω): periodic with the same period 2π/ω, "
                             "slightly attenuated, and not shifted."))
    part.answer("gain", gain, r"G(\omega)")
    # same frequency, no cosine (phase) part, positive gain for small ω
    same = cosine_part == 0 and near_zero.is_positive
    part.answer("same_period", sympy.true if same else sympy.false, r"\text{same period}")

    part = solution.part("f", "sup_i y[i] ≤ α.")
    bound = (1 + 2 * sympy.Abs(sympy.cos(omega)) + 2 * sympy.Abs(sympy.cos(2 * omega))) / 5
    top = bound.xreplace({sympy.Abs(sympy.cos(omega)): 1, sympy.Abs(sympy.cos(2 * omega)): 1})
    part.steps.append(Relation((sympy.Abs(sympy.Symbol("G")), bound, top), relations=("≤", "≤"),
                               reason="triangle inequality, then |cos| ≤ 1"))
    largest = sympy.maximum(gain, omega, sympy.Interval(0, 2 * sympy.pi))
    smallest = sympy.nsimplify(sympy.simplify(sympy.expand_trig(
        sympy.minimum(gain, omega, sympy.Interval(0, 2 * sympy.pi)))))
    part.steps.append(Relation((sympy.Symbol("G_range"), sympy.Interval(smallest, largest)),
                               reason="extremes of G over a period, by sympy's maximum and minimum"))
    solution.notation["G_range"] = ("range of G", r"G([0, 2\pi])")
    part.steps.append(Relation((sympy.Symbol("sup_y"), alpha * sympy.Abs(sympy.Symbol("G")), alpha),
                               relations=("≤", "≤"), reason="|sin| ≤ 1 and |G| ≤ 1"))
    solution.notation["sup_y"] = ("sup_i y[i]", r"\sup_i y[i]")
    part.answer("gain_max", sympy.Max(sympy.Abs(largest), sympy.Abs(smallest)), r"\max |G|")
    part.answer("sup_le_alpha", sympy.true if top <= 1 else sympy.false, r"\sup_i y[i] \le \alpha")


PROBLEM = Problem(
    name="moving-average-filter", title="A moving-average filter",
    source=f"{S3}, 2.1",
    build=build, statement=STATEMENT)
