"""From a composed config to the typed Run: the one assembly every way in shares.

The command line (carbonspec.app, from the config Hydra composed, a sweep's jobs included) and
the Python API (carbonspec.api, from catalog.compose() of the same choices and values, or from
Hydra's compose API) both hand run_of() the group choices and a way to type each group, and get
the same Run by the same rules: the run length a user gives replaces the one it supersedes; a
carbon intensity a user gives is the site's figure, whatever the vintage; hours given are hours
on the hardware asked for, else the run's own hardware is the model's (its device-hours follow
the work to any other). Tables build a row's Run from catalog.compose() by the same hardware
rule (carbonspec.tables.run_for).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Set
from dataclasses import replace
from typing import Any

from carbonspec import core
from carbonspec.core import NotEstimable
from carbonspec.estimation import Run
from carbonspec.own_hardware import own_hardware
from carbonspec.schema import Hardware, Model, Region, Settings

RUN_FACTS = ("model.device_hours", "model.devices", "model.hours")
ASSUMPTIONS = ("embodied", "water", "compute", "power")


def run_of(
    chosen: Mapping[str, Any],
    typed: Callable[[str], Any],
    settings: Settings,
    given: Set[str],
    deleted: Set[str] = frozenset(),
    intensity_missing: bool = False,
) -> Run:
    """The Run of a composed config. ``chosen``: each group's option; ``typed(group)``: the
    group as its typed object; ``given``: the keys the command line set or left out (``~key``,
    also in ``deleted``); ``intensity_missing``: the region's carbon_intensity is still
    mandatory (``???``, a custom site)."""
    if intensity_missing:
        raise NotEstimable(
            "region.carbon_intensity",
            None,
            f"is required for region={chosen['region']} (give region.carbon_intensity=<gCO2eq/kWh>,"
            " and optionally region.pue=<PUE>)",
        )
    given_values = set(given) - set(deleted)
    model = with_run_length(
        typed("model"), {k.split(".")[1] for k in given_values if k in RUN_FACTS}
    )
    region = typed("region")
    if "region.carbon_intensity" in given_values:
        region = site_figure(region)
    hardware = typed("hardware")
    run_hardware_key, run_hardware = run_hardware_of(
        chosen["model"], chosen["hardware"], hardware, bool(set(given) & set(RUN_FACTS))
    )
    return Run(
        model_key=chosen["model"],
        model=model,
        hardware_key=chosen["hardware"],
        hardware=hardware,
        region_key=chosen["region"],
        region=region,
        provider_key=chosen["provider"],
        provider=typed("provider"),
        uncertainty=typed("uncertainty"),
        method=settings.method,
        grid=settings.grid,
        pue=settings.pue,
        **{group: typed(group) for group in ASSUMPTIONS},
        run_hardware_key=run_hardware_key,
        run_hardware=run_hardware,
    )


def with_run_length(model: Model, facts: Set[str]) -> Model:
    """The model with the run-length facts a user gave (device_hours, devices, hours): of the
    three, one follows from the other two, so the one not given is dropped."""
    dropped = core.superseded(set(facts))
    return replace(model, **dict.fromkeys(dropped)) if dropped else model


def site_figure(region: Region) -> Region:
    """A figure the user gives for the site is the site's figure, whatever the vintage."""
    return replace(
        region,
        grid_years=[],
        in_calculator=False,
        carbon_intensity_year=None,
        carbon_intensity_source="given on the command line",
    )


def run_hardware_of(
    model_key: str, hardware_key: str, hardware: Hardware, hours_given: bool
) -> tuple[str, Hardware]:
    """The hardware the run's device-hours are counted on: hours given with the run are hours
    on the hardware asked for; else the model's own (carbonspec.own_hardware)."""
    if hours_given:
        return hardware_key, hardware
    return own_hardware(model_key)
