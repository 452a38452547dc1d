"""KL pairs on the general route (the log-density ratio integrated over p's
support), each against mpmath quadrature or summation written here from the
densities alone; ∞ where the supports do not nest or q's tails are too light."""
import json

import pytest
from mpmath import exp, inf, log, loggamma, mp, nsum, pi, quad

from derive import solve
from derive.printing import render

mp.dps = 30

LOG_DENSITY = {
    "Normal": lambda d: lambda x: -log(2 * pi * d["scale"] ** 2) / 2 - (x - d["loc"]) ** 2 / (2 * d["scale"] ** 2),
    "Cauchy": lambda d: lambda x: log(d["scale"] / pi) - log((x - d["loc"]) ** 2 + d["scale"] ** 2),
    "Laplace": lambda d: lambda x: -log(2 * d["scale"]) - abs(x - d["loc"]) / d["scale"],
    "Exponential": lambda d: lambda x: log(d["rate"]) - d["rate"] * x,
    "Gamma": lambda d: lambda x: (d["concentration"] * log(d["rate"]) - loggamma(d["concentration"])
                                  + (d["concentration"] - 1) * log(x) - d["rate"] * x),
    "Beta": lambda d: lambda x: ((d["concentration1"] - 1) * log(x) + (d["concentration0"] - 1) * log(1 - x)
                                 + loggamma(d["concentration1"] + d["concentration0"])
                                 - loggamma(d["concentration1"]) - loggamma(d["concentration0"])),
    "Pareto": lambda d: lambda x: log(d["alpha"]) + d["alpha"] * log(d["scale"]) - (d["alpha"] + 1) * log(x),
    "Uniform": lambda d: lambda x: -log(d["high"] - d["low"]),
    "Geometric": lambda d: lambda k: k * log(1 - d["probs"]) + log(d["probs"]),
    "Poisson": lambda d: lambda k: k * log(d["rate"]) - d["rate"] - loggamma(k + 1),
}
SUPPORT = {"Normal": lambda d: (-inf, inf), "Cauchy": lambda d: (-inf, inf), "Laplace": lambda d: (-inf, inf),
           "Exponential": lambda d: (0, inf), "Gamma": lambda d: (0, inf), "Beta": lambda d: (0, 1),
           "Pareto": lambda d: (d["scale"], inf), "Uniform": lambda d: (d["low"], d["high"])}


def reference(p, q):
    """KL(p ‖ q) = ∫ p (log p − log q) over p's support, or the sum."""
    lp, lq = LOG_DENSITY[p["family"]](p), LOG_DENSITY[q["family"]](q)
    if p["family"] in ("Geometric", "Poisson"):
        return nsum(lambda k: exp(lp(k)) * (lp(k) - lq(k)), [0, inf])
    low, high = SUPPORT[p["family"]](p)
    cuts = sorted({low, high} | {c for c in (q.get("loc"), 0) if c is not None and low < c < high})
    return quad(lambda x: exp(lp(x)) * (lp(x) - lq(x)), cuts)


def answers(p, q):
    document = json.loads(render(solve("kl", given={"p": p, "q": q}), "json"))
    found = {k: a for part in document["parts"] for k, a in part["answers"].items()}
    for answer in found.values():  # never an internal symbol in an answer
        assert "__" not in answer["expr"] and "_x" not in answer["expr"] and "Dummy" not in answer["expr"]
    return found


FINITE = [
    ({"family": "Uniform", "low": 0.23, "high": 0.38}, {"family": "Normal", "loc": 1.73, "scale": 0.9}),
    ({"family": "Uniform", "low": 0.38, "high": 0.77}, {"family": "Exponential", "rate": 1.8}),
    ({"family": "Uniform", "low": 0.24, "high": 0.44}, {"family": "Gamma", "concentration": 1.63, "rate": 0.63}),
    ({"family": "Uniform", "low": 0.2, "high": 0.7}, {"family": "Beta", "concentration1": 2, "concentration0": 3}),
    ({"family": "Normal", "loc": 0.3, "scale": 1.2}, {"family": "Cauchy", "loc": 0.1, "scale": 0.8}),
    ({"family": "Gamma", "concentration": 2, "rate": 3}, {"family": "Cauchy", "loc": 0.1, "scale": 0.8}),
    ({"family": "Exponential", "rate": 1.5}, {"family": "Laplace", "loc": 0.2, "scale": 0.7}),
    ({"family": "Gamma", "concentration": 2, "rate": 3}, {"family": "Laplace", "loc": 0.2, "scale": 0.7}),
    ({"family": "Beta", "concentration1": 2, "concentration0": 3}, {"family": "Laplace", "loc": 0.2, "scale": 0.7}),
    ({"family": "Pareto", "scale": 1.5, "alpha": 2.5}, {"family": "Laplace", "loc": 0.2, "scale": 0.7}),
    ({"family": "Uniform", "low": 0.2, "high": 0.7}, {"family": "Laplace", "loc": 0.4, "scale": 0.7}),
    ({"family": "Geometric", "probs": 0.3}, {"family": "Poisson", "rate": 2.0}),
]


@pytest.mark.parametrize("p,q", FINITE, ids=lambda d: d["family"])
def test_finite_pairs_against_quadrature_or_summation(p, q):
    found = answers(p, q)
    assert found["KL_value"]["value"] == pytest.approx(float(reference(p, q)), rel=1e-9)


def test_the_issues_uniform_values():
    assert answers(*FINITE[0])["KL_value"]["value"] == pytest.approx(3.96532763206, rel=1e-10)
    assert answers(*FINITE[1])["KL_value"]["value"] == pytest.approx(1.38882187496, rel=1e-10)


@pytest.mark.parametrize("p,q", [
    ({"family": "Uniform", "low": 0.2, "high": 0.7}, {"family": "Pareto", "scale": 1.5, "alpha": 2.5}),
    ({"family": "Cauchy", "loc": 0, "scale": 1}, {"family": "Normal", "loc": 0, "scale": 1}),
    ({"family": "Cauchy", "loc": 0.5, "scale": 2}, {"family": "Laplace", "loc": 0, "scale": 1}),
    ({"family": "Categorical", "probs": [0.25, 0.25, 0.5]}, {"family": "Categorical", "probs": [0.5, 0.5]}),
], ids=lambda d: d["family"])
def test_infinite_pairs_say_so(p, q):
    assert answers(p, q)["KL"]["expr"] == "oo"


def test_categoricals_over_different_numbers_of_categories():
    found = answers({"family": "Categorical", "probs": [0.5, 0.5]},
                    {"family": "Categorical", "probs": [0.25, 0.25, 0.5]})
    assert found["KL_value"]["value"] == pytest.approx(float(log(2)), rel=1e-14)
