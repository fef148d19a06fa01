"""Beyond the electricity's CO2: the hardware's embodied carbon and the run's water.

Each picks its inputs (a device's published manufacturing footprint or the sourced default; the
site's WUE for the year, else the provider's, else an industry figure; the water intensity of
the country's or state's electricity) and applies the core's formulas, with a low-high interval
from each input's published range.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from carbonspec import core
from carbonspec.schema import Embodied, Hardware, Provider, Region, Water


@dataclass(frozen=True)
class EmbodiedResult:
    t: core.Range  # low, central, high, tonnes
    device_kg: float
    device_kg_source: str
    scope: str
    per_device_hour_kg: float
    assumptions: dict[str, float]  # lifetime, utilisation, server, devices per server


def embodied(hardware: Hardware, device_hours: core.Range, e: Embodied) -> EmbodiedResult:
    """The run's share of its hardware's manufacturing footprint, low-central-high. The inputs
    are in range and ordered (carbonspec.bounds, checked with the run); each range is widened to
    hold its central value all the same, so the interval always contains the figure."""
    if hardware.embodied_kg is not None:
        device_kg = float(hardware.embodied_kg)
        device_range = (device_kg, device_kg)
        source = hardware.embodied_source or ""
        scope = hardware.embodied_scope or "the device"
    else:
        device_kg = float(e.default_device_kg)
        device_range = (e.default_device_low_kg, e.default_device_high_kg)
        source = (
            f"no figure published for {hardware.name}: the default, {e.default_device_kg_source}"
        )
        scope = "the accelerator alone (default)"
    server, per_server = float(e.server_kg), float(e.devices_per_server)
    life, use = float(e.lifetime_years), float(e.utilisation)
    kg = core.ordered((device_range[0], device_kg, device_range[1]))
    hours = core.ordered(device_hours)
    # embodied grows with the device's footprint and the hours, shrinks with lifetime and use
    lives = core.ordered((e.lifetime_low_years, life, e.lifetime_high_years))
    uses = core.ordered((e.utilisation_low, use, e.utilisation_high))

    def tonnes(i: int, j: int) -> float:  # kg and hours at their i-th, lifetime and use at j-th
        return (
            core.embodied_kg(hours[i], kg[i], server, per_server, lives[j], uses[j]) / core.KG_PER_T
        )

    return EmbodiedResult(
        (tonnes(0, 2), tonnes(1, 1), tonnes(2, 0)),
        device_kg,
        source,
        scope,
        core.embodied_kg(1.0, device_kg, server, per_server, life, use),
        {
            "lifetime_years": life,
            "utilisation": use,
            "server_kg": server,
            "devices_per_server": per_server,
        },  # fmt: skip
    )


@dataclass(frozen=True)
class WaterResult:
    onsite_l: core.Range
    offsite_l: core.Range
    total_l: core.Range
    wue: float
    wue_source: str
    ewif: float
    ewif_source: str
    kind: str


@dataclass(frozen=True)
class Figure:
    value: float
    source: str
    low: float  # the published range where the figure is a default, else the figure itself
    high: float


def wue_of(region: Region, provider: Provider, year: int | None, w: Water) -> Figure:
    """On-site WUE: the region's for the year, else the provider's fleet figure, else default."""
    if region.wue_years:
        entry, note = core.entry_for_year(region.wue_years, year)
        source = entry.source + (f" ({note})" if note else "")
        return Figure(entry.value, source, entry.value, entry.value)
    if provider.wue is not None:
        source = f"{provider.name} fleet: {provider.wue_source}"
        return Figure(provider.wue, source, provider.wue, provider.wue)
    source = f"no figure published for the site or its operator: {w.default_wue_source}"
    return Figure(w.default_wue, source, w.wue_low, w.wue_high)


def ewif_of(region: Region, w: Water) -> Figure:
    """The water intensity of the electricity where the run was: its US state's, its
    country's, else the US average with the US states' spread."""
    by_place = {entry.where: entry for entry in w.ewif}
    for where in (f"{region.iso3}/{region.state}", region.iso3):
        if where in by_place:
            entry = by_place[where]
            return Figure(entry.l_per_kwh, entry.source, entry.l_per_kwh, entry.l_per_kwh)
    source = f"no figure for {region.country or 'this site'}: {w.ewif_default_source}"
    return Figure(w.ewif_default, source, w.ewif_low, w.ewif_high)


def water(
    energy_kwh: core.Range, pue: core.Range, region: Region, provider: Provider,
    year: int | None, w: Water,
) -> WaterResult:  # fmt: skip
    wue, ewif = wue_of(region, provider, year, w), ewif_of(region, w)
    # in range where they come from (carbonspec.bounds); ordered so the interval holds the figure
    wues = core.ordered((wue.low, wue.value, wue.high))
    ewifs = core.ordered((ewif.low, ewif.value, ewif.high))
    litres = [core.water_litres(energy_kwh[i], pue[i], wues[i], ewifs[i]) for i in range(3)]
    onsite, offsite = tuple(pair[0] for pair in litres), tuple(pair[1] for pair in litres)
    total = tuple(onsite[i] + offsite[i] for i in range(3))
    return WaterResult(
        onsite, offsite, total, wue.value, wue.source, ewif.value, ewif.source, w.kind,  # type: ignore[arg-type]
    )  # fmt: skip


FIELDS = (
    "embodied_emissions_t", "embodied_emissions_t_low", "embodied_emissions_t_high",
    "total_emissions_t", "total_emissions_t_low", "total_emissions_t_high",
    "embodied_device_kg", "embodied_source", "embodied_scope", "embodied_lifetime_years",
    "embodied_utilisation", "embodied_server_kg", "embodied_devices_per_server",
    "water_onsite_l", "water_offsite_l", "water_l", "water_l_low", "water_l_high",
    "wue_l_per_kwh", "wue_source", "ewif_l_per_kwh", "ewif_source", "water_kind",
)  # fmt: skip


def with_range(name: str, low_central_high: core.Range) -> dict[str, float]:
    """A figure and its interval as three JSON fields: name, name_low, name_high."""
    low, central, high = low_central_high
    return {name: central, f"{name}_low": low, f"{name}_high": high}


def fields(
    e: EmbodiedResult | None, w: WaterResult | None, operational: core.Range
) -> dict[str, Any]:
    """The JSON fields of the footprint beyond operational CO2 (None where not computed: no
    embodied carbon for a measured run without device-hours, its water still)."""
    if w is None:
        return dict.fromkeys(FIELDS)
    water = {
        "water_onsite_l": w.onsite_l[1],
        "water_offsite_l": w.offsite_l[1],
        **with_range("water_l", w.total_l),
        "wue_l_per_kwh": w.wue,
        "wue_source": w.wue_source,
        "ewif_l_per_kwh": w.ewif,
        "ewif_source": w.ewif_source,
        "water_kind": w.kind,
    }
    if e is None:
        return dict.fromkeys(FIELDS) | water
    total = (operational[0] + e.t[0], operational[1] + e.t[1], operational[2] + e.t[2])
    return {
        **with_range("embodied_emissions_t", e.t),
        "embodied_device_kg": e.device_kg,
        "embodied_source": e.device_kg_source,
        "embodied_scope": e.scope,
        **{f"embodied_{k}": v for k, v in e.assumptions.items()},
        **with_range("total_emissions_t", total),
        **water,
    }
