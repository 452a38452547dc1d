"""003 3.4: least-squares risk algebra, model averaging over a distribution Q of
weights, and the KL terms of the PAC-Bayes bound.

The general results are written with scalar names for the matrix scalars they
contain (wᵀS_n w, Tr(S_n S), …); every rule that produces them is checked on an
explicit instance (n = 3 samples in d = 2 dimensions, all entries symbols)
before it is stated."""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.printing import math
from derive.probability.gaussian import (
    component_symbols, kl_mvn_explicit, moments_of_vector, quadratic_form_expectation,
)
from derive.analysis.identities import LINEARITY, check_identity, expectation_from_moments, numerically_equal
from derive.core.steps import Relation, Remark
from problems import S3

N_EXPLICIT, D_EXPLICIT = 3, 2
n, d = sympy.symbols("n d", integer=True, positive=True)
c_n, gamma = sympy.symbols("c_n gamma", positive=True)
# scalar names for the matrix scalars of the general formulas
wSw, wmu, vSv, vmu, trSS, vTv, trS, logdetS, trSn = sympy.symbols(
    "wTS_nw wTmu_n vTS_nv vTmu_n tr_S_nS vTv tr_S logdet_S tr_S_n", real=True)
R_w, R_Q, R_v = sympy.symbols("R_n_w R_n_Q R_n_v")

STATEMENT = (
    "Least squares on n i.i.d. pairs (x_i, y_i), x_i in R^d: R_n(w) = (1/n) Σ_i (wᵀx_i − y_i)², with "
    "c_n² = Σ_i y_i², μ_n = (1/n) Σ_i x_i y_i, S_n = (1/n) Σ_i x_i x_iᵀ. (a) Express R_n(w) through these. "
    "(b) For Q with mean v and covariance S, prove R_n(Q) := E_{w~Q}[R_n(w)] = c_n² − 2vᵀμ_n + vᵀS_n v + "
    "Tr(S_n S) (the exam's Eq. 9). (c) Prove R_n(v) ≤ R_n(Q). (d) Why is R_n(Q_N) = R_n(Q_U) for a normal "
    "and a uniform Q with the same mean and covariance, and where do the two differ. (e) With the prior "
    "N(0, gamma I), compare the PAC-Bayes bounds for the point v and for Q = N(v, I), via the KL between the "
    "Gaussians.")

NOTATION = {"c_n": ("c_n", "c_{n}"), "gamma": ("γ", r"\gamma"),
            "wTS_nw": ("wᵀS_n w", r"w^{\top} S_{n} w"), "wTmu_n": ("wᵀμ_n", r"w^{\top} \mu_{n}"),
            "vTS_nv": ("vᵀS_n v", r"v^{\top} S_{n} v"), "vTmu_n": ("vᵀμ_n", r"v^{\top} \mu_{n}"),
            "tr_S_nS": ("Tr(S_n S)", r"\operatorname{Tr}(S_{n} S)"), "vTv": ("vᵀv", r"v^{\top} v"),
            "tr_S": ("Tr(S)", r"\operatorname{Tr}(S)"), "logdet_S": ("log det S", r"\log\det S"),
            "tr_S_n": ("Tr(S_n)", r"\operatorname{Tr}(S_{n})"),
            "R_n_w": ("R_n(w)", r"\mathcal{R}_{n}(w)"), "R_n_Q": ("R_n(Q)", r"\mathcal{R}_{n}(\mathcal{Q})"),
            "R_n_v": ("R_n(v)", r"\mathcal{R}_{n}(v)"),
            "KL_QP": ("KL(Q ‖ P)", r"\mathrm{KL}(\mathcal{Q} \,\|\, P)"),
            "KL_PQ": ("KL(P ‖ Q)", r"\mathrm{KL}(P \,\|\, \mathcal{Q})"),
            "H_gap": ("H(Q_N) − H(Q_U)", r"H(\mathcal{Q}_{N}) - H(\mathcal{Q}_{U})")}


def _instance():
    """n = 3 samples in d = 2, every entry a symbol, and the quantities of Eq. (7)."""
    xs = [component_symbols(f"x{i + 1}", D_EXPLICIT, real=True) for i in range(N_EXPLICIT)]
    ys = [sympy.Symbol(f"y_{i + 1}", real=True) for i in range(N_EXPLICIT)]
    S_n = sum((x * x.T for x in xs), sympy.zeros(D_EXPLICIT)) / N_EXPLICIT
    mu_n = sum((x * y for x, y in zip(xs, ys)), sympy.zeros(D_EXPLICIT, 1)) / N_EXPLICIT
    c2 = sum(y**2 for y in ys)
    return xs, ys, sympy.ImmutableMatrix(S_n), sympy.ImmutableMatrix(mu_n), c2


def _risk(w, xs, ys):
    return sum(((w.T * x)[0, 0] - y)**2 for x, y in zip(xs, ys)) / len(xs)


def _scalars(w, S_n, mu_n):
    return (w.T * S_n * w)[0, 0], (w.T * mu_n)[0, 0]


def build(solution, given=None):
    solution.notation.update(dict(NOTATION))
    instance = _instance()
    risk_w = _empirical_risk(solution, instance)
    risk_Q = _averaged_risk(solution, instance, risk_w)
    _averaging_does_not_help(solution, instance, risk_w, risk_Q)
    _normal_versus_uniform(solution)
    _pac_bayes(solution)
    return solution


def _empirical_risk(solution, instance):
    xs, ys, S_n, mu_n, c2 = instance
    part = solution.part("a", "R_n(w) in terms of c_n², μ_n and S_n.")
    part.steps.append(Relation((sympy.Symbol("sq_i"), sympy.Symbol("sq_i_expanded")),
                               reason="(wᵀx_i − y_i)² = wᵀ(x_i x_iᵀ)w − 2 wᵀ(x_i y_i) + y_i²"))
    solution.notation.update({"sq_i": ("(wᵀx_i − y_i)²", r"(w^{\top} x_{i} - y_{i})^{2}"),
                              "sq_i_expanded": ("wᵀ(x_i x_iᵀ)w − 2wᵀ(x_i y_i) + y_i²",
                                                r"w^{\top} (x_{i} x_{i}^{\top}) w - 2 w^{\top} (x_{i} y_{i})"
                                                r" + y_{i}^{2}")})
    general = c_n**2 / n - 2 * wmu + wSw
    w = component_symbols("w", D_EXPLICIT, real=True)
    quadratic, linear = _scalars(w, S_n, mu_n)
    explicit = general.xreplace({c_n**2: c2, n: N_EXPLICIT, wmu: linear, wSw: quadratic})
    check_identity(_risk(w, xs, ys), explicit, where="R_n(w) = c_n²/n − 2wᵀμ_n + wᵀS_n w")
    part.steps.append(Relation((R_w, general), reason="average over i; (1/n) Σ y_i² = c_n²/n by Eq. (7); "
                               f"checked on n = {N_EXPLICIT}, d = {D_EXPLICIT} with symbolic entries"))
    exam = c_n**2 - 2 * wmu + wSw
    exam_holds = numerically_equal(_risk(w, xs, ys), exam.xreplace({c_n**2: c2, wmu: linear, wSw: quadratic}))
    part.steps.append(Relation((general - exam, sympy.factor(general - exam)),
                               reason="the exam's Eq. (9) writes c_n² where the definition (7) gives c_n²/n: "
                                      "its formula drops the 1/n (it would need c_n² := (1/n) Σ y_i²)"))
    part.answer("R_n_w", general, r"\mathcal{R}_{n}(w)")
    part.answer("exam_constant_correct", sympy.true if exam_holds else sympy.false,
                r"\text{Eq. (9)'s } c_n^{2} \text{ correct}")
    return general


def _averaged_risk(solution, instance, risk_w):
    xs, ys, S_n, mu_n, c2 = instance
    part = solution.part("b", "R_n(Q) = E_{w~Q}[R_n(w)] for Q with mean v and covariance S.")
    d_ = D_EXPLICIT
    A, a, m = sympy.MatrixSymbol("A", d_, d_), sympy.MatrixSymbol("a", d_, 1), sympy.MatrixSymbol("m", d_, 1)
    Sigma = sympy.MatrixSymbol("Sigma", d_, d_)
    trace, quadratic = quadratic_form_expectation(A, a, m, Sigma)  # checks the rule on an instance first
    # matrix symbols need notation entries before printing (the LaTeX printer recurses without one)
    solution.notation.update({"A": ("A", "A"), "a": ("a", "a"), "m": ("m", "m"), "Sigma": ("Σ", r"\Sigma")})
    solution.notation.update({"quad_w": ("E[(w − a)ᵀA(w − a)]", r"\mathbb{E}[(w - a)^{\top} A (w - a)]"),
                              "rule": (f"{math.text(trace, solution.notation)} + "
                                       f"{math.text(quadratic, solution.notation)}",
                                       f"{math.latex(trace, solution.notation)} + "
                                       f"{math.latex(quadratic, solution.notation)}")})
    part.steps.append(Relation((sympy.Symbol("quad_w"), sympy.Symbol("rule")),
                               reason="for w with mean m and covariance Σ: E[w wᵀ] = Σ + m mᵀ and the "
                                      "trace trick"))
    general = c_n**2 / n - 2 * vmu + vSv + trSS
    part.steps.append(Relation((R_Q, risk_w.xreplace({wmu: vmu, wSw: sympy.Symbol("E_wSw")}), general),
                               reason=LINEARITY + "; E[w] = v; the rule with A = S_n, a = 0, m = v, Σ = S"))
    solution.notation["E_wSw"] = ("E[wᵀS_n w]", r"\mathbb{E}[w^{\top} S_{n} w]")
    w = component_symbols("w", d_, real=True)
    v = component_symbols("v", d_, real=True)
    S = sympy.ImmutableMatrix(d_, d_, lambda i, j: sympy.Symbol(f"S_{min(i, j) + 1}{max(i, j) + 1}", real=True))
    first, second = moments_of_vector(list(w), v, S)
    averaged = expectation_from_moments(_risk(w, xs, ys), list(w), first, second)
    quadratic, linear = _scalars(v, S_n, mu_n)
    explicit = general.xreplace({c_n**2: c2, n: N_EXPLICIT, vmu: linear, vSv: quadratic, trSS: (S_n * S).trace()})
    check_identity(averaged, explicit, where="R_n(Q) = c_n²/n − 2vᵀμ_n + vᵀS_n v + Tr(S_n S)")
    part.steps.append(Remark("As in (a), the exam's Eq. (9) has c_n² for c_n²/n; the rest of it is right. "
                             f"Checked on n = {N_EXPLICIT}, d = {d_} from the moments of w alone."))
    part.answer("R_n_Q", general, r"\mathcal{R}_{n}(\mathcal{Q})")
    return general


def _averaging_does_not_help(solution, instance, risk_w, risk_Q):
    xs, _, S_n, _, _ = instance
    part = solution.part("c", "R_n(v) ≤ R_n(Q).")
    at_mean = risk_w.xreplace({wmu: vmu, wSw: vSv})
    part.steps.append(Relation((R_v, at_mean), reason="(a) at w = v"))
    gap = sympy.simplify(risk_Q - at_mean)
    part.steps.append(Relation((R_Q - R_v, gap), reason="(b) minus the line above"))
    S = sympy.ImmutableMatrix(D_EXPLICIT, D_EXPLICIT,
                              lambda i, j: sympy.Symbol(f"S_{min(i, j) + 1}{max(i, j) + 1}", real=True))
    as_sum = sum(((x.T * S * x)[0, 0] for x in xs), sympy.Integer(0)) / len(xs)
    check_identity((S_n * S).trace(), as_sum, where="Tr(S_n S) = (1/n) Σ x_iᵀ S x_i")
    part.steps.append(Relation((gap, sympy.Symbol("avg_xSx"), 0), relations=("=", "≥"),
                               reason="Tr(S_n S) = (1/n) Σ_i Tr(x_i x_iᵀ S) = (1/n) Σ_i x_iᵀ S x_i, and a "
                                      "covariance S is positive semi-definite"))
    solution.notation["avg_xSx"] = ("(1/n) Σ_i x_iᵀ S x_i", r"\frac{1}{n} \sum_{i} x_{i}^{\top} S x_{i}")
    part.answer("risk_gap", gap, r"\mathcal{R}_{n}(\mathcal{Q}) - \mathcal{R}_{n}(v)")
    part.answer("averaging_never_helps", sympy.true, r"\mathcal{R}_{n}(v) \le \mathcal{R}_{n}(\mathcal{Q})")


def _normal_versus_uniform(solution):
    part = solution.part("d", "Normal against uniform averaging with the same mean and covariance.")
    part.steps.append(Remark(
        "By (b), R_n(Q) depends on Q only through its mean v and covariance S, so R_n(Q_N) = R_n(Q_U). "
        "The difference is in the KL term of the bound. With the standard order KL(Q ‖ P) and the Gaussian prior, "
        "the cross term E_Q[−log p(w)] is quadratic in w, so again the same for both; the entropies differ, "
        "and the Gaussian has the largest entropy for a given covariance, so KL(Q_N ‖ P) < KL(Q_U ‖ P): "
        "normal averaging gives the tighter bound. In the order the exam writes, KL(N(0, gamma I) ‖ Q_U) is "
        "infinite, "
        "since the prior puts mass outside the uniform's bounded support."))
    s = sympy.Symbol("s", positive=True)
    x = sympy.Symbol("t", real=True)
    width = sympy.sqrt(12) * s  # a uniform of variance s² has width s√12
    variance = sympy.integrate(x**2 / width, (x, -width / 2, width / 2))
    check_identity(variance, s**2, where="the uniform's variance")
    entropy_uniform = sympy.log(width)
    entropy_normal = sympy.simplify(-sympy.integrate(
        sympy.exp(-x**2 / (2 * s**2)) / sympy.sqrt(2 * sympy.pi * s**2)
        * sympy.expand_log(sympy.log(sympy.exp(-x**2 / (2 * s**2)) / sympy.sqrt(2 * sympy.pi * s**2)), force=True),
        (x, -sympy.oo, sympy.oo)))
    gap = sympy.simplify(sympy.expand_log(entropy_normal - entropy_uniform, force=True))
    if gap.free_symbols or not gap.is_positive:
        raise ValueError(f"the entropy gap {gap} is not a positive constant")
    part.steps.append(Relation((sympy.Symbol("H_gap"), entropy_normal - entropy_uniform, gap, 0),
                               relations=("=", "=", ">"),
                               reason="per coordinate, for variance s²: entropies by integration (uniform of "
                                      "width s√12)"))
    part.answer("same_empirical_risk", sympy.true,
                r"\mathcal{R}_{n}(\mathcal{Q}_{N}) = \mathcal{R}_{n}(\mathcal{Q}_{U})")
    part.answer("entropy_gap_per_coordinate", gap, r"H(\mathcal{Q}_{N}) - H(\mathcal{Q}_{U})")


def _pac_bayes(solution):
    part = solution.part("e", "PAC-Bayes: the point v against Q = N(v, I), prior P = N(0, gamma I).")
    part.steps.append(Remark(
        "The exam says 'covariance gamma I' and then writes N(0, I); gamma is kept. "
        "Eq. (11) writes KL(N(0, gamma I) ‖ Q); "
        "PAC-Bayes bounds use KL(Q ‖ P). Both are derived."))
    # KL(Q ‖ P) = E_Q[log q] − E_Q[log p]: each a quadratic-form expectation (the rule of (b))
    minus_log_p = (trS + vTv) / (2 * gamma) + d * sympy.log(2 * sympy.pi * gamma) / 2
    log_q = -d / 2 - logdetS / 2 - d * sympy.log(2 * sympy.pi) / 2
    kl_general = sympy.expand(sympy.expand_log(log_q + minus_log_p, force=True))
    part.steps.append(Relation((sympy.Symbol("KL_QP"), sympy.Symbol("E_log_q") + sympy.Symbol("E_minus_log_p"),
                                kl_general),
                               reason="E_Q[(w − v)ᵀS⁻¹(w − v)] = Tr(S⁻¹S) = d and "
                                      "E_Q[wᵀw]/gamma = (Tr S + vᵀv)/gamma, "
                                      "by the rule of (b), for Q = N(v, S)"))
    solution.notation.update({"E_log_q": ("E_Q[log q(w)]", r"\mathbb{E}_{\mathcal{Q}}[\log q(w)]"),
                              "E_minus_log_p": ("E_Q[−log p(w)]", r"\mathbb{E}_{\mathcal{Q}}[-\log p(w)]")})
    kl_identity_cov = sympy.expand(kl_general.xreplace({trS: d, logdetS: 0}))
    part.steps.append(Relation((sympy.Symbol("KL_QP"), kl_identity_cov), reason="S = I: Tr S = d, log det S = 0"))
    reverse = sympy.expand(sympy.expand_log((d * gamma + vTv) / 2 + d * sympy.log(2 * sympy.pi) / 2
                                            - d / 2 - d * sympy.log(2 * sympy.pi * gamma) / 2, force=True))
    part.steps.append(Relation((sympy.Symbol("KL_PQ"), reverse),
                               reason="the exam's order: E_P[(w − v)ᵀ(w − v)] = gamma d + vᵀv, "
                                      "E_P[wᵀw/gamma] = d"))
    _check_kl_explicit(kl_general, kl_identity_cov, reverse)
    shrink = sympy.Symbol("epsilon", positive=True)
    towards_point = kl_general.xreplace({trS: d * shrink, logdetS: d * sympy.log(shrink)})
    point_limit = sympy.limit(towards_point, shrink, 0, "+")
    part.steps.append(Relation((sympy.Limit(sympy.Symbol("KL_QP"), shrink, 0, "+"),
                                sympy.Limit(towards_point, shrink, 0, "+"), point_limit),
                               reason="Q = N(v, epsilon I) shrinks to the point mass at v as epsilon → 0"))
    solution.notation["epsilon"] = ("ε", r"\varepsilon")
    part.steps.append(Remark(
        "For the point v (Q = δ_v) the KL to the Gaussian prior is infinite, so its bound on R(v) is vacuous, "
        "although R_n(v) is the smallest empirical risk. For Q = N(v, I) the KL is finite, and the bound on "
        "E_Q[R(w)] is R_n(v) + Tr(S_n) plus a finite square root: averaging pays Tr(S_n) in empirical risk "
        "to buy a finite complexity term."))
    part.answer("KL_Q_P", kl_general, r"\mathrm{KL}(\mathcal{N}(v, S) \,\|\, \mathcal{N}(0, \gamma I))")
    part.answer("KL_Q_P_identity", kl_identity_cov, r"\mathrm{KL}(\mathcal{N}(v, I) \,\|\, \mathcal{N}(0, \gamma I))")
    part.answer("KL_P_Q_exam_order", reverse, r"\mathrm{KL}(\mathcal{N}(0, \gamma I) \,\|\, \mathcal{N}(v, I))")
    part.answer("R_n_Q_identity", c_n**2 / n - 2 * vmu + vSv + trSn, r"\mathcal{R}_{n}(\mathcal{N}(v, I))")
    part.answer("bound_for_v_vacuous", sympy.true if point_limit is sympy.oo else sympy.false,
                r"\text{bound on } \mathcal{R}(v) \text{ vacuous}")


def _check_kl_explicit(kl_general, kl_identity_cov, reverse):
    """The three KLs against the definition on explicit 2-vectors (moments, no formula)."""
    v = component_symbols("v", D_EXPLICIT, real=True)
    s11, s22 = sympy.symbols("s_11 s_22", positive=True)
    s12 = sympy.Rational(1, 3) * sympy.sqrt(s11 * s22)  # keeps S positive definite for every s11, s22 > 0
    S = sympy.ImmutableMatrix([[s11, s12], [s12, s22]])
    prior = (sympy.zeros(D_EXPLICIT, 1), gamma * sympy.eye(D_EXPLICIT))
    scalars = {vTv: (v.T * v)[0, 0], d: D_EXPLICIT}
    check_identity(kl_mvn_explicit(v, S, *prior),
                   kl_general.xreplace({**scalars, trS: S.trace(), logdetS: sympy.log(S.det())}),
                   where="KL(N(v, S) ‖ N(0, gamma I))")
    check_identity(kl_mvn_explicit(v, sympy.eye(D_EXPLICIT), *prior), kl_identity_cov.xreplace(scalars),
                   where="KL(N(v, I) ‖ N(0, gamma I))")
    check_identity(kl_mvn_explicit(*prior, v, sympy.eye(D_EXPLICIT)), reverse.xreplace(scalars),
                   where="KL(N(0, gamma I) ‖ N(v, I))")


PROBLEM = Problem(
    name="model-averaging", title="Model averaging and a PAC-Bayes bound",
    source=f"{S3}, 3.4",
    build=build, statement=STATEMENT)
