"""Training one affinity per compound from all its poses (``voxbind train --combine ...``)."""

from __future__ import annotations

import torch

from ..combine import MultiPoseModel, combination, dg_to_pk
from ..data import GroupedSampler
from .evaluation import compound_targets, pose_dg
from .trainer import StepLog, Trainer


class MultiPoseTrainer(Trainer):
    """Trains on groups (compounds) of poses: the model's per-pose affinities are combined as free energies
    by ``config.combine`` and fitted to the compound's affinity (the largest ``|affinity label|`` of its
    poses) with a squared error; memory per :class:`~voxbind.combine.MultiPoseModel` strategy. Mixed
    precision on a GPU as :class:`Trainer`; evaluation gives RMSE, Pearson and Spearman per compound."""

    def __init__(self, config):
        super().__init__(config)
        self.pool = 1  # (poses go through MultiPoseModel, which calls the model on plain grids)
        self.combination = combination(config.combine, config.temperature)
        self.multi = MultiPoseModel(self.net, self.combination, config.strategy, pose_output=pose_dg)

    def _sampler(self):
        c = self.config
        groups = self.train_set.types.groups
        return GroupedSampler(groups, c.max_poses, seed=c.seed, num_replicas=self.world, rank=self.rank)

    def train_step(self, batch) -> StepLog:
        self.net.train()
        batch = self._grids(batch, self.half)
        target, known = compound_targets(batch, self.config.affinity_column)
        with self._autocast():
            combined = self.multi(batch.grouped(batch.grids), batch.grouped(batch.mask)).combined
        predicted = dg_to_pk(combined.float())
        loss = torch.where(known, (predicted - target) ** 2, 0.0).mean()
        return self.update(loss, {"loss": loss, "pose": loss.new_zeros(()), "affinity": loss})
