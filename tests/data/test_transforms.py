"""Random rotations (uniform over SO(3)), translations, reproducibility and mapping gradients back."""

from __future__ import annotations

import numpy as np
import torch
from scipy import stats

from voxbind import GridMaker
from voxbind.data import (
    ComplexDataset,
    ExampleSampler,
    GridCollate,
    RandomTransform,
    Transform,
    random_rotation,
)

from ..conftest import shared_data


def test_rotations_are_proper_and_rotated_vectors_uniform_on_the_sphere():
    rng = np.random.default_rng(0)
    rotations = np.stack([random_rotation(rng) for _ in range(4000)])
    np.testing.assert_allclose(
        rotations @ rotations.transpose(0, 2, 1), np.broadcast_to(np.eye(3), rotations.shape), atol=1e-12
    )
    np.testing.assert_allclose(np.linalg.det(rotations), 1.0, atol=1e-12)
    for axis in np.eye(3):
        v = rotations @ axis
        # uniform on the sphere: z uniform on [-1, 1] (Archimedes) and the azimuth uniform on [-pi, pi)
        assert stats.kstest(v[:, 2], stats.uniform(loc=-1, scale=2).cdf).pvalue > 1e-3
        azimuth = np.arctan2(v[:, 1], v[:, 0])
        assert stats.kstest(azimuth, stats.uniform(loc=-np.pi, scale=2 * np.pi).cdf).pvalue > 1e-3
    # Haar measure: the rotation angle has density (1 - cos a) / pi on [0, pi]
    angle = np.arccos(np.clip((np.trace(rotations, axis1=1, axis2=2) - 1) / 2, -1, 1))
    cdf = lambda a: (a - np.sin(a)) / np.pi  # noqa: E731
    assert stats.kstest(angle, cdf).pvalue > 1e-3


def test_translation_bounds_and_inverse():
    transform = RandomTransform(translate=2.0, seed=4)
    shifts = np.stack([transform(np.zeros(3), i).translation for i in range(500)])
    assert np.abs(shifts).max() <= 2.0
    assert np.abs(shifts).max() > 1.8
    motion = transform((1.0, 2.0, 3.0), 7)
    x = np.random.default_rng(1).normal(size=(20, 3))
    np.testing.assert_allclose(motion.invert(motion.apply(x)), x, atol=1e-12)
    center = motion.apply(np.array([[1.0, 2.0, 3.0]]))[0]
    np.testing.assert_allclose(center, np.array([1.0, 2.0, 3.0]) + motion.translation)  # rotation about it


def test_gradients_map_back_to_the_original_frame():
    motion = RandomTransform(translate=1.0, seed=0)(np.array([0.5, -1.0, 2.0]), 3)
    x = torch.randn(10, 3, dtype=torch.float64, requires_grad=True)
    weights = torch.randn(10, 3, dtype=torch.float64)
    rotation = torch.as_tensor(motion.rotation)
    center = torch.as_tensor(motion.center)
    moved = (x - center) @ rotation.T + center + torch.as_tensor(motion.translation)
    (moved * weights).sum().backward()
    torch.testing.assert_close(motion.gradient_to_original(weights), x.grad)
    np.testing.assert_allclose(motion.gradient_to_original(weights.numpy()), x.grad.numpy())


def test_a_fixed_seed_reproduces_the_batch_with_any_number_of_workers():
    data = shared_data() / "gnina-testdata"
    dataset = ComplexDataset(data / "small.types", data_root=data / "structs")

    def first_batch(workers, seed, start=None):
        loader = torch.utils.data.DataLoader(
            dataset,
            batch_size=4,
            sampler=ExampleSampler(dataset, seed=seed),
            collate_fn=GridCollate(
                GridMaker(resolution=1.0, dimension=12.0), RandomTransform(translate=2.0, seed=seed)
            ),
            num_workers=workers,
            multiprocessing_context=start,
        )
        return next(iter(loader))

    a, b, c = first_batch(0, 9), first_batch(2, 9), first_batch(0, 10)
    # workers that start fresh and receive the dataset pickled (Python 3.14's default on Linux)
    spawned = first_batch(2, 9, "forkserver")
    for other in (b, spawned):
        assert torch.equal(a.indices, other.indices)
        assert torch.equal(a.grids, other.grids)
    assert not torch.equal(a.indices, c.indices)
    assert all(
        np.array_equal(p.rotation, q.rotation) for p, q in zip(a.transforms, b.transforms, strict=True)
    )


def test_identity_transform():
    motion = Transform.identity((1.0, 2.0, 3.0))
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    np.testing.assert_array_equal(motion.apply(x), x)
