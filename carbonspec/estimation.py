"""One training run's estimate: chooses the inputs (power, grid figure, PUE) and applies the core.

The result is a flat, JSON-ready dict: the schema every output (text, JSON, tables, sweeps,
model cards) is rendered from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from carbonspec import bounds, core, energy, footprint
from carbonspec.device_hours import (
    DeviceHours,
    device_hours_of_run,
    on_other_hardware,
    precision_of,
)
from carbonspec.schema import (
    Compute,
    Embodied,
    GridKind,
    GridYear,
    Hardware,
    Method,
    Model,
    Power,
    PowerKind,
    Provider,
    Region,
    Uncertainty,
    Water,
)


@dataclass(frozen=True)
class Run:
    """Everything one estimate needs, already composed and typed."""

    model_key: str
    model: Model
    hardware_key: str
    hardware: Hardware
    region_key: str
    region: Region
    provider_key: str
    provider: Provider
    uncertainty: Uncertainty
    method: Method = Method.tdp
    grid: str = "auto"
    pue: float | None = None  # an explicit override, e.g. pue=1.0
    # beyond operational CO2 (method=tdp only): the hardware's embodied carbon, the water, and
    # the compute that gives device-hours where none are published
    embodied: Embodied | None = None
    water: Water | None = None
    compute: Compute | None = None
    # The hardware the run's device-hours were counted on, where it is known: the model config's
    # own, or the hardware given with the hours. On another hardware the hours follow the work
    # (scaled by peak throughput), unless that hardware only stands in for it (the seed's A100
    # for an H100), which keeps them.
    run_hardware_key: str | None = None
    run_hardware: Hardware | None = None
    hardware_stands_in: bool = False
    power: Power | None = None  # accelerators alone (default) or the whole server


class NoGridData(core.NotEstimable):
    """The region has no usable grid figure (a gap in the data set): nothing to estimate there."""


@dataclass(frozen=True)
class GridFigure:
    g_per_kwh: float
    vintage: str  # calculator | latest | <year> | auto | user
    source: str
    year: int | None
    scope: str  # zone | country | site | region (a calculator figure)
    zone: str | None = None
    basis: str | None = None
    note: str | None = None
    others: tuple[float, ...] = ()  # other figures held for the site: the interval's spread
    # The year the site's PUE and WUE should describe (None: the latest): the year asked for,
    # even where the grid figure falls back to an earlier year for want of measured data (AWS
    # published its 2024 PUEs; the 2024 grid figures are projections).
    facility_year: int | None = None


def asked_grid(grid: str, method: Method) -> str:
    """grid=auto means the calculator's own data for method=calculator, else the run's year."""
    if grid == "auto":
        return "calculator" if method is Method.calculator else "auto"
    return grid


def grid_figure(region: Region, method: Method, grid: str, run_year: int | None) -> GridFigure:
    """The grid intensity to use, and which data, year and zone it comes from."""
    asked = asked_grid(grid, method)
    if region.unavailable:
        raise NoGridData("region", region.name, f"has no grid figure: {region.unavailable}")
    if region.carbon_intensity is not None:  # the figure a user sets; check it under its own name
        core.require_intensity("region.carbon_intensity", region.carbon_intensity)
    if region.requires_input or (not region.grid_years and region.carbon_intensity is not None):
        value = core.require_intensity("region.carbon_intensity", region.carbon_intensity)
        return GridFigure(
            value, "user", region.carbon_intensity_source or "", region.carbon_intensity_year,
            "site", facility_year=region.carbon_intensity_year,
        )  # fmt: skip
    series = region.grid_years
    if asked == "calculator" and region.in_calculator:
        value = core.require_intensity("region.carbon_intensity", region.carbon_intensity)
        latest = [e for e in series if e.kind is GridKind.measured][-1:]
        return GridFigure(
            value, "calculator", region.carbon_intensity_source or "",
            region.carbon_intensity_year, "region", basis=region.carbon_intensity_basis,
            others=tuple(e.g_per_kwh for e in latest),
            facility_year=region.carbon_intensity_year,
        )  # fmt: skip
    if not series:
        raise NoGridData("region", region.name, "has no grid figure (grid_years is empty)")
    note = None
    vintage = asked
    if asked == "calculator":
        # a site the calculator does not list: the figure of the run's year, as grid=auto picks
        vintage, wanted = "auto", run_year
        note = "the calculator lists no figure for this site; the run's year is used"
        if run_year is None:
            note = "the calculator lists no figure for this site, and the run's year is not known"
    elif asked == "latest":
        wanted = None
    elif asked == "auto":
        wanted = run_year
        if run_year is None:
            note = "the run's year is not known"
    else:
        wanted = int(asked)
    entry, year_note = grid_entry(series, wanted)
    if wanted is None and note is not None and year_note is None:
        year_note = "the latest measured year is used"
    year = entry.year
    value = core.require_intensity(f"region.grid_years[{year}]", entry.g_per_kwh)
    # the interval's spread: measured neighbouring years, never a projection (a repeat)
    others = [
        e.g_per_kwh for e in series if abs(e.year - year) == 1 and e.kind is not GridKind.projected
    ]
    if entry.production_g_per_kwh is not None:
        others.append(entry.production_g_per_kwh)
    # the calculator's own figure, where it describes about the same year
    calc_year = region.carbon_intensity_year if region.in_calculator else None
    if calc_year is not None and region.carbon_intensity is not None and abs(calc_year - year) <= 1:
        others.append(region.carbon_intensity)
    return GridFigure(
        value,
        vintage,
        entry.source,
        entry.year,
        entry.scope,
        entry.zone,
        entry.basis,
        "; ".join(filter(None, [note, year_note])) or None,
        tuple(others),
        facility_year=wanted,
    )


def grid_entry(series: Sequence[GridYear], wanted: int | None) -> tuple[GridYear, str | None]:
    """The figure for year ``wanted`` (None: the latest) and a note when it is not simply that
    year's measured average.

    A projected year (a data set's later row repeating an earlier year) never stands in for a
    measurement: the nearest earlier measured year is used, and the note says so. The latest is
    the latest measured year. A partial year is used for its own year, labelled as partial."""
    usable = [e for e in series if e.kind is not GridKind.projected] or list(series)
    if wanted is None:
        measured = [e for e in usable if e.kind is GridKind.measured] or usable
        entry, note = measured[-1], None
    else:
        entry, note = core.entry_for_year(usable, wanted)
    # later figures passed over: projections up to the year asked; partial years, for the latest
    passed = [
        e for e in series
        if e.year > entry.year and (
            (e.kind is GridKind.projected and (wanted is None or e.year <= wanted))
            or (e.kind is GridKind.partial and wanted is None)
        )
    ]  # fmt: skip
    notes = [kind_note(e) for e in passed]
    if passed and (wanted is None or wanted in {e.year for e in passed}):
        which = "latest" if wanted is None else "nearest earlier"
        notes.append(f"the {which} measured year, {entry.year}, is used")
    else:
        notes.insert(0, note)
    if entry.kind is not GridKind.measured:
        notes.append(kind_note(entry))
    return entry, "; ".join(filter(None, notes)) or None


def kind_note(entry: GridYear) -> str:
    """What a figure that is not a measured year is: '2024 ... is projected (repeats 2023)'."""
    why = f" ({entry.kind_note})" if entry.kind_note else ""
    if entry.kind is GridKind.projected:
        return f"{entry.year} in the data set is projected{why}, not measured"
    return f"{entry.year} is a {entry.kind.value} year{why}"


def pue_of(run: Run, year: int | None) -> tuple[float, str, int | None]:
    """PUE, its source and year: the override, else the region's for the year (or its single
    figure), else the provider's, else 1.0."""
    if run.pue is not None:
        return core.require_pue("pue", run.pue), "set on the command line", None
    region = run.region
    if region.pue_years:
        entry, note = core.entry_for_year(region.pue_years, year)
        source = entry.source + (f" ({note})" if note else "")
        return core.require_pue(f"region.pue_years[{entry.year}]", entry.value), source, entry.year
    if region.pue is not None:
        return core.require_pue("region.pue", region.pue), region.pue_source or "region", None
    provider = run.provider
    if provider.pue is not None:
        return (
            core.require_pue("provider.pue", provider.pue),
            provider.pue_source or "",
            provider.pue_year,
        )
    return 1.0, f"none published for {provider.name}: 1.0 (no overhead) assumed", None


def power_of(run: Run) -> tuple[float, str]:
    hw = run.hardware
    if run.method is Method.calculator and hw.calculator_power_w is not None:
        power = core.require_positive("hardware.calculator_power_w", hw.calculator_power_w)
        return power, hw.calculator_power_source or ""
    return core.require_positive("hardware.power_w", hw.power_w, core.MAX_POWER_W), hw.power_source


def check_inputs(run: Run) -> None:
    """Every number the run carries, finite and in range, and every low <= central <= high,
    whether or not this method uses it (the ranges: carbonspec.bounds). Each typed object is
    checked once: a table or a by-region run shares the same catalog objects across its rows."""
    for group in bounds.GROUPS:  # model, hardware, region, provider, embodied, water, ...
        obj = getattr(run, group)
        if obj is not None:
            bounds.check(group, obj)
    bounds.check_setting("pue", run.pue)


def power_range(hw: Hardware, power_w: float, unc: Uncertainty) -> tuple[float, float, float]:
    if hw.power_low_w is not None and hw.power_high_w is not None:
        return hw.power_low_w, power_w, hw.power_high_w
    if hw.power_kind is PowerKind.tdp:
        return power_w * unc.tdp_power_low_factor, power_w, power_w * unc.tdp_power_high_factor
    spread = unc.measured_power_spread
    return power_w * (1 - spread), power_w, power_w * (1 + spread)


def pue_range(run: Run, pue: float) -> tuple[float, float, float]:
    if run.pue is not None:
        return pue, pue, pue
    p = run.provider
    if run.region.pue is None and not run.region.pue_years and p.pue is None:
        return 1.0, pue, run.uncertainty.unknown_pue_high
    low = min(pue, p.pue_low) if p.pue_low is not None else pue
    high = max(pue, p.pue_high) if p.pue_high is not None else pue
    return low, pue, high


def intensity_range(figure: GridFigure) -> tuple[float, float, float]:
    """The spread between the figures carbonspec holds for the site: the neighbouring years, the
    production-based figure beside the consumption-based one, the calculator's."""
    figures = [figure.g_per_kwh, *figure.others]
    return min(figures), figure.g_per_kwh, max(figures)


@dataclass(frozen=True)
class MethodResult:
    """What a method computed, before it is laid out for output."""

    footprint: core.Footprint
    pue: float
    pue_source: str
    cleanest_t: float | None  # the same run in the provider's cleanest region
    low_t: float | None = None  # the interval (method=tdp only)
    high_t: float | None = None
    pue_year: int | None = None
    energy_kwh: core.Range | None = None  # facility energy low-central-high, where measured


def by_calculator(
    run: Run, power_w: float, hours: DeviceHours, figure: GridFigure, cleanest: float | None
) -> MethodResult:
    device_hours = hours.central
    region = run.region
    if region.in_calculator:
        fp = core.calculator_footprint(power_w, device_hours, impact_g_per_kwh=figure.g_per_kwh)
        pue, pue_source = 1.0, "the calculator applies no PUE"
    else:
        # A site the calculator does not list: its users type a custom kg/kWh, with the site's
        # PUE folded in when they know it (the seed did this for BLOOM: 57 g x 1.28).
        pue = region.pue if region.pue is not None else 1.0
        pue_source = (
            "folded into the custom intensity, as the seed did"
            if region.pue is not None
            else "the calculator applies no PUE"
        )
        fp = core.calculator_footprint(
            power_w, device_hours, custom_kg_per_kwh=figure.g_per_kwh * pue / core.G_PER_KG
        )
    if run.pue is not None:
        pue_source += f"; pue={run.pue:g} applies to method=tdp only"
    counterfactual = (
        core.calculator_counterfactual_kg(fp.energy_kwh, cleanest) / core.KG_PER_T
        if cleanest is not None
        else None
    )
    return MethodResult(fp, pue, pue_source, counterfactual)


def by_tdp(
    run: Run, power_w: float, hours: DeviceHours, figure: GridFigure, cleanest: float | None
) -> MethodResult:
    pue, pue_source, pue_year = pue_of(run, figure.facility_year)
    fp = core.tdp_footprint(power_w, hours.central, pue, figure.g_per_kwh)
    interval = core.footprint_interval(
        power_range(run.hardware, power_w, run.uncertainty),
        (hours.low, hours.central, hours.high),
        pue_range(run, pue),
        intensity_range(figure),
    )
    counterfactual = (
        fp.energy_kwh * cleanest / core.G_PER_KG / core.KG_PER_T if cleanest is not None else None
    )
    return MethodResult(
        fp,
        pue,
        pue_source,
        counterfactual,
        interval.low / core.KG_PER_T,
        interval.high / core.KG_PER_T,
        pue_year,
    )


def by_measured(
    run: Run,
    measured: energy.Measured,
    host_kwh: core.Range | None,
    figure: GridFigure,
    cleanest: float | None,
) -> MethodResult:
    """A measured energy (and, for power.scope=server, the host's estimated share beside a
    measured accelerator energy) x PUE where the facility is not in it x the grid. The interval
    is the measurement's accuracy, the PUE range and the grid-data range."""
    pue, pue_source, pue_year = pue_of(run, figure.facility_year)
    pues = (1.0, 1.0, 1.0) if measured.includes_facility else core.ordered(pue_range(run, pue))
    if measured.includes_facility:
        pue_source = f"not applied: the measured energy includes the facility ({pue_source})"
    it = core.ordered(measured.range)
    if host_kwh is not None:
        it = tuple(it[i] + core.ordered(host_kwh)[i] for i in range(3))  # type: ignore[assignment]
    facility = tuple(it[i] * pues[i] for i in range(3))
    grid = core.ordered(intensity_range(figure))
    intensity = figure.g_per_kwh / core.G_PER_KG
    fp = core.Footprint(facility[1], intensity, facility[1] * intensity)
    bounds_t = [facility[i] * grid[i] / core.G_PER_KG / core.KG_PER_T for i in (0, 2)]
    counterfactual = (
        fp.energy_kwh * cleanest / core.G_PER_KG / core.KG_PER_T if cleanest is not None else None
    )
    return MethodResult(
        fp, pue, pue_source, counterfactual, bounds_t[0], bounds_t[1], pue_year,
        facility,  # type: ignore[arg-type]
    )  # fmt: skip


_cleanest_memo: dict[tuple, tuple[Sequence, tuple[str, float] | None]] = {}


def cleanest_of(
    candidates: Sequence[tuple[str, Region]], method: Method, grid: str, run_year: int | None
) -> tuple[str, float] | None:
    """The provider region with the lowest grid figure for the same data and year, if any.

    Thousands of rows share a provider: the answer is kept per candidate list (the catalog's
    own, which lives as long as the process) and per method, grid and year.
    """
    key = (id(candidates), method, grid, run_year)
    kept = _cleanest_memo.get(key)
    if kept is not None and kept[0] is candidates:
        return kept[1]
    best: tuple[str, float] | None = None
    calculator_only = asked_grid(grid, method) == "calculator"
    for name, region in candidates:
        if calculator_only and not region.in_calculator:
            continue  # the calculator's counterfactual is among the regions it lists
        try:
            g = grid_figure(region, method, grid, run_year).g_per_kwh
        except core.InputError:
            continue  # a region with no figure for this data is no alternative
        if best is None or g < best[1]:
            best = (name, g)
    _cleanest_memo[key] = (candidates, best)
    return best


def estimate(run: Run, alternatives: Sequence[tuple[str, Region]] = ()) -> dict[str, Any]:
    """Compute one run; ``alternatives`` are the provider's regions (the cleanest-region line)."""
    m, region = run.model, run.region
    check_inputs(run)
    measured = energy.measured(m, run.power) if run.method is Method.tdp else None
    try:
        hours: DeviceHours | None = hours_of(run)
    except core.NotEstimable:
        if measured is None:
            raise
        hours = None  # the energy was measured: device-hours are not needed for it
    power_w, power_source = power_of(run)
    run, power_w, host, host_kwh = whole_server(run, power_w, measured, hours)
    figure = grid_figure(region, run.method, run.grid, m.training_year)
    cleanest = cleanest_of(alternatives, run.method, run.grid, m.training_year)
    if measured is not None:
        result = by_measured(run, measured, host_kwh, figure, cleanest[1] if cleanest else None)
    else:
        assert hours is not None
        method = by_calculator if run.method is Method.calculator else by_tdp
        result = method(run, power_w, hours, figure, cleanest[1] if cleanest else None)
    fp = result.footprint
    for name, value in (("energy", fp.energy_kwh), ("emissions", fp.emissions_kg),
                        ("the interval", result.high_t)):  # fmt: skip
        core.require_finite_result(name, value)
    beyond = beyond_co2(run, power_w, hours, result, figure.facility_year)
    device_hours = hours.central if hours is not None else None

    matched_pct, matched_source = market_claim(region, run.provider)
    reported = m.reported
    return {
        "model": run.model_key,
        "model_name": m.name,
        "hardware": run.hardware_key,
        "hardware_name": run.hardware.name,
        "hardware_short_name": run.hardware.short_name or run.hardware.name,
        "hardware_kind": run.hardware.kind,
        "power_w": power_w,
        "power_kind": run.hardware.power_kind.value
        if not (run.method is Method.calculator and run.hardware.calculator_power_w is not None)
        else "calculator",
        "power_source": power_source,
        "devices": m.devices,
        "device_hours": device_hours,
        "device_hours_basis": hours.basis if hours is not None else "not known",
        "device_hours_low": hours.low if hours is not None and hours.basis == "compute" else None,
        "device_hours_high": hours.high if hours is not None and hours.basis == "compute" else None,
        **run_hardware_fields(run, hours),
        **compute_fields(hours),
        "region": run.region_key,
        "region_name": region.display_name,
        "region_short_name": region.short_name or region.display_name,
        "region_place": region.place or region.display_name,
        "provider": run.provider_key,
        "provider_name": run.provider.name,
        "grid": figure.vintage,
        "grid_scope": figure.scope,
        "grid_zone": figure.zone,
        "grid_basis": figure.basis,
        "grid_year": figure.year,
        "training_year": m.training_year,
        "grid_source": figure.source,
        "grid_note": figure.note,
        "carbon_intensity_g_per_kwh": figure.g_per_kwh,
        "intensity_kg_per_kwh_applied": fp.intensity_kg_per_kwh,
        "pue": result.pue,
        "pue_source": result.pue_source,
        "pue_year": result.pue_year,
        "method": run.method.value,
        "energy_kwh": fp.energy_kwh,
        "emissions_kg": fp.emissions_kg,
        "emissions_t": fp.emissions_t,
        "emissions_t_low": result.low_t,
        "emissions_t_high": result.high_t,
        "market_based_emissions_t": fp.emissions_t * (1 - matched_pct / 100)
        if matched_pct is not None
        else None,
        "market_claim_pct": matched_pct,
        "market_claim_source": matched_source,
        "cleanest_region": cleanest[0] if cleanest else None,
        "cleanest_region_emissions_t": result.cleanest_t,
        "reported_emissions_t": reported.emissions_t if reported else None,
        "reported_basis": reported.basis if reported else None,
        "reported_source": reported.source if reported else None,
        # a what-if on other hardware is not the run the report measured: not compared
        "error_pct": core.percent_error(fp.emissions_t, reported.emissions_t)
        if reported and reported.emissions_t > 0 and not is_what_if(run)
        else None,
        "paper_key": m.paper.key if m.paper else None,
        **beyond,
        **energy.fields(
            measured, host, run.hardware.power_w if host is None else power_w - host.w[1], host_kwh
        ),
        **comparison(measured, reported),
    }


def hours_of(run: Run) -> DeviceHours:
    """The run's device-hours on the estimate's hardware: its own where the hardware is its
    own, else carried over to it (carbonspec.device_hours.on_other_hardware)."""
    m = run.model
    hours = device_hours_of_run(m, run.hardware, run.compute if run.method is Method.tdp else None)
    if run.run_hardware is None or run.run_hardware_key == run.hardware_key:
        return hours
    return on_other_hardware(
        hours, precision_of(m, run.compute), run.run_hardware, run.hardware, run.hardware_stands_in
    )


def is_what_if(run: Run) -> bool:
    """Whether the estimate is on hardware other than the run's own (a stand-in is not)."""
    other = run.run_hardware_key is not None and run.run_hardware_key != run.hardware_key
    return other and not run.hardware_stands_in


def run_hardware_fields(run: Run, hours: DeviceHours | None) -> dict[str, Any]:
    """The run's own device-hours and hardware beside the estimate's, and how one gave the
    other: scaled by peak throughput, or kept (with the note saying why)."""
    own = run.run_hardware or run.hardware
    scaling = hours.scaling if hours is not None else None
    return {
        "run_hardware": run.run_hardware_key or run.hardware_key,
        "run_hardware_name": own.name,
        "run_device_hours": hours.run_device_hours if hours is not None else None,
        "device_hours_scale": scaling.factor if scaling else None,
        "run_peak_tflops": scaling.run_peak_tflops if scaling else None,
        "run_peak_precision": scaling.run_precision if scaling else None,
        "peak_tflops": scaling.peak_tflops if scaling else None,
        "peak_precision": scaling.precision if scaling else None,
        "device_hours_note": hours.note if hours is not None else None,
    }


def whole_server(
    run: Run, power_w: float, measured: energy.Measured | None, hours: DeviceHours | None
) -> tuple[Run, float, energy.HostShare | None, core.Range | None]:
    """power.scope=server: the run with each accelerator's host share added to its power (and
    to the power's range), or, beside a measured accelerator energy, the host's estimated
    energy. A measured server or facility energy holds the host already: nothing is added."""
    if energy.scope_of(run.power) != "server":
        return run, power_w, None, None
    if run.method is not Method.tdp:
        raise core.InputError(
            "power.scope",
            "server",
            "applies to method=tdp (the calculator counts the device alone)",
        )
    if measured is not None and measured.scope != "accelerators":
        return run, power_w, None, None
    assert run.power is not None
    hw = run.hardware
    host = energy.host_share(run.power, run.model, run.hardware_key, hw.tdp_w or power_w)
    if measured is not None:
        if hours is None:
            raise core.InputError(
                "power.scope", "server",
                "needs the run's device-hours to add the host's share to its measured energy",
            )  # fmt: skip
        return (
            run,
            power_w,
            host,
            energy.host_energy_kwh(host, (hours.low, hours.central, hours.high)),
        )
    total = energy.server_power(
        power_range(hw, power_w, run.uncertainty), hw.tdp_w or power_w, host
    )
    server = replace(hw, power_w=total[1], power_low_w=total[0], power_high_w=total[2])
    return replace(run, hardware=server), total[1], host, None


def comparison(measured: energy.Measured | None, reported: Any) -> dict[str, Any]:
    """What comparing a measured run with its report tests: the same energy on both sides."""
    if measured is None or reported is None:
        return {}
    return {
        "comparison_basis": (
            f"both from the same measured energy ({measured.kwh:,.0f} kWh, {measured.scope}):"
            " the difference is carbonspec's PUE and grid figure against the report's"
        )
    }


def compute_fields(hours: DeviceHours | None) -> dict[str, Any]:
    """How the run's compute gives device-hours: the estimate itself, or a check beside the
    published figure."""
    c = hours.compute if hours is not None else None
    if c is None:
        return dict.fromkeys(("compute_flops", "compute_device_hours", "compute_precision",
                              "compute_peak_tflops", "compute_mfu"))  # fmt: skip
    return {
        "compute_flops": c.flops,
        "compute_device_hours": c.device_hours[1],
        "compute_precision": c.precision,
        "compute_peak_tflops": c.peak_tflops,
        "compute_mfu": c.mfu,
    }


def beyond_co2(
    run: Run, power_w: float, hours: DeviceHours | None, result: MethodResult, year: int | None
) -> dict[str, Any]:
    """Embodied carbon and water, for method=tdp when their assumptions are composed; embodied
    carbon needs device-hours (a measured energy may come without them)."""
    operational = (result.low_t, result.footprint.emissions_t, result.high_t)
    if run.method is not Method.tdp or run.embodied is None or run.water is None:
        return footprint.fields(None, None, operational)  # type: ignore[arg-type]
    pues = core.ordered(pue_range(run, result.pue))
    span = (hours.low, hours.central, hours.high) if hours is not None else None
    embodied = footprint.embodied(run.hardware, span, run.embodied) if span else None
    if result.energy_kwh is not None:  # measured: the facility energy computed from it
        facility = core.ordered(result.energy_kwh)
    else:
        assert span is not None
        powers = core.ordered(power_range(run.hardware, power_w, run.uncertainty))
        facility = tuple(core.facility_energy_kwh(powers[i], span[i], pues[i]) for i in range(3))  # type: ignore[assignment]
    water = footprint.water(facility, pues, run.region, run.provider, year, run.water)  # type: ignore[arg-type]
    return footprint.fields(embodied, water, operational)  # type: ignore[arg-type]


def market_claim(region: Region, provider: Provider) -> tuple[float | None, str | None]:
    """What the provider claims to offset or match here: reported apart, never subtracted."""
    if region.offset_ratio is not None:
        return region.offset_ratio, region.offset_ratio_source
    return provider.renewable_matching_pct, provider.renewable_matching_source
