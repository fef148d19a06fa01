"""Tables: runs estimated row by row, with their footnotes.

A table config (conf/table/*.yaml) names models and may apply assumptions on top of a model's
facts (the seed paper's stand-in hardware, its chosen region, its device-hours); every assumption
becomes a footnote, and so does every printed seed number carbonspec cannot reproduce. Three kinds:
``rows`` (a list of runs), ``validation`` (runs against their published emissions) and
``by_region`` (one model in every region, in one process). A sweep's summary is a table too.
"""

from __future__ import annotations

import statistics
import string
from dataclasses import dataclass, field, replace
from typing import Any

from carbonspec import catalog, core
from carbonspec.estimate import Run, estimate
from carbonspec.schema import Method, Model, Region, TableSpec, Uncertainty

SUMMARY_COLUMNS = [
    "model", "region", "hardware", "zone", "grid_year", "intensity", "pue", "estimate", "interval",
]  # fmt: skip
# What a sweep summary or a by-region table shows in LaTeX at each width, after the columns of
# what the sweep varied (model, region, hardware); see carbonspec.columns.
SUMMARY_LATEX = {
    "column": ["estimate", "interval"],
    "text": ["grid_year", "intensity", "pue", "estimate", "interval"],
    "page": ["zone", "grid_year", "intensity", "pue", "estimate", "interval"],
}


@dataclass(frozen=True)
class Options:
    """What the user set on the command line for a table: None leaves the table's own choice."""

    method: Method | None = None
    grid: str | None = None
    pue: float | None = None

    def changes(self, spec: dict[str, Any]) -> bool:
        return (
            (self.method is not None and self.method != Method(spec.get("method", "tdp")))
            or (self.grid is not None and self.grid != str(spec.get("grid", "auto")))
            or self.pue is not None
        )


@dataclass
class Table:
    name: str
    caption: str
    label: str
    columns: list[str]
    precision: int
    rows: list[dict[str, Any]]
    footnotes: list[dict[str, str]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    footer: dict[str, Any] | None = None  # {"label": ..., "values": {column: value}}
    figure: bool = False  # sweeps and by-region tables get a bar chart beside their files
    cites: list[str] = field(default_factory=list)  # reference keys the caption cites
    latex_columns: dict[str, list[str]] = field(default_factory=dict)  # width -> columns
    long: bool = False  # breaks across pages (longtable, or several floats in two columns)
    outcomes: list[str] = field(default_factory=list)  # a sweep's failed, skipped, unrun jobs


class Footnotes:
    """Marks footnotes a, b, ..., z, aa, ab, ... in order of first use; a text repeated reuses
    its mark."""

    def __init__(self) -> None:
        self.marks: dict[str, str] = {}

    def mark(self, text: str) -> str:
        if text not in self.marks:
            self.marks[text] = self._letters(len(self.marks))
        return self.marks[text]

    @staticmethod
    def _letters(n: int) -> str:
        letters = ""
        n += 1
        while n:
            n, rest = divmod(n - 1, 26)
            letters = string.ascii_lowercase[rest] + letters
        return letters

    def as_list(self) -> list[dict[str, str]]:
        return [{"mark": m, "text": t} for t, m in self.marks.items()]


def checked(spec: dict[str, Any], name: str) -> dict[str, Any]:
    """The table spec, after its schema has checked it (a typo'd field fails, naming itself)."""
    catalog.validate(TableSpec, spec, f"table '{name}'")
    if spec.get("kind", "rows") != "by_region" and not spec.get("caption"):
        raise catalog.ConfigError(f"invalid table '{name}': caption is missing")
    return spec


def build_named(name: str, options: Options | None = None) -> Table:
    """A packaged table by name (conf/table/<name>.yaml), without Hydra."""
    catalog.require_option("table", name)
    spec = checked(catalog.read_plain("table", name), name)
    return build_from(spec, name, options or Options())


def build(
    table_node: dict[str, Any],
    name: str,
    options: Options,
    uncertainty: Uncertainty,
    template: Run | None = None,
) -> Table:
    """The table as composed (it may come from a user's own config folder). A by-region table
    needs the ``template`` run: the model, hardware and assumptions as composed."""
    spec = checked(table_node, name)
    # method and grid as the table's file has them: a command-line change is an Option, so the
    # caption can say the table was recomputed
    original = catalog.read_plain("table", name)
    spec |= {k: original[k] for k in ("method", "grid") if k in original}
    if spec.get("kind") == "by_region":
        if template is None:
            raise catalog.ConfigError(f"table={name} needs a model, e.g. model=gpt3")
        return by_region_table(spec, name, template)
    return build_from(spec, name, options, uncertainty)


def build_from(
    spec: dict[str, Any],
    name: str,
    options: Options,
    uncertainty: Uncertainty | None = None,
) -> Table:
    uncertainty = uncertainty or catalog.load("uncertainty", "default")
    check_row_names(spec, name)
    if spec.get("kind") in ("footprint", "compute"):
        if options != Options():
            raise catalog.ConfigError(
                f"table={name} checks carbonspec's defaults against published runs: method, grid"
                " and pue cannot be set for it"
            )
        build_kind = footprint_table if spec["kind"] == "footprint" else compute_table
        return build_kind(spec, name, uncertainty)
    if spec.get("kind") == "validation":
        if options != Options():
            raise catalog.ConfigError(
                f"table={name} compares each run on the basis of its report: method, grid and"
                " pue cannot be set for it (run a model alone to try other inputs)"
            )
        return validation_table(spec, name, uncertainty)
    if not spec.get("rows"):
        raise catalog.ConfigError(f"table '{name}' has no rows: list the models it shows")
    if options.changes(spec):
        spec = recomputed(spec, options)
    notes = Footnotes()
    rows = [table_row(row, spec, uncertainty, notes, options.pue) for row in spec["rows"]]
    errors = [r["error_pct"] for r in rows if r.get("error_pct") is not None]
    mape = core.mean_absolute_percent_error(errors)
    summary = {"mape_pct": mape, "n_reported": len(errors)}
    footer = (
        {"label": "Mean absolute error", "values": {"error": mape}}
        if mape is not None and "error" in spec["columns"]
        else None
    )
    return from_spec(spec, name, rows, notes, summary, footer)


def check_row_names(spec: dict[str, Any], name: str) -> None:
    """Every model, hardware and region a row names exists; if not, the table, the row and the
    field are named, with the closest names."""
    for number, row in enumerate(spec.get("rows") or [], start=1):
        for group in ("model", "hardware", "region"):
            value = row.get(group)
            if value is None or (group == "model" and value in catalog.options(group)):
                continue
            valid = catalog.options(group)
            if str(value) not in valid:
                raise catalog.ConfigError(
                    f"table '{name}', row {number}: {group}: unknown {group} '{value}'."
                    f"{catalog.did_you_mean(str(value), valid)} (list={group} shows them all)"
                )


def from_spec(
    spec: dict[str, Any],
    name: str,
    rows: list[dict[str, Any]],
    notes: Footnotes,
    summary: dict[str, Any],
    footer: dict[str, Any] | None,
) -> Table:
    """A Table with the presentation its config gives (caption, label, columns, precision)."""
    return Table(
        name=name,
        caption=spec["caption"],
        label=spec.get("label", f"tab:{name}"),
        columns=list(spec["columns"]),
        precision=spec.get("precision", 3),
        rows=rows,
        footnotes=notes.as_list(),
        summary=summary,
        footer=footer,
        cites=caption_cites(spec),
        latex_columns={k: list(v) for k, v in (spec.get("latex") or {}).items()},
        long=spec["long"] if spec.get("long") is not None else spec.get("kind") == "validation",
    )


def recomputed(spec: dict[str, Any], options: Options) -> dict[str, Any]:
    """The table with the user's method and grid on every row; the caption says so, and a
    seed table no longer compares itself with the seed's printed (calculator) numbers."""
    method = options.method or Method(spec.get("method", "tdp"))
    grid = options.grid or str(spec.get("grid", "auto"))
    said = [f"method={method.value}", f"grid={grid}"]
    if options.pue is not None:
        said.append(f"pue={options.pue:g}")
    rows = [
        {k: v for k, v in row.items() if k not in ("method", "grid", "seed")}
        for row in spec["rows"]
    ]
    return {
        **spec,
        "method": method.value,
        "grid": grid,
        "rows": rows,
        "caption": f"{spec['caption']}; recomputed by carbonspec with {', '.join(said)}",
    }


def caption_cites(spec: dict[str, Any]) -> list[str]:
    """The seed paper for its tables, and the calculator when a table uses its method."""
    refs = catalog.read_root("references")
    keys = [refs["seed"]["key"]] if any("seed" in row for row in spec.get("rows", [])) else []
    if spec.get("method") == "calculator":
        keys.append(refs["method"]["key"])
    return keys


def run_for(
    model_key: str,
    row: dict[str, Any],
    method: Method,
    grid: str,
    uncertainty: Uncertainty,
    pue: float | None = None,
) -> Run:
    """A Run from a model's facts, with a table row's assumptions applied on top."""
    choice = catalog.model_choice(model_key)
    model: Model = catalog.load("model", model_key)
    facts = {k: row[k] for k in ("device_hours", "devices", "hours") if k in row}
    # a row's own run length replaces the model's, as on the command line
    model = replace(model, **dict.fromkeys(core.superseded(set(facts))), **facts)
    hardware_key = row.get("hardware", choice.hardware)
    region_key = row.get("region", choice.region)
    region_node = {**catalog.body("region", region_key), **row.get("region_values", {})}
    region = catalog.validate(Region, region_node, f"region '{region_key}'")
    provider_key = catalog.region_provider(region_key)
    return Run(
        model_key=model_key,
        model=model,
        hardware_key=hardware_key,
        hardware=catalog.load("hardware", hardware_key),
        region_key=region_key,
        region=region,
        provider_key=provider_key,
        provider=catalog.load("provider", provider_key),
        uncertainty=uncertainty,
        method=Method(row.get("method", method)),
        grid=str(row.get("grid", grid)),
        pue=pue,
        embodied=catalog.load_fast("embodied", "default"),
        water=catalog.load_fast("water", "default"),
        compute=catalog.load_fast("compute", "default"),
    )


def table_row(
    row: dict[str, Any],
    spec: dict[str, Any],
    uncertainty: Uncertainty,
    notes: Footnotes,
    pue: float | None,
) -> dict[str, Any]:
    run = run_for(
        row["model"],
        row,
        spec.get("method", "tdp"),
        str(spec.get("grid", "auto")),
        uncertainty,
        pue,
    )
    result = estimate(run, catalog.provider_regions(run.provider_key))
    marks = [notes.mark(text) for text in row.get("assumptions", [])]
    seed = row.get("seed") or {}
    if seed:
        marks += [notes.mark(text) for text in seed_notes(seed, result)]
    result["label"] = row.get("label", run.model.name)
    result |= hardware_cell(run, row.get("hardware_label"), seed.get("devices"))
    if seed.get("devices") is not None and seed["devices"] != run.model.devices:
        text = seed.get("devices_note") or device_count_note(seed["devices"], run.model)
        marks.append(notes.mark(text))
    result["marks"] = marks
    return result


def device_count_note(printed: float, model: Model) -> str:
    shown = f"{printed:,.0f}"
    if model.devices is None:
        return f"Device count as the seed prints it ({shown}); the primary source gives none."
    return (
        f"Device count as the seed prints it ({shown}); the primary source gives"
        f" {model.devices:,.0f}."
    )


def hardware_cell(run: Run, label: str | None, devices: float | None = None) -> dict[str, Any]:
    """What the hardware column shows: the device the run really used (a stand-in is a
    footnote), and how many of them."""
    real = catalog.load_fast("hardware", catalog.model_choice(run.model_key).hardware)
    return {
        "hardware_count": devices if devices is not None else run.model.devices,
        "hardware_display": label or real.short_name or real.name,
        "hardware_used": run.hardware_key,
        "hardware_kind": real.kind,
    }


def seed_notes(seed: dict[str, Any], result: dict[str, Any]) -> list[str]:
    """Compare a row with what the seed printed; returns the footnotes that must go with it.

    Also records in the row how the seed's printed estimate relates to carbonspec's
    (rounded / truncated / erratum).
    """
    texts = []
    printed = seed.get("estimate")
    if printed:
        exact = result["emissions_t"]
        agreement = core.agrees_with_printed(exact, printed)
        result["seed_estimate_printed"] = printed
        result["seed_agreement"] = agreement or "erratum"
        if agreement == "truncated":
            texts.append(
                f"The seed prints {printed} t: the exact {exact:.10g} t cut short;"
                f" rounded, it is {core.round_significant(exact):,} t."
            )
        elif agreement is None:
            texts.append(f"Seed erratum: the seed prints {printed} t. {seed.get('erratum', '')}")
    reported = result["reported_emissions_t"]
    printed_reported = seed.get("reported")
    if (
        printed_reported
        and reported is not None
        and core.agrees_with_printed(reported, printed_reported) is None
    ):
        texts.append(
            f"Seed erratum: the seed prints {printed_reported} t as the actual figure;"
            f" {seed.get('reported_erratum', '')}"
        )
    return texts + list(seed.get("primary_differs", []))


# -- validation -----------------------------------------------------------------------------------


def validation_table(spec: dict[str, Any], name: str, uncertainty: Uncertainty) -> Table:
    """Each run from public inputs only (its hardware, device-hours, site and year), by every
    method, against its published figure on the basis the report used (PUE in or out)."""
    notes = Footnotes()
    rows = [validation_row(row, uncertainty, notes) for row in spec["rows"]]
    compared = [r for r in rows if r["comparable"]]
    mape = {
        method: core.mean_absolute_percent_error([r[f"{method}_error_pct"] for r in compared])
        for method in ("calculator", "tdp")
    }
    median = {
        method: statistics.median(abs(r[f"{method}_error_pct"]) for r in compared)
        if compared
        else None
        for method in ("calculator", "tdp")
    }
    covered = sum(r["covered"] == "yes" for r in compared)
    summary = {
        "mape_pct": mape,
        "median_ape_pct": median,
        "n_compared": len(compared),
        "n_covered": covered,
        "excluded": [
            {"model": r["model"], "reason": r["excluded_because"]}
            for r in rows
            if not r["comparable"]
        ],
    }
    footer = {
        "label": f"Mean absolute error ({len(compared)} runs)",
        "values": {
            "calculator_error": mape["calculator"],
            "tdp_error": mape["tdp"],
            "covered": f"{covered}/{len(compared)}",
        },
    }
    return from_spec(spec, name, rows, notes, summary, footer)


def validation_row(row: dict[str, Any], uncertainty: Uncertainty, notes: Footnotes) -> dict:
    key = row["model"]
    model = catalog.load("model", key)
    reported = model.reported
    # The report's own basis: an estimate without PUE for a figure without PUE.
    without_pue = reported is not None and reported.pue_included is False
    tdp_run = run_for(key, {}, Method.tdp, "auto", uncertainty, 1.0 if without_pue else None)
    tdp = estimate(tdp_run)
    # the calculator folds a site's PUE into its intensity; not when the report leaves PUE out
    calc_row = {"region_values": {"pue": None, "pue_years": []}} if without_pue else {}
    calc = estimate(run_for(key, calc_row, Method.calculator, "calculator", uncertainty))
    excluded = row.get("exclude") or excluded_because(reported)
    marks = [notes.mark(text) for text in row.get("notes", [])]
    if without_pue:
        marks.append(notes.mark("The published figure excludes PUE; so do these estimates."))
    if excluded:
        marks.append(notes.mark(f"Not compared: {excluded}. Shown, left out of the means."))
    comparable = not excluded
    low, high = tdp["emissions_t_low"], tdp["emissions_t_high"]
    return {
        **tdp,
        "label": row.get("label", tdp["model_name"]),
        **hardware_cell(tdp_run, None),
        "marks": marks,
        "comparable": comparable,
        "excluded_because": excluded,
        "calculator_t": calc["emissions_t"],
        "tdp_t": tdp["emissions_t"],
        "calculator_error_pct": calc["error_pct"] if comparable else None,
        "tdp_error_pct": tdp["error_pct"] if comparable else None,
        "error_pct": tdp["error_pct"] if comparable else None,
        "interval": (low, high),
        "covered": ("yes" if low <= reported.emissions_t <= high else "no")
        if comparable and reported is not None
        else None,
    }


def excluded_because(reported: Any) -> str | None:
    """Why a run's published figure cannot be set against a location-based estimate, if so."""
    if reported is None:
        return "no published figure"
    if reported.basis == "market":
        return "the published figure is market-based (net of renewable purchases)"
    if reported.basis != "location":
        return "the published figure does not say whether it is location- or market-based"
    return None


# -- beyond operational CO2, and device-hours from compute -----------------------------------------


def footprint_table(spec: dict[str, Any], name: str, uncertainty: Uncertainty) -> Table:
    """Runs whose embodied carbon or water was published, estimated with carbonspec's defaults
    from public inputs; and what an operational-only estimate misses of each footprint."""
    notes = Footnotes()
    rows = []
    for row in spec["rows"]:
        run = run_for(row["model"], {}, Method.tdp, "auto", uncertainty)
        result = estimate(run)
        published = run.model.published_footprint
        marks = [notes.mark(text) for text in row.get("notes", [])]
        if published is not None:
            marks.append(notes.mark(f"Published: {published.source}. {published.assumptions}"))
        result |= {
            "label": row.get("label", run.model.name),
            **hardware_cell(run, None),
            "marks": marks,
            "published_embodied_t": published.embodied_t if published else None,
            "published_water_onsite_l": published.water_onsite_l if published else None,
            "published_water_l": published.water_l if published else None,
            "missed_pct": 100 * result["embodied_emissions_t"] / result["total_emissions_t"],
        }
        for key, low, central, high, target in (
            ("embodied", "embodied_emissions_t_low", "embodied_emissions_t",
             "embodied_emissions_t_high", "published_embodied_t"),
            ("water", "water_l_low", "water_l", "water_l_high", "published_water_l"),
        ):  # fmt: skip
            pub = result[target]
            result[f"{key}_error_pct"] = core.percent_error(result[central], pub) if pub else None
            result[f"{key}_covered"] = (result[low] <= pub <= result[high]) if pub else None
        rows.append(result)
    checks = [r for r in rows for k in ("embodied", "water") if r[f"{k}_error_pct"] is not None]
    summary = {
        "n_checks": len(checks),
        "errors_pct": {
            f"{r['model']}:{k}": r[f"{k}_error_pct"]
            for r in rows
            for k in ("embodied", "water")
            if r[f"{k}_error_pct"] is not None
        },
        "covered": sum(r[f"{k}_covered"] is True for r in rows for k in ("embodied", "water")),
    }
    return from_spec(spec, name, rows, notes, summary, None)


def compute_table(spec: dict[str, Any], name: str, uncertainty: Uncertainty) -> Table:
    """Device-hours predicted from compute (6 x active parameters x tokens, the device's peak,
    the default MFU) against every published figure; then each run's emissions so estimated
    against its published emissions, for runs that publish no device-hours too."""
    notes = Footnotes()
    rows = []
    for row in spec["rows"]:
        facts = catalog.load("model", row["model"])
        reported = facts.reported
        without_pue = reported is not None and reported.pue_included is False
        run = run_for(
            row["model"], {}, Method.tdp, "auto", uncertainty, 1.0 if without_pue else None
        )
        try:
            published = core.device_hours_of(facts.device_hours, facts.devices, facts.hours)
        except core.NotEstimable:
            published = None
        hours_unknown = replace(run.model, device_hours=None, devices=None, hours=None)
        result = estimate(replace(run, model=hours_unknown))
        low, predicted, high = (
            result["device_hours_low"],
            result["device_hours"],
            result["device_hours_high"],
        )
        excluded = row.get("exclude")
        marks = [notes.mark(text) for text in row.get("notes", [])]
        if excluded:
            marks.append(notes.mark(f"Not counted: {excluded}."))
        error = core.percent_error(predicted, published) if published else None
        if excluded_because(reported):  # not like for like: shown, no error computed
            result["error_pct"] = None
        result |= {
            "label": row.get("label", facts.name),
            **hardware_cell(run, None),
            "marks": marks,
            "published_device_hours": published,
            "predicted_device_hours": predicted,
            "device_hours_interval": (low, high),
            "device_hours_error_pct": error,
            "covered": ("yes" if low <= published <= high else "no") if published else None,
            "counted": bool(published) and not excluded,
        }
        rows.append(result)
    counted = [r for r in rows if r["counted"]]
    errors = [abs(r["device_hours_error_pct"]) for r in counted]
    summary = {
        "n_compared": len(counted),
        "median_ape_pct": statistics.median(errors) if errors else None,
        "mape_pct": core.mean_absolute_percent_error(errors),
        "n_covered": sum(r["covered"] == "yes" for r in counted),
        "excluded": [
            {"model": r["model"], "reason": row.get("exclude") or "no published device-hours"}
            for r, row in zip(rows, spec["rows"], strict=True)
            if not r["counted"]
        ],
    }
    footer = {
        "label": f"Median absolute error ({len(counted)} runs)",
        "values": {
            "device_hours_error": summary["median_ape_pct"],
            "covered": f"{summary['n_covered']}/{len(counted)}",
        },
    }
    return from_spec(spec, name, rows, notes, summary, footer)


# -- one model in many regions: sweep summaries and the by-region fast path -----------------------


def summary_table(rows: list[dict[str, Any]], name: str, caption: str) -> Table:
    """Rows sorted greenest first; the label column names the run by what varied."""
    ordered = sorted(rows, key=lambda r: (r["emissions_t"], r["region"], r["model"]))
    varied = varied_keys(rows)
    one_model = len({r["model"] for r in rows}) == 1
    for row in ordered:  # the figure names each bar by what the sweep varied
        row["figure_label"] = " / ".join(str(row.get(DISPLAY[k]) or row[k]) for k in varied)
    for row in ordered:
        row.setdefault("label", row["model_name"])
        row.setdefault("hardware_display", row["hardware_short_name"])
        row.setdefault("hardware_count", row.get("devices"))
        if row.get("emissions_t_low") is not None:
            row["interval"] = (row["emissions_t_low"], row["emissions_t_high"])
    return Table(
        name=name,
        caption=caption,
        label=f"tab:{name}",
        columns=SUMMARY_COLUMNS,
        precision=3,
        rows=ordered,
        figure=True,
        latex_columns={width: varied + extra for width, extra in SUMMARY_LATEX.items()},
        long=True,
        # one model: its paper in the caption (each row cites it where a model column is shown)
        cites=sorted({r["paper_key"] for r in rows if r.get("paper_key")}) if one_model else [],
    )


DISPLAY = {"model": "model_name", "region": "region_short_name", "hardware": "hardware_short_name"}


def varied_keys(rows: list[dict[str, Any]]) -> list[str]:
    """What a sweep varied: the keys its jobs' overrides set to different values (a model sweep
    varies the model, though each model brings its own region and hardware); for rows without
    overrides, the keys whose values differ. The model when nothing did."""

    def values(key: str) -> set[str]:
        if all("overrides" in r for r in rows):
            return {next((o for o in r["overrides"] if o.startswith(f"{key}=")), "") for r in rows}
        return {r[key] for r in rows}

    varied = [k for k in DISPLAY if len(values(k)) > 1]
    return varied or ["model"]


def sweep_caption(rows: list[dict[str, Any]]) -> str:
    varied = varied_keys(rows)
    models = sorted({r["model_name"] for r in rows})
    subject = models[0] if len(models) == 1 else f"{len(models)} models"
    grids = sorted({f"method={r['method']}, {grid_phrase(r['grid'])}" for r in rows})
    by = " and ".join(varied) or "run"
    return f"{subject}: estimated emissions by {by} ({'; '.join(grids)}), greenest first"


def grid_phrase(grid: str) -> str:
    """How a sweep's caption names the grid data its rows used."""
    if grid == "auto":
        return "grid of the run's year"
    if grid.isdigit():
        return f"grid of {grid}"
    return {"latest": "latest grid", "calculator": "the calculator's grid"}.get(
        grid, f"{grid} grid"
    )


def by_region_table(spec: dict[str, Any], name: str, template: Run) -> Table:
    """The fast path: the run composed once, every matching region merged in."""
    pattern = spec.get("regions", "*")
    rows, skipped = region_rows(template, pattern)
    if not rows:
        raise catalog.ConfigError(
            f"table.regions={pattern!r} matches no region that can be estimated"
        )
    table = summary_table(rows, name, sweep_caption(rows))
    table.summary = {"skipped": skipped}
    return table


def region_rows(template: Run, pattern: str = "*") -> tuple[list[dict], list[dict]]:
    """The run in every region matching the pattern, and the regions left out, with why."""
    rows, skipped = [], []
    for region_key in catalog.matching("region", pattern):
        # a packaged region is checked by the test suite; a user's own is validated, by name
        packaged = catalog.is_packaged("region", region_key)
        region = (catalog.load_fast if packaged else catalog.load)("region", region_key)
        if region.requires_input or region.unavailable:
            skipped.append({"region": region_key, "reason": region.unavailable or "needs input"})
            continue
        provider_key = catalog.region_provider(region_key)
        run = replace(
            template,
            region_key=region_key,
            region=region,
            provider_key=provider_key,
            provider=catalog.load_fast("provider", provider_key),
        )
        try:
            rows.append(estimate(run, catalog.provider_regions(provider_key)))
        except core.InputError as err:  # a region's own figure: name the region's file
            if not err.field.startswith(("region", "provider")):
                raise
            path = catalog.path_of("region", region_key)
            raise catalog.ConfigError(f"region '{region_key}' ({path}): {err}") from None
    return rows, skipped
