"""The package logger: libraries log, they never print."""

from __future__ import annotations

import logging

logger = logging.getLogger("voxbind")
logger.addHandler(logging.NullHandler())
