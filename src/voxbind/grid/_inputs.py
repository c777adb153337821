"""Validation of user input to the gridder, and its normalisation into :class:`AtomBatch`."""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable
from typing import Any

import torch

from ..errors import GridInputError
from ._spec import AtomBatch

_FLOATS = (torch.float32, torch.float64)
#: The largest coordinate or centre magnitude accepted (Å): beyond it float32 positions lose the grid's
#: precision, and no molecular system is that large.
MAX_COORDINATE = 1e5
#: Radii are 0 (the atom is off) or within these bounds (Å): a smaller one falls between grid points in
#: float32 and a larger one is no atom.
MIN_RADIUS, MAX_RADIUS = 1e-3, 1e3


def _first_bad(mask: torch.Tensor) -> tuple[int, ...]:
    return tuple(int(i) for i in mask.nonzero()[0])


def _where(position: tuple[int, ...], batched: bool) -> str:
    if batched:
        return f"example {position[0]}, atom {position[1]}"
    return f"atom {position[0]}"


class _ValueChecks:
    """Checks of tensor values, answered with one host synchronisation (on a GPU each ``bool(mask.any())``
    would stall the queue); :meth:`run` raises the first failing check's error, in the order added.
    Masks are computed only when the checks run."""

    def __init__(self) -> None:
        self.pending: list[tuple[Callable[[], torch.Tensor], Callable[[torch.Tensor], None]]] = []

    def add(self, bad: Callable[[], torch.Tensor], report: Callable[[torch.Tensor], None]) -> None:
        self.pending.append((bad, report))

    def run(self) -> None:
        if not self.pending:
            return
        masks = [bad() for bad, _ in self.pending]
        flags = torch.stack([mask.any() for mask in masks]).tolist()
        for (_, report), bad, flag in zip(self.pending, masks, flags, strict=True):
            if flag:
                report(bad)
        self.pending.clear()


def _check_finite(
    checks: _ValueChecks,
    name: str,
    t: torch.Tensor,
    batched: bool,
    atom_axes: bool = True,
    bound: float | None = None,
) -> None:
    """Refuse non-finite values of ``t`` (and, with ``bound``, values larger than it in magnitude)."""

    def report(bad: torch.Tensor) -> None:
        position = _first_bad(bad)
        place = _where(position, batched) if atom_axes else f"index {position}"
        value = t[position].item()
        if math.isfinite(value):
            raise GridInputError(f"{name} at {place} is {value!r} Å, beyond ±{bound:g} Å")
        raise GridInputError(f"{name} has a non-finite value at {place}: {value!r}")

    if bound is None:
        checks.add(lambda: ~torch.isfinite(t), report)
    else:
        checks.add(lambda: ~(t.abs() <= bound), report)  # NaN fails the comparison too


def _count(name: str, value: Any) -> int:
    """``value`` as an int, refusing what is not a whole number (``3.7``, ``"3"``, ``True``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real | torch.Tensor):
        raise GridInputError(f"{name} must be a whole number, got {value!r}")
    whole = int(value)  # type: ignore[arg-type]  # a real number or a one-element tensor
    if value != whole:
        raise GridInputError(f"{name} must be a whole number, got {value!r}")
    return whole


def _as_tensor(name: str, value, device=None) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value
    try:
        return torch.as_tensor(value, device=device)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise GridInputError(f"{name} must be a tensor or array-like, got {type(value).__name__}") from exc


def normalise(
    center, coords, types, radii, num_types, radii_per_type, radius_scale, check_values: bool = True
) -> tuple[AtomBatch, bool]:
    """Check shapes, dtypes and values; return always-batched atoms and whether input was batched.

    See :func:`voxbind.coords_to_grid` for the accepted forms. ``check_values=False`` skips the value
    checks on GPU tensors (shapes and dtypes are always checked, and values on the CPU).
    """
    coords = _as_tensor("coords", coords)
    if coords.dtype not in _FLOATS:
        raise GridInputError(f"coords must be float32 or float64, got {coords.dtype}")
    if coords.ndim not in (2, 3) or coords.shape[-1] != 3:
        raise GridInputError(f"coords must have shape (N, 3) or (B, N, 3), got {tuple(coords.shape)}")
    batched = coords.ndim == 3
    dtype, device = coords.dtype, coords.device
    checks = _ValueChecks()
    _check_finite(checks, "coords", coords, batched, bound=MAX_COORDINATE)
    lead = coords.shape[:-1]  # (N,) or (B, N)

    types = _as_tensor("types", types, device)
    if types.device != device:
        raise GridInputError(f"types are on {types.device} but coords are on {device}")
    index_types = not types.is_floating_point()
    if index_types:
        if types.dtype == torch.bool or types.is_complex():
            raise GridInputError(f"types must be integer indices or float weights, got {types.dtype}")
        if tuple(types.shape) != tuple(lead):
            raise GridInputError(
                f"index types must have shape {tuple(lead)} to match coords, got {tuple(types.shape)}"
            )
        if num_types is None:
            raise GridInputError("num_types is required with index types")
        num_types = _count("num_types", num_types)
        if num_types < 1:
            raise GridInputError(f"num_types must be at least 1, got {num_types}")
        types = types.long()

        def out_of_range(over: torch.Tensor, types=types, num_types=num_types) -> None:
            position = _first_bad(over)
            raise GridInputError(
                f"type index {int(types[position])} at {_where(position, batched)} is out of range "
                f"for num_types={num_types} (valid: 0..{num_types - 1}, negative = ignored)"
            )

        checks.add(functools.partial(torch.ge, types, num_types), out_of_range)
    else:
        if types.ndim != len(lead) + 1 or tuple(types.shape[:-1]) != tuple(lead):
            raise GridInputError(
                f"type vectors must have shape {(*tuple(lead), 'T')} to match coords, "
                f"got {tuple(types.shape)}"
            )
        if num_types is not None and _count("num_types", num_types) != types.shape[-1]:
            raise GridInputError(
                f"num_types={num_types} disagrees with type vectors of length {types.shape[-1]}"
            )
        num_types = types.shape[-1]
        if num_types < 1:
            raise GridInputError("type vectors must have at least one channel")
        types = types.to(dtype)
        _check_finite(checks, "types", types, batched)

    radii = _as_tensor("radii", radii, device)
    if radii.device != device:
        raise GridInputError(f"radii are on {radii.device} but coords are on {device}")
    radii = radii.to(dtype)
    per_atom_ok = tuple(radii.shape) == tuple(lead)
    per_type_ok = tuple(radii.shape) == (num_types,)
    if radii_per_type is None and index_types and per_atom_ok:
        radii_per_type = False  # with index types, per-atom radii are the natural reading
    if radii_per_type is None:
        # One atom of one type reads the same either way; otherwise the caller must say.
        if per_atom_ok and per_type_ok and radii.numel() > 1:
            raise GridInputError(
                f"radii of shape {tuple(radii.shape)} could be per atom or per type (there are "
                f"{lead[-1]} atoms and {num_types} types): pass radii_per_type=True or False"
            )
        if not (per_atom_ok or per_type_ok):
            raise GridInputError(
                f"radii must have shape {tuple(lead)} (per atom) or ({num_types},) (per type), "
                f"got {tuple(radii.shape)}"
            )
        radii_per_type = per_type_ok
    elif radii_per_type and not per_type_ok:
        raise GridInputError(f"per-type radii must have shape ({num_types},), got {tuple(radii.shape)}")
    elif not radii_per_type and not per_atom_ok:
        raise GridInputError(f"per-atom radii must have shape {tuple(lead)}, got {tuple(radii.shape)}")

    def bad_radius(bad: torch.Tensor, radii=radii, per_type=radii_per_type) -> None:
        position = _first_bad(bad)
        place = f"type {position[0]}" if per_type else _where(position, batched)
        raise GridInputError(
            f"radii must be 0 (atom off) or between {MIN_RADIUS:g} and {MAX_RADIUS:g} Å; {place} has "
            f"{radii[position].item()!r}"
        )

    def radius_out_of_range(radii=radii) -> torch.Tensor:
        return ~((radii == 0) | ((radii >= MIN_RADIUS) & (radii <= MAX_RADIUS)))  # NaN included

    checks.add(radius_out_of_range, bad_radius)
    radii = radii * radius_scale

    center = _as_tensor("center", center, device).to(device=device, dtype=dtype)
    batch = coords.shape[0] if batched else 1
    if center.shape == (3,):
        center = center.expand(batch, 3)
    elif not (batched and center.shape == (batch, 3)):
        expected = f"(3,) or ({batch}, 3)" if batched else "(3,)"
        raise GridInputError(f"center must have shape {expected}, got {tuple(center.shape)}")
    _check_finite(checks, "center", center, False, atom_axes=False, bound=MAX_COORDINATE)
    if check_values or device.type == "cpu":
        checks.run()  # before any value is used as an index

    if not batched:
        coords, types = coords[None], types[None]
        if not radii_per_type:
            radii = radii[None]
    rel = coords - center[:, None, :]
    if index_types:
        weights = (types >= 0).to(dtype)[..., None]
        base = types.clamp(min=0)
        if radii_per_type:  # index types with per-type radii: each atom takes its type's radius
            radii = radii[base]
            radii_per_type = False
    else:
        weights = types
        base = torch.zeros(types.shape[:-1], dtype=torch.long, device=device)
    if radii_per_type:
        radii = radii.reshape(1, num_types)
    atoms = AtomBatch(
        rel=rel,
        base=base,
        weights=weights,
        radii=radii,
        per_type=bool(radii_per_type),
        num_types=num_types,
        index_types=index_types,
    )
    return atoms, batched
