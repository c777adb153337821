"""Readouts of a free energy: pKi and Cheng–Prusoff pIC50, checked by hand."""

from __future__ import annotations

import math

import pytest
import torch

from voxbind.combine import Readout, cheng_prusoff_shift, pic50, pki
from voxbind.errors import InvalidArgumentError


def test_pki_of_a_nanomolar_binder():
    dg = torch.tensor([math.log(1e-9)], dtype=torch.float64)  # Ki = 1 nM: ΔG = ln Ki (kT)
    assert pki(dg).item() == pytest.approx(9.0, abs=1e-12)


def test_pic50_is_pki_shifted_by_cheng_prusoff():
    dg = torch.tensor([math.log(1e-8), math.log(1e-6), math.log(1e-7)], dtype=torch.float64)
    substrate = torch.tensor([10.0, 2.0, math.nan], dtype=torch.float64)  # µM
    km = torch.tensor([10.0, 1.0, 5.0], dtype=torch.float64)  # µM
    expected = [8 - math.log10(2), 6 - math.log10(3), 7.0]  # [S] = Km halves the potency; no [S]: none
    assert pic50(dg, substrate, km).tolist() == pytest.approx(expected, abs=1e-12)
    assert cheng_prusoff_shift(substrate, km).tolist() == pytest.approx([math.log10(2), math.log10(3), 0])
    assert pic50(dg).tolist() == pytest.approx([8, 6, 7], abs=1e-12)


def test_per_pose_readouts_broadcast_one_assay_per_compound():
    per_pose = torch.log(torch.tensor([[1e-8, 1e-7], [1e-6, 1e-5]], dtype=torch.float64))
    substrate = torch.tensor([[10.0], [0.0]], dtype=torch.float64)
    km = torch.tensor([[10.0], [1.0]], dtype=torch.float64)
    out = Readout("pic50")(per_pose, substrate, km)
    shift = math.log10(2)
    torch.testing.assert_close(out, torch.tensor([[8 - shift, 7 - shift], [6, 5]], dtype=torch.float64))
    pk = Readout("pki")(per_pose, substrate, km)
    torch.testing.assert_close(pk, torch.tensor([[8.0, 7.0], [6.0, 5.0]], dtype=torch.float64))


def test_readout_gradients_and_unknown_kinds():
    dg = torch.tensor([-20.0], dtype=torch.float64, requires_grad=True)
    pic50(dg, torch.tensor([1.0]), torch.tensor([4.0])).backward()
    assert dg.grad.item() == pytest.approx(-1 / math.log(10))
    with pytest.raises(InvalidArgumentError, match="readout"):
        Readout("kd")
