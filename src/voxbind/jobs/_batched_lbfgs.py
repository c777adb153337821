"""L-BFGS on several independent problems at once, so that their objectives are evaluated in one batch.

Each problem keeps its own curvature history, direction and step length; every call of ``evaluate``
advances every problem still running by one trial point. A trial that does not decrease the objective
enough (Armijo's condition) halves that problem's step for its next trial (and a few such failures in a
row drop its history, for a fresh start along the gradient); one that does is taken. A problem stops when
its gradient's largest component falls below the tolerance, when no step decreases it any more, or when
it has used its evaluations. The state is NumPy (float64): the problems are small
(tens of variables), and the batch's cost is the objective.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: Sufficient decrease (Armijo) constant.
ARMIJO = 1e-4
#: Below this step length a problem has stopped improving.
SMALLEST_STEP = 1e-6
#: After this many failed trials along an L-BFGS direction, the history is dropped and the problem
#: restarts from steepest descent (a piecewise-linear model, such as a ReLU network, can make it misleading).
RESTART_AFTER = 3


@dataclass
class Minimum:
    """Per problem: ``x (B, D)``, ``value (B,)``, evaluations used ``(B,)``, iterations taken ``(B,)``."""

    x: np.ndarray
    value: np.ndarray
    evaluations: np.ndarray
    iterations: np.ndarray


def minimize_batched(
    evaluate: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    x0: np.ndarray,
    *,
    max_evaluations: int,
    tolerance: float,
    max_move: float = 0.3,
    history: int = 10,
) -> Minimum:
    """Minimise ``B`` independent functions of ``D`` variables (a problem with fewer pads with zeros,
    whose gradient must be zero).

    Args:
        evaluate: ``evaluate(x (A, D), rows (A,))`` → ``(values (A,), gradients (A, D))`` for the
            problems ``rows``; a non-finite value or gradient counts as a failed trial.
        x0: ``(B, D)`` starting points.
        max_evaluations: the most calls of ``evaluate`` per problem (the first included).
        tolerance: stop when the gradient's largest component is below it.
        max_move: the largest change of any variable in one step (the variables' own units).
        history: curvature pairs kept per problem.
    """
    x = np.array(x0, dtype=np.float64)
    B = x.shape[0]
    rows = np.arange(B)
    value, gradient = evaluate(x, rows)
    gradient = np.nan_to_num(gradient, nan=0.0, posinf=0.0, neginf=0.0)
    evaluations = np.ones(B, dtype=np.int64)
    iterations = np.zeros(B, dtype=np.int64)
    pairs: list[list[tuple[np.ndarray, np.ndarray, float]]] = [[] for _ in range(B)]
    direction = np.zeros_like(x)
    step = np.zeros(B)
    fresh = np.ones(B, dtype=bool)  # needs a new direction
    failures = np.zeros(B, dtype=np.int64)  # trials in a row that did not decrease enough
    running = np.isfinite(value) & (np.abs(gradient).max(1, initial=0.0) >= tolerance)
    running &= evaluations < max_evaluations
    while running.any():
        active = np.flatnonzero(running)
        for b in active[fresh[active]]:
            direction[b], step[b] = _direction(gradient[b], pairs[b], max_move)
        trial = x[active] + step[active, None] * direction[active]
        trial_value, trial_gradient = evaluate(trial, active)
        evaluations[active] += 1
        slope = (gradient[active] * direction[active]).sum(1)
        finite = np.isfinite(trial_value) & np.isfinite(trial_gradient).all(1)
        with np.errstate(invalid="ignore"):
            taken = finite & (trial_value <= value[active] + ARMIJO * step[active] * slope)
        for k, b in enumerate(active):
            if not taken[k]:
                step[b] *= 0.5
                fresh[b] = False
                failures[b] += 1
                if pairs[b] and failures[b] >= RESTART_AFTER:  # the curvature misleads: start afresh
                    pairs[b].clear()
                    fresh[b] = True
                elif step[b] * np.abs(direction[b]).max(initial=0.0) < SMALLEST_STEP:
                    running[b] = False
                continue
            failures[b] = 0
            s, y = trial[k] - x[b], trial_gradient[k] - gradient[b]
            sy = float(s @ y)
            if sy > 1e-12:
                pairs[b].append((s, y, 1.0 / sy))
                del pairs[b][:-history]
            x[b], value[b], gradient[b] = trial[k], trial_value[k], trial_gradient[k]
            iterations[b] += 1
            fresh[b] = True
            if np.abs(gradient[b]).max(initial=0.0) < tolerance:
                running[b] = False
        running &= evaluations < max_evaluations
    return Minimum(x, value, evaluations, iterations)


def _direction(gradient: np.ndarray, pairs, max_move: float) -> tuple[np.ndarray, float]:
    """The L-BFGS descent direction (two-loop recursion) and a first step length that moves no variable
    by more than ``max_move``; steepest descent, by a third of that, when there is no history or it gives
    no descent direction (the gradient's size says nothing about how far to go)."""
    q = -gradient
    alphas = []
    for s, y, rho in reversed(pairs):
        a = rho * (s @ q)
        alphas.append(a)
        q = q - a * y
    if pairs:
        s, y, _ = pairs[-1]
        q = q * (s @ y) / (y @ y)
    for (s, y, rho), a in zip(pairs, reversed(alphas), strict=True):
        q = q + (a - rho * (y @ q)) * s
    if not q @ gradient < 0 or not pairs:  # no curvature known: a third of the largest move
        q = -gradient
        max_move = max_move / 3
    largest = np.abs(q).max(initial=0.0)
    return q, min(1.0, max_move / largest) if largest > 0 else 0.0
