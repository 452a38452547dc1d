"""derive: a symbolic derivation engine for deep-learning coursework.

    from derive import solve
    sol = solve("lstm-forward")
    sol.answers["h_2"].value

Imports are lazy so that `derive list` does not pay for SymPy.
"""
from __future__ import annotations

__all__ = ["solve", "render", "kl", "Normal", "Graph", "receptive_field"]


def __getattr__(name):
    if name == "solve":
        from .catalog import solve
        return solve
    if name == "render":
        from .printing import render
        return render
    if name in ("kl", "Normal"):
        from . import probability
        return getattr(probability, name)
    if name == "receptive_field":
        from .receptive_fields import receptive_field
        return receptive_field
    if name == "Graph":
        from .graph import Graph
        return Graph
    raise AttributeError(f"module 'derive' has no attribute {name!r}")
