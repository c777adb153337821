"""Training one affinity per compound from all its poses (``voxbind train --combine ...``)."""

from __future__ import annotations

import numpy as np
import torch

from ..combine import MultiPoseModel, combination, dg_to_pk, pk_to_dg
from ..data import GroupedSampler
from .metrics import pearson, rmse, spearman
from .trainer import StepLog, Trainer


def _pose_dg(prediction) -> torch.Tensor:
    """ΔG (kT) of each pose from a GNINA model's affinity head (pK)."""
    return pk_to_dg(prediction.affinity)


class MultiPoseTrainer(Trainer):
    """Trains on groups (compounds) of poses: the model's per-pose affinities are combined as free energies
    by ``config.combine`` and fitted to the compound's affinity (the largest ``|affinity label|`` of its
    poses) with a squared error; memory per :class:`~voxbind.combine.MultiPoseModel` strategy."""

    def __init__(self, config):
        super().__init__(config)
        self.multi = MultiPoseModel(
            self.net, combination(config.combine, config.temperature), config.strategy, pose_output=_pose_dg
        )

    def _sampler(self):
        c = self.config
        groups = self.train_set.types.groups
        return GroupedSampler(groups, c.max_poses, seed=c.seed, num_replicas=self.world, rank=self.rank)

    def _targets(self, batch) -> tuple[torch.Tensor, torch.Tensor]:
        """Compound affinities (pK) and which compounds have one."""
        labels = batch.grouped(batch.labels[:, self.config.affinity_column]).abs()
        labels = torch.where(batch.grouped(batch.mask), labels, 0.0)
        target = labels.max(dim=1).values
        return target, target > 0

    def _combined(self, batch):
        grids = batch.grouped(batch.grids)
        return self.multi(grids, batch.grouped(batch.mask)).combined

    def train_step(self, batch) -> StepLog:
        self.net.train()
        batch = self._grids(batch)
        target, known = self._targets(batch)
        predicted = dg_to_pk(self._combined(batch))
        loss = torch.where(known, (predicted - target) ** 2, 0.0).mean()
        return self.update(loss, {"loss": loss, "pose": loss.new_zeros(()), "affinity": loss})

    @torch.no_grad()
    def evaluate(self, dataset) -> dict[str, float]:
        """RMSE, Pearson and Spearman of the combined affinity per compound."""
        self.model.eval()
        sampler = GroupedSampler(dataset.types.groups, self.config.max_poses, shuffle=False)
        loader = self._loader(dataset, sampler, None)
        targets, predictions = [], []
        for batch in loader:
            batch = self._grids(batch)
            target, known = self._targets(batch)
            predicted = dg_to_pk(self._combined(batch))
            targets.append(target[known].cpu())
            predictions.append(predicted[known].cpu())
        t, p = torch.cat(targets).numpy(), torch.cat(predictions).numpy()
        return {
            "rmse": rmse(t, p),
            "pearson": pearson(t, p),
            "spearman": spearman(t, p),
            "compounds": float(np.size(t)),
        }
