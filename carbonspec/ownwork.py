"""Your own work as carbonspec runs: codecarbon's runs, a sweep's jobs, a project's parts.

Each becomes a typed Run of the catalog's figures (hardware, region, provider, the sourced
assumptions), estimated like any model, then laid out as one table with its total, a paragraph
and its BibTeX. Nothing here composes a Hydra config: the callback runs inside another Hydra app,
and a project reads dozens of parts.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from carbonspec import catalog, codecarbon, core, latex, outputs, references, render
from carbonspec.estimation import Run, estimate
from carbonspec.schema import (
    Compute,
    Embodied,
    Format,
    Hardware,
    Method,
    Model,
    Power,
    PowerKind,
    Uncertainty,
    Water,
)
from carbonspec.tables import Table

RUN_COLUMNS = [
    "model", "hardware", "run_device_hours", "energy", "energy_basis", "estimate", "interval",
    "codecarbon", "embodied", "water",
]  # fmt: skip
RUN_LATEX = {
    "column": ["model", "energy", "estimate", "codecarbon"],
    "text": ["model", "run_device_hours", "energy", "estimate", "interval", "codecarbon"],
    "page": ["model", "hardware", "run_device_hours", "energy", "estimate", "interval",
             "codecarbon", "embodied"],
}  # fmt: skip


@dataclass(frozen=True)
class Assumptions:
    """What every run of one's own work shares: the sourced defaults as composed (or the
    packaged ones), the method options, and a hardware or region the user named for all."""

    uncertainty: Uncertainty
    embodied: Embodied
    water: Water
    compute: Compute
    power: Power
    method: Method = Method.tdp
    grid: str = "auto"
    pue: float | None = None
    hardware: str | None = None
    region: str | None = None

    @classmethod
    def packaged(cls, **chosen: Any) -> Assumptions:
        groups = ("uncertainty", "embodied", "water", "compute", "power")
        return cls(**{g: catalog.load_fast(g, "default") for g in groups}, **chosen)


def run_of(
    key: str, model: Model, region_key: str, a: Assumptions,
    hardware_key: str | None = None, hardware: Hardware | None = None,
) -> Run:  # fmt: skip
    """A Run of one's own: the model's facts, the catalog's site and device."""
    provider_key = catalog.region_provider(region_key)
    return Run(
        model_key=key,
        model=model,
        hardware_key=hardware_key or "measured",
        hardware=hardware or load("hardware", hardware_key or ""),
        region_key=region_key,
        region=load("region", region_key),
        provider_key=provider_key,
        provider=load("provider", provider_key),
        uncertainty=a.uncertainty,
        method=a.method,
        grid=a.grid,
        pue=a.pue,
        embodied=a.embodied,
        water=a.water,
        compute=a.compute,
        power=a.power,
    )


def load(group: str, name: str) -> Any:
    """A catalog object: straight from a packaged file, validated from a user's own."""
    catalog.require_option(group, name)
    return (
        catalog.load_fast(group, name)
        if catalog.is_packaged(group, name)
        else catalog.load(group, name)
    )


@cache
def hardware_names() -> dict[str, list[str]]:
    """Each hardware's names as the catalog spells them, for codecarbon's gpu_model."""
    out = {}
    for key in catalog.options("hardware"):
        hw = catalog.load_fast("hardware", key)
        out[key] = [hw.name, hw.short_name or "", hw.calculator_name or "", key]
    return out


# -- codecarbon ----------------------------------------------------------------------------------


def codecarbon_result(cc: codecarbon.Run, a: Assumptions) -> dict[str, Any]:
    """One codecarbon run, estimated by carbonspec from its measured energy at the grid of its
    place and year, with codecarbon's own figure beside it and the difference explained."""
    notes = list(cc.notes)
    hw_key = a.hardware or codecarbon.hardware_key(cc.gpu_model, hardware_names())
    hardware = None
    if hw_key is None:
        hardware = measured_device(cc)
        if cc.gpu_model:
            notes.append(
                f"codecarbon's gpu_model {cc.gpu_model!r} is not in the catalog: give"
                " hardware=<name> for its published embodied footprint (the default is used)"
            )
    region_key = a.region or place_of(cc)
    model = Model(
        name=cc.name,
        devices=cc.devices,
        devices_source="codecarbon's gpu_count, each node once",
        device_hours=cc.device_hours,
        device_hours_source="codecarbon: each counted tracker's gpu_count x its duration",
        training_year=cc.year,
        training_year_source="codecarbon's timestamps",
        energy_kwh=cc.energy_kwh,
        energy_kwh_source=(
            f"codecarbon {cc.version or '(version not written)'},"
            f" {', '.join(f.name for f in cc.files)}: energy_consumed (CPU, GPU and RAM as"
            " codecarbon measured or modelled them)"
            + (f", its PUE {cc.pue:g} taken out" if cc.pue != 1 else "")
        ),
        energy_scope="server",
    )
    run = run_of(cc.name, model, region_key, a, hw_key, hardware)
    result = estimate(run, catalog.provider_regions(run.provider_key))
    return (
        result
        | row_display(run, cc.devices)
        | comparison(cc, result)
        | {
            "codecarbon_files": [str(f) for f in cc.files],
            "codecarbon_rows": cc.rows_read,
            "codecarbon_trackers": len(cc.trackers),
            "codecarbon_counted": cc.counted,
            "codecarbon_notes": notes,
            "codecarbon_version": cc.version or None,
            "codecarbon_water_l": cc.water_l,
            "wall_hours": cc.hours,
            "energy_basis_cell": "measured (codecarbon)",
        }
    )


def measured_device(cc: codecarbon.Run) -> Hardware:
    """A device known only by codecarbon's measurement: its average power per device-hour."""
    if cc.device_hours:
        power, per = cc.energy_kwh * 1000 / cc.device_hours, "device-hour"
    else:
        power, per = cc.energy_kwh * 1000 / max(cc.hours, 1e-9), "hour of the machine"
    return Hardware(
        name=cc.gpu_model or cc.cpu_model or "CPU",
        power_w=max(power, 1e-6),
        power_kind=PowerKind.measured_average,
        power_source=f"codecarbon's energy per {per} (CPU, GPU and RAM), not a catalog figure",
        kind="gpu" if cc.device_hours else "cpu",
    )


def place_of(cc: codecarbon.Run) -> str:
    """The carbonspec region of codecarbon's cloud region or country."""
    for key in codecarbon.region_keys(cc):
        if key in catalog.options("region"):
            return key
    where = cc.files[0].name
    said = cc.cloud_region or cc.country_iso or "nothing"
    raise codecarbon.CodecarbonError(
        where, f"no carbonspec region for the place codecarbon wrote ({said}): give region=<name>"
    )


def comparison(cc: codecarbon.Run, result: dict[str, Any]) -> dict[str, Any]:
    """codecarbon's own figure beside carbonspec's, and what makes them differ."""
    if cc.emissions_kg is None or cc.g_per_kwh is None or not cc.emissions_kg:
        return {"codecarbon_emissions_t": None, "codecarbon_explained": None}
    theirs = cc.emissions_kg / core.KG_PER_T
    ours = result["emissions_t"]
    pue_factor = result["energy_kwh"] / cc.energy_with_pue_kwh
    grid_factor = result["carbon_intensity_g_per_kwh"] / cc.g_per_kwh
    if cc.cloud_provider and cc.cloud_region:
        place = f"{cc.cloud_provider} {cc.cloud_region}, its cloud-region figure"
    else:
        place = (cc.country_name or cc.country_iso) + (f" ({cc.region})" if cc.region else "")
        place += ", its figure for the country (Our World in Data / Ember, or for US states and"
        place += " Canadian provinces its regional data, from its release's data year)"
    grid = grid_words(result)
    intensity = render.plain(result["carbon_intensity_g_per_kwh"])
    return {
        "codecarbon_emissions_t": theirs,
        "codecarbon_g_per_kwh": cc.g_per_kwh,
        "codecarbon_energy_kwh": cc.energy_with_pue_kwh,
        "codecarbon_pue": cc.pue,
        "codecarbon_difference_pct": core.percent_error(ours, theirs),
        "codecarbon_explained": (
            f"codecarbon: {render.sig(theirs)} t = {render.sig(cc.energy_with_pue_kwh, 4)} kWh"
            f" (its PUE {cc.pue:g}) x {cc.g_per_kwh:.4g} g/kWh, {place}. carbonspec:"
            f" {render.sig(ours)} t = {render.sig(result['energy_kwh'], 4)} kWh (PUE"
            f" {render.plain(result['pue'])}) x {intensity} g/kWh, {grid}. The difference,"
            f" {core.percent_error(ours, theirs):+.1f} %, is the"
            f" energy with PUE (x{pue_factor:.3f}) and the grid figure (x{grid_factor:.3f}):"
            " codecarbon applies one figure per country or cloud region whatever the year,"
            " carbonspec the grid of the run's place and year"
        ),
    }


def grid_words(result: dict[str, Any]) -> str:
    scope = result.get("grid_scope")
    where = (
        f"grid zone {result['grid_zone']}"
        if scope == "zone"
        else ("the national average" if scope == "country" else "the site's figure")
    )
    year = f" of {result['grid_year']}" if result.get("grid_year") else ""
    basis = f", {result['grid_basis']}-based" if result.get("grid_basis") else ""
    return f"{where}{year}{basis}"


def row_display(run: Run, devices: float | None) -> dict[str, Any]:
    return {
        "label": run.model.name,
        "hardware_display": run.hardware.short_name or run.hardware.name,
        "hardware_count": devices,
        "hardware_used": run.hardware_key,
    }


# -- a table of runs, with its total ------------------------------------------------------------

SUMMED = (
    "device_hours", "energy_kwh", "emissions_t", "emissions_t_low", "emissions_t_high",
    "codecarbon_emissions_t", "embodied_emissions_t", "embodied_emissions_t_low",
    "embodied_emissions_t_high", "total_emissions_t", "total_emissions_t_low",
    "total_emissions_t_high", "water_l", "water_l_low", "water_l_high", "wall_hours",
    "energy_measured_kwh",
)  # fmt: skip


def total(rows: list[dict[str, Any]], label: str) -> dict[str, Any]:
    """The sum of rows (a figure some rows lack is summed over the others, and said so in
    ``missing``); intervals add up end by end."""
    out: dict[str, Any] = {"label": label, "runs": sum(r.get("runs", 1) for r in rows)}
    missing = []
    for key in SUMMED:
        values = [r.get(key) for r in rows]
        known = [v for v in values if v is not None]
        out[key] = sum(known) if known else None
        if known and len(known) < len(values):
            missing.append(key)
    out["missing"] = missing
    if out["emissions_t_low"] is not None:
        out["interval"] = (out["emissions_t_low"], out["emissions_t_high"])
    kinds = {r.get("hardware_kind") for r in rows}
    out["hardware_kind"] = kinds.pop() if len(kinds) == 1 else None
    bases = {r.get("energy_basis_cell") for r in rows}
    out["energy_basis_cell"] = bases.pop() if len(bases) == 1 else "both"
    out |= {"status": "", "hardware_display": "", "is_total": True}
    return out


def finish(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row's interval as a pair, for the interval column."""
    for row in rows:
        if row.get("emissions_t_low") is not None:
            row["interval"] = (row["emissions_t_low"], row["emissions_t_high"])
        else:
            row["interval"] = None
    return rows


def runs_table(
    name: str, caption: str, rows: list[dict[str, Any]], columns: list[str] | None = None,
    latex: dict[str, list[str]] | None = None,
) -> Table:  # fmt: skip
    """The runs, then their total (where there are several)."""
    body = finish(list(rows))
    if len(rows) > 1:
        body.append(total(rows, f"Total ({len(rows)} runs)"))
    cites = sorted({references.cite_keys(rows[0])["codecarbon"]} if any(
        r.get("codecarbon_emissions_t") is not None for r in rows) else set())  # fmt: skip
    wanted = columns or RUN_COLUMNS
    if not any(r.get("codecarbon_emissions_t") is not None for r in rows):
        wanted = [c for c in wanted if c != "codecarbon"]
        latex = {k: [c for c in v if c != "codecarbon"] for k, v in (latex or RUN_LATEX).items()}
    return Table(
        name=name,
        caption=caption,
        label=f"tab:{name}",
        columns=wanted,
        precision=3,
        rows=body,
        latex_columns=latex or RUN_LATEX,
        cites=cites,
    )


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """What a paragraph says of a group of runs: their sums, their hardware and place, and the
    factors they share (or their range)."""
    t = total(rows, "total")
    places = sorted({r["region_place"] for r in rows})
    hardware = sorted({r["hardware_name"] for r in rows})
    pues = sorted({r["pue"] for r in rows})
    grids = sorted({r["carbon_intensity_g_per_kwh"] for r in rows})
    return t | {
        "n": len(rows),
        "places": places,
        "hardware_names": hardware,
        "kind": rows[0].get("hardware_kind"),
        "pue": pues[0] if len(pues) == 1 else None,
        "pue_range": (pues[0], pues[-1]),
        "grid": rows[0] if len(grids) == 1 else None,
        "grid_range": (grids[0], grids[-1]),
        "measured": all(r.get("energy_basis") == "measured" for r in rows),
        "estimated": not any(r.get("energy_basis") == "measured" for r in rows),
        "codecarbon_t": t["codecarbon_emissions_t"],
        "codecarbon_g": statistics.median(
            r["codecarbon_g_per_kwh"] for r in rows if r.get("codecarbon_g_per_kwh")
        ) if any(r.get("codecarbon_g_per_kwh") for r in rows) else None,
    }  # fmt: skip


def paragraph(
    what: str, rows: list[dict[str, Any]], fmt: str, extra: list[str] | None = None
) -> str:
    """A paragraph on a group of runs (a sweep, codecarbon's runs): LaTeX ("tex") or text."""
    s = summary(rows)
    s["grid_text"] = grid_words(s["grid"]) if s["grid"] else None
    cite = references.cite_keys(rows[0])
    template = "runs_paragraph.tex.j2" if fmt == "tex" else "runs_paragraph.md.j2"
    return render.render(
        template, what=what, s=s, cite=cite, extra=extra or [],
        preamble=latex.PREAMBLE, macros=latex.CITE_MACROS,
    )  # fmt: skip


# -- codecarbon=path: every output ----------------------------------------------------------------


def emit_codecarbon(
    path: Path, ranks_per_node: int | None, a: Assumptions, fmt: Format, out_dir: Path,
    export_dir: str | None, width: str,
) -> None:  # fmt: skip
    """Read codecarbon's file (or folder), estimate each run, print the asked format and write
    every format into the run's folder (and the paper bundle into export_dir)."""
    runs = codecarbon.read(path, ranks_per_node)
    rows = [codecarbon_result(r, a) for r in runs]
    names = ", ".join(sorted({Path(f).name for r in rows for f in r["codecarbon_files"]}))
    caption = f"Runs measured with codecarbon ({names}), estimated by carbonspec"
    # named after the file or folder, so that several logs can share one paper folder
    name = "codecarbon_" + re.sub(r"[^A-Za-z0-9]+", "_", path.resolve().stem).strip("_")
    table = runs_table(name, caption, rows)
    what = "The runs read from codecarbon's logs" if len(rows) > 1 else "The run"
    para = {f: paragraph(what, rows, f) for f in ("tex", "md")}
    files = outputs.table_files(table, width) | {
        f"{name}_paragraph.tex": para["tex"],
        f"{name}_paragraph.md": para["md"],
    }
    single = rows[0] if len(rows) == 1 else None
    model = Model(name=rows[0]["model_name"])
    if single is not None:
        files[f"{name}_run.tex"] = outputs.estimate_paragraph(single, model)
        files["result.json"] = render.to_json(single)
    tex = [files[f"{name}.tex"], para["tex"]]
    if single is not None:
        tex = [files[f"{name}_run.tex"]]
    with outputs.exporting(export_dir) as bundle:  # an export that cannot be made stops here
        outputs.write_files(out_dir, files)
        if bundle is not None:
            bundle.write({k: v for k, v in files.items() if k.endswith((".tex", ".json"))
                          and k != "result.json"})  # fmt: skip
            bundle.finish(tex)
    if fmt is Format.model_card:
        if single is None:
            raise catalog.ConfigError(
                f"format=model_card is for one run; {path} holds {len(rows)}: give one file"
            )
        print(outputs.model_card(single), end="")
    elif fmt is Format.json:
        print(render.to_json(single) if single else files[f"{name}.json"], end="")
    elif fmt is Format.csv:
        print(outputs.estimate_csv(single) if single else files[f"{name}.csv"], end="")
    elif fmt is Format.markdown:
        print(files[f"{name}.md"] + "\n" + para["md"], end="")
    elif fmt is Format.latex:
        print("\n".join(tex), end="")
    elif fmt is Format.bibtex:
        print(references.bibtex_for_keys(references.cited_keys(*tex)), end="")
    else:
        for row in rows:
            print(outputs.estimate_text(row, model), end="")
            print()
        if single is None:
            print(files[f"{name}.md"])
            print(para["md"], end="")
