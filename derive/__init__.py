"""derive: a symbolic derivation engine for deep-learning coursework.

    from derive import solve, check, kl, Normal, receptive_field
    sol = solve("lstm-forward")
    sol.answers["h_2"].value
    check(text, problem="lstm-forward").summary

Imports are lazy so that `derive list` does not pay for SymPy.
"""
from __future__ import annotations

import importlib

DISTRIBUTIONS = ("Normal", "MultivariateNormal", "Bernoulli", "Categorical", "Binomial", "Geometric", "Poisson",
                 "Exponential", "Gamma", "Beta", "Laplace", "Uniform", "Cauchy", "Pareto")

#: public name → the module that defines it
_HOMES = {
    "solve": "catalog",
    "render": "printing",
    "check": "checking",
    "Graph": "core.graph",
    "receptive_field": "architecture.receptive_fields",
    "kl": "probability.kl", "kl_derivation": "probability.kl", "NotDerivable": "probability.kl",
    "DistributionError": "probability.distributions",
    **{name: "probability.distributions" for name in DISTRIBUTIONS},
}

__all__ = sorted(_HOMES) + ["__version__"]


def __getattr__(name):
    if name == "__version__":  # the installed package's metadata, as `derive --version` prints it
        from derive.cli import version
        return version()
    if name not in _HOMES:
        raise AttributeError(f"module 'derive' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
