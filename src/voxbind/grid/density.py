"""The atomic density profile and its derivatives: the one place where the density math lives.

An atom of radius ``r`` (Å, already multiplied by ``radius_scale``) at distance ``d`` (Å) from a grid
point contributes ``h(s)`` with ``s = d² / r²`` (dimensionless squared distance):

* Gaussian region, ``s ≤ G²``: ``h = exp(-2 s)`` — that is ``exp(-2 d² / r²)``.
* Quadratic tail, ``G² < s < c²``: ``h = A s + B √s + C`` — that is ``A (d/r)² + B (d/r) + C`` with
  ``A = 4G² e^(−2G²)``, ``B = −(4G + 8G³) e^(−2G²)``, ``C = (4G⁴ + 4G² + 1) e^(−2G²)``; it meets the Gaussian
  in value and slope at ``d = G r`` and reaches zero (with zero slope) at ``d = c r``,
  ``c = (1 + 2G²) / (2G)``.
* Zero beyond ``c``.

A negative ``G`` truncates the Gaussian at ``|G| r`` with no tail. A binary profile is ``1`` for ``d < r``.

Writing the profile as a function of ``s`` rather than ``d`` keeps every derivative free of ``1/d``
singularities at the atom centre. The kernels need ``h``, ``h' = dh/ds`` and ``h'' = d²h/ds²``; the chain rule
turns them into derivatives with respect to coordinates and radii:

* ``∇_c ρ = −2 h' δ / r²`` (``δ`` = grid point − atom centre),
* ``∂ρ/∂r = −2 s h' / r``,
* ``∇_c∇_c ρ = 4 h'' δ δᵀ / r⁴ + 2 h' I / r²``,
* ``∂∇_c ρ / ∂r = 4 (s h'' + h') δ / r³``,
* ``∂²ρ/∂r² = (6 s h' + 4 s² h'') / r²``.

:func:`radial_terms` is written once against three primitives (``_sqrt``, ``_clamp_min``, ``_select``;
the caller supplies ``exp(-2 s)``) and bound to PyTorch tensor operations (:func:`radial_torch`, used
by the reference backend), to scalar ``math`` operations (compiled by the numba backend) and to
Triton's (the GPU backend).
"""

from __future__ import annotations

import math
import types
from dataclasses import dataclass

import torch

from ..errors import InvalidArgumentError

__all__ = [
    "DensityProfile",
    "compile_radial_scalar",
    "double_backward_terms",
    "radial_derivatives_in_distance",
    "radial_scalar",
    "radial_terms",
    "radial_torch",
    "with_globals",
]


@dataclass(frozen=True)
class DensityProfile:
    """Constants of the radial profile for one ``gaussian_radius_multiple`` (``G``).

    Attributes (all in units of the atom radius, squared where named ``*2``):
        multiple: ``G`` as given (negative = truncated Gaussian, no tail).
        gauss_end2: ``G²``, end of the Gaussian region in ``s``.
        cutoff: ``c``, distance (in radii) beyond which the density is zero.
        cutoff2: ``c²``.
        qa, qb, qc: tail coefficients ``A, B, C`` (all zero for a truncated Gaussian).
        binary: ``True`` for the binary profile (1 inside the radius, not differentiable).
    """

    multiple: float = 1.0
    binary: bool = False

    def __post_init__(self) -> None:
        if not math.isfinite(self.multiple) or self.multiple == 0.0:
            raise InvalidArgumentError(
                f"gaussian_radius_multiple must be a finite non-zero number, got {self.multiple!r}"
            )

    @property
    def gauss_end2(self) -> float:
        return 1.0 if self.binary else self.multiple * self.multiple

    @property
    def cutoff(self) -> float:
        g = self.multiple
        if self.binary:
            return 1.0
        if g < 0:
            return -g
        return (1.0 + 2.0 * g * g) / (2.0 * g)

    @property
    def cutoff2(self) -> float:
        return self.cutoff * self.cutoff

    @property
    def tail_coefficients(self) -> tuple[float, float, float]:
        g = self.multiple
        if self.binary or g < 0:
            return 0.0, 0.0, 0.0
        e = math.exp(-2.0 * g * g)
        return 4.0 * g * g * e, -(4.0 * g + 8.0 * g**3) * e, (4.0 * g**4 + 4.0 * g * g + 1.0) * e

    def kernel_constants(self) -> tuple[float, float, float, float, float]:
        """``(G², c², A, B, C)`` as passed to :func:`radial_terms`."""
        qa, qb, qc = self.tail_coefficients
        return self.gauss_end2, self.cutoff2, qa, qb, qc


def radial_terms(s, gauss, g2, c2, qa, qb, qc):
    """Profile ``h(s)`` and its first two derivatives in ``s``.

    Args:
        s: squared distance over squared radius (dimensionless), ``s ≥ 0``.
        gauss: ``exp(-2 s)``, supplied by the caller (kernels build it from per-axis factors).
        g2, c2, qa, qb, qc: :meth:`DensityProfile.kernel_constants`.

    Returns:
        ``(h, dh/ds, d²h/ds²)``, zero at and beyond the cut-off ``s ≥ c2``.
    """
    root = _sqrt(_clamp_min(s, g2))
    tail = qa * s + qb * root + qc
    tail1 = qa + 0.5 * qb / root
    tail2 = -0.25 * qb / (root * root * root)
    in_gauss = s <= g2
    inside = s < c2
    h = _select(in_gauss, gauss, _select(inside, tail, 0.0))
    h1 = _select(in_gauss, -2.0 * gauss, _select(inside, tail1, 0.0))
    h2 = _select(in_gauss, 4.0 * gauss, _select(inside, tail2, 0.0))
    return h, h1, h2


def radial_value(s, gauss, g2, c2, qa, qb, qc, zero=0.0):
    """The profile ``h(s)`` alone, as :func:`radial_terms` gives it first, for kernels that need no
    derivative (compilers keep the derivatives' divisions when the three come together). Arguments as
    :func:`radial_terms`'; ``zero`` is the value beyond the cut-off, given in the kernel's precision
    (a float32 kernel stays in float32)."""
    tail = qa * s + qb * _sqrt(_clamp_min(s, g2)) + qc
    return _select(s <= g2, gauss, _select(s < c2, tail, zero))


# The primitives radial_terms is written against; bound to PyTorch here, rebound to scalars below.
_sqrt = torch.sqrt
_clamp_min = torch.clamp_min
_select = torch.where


def with_globals(function, **namespace):
    """A copy of one of this module's functions that sees ``namespace`` as globals: other primitives for
    :func:`radial_terms` (``_sqrt``, ``_clamp_min``, ``_select``), or the module a kernel language such
    as Triton's looks for there."""
    namespace = {**function.__globals__, **namespace}
    bound = types.FunctionType(
        function.__code__, namespace, function.__name__, function.__defaults__, function.__closure__
    )
    bound.__doc__ = function.__doc__
    return bound


def _scalar_select(condition, if_true, if_false):
    return if_true if condition else if_false


radial_torch = radial_terms
""":func:`radial_terms` on tensors (differentiable to any order through autograd)."""

radial_scalar = with_globals(radial_terms, _sqrt=math.sqrt, _clamp_min=max, _select=_scalar_select)
""":func:`radial_terms` on Python floats."""


def compile_radial_scalar(jit, function=radial_terms):
    """:func:`radial_terms` (or :func:`radial_value`) on scalars, compiled by ``jit`` (e.g.
    ``numba.njit(inline="always")``)."""
    return jit(with_globals(function, _sqrt=math.sqrt, _clamp_min=max, _select=jit(_scalar_select)))


def double_backward_terms(q, p, h1, h2, s, adot, e, inv_r, inv_r2):
    """One grid point's share of the double backward's atom part, for the kernels.

    With ``U`` the upstream grid gradient at the point, ``Q = Σ_k w_k U_k`` and ``P = Σ_k b_k U_k`` (``w``:
    channel weights, ``b``: the gradient arriving at the type-weight gradient), ``a`` and ``e`` the
    gradients arriving at the coordinate and radius gradients, ``adot = a·δ`` (``δ`` = point − atom,
    Å) and ``s, h', h''`` from :func:`radial_terms`, the point adds ``along·δ + across·a`` to the
    coordinate result, ``Q (H a + e ∇ρ_r) + P ∇ρ``, and ``radius`` to the radius result,
    ``Q (a·∇ρ_r + e ρ_rr) + P ρ_r`` (``H`` = Hessian of ρ in the coordinates, ``ρ_r = ∂ρ/∂r``).

    Returns:
        ``(along, across, radius)``.
    """
    # H a = 4 h'' δ (a·δ) / r⁴ + 2 h' a / r²;  ∇ρ_r = 4 (s h'' + h') δ / r³;  ∇ρ = -2 h' δ / r².
    radial_part = 4.0 * (s * h2 + h1) * inv_r2 * inv_r
    along = q * (4.0 * h2 * adot * inv_r2 * inv_r2 + e * radial_part) - 2.0 * p * h1 * inv_r2
    across = 2.0 * q * h1 * inv_r2
    rho_r = -2.0 * s * h1 * inv_r
    rho_rr = (6.0 * s * h1 + 4.0 * s * s * h2) * inv_r2
    radius = q * (radial_part * adot + e * rho_rr) + p * rho_r
    return along, across, radius


def radial_derivatives_in_distance(d, radius, profile: DensityProfile):
    """Density and its first two derivatives with respect to the distance ``d`` (Å).

    A convenience for documentation and tests: ``ρ = h(s)``, ``dρ/dd = 2 d h' / r²`` and
    ``d²ρ/dd² = 2 h' / r² + 4 d² h'' / r⁴``. Tensors in, tensors out, any shape.
    """
    d = torch.as_tensor(d, dtype=torch.float64)
    s = (d / radius) ** 2
    h, h1, h2 = radial_torch(s, torch.exp(-2.0 * s), *profile.kernel_constants())
    r2 = radius * radius
    return h, 2.0 * d * h1 / r2, 2.0 * h1 / r2 + 4.0 * d * d * h2 / (r2 * r2)
