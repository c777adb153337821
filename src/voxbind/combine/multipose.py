"""One prediction per compound from many poses, with or without holding every pose's graph."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import torch
from torch import nn

from .._choices import STRATEGIES, check_choice
from ..errors import InvalidArgumentError
from .combinations import Combination


class MultiPoseOutput(NamedTuple):
    """Attributes: ``combined`` ``(B,)`` ΔG per compound; ``per_pose`` ``(B, N)`` ΔG_n (0 where masked)."""

    combined: torch.Tensor
    per_pose: torch.Tensor


def _values(pose_model: nn.Module, readout: Callable | None, x: torch.Tensor) -> torch.Tensor:
    out = pose_model(x)
    if readout is not None:
        out = readout(out)
    if not isinstance(out, torch.Tensor):
        raise InvalidArgumentError(
            "the pose model must return a tensor of ΔG (or pass pose_output= to pick it)"
        )
    return out.reshape(x.shape[0])


class _RNG:
    """The random state before a pose's forward, so that recomputing it sees the same randomness."""

    def __init__(self, device: torch.device):
        self.cpu = torch.get_rng_state()
        self.cuda = torch.cuda.get_rng_state(device) if device.type == "cuda" else None
        self.device = device

    def restore(self) -> None:
        torch.set_rng_state(self.cpu)
        if self.cuda is not None:
            torch.cuda.set_rng_state(self.cuda, self.device)


def _autocast_as_now(device: torch.device) -> torch.autocast:
    """An autocast context as the one in force now (mixed precision or none), to recompute a forward
    the way it first ran."""
    kind = device.type
    return torch.autocast(kind, dtype=torch.get_autocast_dtype(kind), enabled=torch.is_autocast_enabled(kind))


class _Rows:
    """The real poses of ``(B, N, ...)`` inputs, in compound order, as views (no copy of the inputs)."""

    def __init__(self, poses: torch.Tensor, mask: torch.Tensor, chunk: int):
        self.poses = poses
        self.count = int(mask.sum())
        self.chunks: list[tuple[int, int, int]] = []  # (compound, first pose, end pose)
        for b, row in enumerate(mask.tolist()):
            real = [n for n, keep in enumerate(row) if keep]
            start = 0
            while start < len(real):
                stop = start + 1
                while stop < len(real) and stop - start < chunk and real[stop] == real[stop - 1] + 1:
                    stop += 1
                self.chunks.append((b, real[start], real[stop - 1] + 1))
                start = stop

    def __iter__(self):
        for b, first, end in self.chunks:
            yield self.poses[b, first:end]


class _PerPose(torch.autograd.Function):
    """Per-pose ΔG of ``rows`` (``(P, ...)`` poses) without keeping their graphs.

    ``split``: each pose's graph is built and differentiated at once in the forward, keeping
    ``∂ΔG_n/∂θ``; the backward returns ``Σ_n g_n ∂ΔG_n/∂θ``. ``recompute``: the forward keeps nothing; the
    backward rebuilds each pose's graph and back-propagates it with its weight ``g_n``.
    """

    @staticmethod
    def forward(ctx, rows, owner, strategy, *params):
        model, readout = owner
        ctx.owner, ctx.strategy, ctx.rows, ctx.params = owner, strategy, rows, params
        ctx.autocast = _autocast_as_now(rows.poses.device)
        values, grads, states = [], [], []
        for x in rows:
            states.append(_RNG(x.device))
            if strategy == "split":
                with torch.enable_grad():
                    value = _values(model, readout, x)
                    per = [
                        torch.autograd.grad(
                            value[k], params, retain_graph=k + 1 < value.shape[0], allow_unused=True
                        )
                        for k in range(value.shape[0])
                    ]
                grads.extend(per)
                values.append(value.detach())
            else:
                values.append(_values(model, readout, x))
        ctx.grads, ctx.states = grads, states
        return torch.cat(values)

    @staticmethod
    def backward(ctx, upstream):
        model, readout = ctx.owner
        params = ctx.params
        total = [None] * len(params)

        def add(k, g):  # in place: two copies of the parameters at most, whatever the pose count
            if g is None:
                return
            if total[k] is None:
                total[k] = g.clone()
            else:
                total[k].add_(g)

        if ctx.strategy == "split":
            for n, per in enumerate(ctx.grads):
                weight = upstream[n]
                if weight != 0:
                    for k, g in enumerate(per):
                        add(k, None if g is None else weight * g)
        else:
            start = 0
            for state, x in zip(ctx.states, ctx.rows, strict=True):
                weight = upstream[start : start + x.shape[0]]
                start += x.shape[0]
                if not bool((weight != 0).any()):
                    continue
                current = _RNG(x.device)
                state.restore()
                with torch.enable_grad(), ctx.autocast:
                    value = _values(model, readout, x)
                    grads = torch.autograd.grad(value, params, grad_outputs=weight, allow_unused=True)
                current.restore()
                for k, g in enumerate(grads):
                    add(k, g)
                del value, grads  # free this pose's gradients before the next pose's graph
        return (None, None, None, *total)


class MultiPoseModel(nn.Module):
    """A per-pose model and a :class:`~voxbind.combine.Combination`: one ΔG per compound.

    Args:
        pose_model: maps a batch of poses ``(P, ...)`` (grids or any tensor input) to ``(P,)`` ΔG in kT
            units — free energies, never converted values such as pIC50 (convert the *combined* ΔG).
        combination: :class:`Mean`, :class:`SmoothMax` or :class:`Boltzmann`.
        strategy: ``"full"`` (plain autograd over all poses: memory grows with N), ``"split"`` (each
            pose's graph built and differentiated at once; N copies of the parameter gradients),
            ``"recompute"`` (no graph kept; each pose's graph rebuilt in the backward: one extra forward
            per pose), or ``"auto"``: ``split`` when N copies of the parameters take less memory than one
            pose's saved activations, else ``recompute`` (measured once per input shape).
        pose_output: picks ΔG from the pose model's output (e.g. ``lambda out: out.affinity``).
        chunk: poses per forward in ``split``/``recompute`` and under ``torch.no_grad()``.

    ``forward(poses, mask)``: ``poses`` ``(B, N, ...)``, ``mask`` ``(B, N)`` bool (``None``: all real).
    Gradients reach the pose model's parameters (accumulated into ``.grad`` like any module, so several
    compounds can be accumulated before an optimiser step); parameters the pose model does not use get
    none. Under ``torch.no_grad()`` poses are evaluated ``chunk`` at a time and nothing is kept.
    """

    def __init__(
        self,
        pose_model: nn.Module,
        combination: Combination,
        strategy: str = "auto",
        *,
        pose_output: Callable | None = None,
        chunk: int = 1,
    ):
        super().__init__()
        check_choice("strategy", strategy, STRATEGIES)
        if chunk < 1:
            raise InvalidArgumentError(f"chunk must be >= 1, not {chunk}")
        self.pose_model = pose_model
        self.combination = combination
        self.strategy = strategy
        self.pose_output = pose_output
        self.chunk = chunk
        self._activation_bytes: dict[tuple, int] = {}

    def forward(self, poses: torch.Tensor, mask: torch.Tensor | None = None) -> MultiPoseOutput:
        batch, count = poses.shape[:2]
        if mask is None:
            mask = torch.ones(batch, count, dtype=torch.bool, device=poses.device)
        mask = mask.to(torch.bool)
        values = self._per_pose(poses, mask)
        per_pose = torch.zeros(batch, count, dtype=values.dtype, device=values.device).masked_scatter(
            mask, values
        )
        return MultiPoseOutput(self.combination(per_pose, mask), per_pose)

    def chosen_strategy(self, poses: torch.Tensor, mask: torch.Tensor) -> str:
        """The strategy ``auto`` resolves to for these ``(B, N, ...)`` poses (see the class)."""
        if self.strategy != "auto":
            return self.strategy
        key = tuple(poses.shape[2:])
        if key not in self._activation_bytes:
            self._activation_bytes[key] = self._measure(next(iter(_Rows(poses, mask, self.chunk))))
        params = sum(p.numel() * p.element_size() for p in self.pose_model.parameters() if p.requires_grad)
        copies = int(mask.sum()) * params
        return "split" if copies <= self._activation_bytes[key] else "recompute"

    def _measure(self, sample: torch.Tensor) -> int:
        total = 0

        def pack(t):
            nonlocal total
            total += t.numel() * t.element_size()
            return t

        with torch.enable_grad(), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            _values(self.pose_model, self.pose_output, sample)
        return total

    def _per_pose(self, poses: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``(P,)`` ΔG of the real poses, compound by compound."""
        if not torch.is_grad_enabled():
            rows = _Rows(poses, mask, self.chunk)
            return torch.cat([_values(self.pose_model, self.pose_output, x) for x in rows])
        strategy = self.chosen_strategy(poses, mask)
        if strategy == "full":
            return _values(self.pose_model, self.pose_output, poses[mask])
        if poses.requires_grad:
            raise InvalidArgumentError(
                f"strategy {strategy!r} differentiates parameters only; use 'full' for input gradients"
            )
        params = [p for p in self.pose_model.parameters() if p.requires_grad]
        rows = _Rows(poses, mask, self.chunk)
        if not params:  # nothing to differentiate
            with torch.no_grad():
                return torch.cat([_values(self.pose_model, self.pose_output, x) for x in rows])
        return _PerPose.apply(rows, (self.pose_model, self.pose_output), strategy, *params)
