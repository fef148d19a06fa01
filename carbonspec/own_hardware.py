"""The hardware a run really used: the device its published device-hours were counted on.

A model config composes its own hardware (``override /hardware: ...`` in its defaults list; a
``# @package _global_`` model may also set some of its fields, ``hardware.power_w``). An
estimate on any other hardware (``hardware=`` on the command line, a sweep, a table row's
``hardware:``) is a what-if, whose device-hours follow the work (carbonspec.device_hours). The
Hydra layer, the Python API and the tables all ask here, so they agree on which hardware is the
run's own: the one Hydra composes for ``model=<model>`` alone.
"""

from __future__ import annotations

from carbonspec import catalog
from carbonspec.schema import Hardware


def own_hardware(model_key: str) -> tuple[str, Hardware]:
    """The model's own hardware, by name and as its typed config, as Hydra composes
    ``model=<model_key>``."""
    try:
        composed = catalog.compose({"model": model_key})
    except catalog.Unsupported:
        # a user's model file that only Hydra composes (an interpolation, say): the hardware
        # its defaults list names, else the primary config's
        key = catalog.model_choice(model_key).hardware
        return key, catalog.load("hardware", key)
    return str(composed.choices["hardware"]), composed.typed("hardware")
