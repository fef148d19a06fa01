"""Sweeps: placeholder until the sweep summary lands."""

from __future__ import annotations

from hydra.experimental.callback import Callback


class SweepSummary(Callback):
    pass
