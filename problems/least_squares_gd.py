"""003 3.3: gradient descent on the linear least-squares problem.

Parts (a)–(d) in matrix notation from SymPy's matrix calculus, then the
convergence interval on a numeric instance:

    {"X": [[1, 0], [1, 1], [1, 2]], "y": [1, 2, 2], "alpha": 0.25, "iterations": 3}

`alpha` and `iterations` are optional: without them no iterates are shown.
"""
from __future__ import annotations

import sympy
from sympy import Identity, MatrixSymbol

from derive.catalog import Problem
from derive.core.givens import Givens
from derive.core.graph import Graph
from derive.core.numbers import PRECISION, InputError
from derive.analysis.optimisation import gradient_and_hessian, is_zero_matrix, shown, step_size_interval
from derive.core.steps import Evaluation, Relation, Remark, Solved
from problems import S3

GIVEN = {"X": [[1, 0], [1, 1], [1, 2]], "y": [1, 2, 2], "alpha": 0.25, "iterations": 3}
MAX_ITERATIONS = 20

STATEMENT = ("Solve Xw = y (X ∈ R^{n×d}, a unique solution) by minimising f(w) = ½‖Xw − y‖² with gradient "
             "descent w_{t+1} = w_t − α∇f(w_t). (a) Compute ∇f(w) and rewrite the iterate. (b) Compute the "
             "Hessian and argue whether f is convex. (c) Show ‖w_{t+1} − w*‖ ≤ σ_max(I − αXᵀX)^t ‖w_1 − w*‖. "
             "(d) For which α does gradient descent converge? The exam is symbolic; reconstructed numeric "
             "instance (not in the seed): X = [[1, 0], [1, 1], [1, 2]], y = (1, 2, 2), α = 0.25, where "
             "λ_max(XᵀX) and the interval are computed and three iterates shown.")

n, d = sympy.symbols("n d", integer=True, positive=True)
X, y = MatrixSymbol("X", n, d), MatrixSymbol("y", n, 1)
w, w_t, w_next, w_star = (MatrixSymbol(name, d, 1) for name in ("w", "w_t", "w_next", "w_star"))
alpha = sympy.Symbol("alpha", positive=True)
t = sympy.Symbol("t", integer=True, positive=True)
v = MatrixSymbol("v", d, 1)
lam, lam_j = sympy.Symbol("lambda", positive=True), sympy.Symbol("lambda_j", positive=True)

NOTATION = {
    "X": ("X", r"\mathbf{X}"), "y": ("y", r"\mathbf{y}"), "w": ("w", r"\mathbf{w}"),
    "w_t": ("w_t", r"\mathbf{w}_{t}"), "w_next": ("w_(t+1)", r"\mathbf{w}_{t+1}"),
    "w_star": ("w⋆", r"\mathbf{w}_{*}"), "v": ("v", r"\mathbf{v}"), "alpha": ("α", r"\alpha"),
    "lambda": ("λ", r"\lambda"), "lambda_j": ("λ_j", r"\lambda_{j}"), "lambda_max": ("λ_max", r"\lambda_{\max}"),
    "grad_f": ("∇f(w)", r"\nabla f(\mathbf{w})"), "grad_f_t": ("∇f(w_t)", r"\nabla f(\mathbf{w}_{t})"), "hess_f": ("∇²f(w)", r"\nabla^{2} f(\mathbf{w})"),
    "f": ("f(w)", r"f(\mathbf{w})"), "quad": ("vᵀ∇²f v", r"\mathbf{v}^{\top}\nabla^{2} f\,\mathbf{v}"),
    "norm_Xv": ("‖Xv‖²", r"\lVert \mathbf{X}\mathbf{v}\rVert_2^{2}"),
    "err_next": ("‖w_(t+1) − w⋆‖", r"\lVert \mathbf{w}_{t+1}-\mathbf{w}_{*}\rVert_2"),
    "err_t": ("‖w_t − w⋆‖", r"\lVert \mathbf{w}_{t}-\mathbf{w}_{*}\rVert_2"),
    "err_1": ("‖w_1 − w⋆‖", r"\lVert \mathbf{w}_{1}-\mathbf{w}_{*}\rVert_2"),
    "A_sigma": ("σ_max(I − αXᵀX)", r"\sigma_{\max}(I-\alpha\mathbf{X}^{\top}\mathbf{X})"),
    "XtX": ("XᵀX", r"\mathbf{X}^{\top}\mathbf{X}"), "I_2": ("I", "I"), "alpha_max": ("2/λ_max", r"2/\lambda_{\max}"),
}


def read(given: dict):
    g = Givens(given, "given", ("X", "y", "alpha", "iterations"))
    X_ = g.matrix("X")
    y_ = g.vector("y", X_.shape[0])
    if X_.shape[1] > 4:
        raise InputError(f"given.X: at most 4 columns (exact eigenvalues), got {X_.shape[1]}")
    if (X_.T * X_).det() == 0:
        raise InputError("given.X: the columns are linearly dependent, so XᵀX is singular and w* is not unique "
                         "(the problem assumes a unique solution)")
    step = g.number("alpha") if g.has("alpha") else None
    if step is not None and step <= 0:
        raise InputError(f"given.alpha: expected a step size > 0, got {step}")
    iterations = g.raw("iterations", 3 if step is not None else 0)
    if isinstance(iterations, bool) or not isinstance(iterations, int) or not 0 <= iterations <= MAX_ITERATIONS:
        raise InputError(f"given.iterations: expected an integer from 0 to {MAX_ITERATIONS}, got {iterations!r}")
    if iterations and step is None:
        raise InputError("given.alpha: missing (iterations need a step size)")
    return X_, y_, step, iterations


def build(solution, given: dict):
    X_, y_, step, iterations = read(given)
    if solution.variant:
        solution.statement = describe(given)
    solution.notation.update(dict(NOTATION))
    hessian, hessian_step = part_a(solution)
    part_b(solution, hessian, hessian_step)
    part_c(solution)
    part_d(solution)
    part_numeric(solution, X_, y_, step, iterations)
    return solution


def part_a(solution):
    part = solution.part("a", "The gradient ∇f(w) and the gradient-descent iterate.")
    residual = X * w - y
    f = sympy.MatMul(sympy.S.Half, sympy.Transpose(residual), residual)
    part.steps.append(Relation((sympy.Symbol("f"), f), reason="½‖Xw − y‖² = ½(Xw − y)ᵀ(Xw − y)"))
    gradient, hessian, steps = gradient_and_hessian(f, w, sympy.Symbol("grad_f"), sympy.Symbol("hess_f"))
    part.steps.append(steps[0])
    iterate = w_t - alpha * gradient.xreplace({w: w_t})
    part.steps.append(Relation((w_next, w_t - alpha * MatrixSymbol("grad_f_t", d, 1), iterate),
                               reason="substitute the gradient at w_t into Eq. (3)"))
    part.answer("grad_f", gradient, r"\nabla f(\mathbf{w})")
    part.answer("iterate", iterate, r"\mathbf{w}_{t+1}")
    return hessian, steps[1]


def part_b(solution, hessian, hessian_step):
    part = solution.part("b", "The Hessian ∇²f(w), and whether f is convex.")
    part.steps.append(hessian_step)
    quadratic = v.T * hessian * v
    as_square = sympy.MatMul(sympy.Transpose(X * v), X * v)
    if not is_zero_matrix(quadratic - as_square):
        raise ValueError("vᵀXᵀXv is not (Xv)ᵀ(Xv)")
    part.steps.append(Relation((sympy.Symbol("quad"), quadratic, as_square, sympy.Symbol("norm_Xv"), 0),
                               ("=", "=", "=", "≥"), reason="for every v ∈ R^d"))
    part.steps.append(Remark("The Hessian XᵀX is positive semidefinite and does not depend on w, so f is convex "
                             "(a twice-differentiable function with a PSD Hessian everywhere is convex). With a "
                             "unique solution, X has full column rank, ‖Xv‖ > 0 for v ≠ 0, and f is strictly convex."))
    part.answer("hessian", hessian, r"\nabla^{2} f(\mathbf{w})")
    part.answer("convex", sympy.true, r"\text{convex}")


def part_c(solution):
    part = solution.part("c", "The bound ‖w_{t+1} − w*‖ ≤ σ_max(I − αXᵀX)^t ‖w_1 − w*‖.")
    iterate = w_t - alpha * X.T * (X * w_t - y)
    with_optimum = iterate.xreplace({y: X * w_star})
    contraction = (Identity(d) - alpha * X.T * X) * (w_t - w_star)
    if not is_zero_matrix(with_optimum - w_star - contraction):
        raise ValueError("the error recursion does not hold")
    part.steps.append(Relation((w_next - w_star, with_optimum - w_star, contraction),
                               reason="Hint 1: y = Xw*; then collect w_t − w*"))
    # "A_sigma" sorts before "err_…", so products read σ_max·‖…‖ as in the exam.
    err_next, err_t, err_1, sigma = (sympy.Symbol(s) for s in ("err_next", "err_t", "err_1", "A_sigma"))
    part.steps.append(Relation((err_next, sympy.Symbol("norm_contraction"), sigma * err_t),
                               ("=", "≤"), reason="Hint 2: ‖Av‖ ≤ σ_max(A)‖v‖ for every v"))
    solution.notation["norm_contraction"] = ("‖(I − αXᵀX)(w_t − w⋆)‖",
                                              r"\lVert (I-\alpha\mathbf{X}^{\top}\mathbf{X})"
                                              r"(\mathbf{w}_{t}-\mathbf{w}_{*})\rVert_2")
    part.steps.append(Relation((err_next, sigma * err_t, sigma**t * err_1), ("≤", "≤"),
                               reason="apply the same bound t − 1 more times, down to w_1"))
    part.answer("contraction", contraction, r"\mathbf{w}_{t+1}-\mathbf{w}_{*}")


def part_d(solution):
    part = solution.part("d", "The step sizes α for which gradient descent converges.")
    part.steps.append(Remark("XᵀX is symmetric, so XᵀX = QΛQᵀ with Q orthogonal and Λ = diag(λ_1, …, λ_d), "
                             "λ_j > 0 (full column rank). Then I − αXᵀX = Q(I − αΛ)Qᵀ is symmetric with "
                             "eigenvalues 1 − αλ_j, and its largest singular value is σ_max = max_j |1 − αλ_j|."))
    part.steps.append(Remark("The error along the eigenvector q_j is multiplied by 1 − αλ_j at every step, so "
                             "‖w_t − w*‖ → 0 from every start if and only if |1 − αλ_j| < 1 for every j "
                             "(starting along q_j with |1 − αλ_j| ≥ 1, the error never shrinks)."))
    (lower, upper), steps = step_size_interval(alpha, lam_j)
    part.steps += steps
    lambda_max = sympy.Symbol("lambda_max", positive=True)
    if (lower, upper.xreplace({lam_j: lambda_max})) != (0, 2 / lambda_max):
        raise ValueError(f"unexpected interval ({lower}, {upper})")
    part.steps.append(Relation((0, alpha, 2 / lambda_max), ("<", "<"),
                               reason="for every j at once: 2/λ_j is smallest for the largest eigenvalue"))
    part.answer("alpha_bound", 2 / lambda_max, r"2/\lambda_{\max}")


def part_numeric(solution, X_, y_, step, iterations):
    part = solution.part("e", "On the numeric instance: λ_max(XᵀX), the interval, w* and the first iterates.")
    graph = Graph()
    Xs = graph.given("X", X_, latex=r"\mathbf{X}", text="X")
    graph.define("XtX", Xs.T * Xs, latex=r"\mathbf{X}^{\top}\mathbf{X}", text="XᵀX")
    graph.evaluate()
    part.steps.append(graph.step("XtX"))
    gram = graph.value("XtX")
    characteristic = (gram - lam * sympy.eye(gram.shape[0])).det()
    eigenvalues = sympy.Poly(characteristic, lam).all_roots()  # real: XᵀX is symmetric
    if any(isinstance(e, sympy.CRootOf) for e in eigenvalues):
        # No radicals for these roots (or only complex ones): 30 significant digits instead.
        eigenvalues = [e.evalf(PRECISION) for e in eigenvalues]
    part.steps.append(Solved(sympy.Eq(sympy.expand(characteristic), 0), lam, tuple(eigenvalues),
                             reason="the eigenvalues of XᵀX: roots of det(XᵀX − λI)"))
    largest = eigenvalues[-1]
    bound = sympy.radsimp(2 / largest) if not largest.is_Float else 2 / largest
    quotient = sympy.Mul(2, sympy.Pow(largest, -1, evaluate=False), evaluate=False)
    chain = (sympy.Symbol("alpha_max"), quotient, bound) + (() if bound.is_Float else (bound.evalf(PRECISION),))
    part.steps.append(Relation(chain, ("=", "=", "≈")[:len(chain) - 1],
                               reason="gradient descent converges iff 0 < α < 2/λ_max"))
    part.answer("eigenvalues", sympy.ImmutableMatrix(eigenvalues), r"\lambda(\mathbf{X}^{\top}\mathbf{X})")
    part.answer("lambda_max", largest, r"\lambda_{\max}")
    part.answer("alpha_max", bound, r"2/\lambda_{\max}")
    optimum = gram.inv() * X_.T * y_
    part.steps.append(Relation((w_star, optimum), reason="w* = (XᵀX)⁻¹Xᵀy, where ∇f = 0"))
    part.answer("w_star", sympy.ImmutableMatrix(optimum), r"\mathbf{w}_{*}")
    if step is not None:
        iterate_steps(part, solution.notation, X_, y_, step, iterations, eigenvalues, bound)


def iterate_steps(part, solution_notation, X_, y_, step, iterations, eigenvalues, bound):
    factor = max((sympy.Abs(1 - step * e) for e in eigenvalues), key=lambda e: float(e))
    converges = bool(step < bound)
    part.steps.append(Evaluation(sympy.Symbol("A_sigma"),
                                 shown(sympy.Max(*[sympy.Abs(1 - alpha * e) for e in eigenvalues])),
                                 {alpha: step}, factor.evalf(PRECISION) if not factor.is_Rational else factor,
                                 note=("< 1: converges" if converges else "≥ 1: does not converge")
                                 + f" (α = {step} {'<' if converges else '≥'} 2/λ_max)"))
    part.answer("sigma_max", factor, r"\sigma_{\max}(I-\alpha\mathbf{X}^{\top}\mathbf{X})")
    part.answer("converges", sympy.true if converges else sympy.false, r"\text{converges}")
    graph = Graph()
    Xs = graph.given("X", X_, latex=r"\mathbf{X}", text="X")
    ys = graph.given("y", y_, latex=r"\mathbf{y}", text="y")
    a = graph.given("alpha", step, latex=r"\alpha", text="α")
    current = graph.given("w_0", sympy.zeros(X_.shape[1], 1), latex=r"\mathbf{w}_{0}", text="w_0")
    part.steps.append(Remark("Gradient descent from w_0 = 0:"))
    for k in range(1, iterations + 1):
        current = graph.define(f"w_{k}", current - a * Xs.T * (Xs * current - ys),
                               latex=rf"\mathbf{{w}}_{{{k}}}", text=f"w_{k}")
        graph.evaluate()
        part.steps.append(graph.step(f"w_{k}"))
        part.answer(f"w_{k}", graph.value(f"w_{k}"), rf"\mathbf{{w}}_{{{k}}}")
    for name, names in graph.notation().items():
        solution_notation.setdefault(name, names)


def describe(given) -> str:
    return (f"Gradient descent on f(w) = ½‖Xw − y‖² (parts (a)–(d) in general), on the instance X = {given['X']}, "
            f"y = {given['y']}" + (f", α = {given['alpha']}" if "alpha" in given else "") + ".")


def random_given(rng) -> dict:
    while True:
        X_ = [[1, rng.randint(-2, 3)] for _ in range(rng.randint(2, 4))]
        if len({row[1] for row in X_}) > 1:
            break
    return {"X": X_, "y": [rng.randint(-2, 3) for _ in X_], "alpha": rng.choice([0.05, 0.1, 0.2, 0.5]),
            "iterations": rng.randint(2, 4)}


PROBLEM = Problem(
    name="least-squares-gd", title="Gradient descent for least squares", source=f"{S3}, 3.3",
    build=build, given=GIVEN, statement=STATEMENT, random_given=random_given, convention="Denominator layout: ∇f(w) is a column vector of the shape of w.")
