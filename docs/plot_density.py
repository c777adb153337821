"""Draw docs/density.png: the density and its first and second derivatives in distance, for G = 1
and for a truncated Gaussian (G = -1.5). ``python docs/plot_density.py [OUTPUT.png]``"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch

from voxbind.grid.density import DensityProfile, radial_derivatives_in_distance


def main(path: Path) -> None:
    d = torch.linspace(0.0, 2.0, 4001, dtype=torch.float64)
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), constrained_layout=True)
    titles = ("density ρ(d)", "dρ/dd", "d²ρ/dd²")
    for g, style in ((1.0, "-"), (-1.5, "--")):
        curves = radial_derivatives_in_distance(d, 1.0, DensityProfile(g))
        for ax, curve in zip(axes, curves, strict=True):
            ax.plot(d, curve, style, label=f"G = {g:g}")
    for ax, title in zip(axes, titles, strict=True):
        ax.set_title(title)
        ax.set_xlabel("distance d / radius r")
        ax.axvline(1.0, color="grey", lw=0.6)
        ax.axvline(1.5, color="grey", lw=0.6, ls=":")
        ax.axhline(0.0, color="black", lw=0.4)
    axes[0].legend()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("density.png"))
