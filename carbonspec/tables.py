"""Tables: runs estimated row by row, with their footnotes.

A table config (conf/table/*.yaml) names models and may apply assumptions on top of a model's
facts (the seed paper's stand-in hardware, its chosen region, its device-hours); every assumption
becomes a footnote, and so does every printed seed number carbonspec cannot reproduce. Kinds:
``rows`` (a list of runs) and ``by_region`` (one model in every region, in one process) here;
``validation``, ``compute`` and ``footprint`` (carbonspec against published runs) in
carbonspec.evaluation. A sweep's summary is a table too.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field, replace
from typing import Any

from carbonspec import catalog, core, render, runs
from carbonspec.estimation import Run, estimate
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
    parts: list[Table] = field(default_factory=list)  # tables that follow it (its statistics)
    varied: list[str] = field(default_factory=list)  # a sweep summary: the keys it varied


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
    with catalog.reading():  # one view of the config files for the whole table
        catalog.require_option("table", name)
        spec = checked(catalog.read_plain("table", name), name)
        return build_from(spec, name, options or Options())


@dataclass(frozen=True)
class Template:
    """A by-region table's run as Hydra composed it, with the group choices the command line
    made (model=, hardware=), so that every region is composed as ``region=<it>`` with them
    would be (a region's or provider's own values cannot be set for this table: each row is a
    region with its own figures)."""

    run: Run
    given: dict[str, str] = field(default_factory=dict)


def build(
    table_node: dict[str, Any],
    name: str,
    options: Options,
    uncertainty: Uncertainty,
    template: Template | None = None,
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
    with catalog.reading():  # one view of the config files for the whole table
        return build_from(spec, name, options, uncertainty)


def build_from(
    spec: dict[str, Any],
    name: str,
    options: Options,
    uncertainty: Uncertainty | None = None,
) -> Table:
    uncertainty = uncertainty or catalog.load("uncertainty", "default")
    check_row_names(spec, name)
    if spec.get("kind") in ("footprint", "compute", "validation"):
        # the evaluation tables build on this module's rows and footnotes: imported here
        from carbonspec import evaluation

        if options != Options():
            raise catalog.ConfigError(
                f"table={name} compares each run on the basis of its report: method, grid and"
                " pue cannot be set for it (run a model alone to try other inputs)"
                if spec["kind"] == "validation"
                else f"table={name} checks carbonspec's defaults against published runs: method,"
                " grid and pue cannot be set for it"
            )
        build_kind = {
            "footprint": evaluation.footprint_table,
            "compute": evaluation.compute_table,
            "validation": evaluation.validation_table,
        }[spec["kind"]]
        return build_kind(spec, name, uncertainty)
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
    """A Run as Hydra composes ``model=<model_key>`` with the row's ``hardware=`` and
    ``region=``, the row's assumptions applied on top. On a row's hardware other than the run's
    own, the run's device-hours follow the work, unless the row gives the hours (hours on that
    hardware) or marks its hardware as a stand-in for the run's own (hours kept)."""
    given = {"model": model_key} | {g: row[g] for g in ("hardware", "region") if row.get(g)}
    composed = catalog.compose(given)
    facts = {k: row[k] for k in ("device_hours", "devices", "hours") if k in row}
    # a row's own run length replaces the model's, as on the command line
    model: Model = replace(runs.with_run_length(composed.typed("model"), set(facts)), **facts)
    hardware_key = composed.choices["hardware"]
    hardware = composed.typed("hardware")
    stands_in = bool(row.get("hardware_stand_in"))
    if stands_in and not row.get("hardware"):
        raise catalog.ConfigError(
            f"invalid table row for '{model_key}': hardware_stand_in needs the row's hardware"
        )
    run_hardware_key, run_hardware = runs.run_hardware_of(
        model_key, hardware_key, hardware, bool(facts) and not stands_in
    )
    region_key = composed.choices["region"]
    region = composed.typed("region")
    if row.get("region_values"):
        region_node = {**composed.node("region"), **row["region_values"]}
        region = catalog.validate(Region, region_node, f"region '{region_key}'")
    return Run(
        model_key=model_key,
        model=model,
        hardware_key=hardware_key,
        hardware=hardware,
        region_key=region_key,
        region=region,
        provider_key=composed.choices["provider"],
        provider=composed.typed("provider"),
        # the table's own (command-line changes included), unless the model's file sets some
        uncertainty=uncertainty
        if composed.untouched("uncertainty")
        else composed.typed("uncertainty"),
        method=Method(row.get("method", method)),
        grid=str(row.get("grid", grid)),
        pue=pue,
        embodied=composed.typed("embodied"),
        water=composed.typed("water"),
        compute=composed.typed("compute"),
        run_hardware_key=run_hardware_key,
        run_hardware=run_hardware,
        hardware_stands_in=stands_in,
        power=composed.typed("power"),
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
    changed = [] if seed else what_if(row, run)  # a seed row reproduces the seed's own inputs
    if changed:
        # not the run its developers reported: shown, marked, out of the comparison and its mean
        compared = result["reported_emissions_t"] is not None
        result["error_pct"] = None
        result["not_compared"] = "; ".join(changed) if compared else None
        said = "; not compared with the published figure, the real run's" if compared else ""
        marks.append(notes.mark(f"What-if: {'; '.join(changed)}{said}."))
    result["marks"] = marks
    return result


def what_if(row: dict[str, Any], run: Run) -> list[str]:
    """What a table row changes of the run it names (its region, hardware, device-hours), each
    as "region gcp-europe-west4 for the run's google-us-oklahoma"; empty for the run itself."""
    choice = catalog.model_choice(run.model_key)
    facts = catalog.load("model", run.model_key)
    changed = []
    if row.get("region") and row["region"] != choice.region:
        changed.append(f"region {row['region']} for the run's {choice.region}")
    if row.get("region_values"):
        given = ", ".join(f"{k}={v:g}" for k, v in sorted(row["region_values"].items()))
        changed.append(f"the region's {given}")
    if row.get("hardware") and row["hardware"] != choice.hardware:
        changed.append(f"hardware {row['hardware']} for the run's {choice.hardware}")
    for key in ("device_hours", "devices", "hours"):
        own = getattr(facts, key)
        if row.get(key) is not None and row[key] != own:
            theirs = f"the run's {own:,.10g}" if own is not None else "none published"
            changed.append(f"{key.replace('_', '-')} {row[key]:,.10g} for {theirs}")
    return changed


def device_count_note(printed: float, model: Model) -> str:
    shown = f"{printed:,.0f}"
    if model.devices is None:
        return f"Device count as the seed prints it ({shown}); the primary source gives none."
    return (
        f"Device count as the seed prints it ({shown}); the primary source gives"
        f" {model.devices:,.0f}."
    )


def hardware_cell(run: Run, label: str | None, devices: float | None = None) -> dict[str, Any]:
    """What the hardware column shows: the device estimated, or the run's own where the row's
    only stands in for it (a footnote says so), and how many of them."""
    real = (run.run_hardware if run.hardware_stands_in else None) or run.hardware
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


# -- one model in many regions: sweep summaries and the by-region fast path -----------------------


def summary_table(rows: list[dict[str, Any]], name: str, caption: str) -> Table:
    """Rows sorted greenest first, each named by what the sweep varied: one column per key the
    jobs set to different values (grid, method, model.device_hours, ... named by the key; the
    model, region, hardware and PUE have their columns already), the figure's label from the
    same values. A grid figure that is not of the year asked for (the nearest held) keeps its
    note as a footnote. Where the hardware varies or is not the run's own, the device-hours and
    their basis are shown, and a footnote says how each run's own hours were carried over (or
    why they were kept)."""
    ordered = sorted(rows, key=lambda r: (r["emissions_t"], r["region"], r["model"]))
    varied = varied_keys(rows)
    notes = Footnotes()
    carried = False  # a row's device-hours carried over from the run's own hardware
    for row in ordered:
        row["swept"] = {key: swept_value(row, key) for key in varied}
        row["figure_label"] = " / ".join(swept_label(row, key) for key in varied)
        texts = [device_hours_footnote(row), grid_footnote(row), pue_footnote(row)]
        carried = carried or texts[0] is not None
        row["marks"] = [notes.mark(text) for text in texts if text]
        row.setdefault("label", row["model_name"])
        row.setdefault("hardware_display", row["hardware_short_name"])
        row.setdefault("hardware_count", row.get("devices"))
        if row.get("emissions_t_low") is not None:
            row["interval"] = (row["emissions_t_low"], row["emissions_t_high"])
    hours = ["device_hours", "basis"] if "hardware" in varied or carried else []
    columns = list(SUMMARY_COLUMNS)
    columns[columns.index("hardware") + 1 : columns.index("hardware") + 1] = hours
    lead = [column_of(key) for key in varied]  # what varied comes first
    # a column named by each key: the PUE set replaces the PUE used (a footnote where they differ)
    named = {key for key in varied if key not in SHOWN}
    columns = [c for c in columns if c not in named]
    one_model = len({r["model"] for r in rows}) == 1
    return Table(
        name=name,
        caption=caption,
        label=f"tab:{name}",
        columns=unique(lead + columns),
        precision=3,
        rows=ordered,
        footnotes=notes.as_list(),
        figure=True,
        latex_columns={
            width: unique(lead + hours[:1] + [c for c in extra if c not in named])
            for width, extra in SUMMARY_LATEX.items()
        },
        long=True,
        # one model: its paper in the caption (each row cites it where a model column is shown)
        cites=sorted({r["paper_key"] for r in rows if r.get("paper_key")}) if one_model else [],
        varied=varied,
    )


def unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def device_hours_footnote(row: dict[str, Any]) -> str | None:
    """How a row's device-hours came from the run's own on other hardware, if they did."""
    own = row.get("run_hardware_name")
    if row.get("device_hours_scale") is not None:
        precisions = sorted({row["run_peak_precision"], row["peak_precision"]})
        return (
            f"Device-hours scaled from the run's own {row['run_device_hours']:,.10g} on {own}"
            f" by peak dense throughput, {row['run_peak_tflops']:g} / {row['peak_tflops']:g}"
            f" TFLOPS ({' / '.join(precisions)}): the same work at the run's realised utilisation."
        )
    note = row.get("device_hours_note")
    if note:
        return f"{note[0].upper()}{note[1:]}; the run's own, on {own}."
    return None


def pue_footnote(row: dict[str, Any]) -> str | None:
    """Why a row used another PUE than its job set (the calculator applies none), if it did."""
    asked = (row.get("swept") or {}).get("pue")
    if isinstance(asked, int | float) and asked != row.get("pue"):
        return f"PUE {asked:g} set, {row['pue']:g} used: {row.get('pue_source')}."
    return None


def grid_footnote(row: dict[str, Any]) -> str | None:
    """Why a row's grid figure is not of the year asked for (or not the site's own), if so."""
    note = row.get("grid_note")
    return f"Grid figure: {note}." if note else None


# How a summary names the value of a key a sweep varied: a config group by its display name.
DISPLAY = {"model": "model_name", "region": "region_short_name", "hardware": "hardware_short_name"}
# Keys whose value a summary column of the same name shows already; any other key a sweep
# varies gets a column of its own, named by the key, with the value each job set (grid, pue,
# method, model.device_hours, ...).
SHOWN = ("model", "region", "hardware")
# How a caption says what varied ("by grid year"), where the key alone does not read well.
VARIED_WORDS = {
    "grid": "grid year",
    "pue": "PUE",
    "model.device_hours": "device-hours",
    "model.devices": "device count",
    "model.hours": "hours",
    "model.mfu": "MFU",
}
# Settings that change how the results are shown, not the results: never "what varied".
PRESENTATION = ("format", "export_dir", "latex", "list", "hydra")


def column_of(key: str) -> str:
    """The summary column that shows a key a sweep varied (see columns.swept)."""
    return key if key in SHOWN else f"swept:{key}"


def settings_of(row: dict[str, Any]) -> dict[str, str]:
    """A job's command-line settings, key to value as typed (hydra.* and flags left out)."""
    settings = {}
    for override in row.get("overrides") or []:
        key, _, value = override.partition("=")
        key = key.lstrip("+~")
        if key and key.split(".")[0].split("/")[0] not in PRESENTATION:
            settings[key] = value
    return settings


def setting_value(text: str | None) -> Any:
    """A value as typed on the command line: a number where it is one (1e6, 1.1), else text."""
    if text is None:
        return None
    for kind in (int, float):
        try:
            value = kind(text)
        except ValueError:
            continue
        return value if value == value and abs(value) != float("inf") else text
    return text


def swept_value(row: dict[str, Any], key: str) -> Any:
    """The value a row had for a key the sweep varied, as data (JSON and CSV): a config group by
    its display name, any other key as its job set it (a number where it is one; a grid or a
    year as written: 2019, not 2,019)."""
    if key in DISPLAY:
        return row.get(DISPLAY[key]) or row.get(key)
    text = settings_of(row).get(key)
    return text if key == "grid" or key.endswith("year") else setting_value(text)


def swept_label(row: dict[str, Any], key: str) -> str:
    """The value a row had for a key the sweep varied, as the figure labels its bar: a grid
    year asked for and not held says which year's figure was used."""
    value = swept_value(row, key)
    if key == "grid":
        used = row.get("grid_year")
        if used is not None and str(value) != str(used):
            return f"{value} ({used} data)" if str(value).isdigit() else f"{value} ({used})"
        return str(value)
    return render.setting(value)


def varied_keys(rows: list[dict[str, Any]]) -> list[str]:
    """What a sweep varied: the keys its jobs' overrides set to different values, in the order
    they were given (a model sweep varies the model, though each model brings its own region and
    hardware); for rows without overrides (a by-region table), the model, region or hardware
    where their values differ. The model when nothing did."""
    if rows and all("overrides" in r for r in rows):
        settings = [settings_of(r) for r in rows]
        keys = unique([k for s in settings for k in s])
        varied = [k for k in keys if len({s.get(k) for s in settings}) > 1]
    else:
        varied = [k for k in DISPLAY if len({r[k] for r in rows}) > 1]
    return varied or ["model"]


def sweep_caption(rows: list[dict[str, Any]]) -> str:
    """What the summary shows and what was held fixed: "GPT-3 175B: estimated emissions by grid
    year (method=tdp), greenest first"."""
    varied = varied_keys(rows)
    models = sorted({r["model_name"] for r in rows})
    subject = models[0] if len(models) == 1 else f"{len(models)} models"
    by = " and ".join(VARIED_WORDS.get(k, k) for k in varied)
    fixed = []
    if "method" not in varied:
        fixed += [f"method={m}" for m in sorted({r["method"] for r in rows})]
    if "grid" not in varied:
        phrases = {grid_phrase(r["grid"], r["method"]) for r in rows}
        fixed += (
            phrases
            if len(phrases) == 1
            else [f"grid={'/'.join(sorted({r['grid'] for r in rows}))}"]
        )
    if rows and all("overrides" in r for r in rows):
        settings = [settings_of(r) for r in rows]
        fixed += [
            f"{k}={v}"
            for k, v in settings[0].items()
            if k not in ("model", "method", "grid") and all(s.get(k) == v for s in settings)
        ]
    held = f" ({', '.join(fixed)})" if fixed else ""
    return f"{subject}: estimated emissions by {by}{held}, greenest first"


def grid_phrase(grid: str, method: str = "tdp") -> str:
    """How a sweep's caption names the grid data its rows used."""
    if grid == "auto":
        return "the calculator's grid" if method == "calculator" else "grid of the run's year"
    if grid.isdigit():
        return f"grid of {grid}"
    return {"latest": "latest grid", "calculator": "the calculator's grid"}.get(
        grid, f"{grid} grid"
    )


def by_region_table(spec: dict[str, Any], name: str, template: Template) -> Table:
    """The fast path: the run composed once, every matching region composed on its own."""
    pattern = spec.get("regions", "*")
    rows, skipped = region_rows(template.run, pattern, template.given)
    if not rows:
        raise catalog.ConfigError(
            f"table.regions={pattern!r} matches no region that can be estimated"
        )
    table = summary_table(rows, name, sweep_caption(rows))
    table.summary = {"skipped": skipped}
    # listed under the table, as a sweep lists the jobs it skipped
    table.outcomes = [f"Skipped: region={s['region']}: {s['reason']}" for s in skipped]
    return table


def region_rows(
    template: Run, pattern: str = "*", given: dict[str, str] | None = None
) -> tuple[list[dict], list[dict]]:
    """The run in every region matching the pattern, each region and its provider as Hydra
    composes ``region=<it>`` with the ``given`` choices (by default the run's model and
    hardware); and the regions left out, with why."""
    if given is None:
        given = {"model": template.model_key, "hardware": template.hardware_key}
    rows, skipped = [], []
    with catalog.reading():
        base = catalog.compose(given)
        for region_key in catalog.matching("region", pattern):
            composed = catalog.compose({**given, "region": region_key})
            refuse_what_a_region_varies(region_key, composed, base)
            region = composed.typed("region")
            if region.requires_input or region.unavailable:
                reason = region.unavailable or "needs input"
                skipped.append({"region": region_key, "reason": reason})
                continue
            provider_key = composed.choices["provider"]
            run = replace(
                template,
                region_key=region_key,
                region=region,
                provider_key=provider_key,
                provider=composed.typed("provider"),
            )
            try:
                rows.append(estimate(run, catalog.provider_regions(provider_key)))
            except core.InputError as err:  # a region's own figure: name the region's file
                if not err.field.startswith(("region", "provider")):
                    raise
                path = catalog.path_of("region", region_key)
                raise catalog.ConfigError(f"region '{region_key}' ({path}): {err}") from None
    return rows, skipped


def refuse_what_a_region_varies(
    region_key: str, composed: catalog.Composition, base: catalog.Composition
) -> None:
    """A region whose file chooses or sets another group than its own and its provider would
    change the run itself: a sweep composes that; this table does not."""
    varied = composed.differs_from(base, {"region", "provider"})
    if varied:
        raise catalog.ConfigError(
            f"region '{region_key}' changes {', '.join(varied)} (in its defaults list or"
            " `# @package _global_` keys): a by-region table varies only the region and its"
            " provider; sweep the regions instead (-m ... region=...)"
        )
