"""Random rigid motions applied to atom coordinates before gridding (data augmentation)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidArgumentError

_EYE = np.eye(3)


def random_rotation(rng: np.random.Generator) -> np.ndarray:
    """A rotation matrix drawn uniformly from SO(3) (Haar measure).

    A unit quaternion with uniformly distributed direction in 4-D (four normal deviates, normalised) gives
    a uniform rotation.

    Returns:
        ``(3, 3)`` float64 proper rotation matrix.
    """
    q = rng.standard_normal(4)
    w, x, y, z = q / np.linalg.norm(q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


@dataclass(frozen=True)
class Transform:
    """``x' = R (x - c) + c + t``: a rotation ``R`` about the grid center ``c``, then a translation ``t``.

    Attributes:
        rotation: ``(3, 3)`` float64.
        translation: ``(3,)`` float64, Å.
        center: ``(3,)`` float64, Å — the grid center the rotation is about.
    """

    rotation: np.ndarray
    translation: np.ndarray
    center: np.ndarray

    @classmethod
    def identity(cls, center) -> Transform:
        return cls(np.eye(3), np.zeros(3), np.asarray(center, dtype=np.float64))

    def apply(self, coords: np.ndarray) -> np.ndarray:
        """``(N, 3)`` coordinates moved by the transform (same dtype as the input; the input itself for
        the identity)."""
        if not self.translation.any() and np.array_equal(self.rotation, _EYE):
            return coords
        c = self.center
        moved = (coords.astype(np.float64) - c) @ self.rotation.T + c + self.translation
        return moved.astype(coords.dtype, copy=False)

    def invert(self, coords: np.ndarray) -> np.ndarray:
        """``(N, 3)`` coordinates moved back: ``invert(apply(x)) == x``."""
        c = self.center
        back = (coords.astype(np.float64) - c - self.translation) @ self.rotation + c
        return back.astype(coords.dtype, copy=False)

    def gradient_to_original(self, grad):
        """Map gradients with respect to transformed coordinates ``(..., 3)`` (numpy or torch) back to the
        original frame: ``dL/dx = R^T dL/dx'`` (translation does not change gradients)."""
        if isinstance(grad, np.ndarray):
            return grad @ self.rotation.astype(grad.dtype)
        import torch

        return grad @ torch.as_tensor(self.rotation, dtype=grad.dtype, device=grad.device)


class RandomTransform:
    """Uniform random rotation about the grid center and uniform random translation.

    Args:
        rotate: draw a uniform rotation from SO(3).
        translate: the largest shift in Å along each axis (each component uniform in
            ``[-translate, translate]``, as libmolgrid does); 0 for none.
        seed: base seed. The motion of an example depends only on ``(seed, epoch, index)``, so a batch is
            reproduced exactly whatever the number of ``DataLoader`` workers.
    """

    def __init__(self, rotate: bool = True, translate: float = 0.0, seed: int = 0):
        if translate < 0:
            raise InvalidArgumentError(f"translate must be >= 0 Å, not {translate}")
        self.rotate = rotate
        self.translate = float(translate)
        self.seed = int(seed)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __call__(self, center, index: int) -> Transform:
        rng = np.random.default_rng([self.seed, self.epoch, int(index) & 0xFFFFFFFF, 0x5EED])
        rotation = random_rotation(rng) if self.rotate else np.eye(3)
        translation = rng.uniform(-self.translate, self.translate, 3) if self.translate else np.zeros(3)
        return Transform(rotation, translation, np.asarray(center, dtype=np.float64))

    def __repr__(self) -> str:
        return f"RandomTransform(rotate={self.rotate}, translate={self.translate}, seed={self.seed})"
