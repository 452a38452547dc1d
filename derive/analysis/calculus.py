"""Jacobians with their steps."""
from __future__ import annotations

import sympy

from derive.core.steps import Relation


def jacobian(function: sympy.Matrix, variables) -> tuple[sympy.ImmutableMatrix, Relation]:
    """J[i, j] = ∂f_i/∂x_j, with the step that shows every partial derivative."""
    function = sympy.ImmutableMatrix(function)
    variables = list(variables)
    partials = sympy.ImmutableMatrix(function.shape[0], len(variables),
                                     [sympy.Derivative(f, x) for f in function for x in variables])
    result = sympy.ImmutableMatrix(partials.doit())
    return result, Relation((partials, result), reason="J[i, j] = ∂f_i/∂x_j")
