"""The hardware a run really used: the device its published device-hours were counted on.

A model config composes its own hardware (``override /hardware: ...`` in its defaults list). An
estimate on any other hardware (``hardware=`` on the command line, a sweep, a table row's
``hardware:``) is a what-if, whose device-hours follow the work (carbonspec.device_hours). Both
the Hydra layer and the tables ask here, so the two agree on which hardware is the run's own.
"""

from __future__ import annotations

from carbonspec import catalog
from carbonspec.schema import Hardware


def own_hardware(model_key: str) -> tuple[str, Hardware]:
    """The model's own hardware, by name and as its typed config."""
    key = catalog.model_choice(model_key).hardware
    return key, hardware(key)


def hardware(key: str) -> Hardware:
    """A hardware config, typed: packaged files straight from the YAML (the test suite checks
    them against the schema), a user's own validated."""
    if catalog.is_packaged("hardware", key):
        return catalog.load_fast("hardware", key)
    return catalog.load("hardware", key)
