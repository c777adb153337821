"""Checking a device name a user gave (``--device``, ``device=``) before any work is queued on it."""

from __future__ import annotations

import torch

from .errors import InvalidArgumentError


def checked_device(name: str | torch.device) -> torch.device:
    """The device ``name`` names (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ...), once a tensor fits on it.

    Raises:
        InvalidArgumentError: a malformed name, or a device this machine or this PyTorch build lacks.
    """
    try:
        device = torch.device(name)
        torch.empty(0, device=device)
    except (RuntimeError, AssertionError, ValueError) as err:  # torch's errors for each kind of miss
        text = str(err).strip()
        reason = text.splitlines()[0].split(". ")[0] if text else type(err).__name__
        raise InvalidArgumentError(f"device {str(name)!r} cannot be used here: {reason}") from None
    return device
