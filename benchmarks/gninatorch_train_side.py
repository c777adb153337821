"""gnina-torch's half of ``bench_train.py``: train Default2018 with GNINA's recipe through libmolgrid and
gnina-torch, then evaluate on the held-out set. Runs in the oracle environment (molgrid, gninatorch):

    ORACLE_PYTHON gninatorch_train_side.py TRAIN.types TEST.types DATA_ROOT OUT.json STEPS BATCH SEED [DEVICE]

A plain loop (gnina-torch's Ignite extras are not needed): libmolgrid's ExampleProvider, balanced and
stratified by receptor, structures cached; its GridMaker with a random rotation and up to 6 Å random
translation; gnina-torch's ``Default2018Affinity`` with its Xavier initialisation; SGD (lr 0.01, momentum
0.9, weight decay 0.001); gnina-torch's pose NLL plus its pseudo-Huber affinity loss (δ 4, no penalty)
scaled by 0.1, GNINA's Caffe scale; gradient norm clipped at 10. On DEVICE ``cuda`` libmolgrid grids on the
GPU and the model trains there (the data time is then the host's time to queue the gridding). It imports
nothing from voxbind.
"""

import json
import sys
import time

import molgrid
import numpy as np
import torch
from gninatorch.losses import AffinityLoss, ScaledNLLLoss
from gninatorch.models import Default2018Affinity, weights_and_biases_init
from torch import nn

#: Steps run before the timing starts (as on voxbind's side).
WARM_UP = 10


def auc(labels, scores):
    """ROC AUC with ties counted half (Mann–Whitney)."""
    labels = np.asarray(labels) > 0
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = np.asarray(scores)[order]
    start = 0
    while start < len(order):  # average ranks of ties
        end = start
        while end + 1 < len(order) and sorted_scores[end + 1] == sorted_scores[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2 + 1
        start = end + 1
    pos, neg = labels.sum(), (~labels).sum()
    return float((ranks[labels].sum() - pos * (pos + 1) / 2) / (pos * neg))


def main(train, test, root, out, steps, batch_size, seed, device="cpu") -> None:
    device = torch.device(device)
    molgrid.set_gpu_enabled(device.type == "cuda")
    molgrid.set_random_seed(seed)
    torch.manual_seed(seed)
    np.random.seed(seed)
    provider = molgrid.ExampleProvider(
        data_root=root, balanced=True, shuffle=True, stratify_receptor=True, default_batch_size=batch_size,
        cache_structs=True,
    )  # fmt: skip
    provider.populate(train)
    gmaker = molgrid.GridMaker(resolution=0.5, dimension=23.5)
    dims = gmaker.grid_dimensions(provider.num_types())
    model = Default2018Affinity(dims)
    model.apply(weights_and_biases_init)
    model = model.to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=0.001)
    pose_loss = ScaledNLLLoss()
    affinity_loss = AffinityLoss(delta=4.0, penalty=0.0, pseudo_huber=True, scale=0.1)
    grids = torch.zeros((batch_size, *dims), device=device)
    labels, affinities = torch.zeros(batch_size, device=device), torch.zeros(batch_size, device=device)
    data_seconds, losses = 0.0, []
    model.train()
    for step in range(steps):
        if step == WARM_UP:  # first reads of the structures done: time the rest
            started, data_seconds = time.perf_counter(), 0.0
        t0 = time.perf_counter()
        batch = provider.next_batch(batch_size)
        gmaker.forward(batch, grids, random_translation=6.0, random_rotation=True)
        batch.extract_label(0, labels)
        batch.extract_label(1, affinities)
        data_seconds += time.perf_counter() - t0
        optimizer.zero_grad()
        log_pose, affinity = model(grids)
        loss = pose_loss(log_pose, labels.long()) + affinity_loss(affinity, affinities)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        optimizer.step()
        losses.append(float(loss.detach()))  # waits for the step, as GNINA's own loop does
    seconds = time.perf_counter() - started
    metrics = evaluate(model, test, root, gmaker, dims, device)
    result = {
        "steps": steps, "timed_steps": steps - WARM_UP, "seconds": seconds, "data_seconds": data_seconds,
        "first_loss": float(np.mean(losses[:20])), "last_loss": float(np.mean(losses[-20:])), **metrics,
    }  # fmt: skip
    with open(out, "w") as handle:
        json.dump(result, handle)


def evaluate(model, test, root, gmaker, dims, device) -> dict:
    """Pose AUC, and affinity RMSE / Pearson over the poses with a positive affinity label, every test
    example once, without augmentation."""
    provider = molgrid.ExampleProvider(data_root=root, default_batch_size=1, cache_structs=True)
    provider.populate(test)
    scores, predicted, pose_labels, affinity_labels = [], [], [], []
    label, affinity = torch.zeros(1, device=device), torch.zeros(1, device=device)
    grid = torch.zeros((1, *dims), device=device)
    model.eval()
    with torch.no_grad():
        for _ in range(provider.size()):
            batch = provider.next_batch(1)
            gmaker.forward(batch, grid)
            batch.extract_label(0, label)
            batch.extract_label(1, affinity)
            log_pose, out = model(grid)
            scores.append(float(torch.exp(log_pose[0, 1])))
            predicted.append(float(out.reshape(-1)[0]))
            pose_labels.append(float(label))
            affinity_labels.append(float(affinity))
    affinity_labels, predicted = np.array(affinity_labels), np.array(predicted)
    known = affinity_labels > 0
    rmse = float(np.sqrt(np.mean((affinity_labels[known] - predicted[known]) ** 2)))
    pearson = float(np.corrcoef(affinity_labels[known], predicted[known])[0, 1])
    return {"auc": auc(pose_labels, scores), "rmse": rmse, "pearson": pearson, "examples": len(scores)}


if __name__ == "__main__":
    a = sys.argv
    main(a[1], a[2], a[3], a[4], int(a[5]), int(a[6]), int(a[7]), *a[8:9])
