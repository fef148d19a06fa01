"""The columns a table can show: headers for each format, the row field, how a cell is written.

A table config lists column names (``columns: [model, hardware, device_hours, estimate]``); this
is what each name means. Markdown and CSV show every listed column; LaTeX shows the set the table
gives for the chosen width (see carbonspec.latex).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

CO2 = r"CO\textsubscript{2}eq"


@dataclass(frozen=True)
class Column:
    name: str
    header: str  # Markdown and CSV
    tex: tuple[str, ...]  # LaTeX header, one entry per line
    short: tuple[str, ...]  # LaTeX header where space is short (latex.width=column), by line
    field: str  # the row's key
    style: str  # text | hardware | count | device_hours | sig | plain | pct | interval
    abbreviation: str | None = None  # what ``short`` stands for, when it is an abbreviation

    @property
    def numeric(self) -> bool:
        return self.style in ("count", "device_hours", "sig", "plain", "pct", "mean_pct", "kilo")


def _c(*args: Any, **kwargs: Any) -> Column:
    return Column(*args, **kwargs)


# <device> is GPU, TPU or Device, and <d> its short form, from the rows (see device_word).
COLUMNS: dict[str, Column] = {
    c.name: c
    for c in (
        _c("model", "Model", ("Model",), ("Model",), "label", "text"),
        _c("hardware", "Hardware", ("Hardware",), ("Hardware",), "hardware_display", "hardware"),
        _c("region", "Region", ("Region",), ("Region",), "region_short_name", "text"),
        _c("zone", "Grid zone", ("Grid zone",), ("Zone",), "grid_zone", "text"),
        _c("grid_year", "Grid year", ("Grid", "year"), ("Year",), "grid_year", "year"),
        _c(
            "device_hours",
            "<device>-hours",
            ("<device>-", "hours"),
            ("<d>-h",),
            "device_hours",
            "device_hours",
            "<d>-h: <device>-hours",
        ),
        _c(
            "intensity",
            "Grid (gCO2eq/kWh)",
            ("Grid", "(g/kWh)"),
            ("g/kWh",),
            "carbon_intensity_g_per_kwh",
            "sig",
        ),
        _c("pue", "PUE", ("PUE",), ("PUE",), "pue", "sig"),
        _c(
            "energy",
            "Energy (kWh)",
            ("Energy", "(kWh)"),
            ("kWh",),
            "energy_kwh",
            "sig",
        ),
        _c(
            "estimate",
            "Estimated CO2eq (t)",
            ("Estimated", CO2, r"(\si{\tonne})"),
            ("Est.", "(t)"),
            "emissions_t",
            "sig",
            "Est.: estimated CO₂eq",
        ),
        _c(
            "interval",
            "Interval (t)",
            ("Interval", r"(\si{\tonne})"),
            ("Range", "(t)"),
            "interval",
            "interval",
        ),
        _c(
            "actual",
            "Actual CO2eq (t)",
            ("Actual", CO2, r"(\si{\tonne})"),
            ("Act.", "(t)"),
            "reported_emissions_t",
            "count",
            "Act.: actual (reported) CO₂eq",
        ),
        _c(
            "reported",
            "Reported CO2eq (t)",
            ("Reported", CO2, r"(\si{\tonne})"),
            ("Rep.", "(t)"),
            "reported_emissions_t",
            "count",
            "Rep.: reported CO₂eq",
        ),
        _c(
            "error",
            "Error (%)",
            ("Error", r"(\si{\percent})"),
            ("Err.", r"(\%)"),
            "error_pct",
            "pct",
            "Err.: error against the reported figure",
        ),
        _c(
            "calculator",
            "Calculator (t)",
            ("Calc.", r"(\si{\tonne})"),
            ("Calc.", "(t)"),
            "calculator_t",
            "sig",
            "Calc.: the ML CO₂ calculator's method",
        ),
        _c(
            "calculator_error",
            "Calc. error (%)",
            ("Calc.", "error", r"(\si{\percent})"),
            ("Calc.", "err."),
            "calculator_error_pct",
            "pct",
            "Calc.: the ML CO₂ calculator's method",
        ),
        _c(
            "tdp",
            "TDP method (t)",
            ("TDP", "method", r"(\si{\tonne})"),
            ("TDP", "(t)"),
            "tdp_t",
            "sig",
            "TDP: rated power × device-hours × PUE × grid intensity",
        ),
        _c(
            "tdp_error",
            "TDP error, in-sample (%)",
            ("TDP", "error", "in-", "sample", r"(\si{\percent})"),
            ("Err.", "in"),
            "tdp_error_pct",
            "pct",
            "Err.: the TDP method's error, in-sample (in) and out of sample (out)",
        ),
        _c(
            "tdp_oos_error",
            "TDP error, out of sample (%)",
            ("TDP", "error", "out of", "sample", r"(\si{\percent})"),
            ("Err.", "out"),
            "tdp_oos_error_pct",
            "pct",
            "Err.: the TDP method's error, in-sample (in) and out of sample (out)",
        ),
        _c(
            "tdp_oos",
            "TDP method, out of sample (t)",
            ("TDP,", "out of", r"sample (\si{\tonne})"),
            ("TDP", "out (t)"),
            "tdp_oos_t",
            "sig",
        ),
        _c(
            "class",
            "Report's method",
            ("Report's", "method"),
            ("Method",),
            "method_class_label",
            "text",
        ),
        _c(
            "covered",
            "In interval",
            ("In", "interval"),
            ("In?",),
            "covered",
            "text",
            "In?: the published figure lies inside the interval",
        ),
        _c(
            "covered_oos",
            "In interval, out of sample",
            ("In", "interval", "out of", "sample"),
            ("In?", "out"),
            "covered_oos",
            "text",
            "In?: the published figure lies inside the interval",
        ),
        # beyond operational CO2
        _c(
            "embodied",
            "Embodied CO2eq (t)",
            ("Embodied", CO2, r"(\si{\tonne})"),
            ("Emb.", "(t)"),
            "embodied_emissions_t",
            "sig",
            "Emb.: embodied (manufacturing) CO₂eq",
        ),
        _c(
            "total",
            "Total CO2eq (t)",
            ("Total", CO2, r"(\si{\tonne})"),
            ("Tot.", "(t)"),
            "total_emissions_t",
            "sig",
            "Tot.: operational and embodied CO₂eq",
        ),
        _c("water", "Water (kL)", ("Water", "(kL)"), ("Water", "(kL)"), "water_l", "kilo"),
        _c(
            "published_embodied",
            "Published embodied (t)",
            ("Published", "embodied", r"(\si{\tonne})"),
            ("Pub.", "emb. (t)"),
            "published_embodied_t",
            "count",
            "Pub.: published",
        ),
        _c(
            "embodied_error",
            "Embodied error (%)",
            ("Embodied", r"error (\si{\percent})"),
            ("Emb.", r"err. (\%)"),
            "embodied_error_pct",
            "pct",
        ),
        _c(
            "water_onsite",
            "On-site water (kL)",
            ("On-site", "water (kL)"),
            ("On-site", "(kL)"),
            "water_onsite_l",
            "kilo",
        ),
        _c(
            "published_water_onsite",
            "Published on-site water (kL)",
            ("Published", "on-site (kL)"),
            ("Pub.", "on-site"),
            "published_water_onsite_l",
            "kilo",
            "Pub.: published",
        ),
        _c(
            "published_water",
            "Published water (kL)",
            ("Published", "water (kL)"),
            ("Pub.", "water"),
            "published_water_l",
            "kilo",
            "Pub.: published",
        ),
        _c(
            "water_error",
            "Water error (%)",
            ("Water", r"error (\si{\percent})"),
            ("Water", r"err. (\%)"),
            "water_error_pct",
            "pct",
        ),
        _c(
            "missed",
            "Embodied share of total (%)",
            ("Embodied", r"share (\si{\percent})"),
            ("Emb.", r"share (\%)"),
            "missed_pct",
            "mean_pct",
        ),
        # device-hours from compute
        _c(
            "published_device_hours",
            "Published <device>-hours",
            ("Published", "<device>-hours"),
            ("Pub.", "<d>-h"),
            "published_device_hours",
            "count",
            "Pub.: published",
        ),
        _c(
            "predicted_device_hours",
            "Predicted <device>-hours",
            ("Predicted", "<device>-hours"),
            ("Pred.", "<d>-h"),
            "predicted_device_hours",
            "sig",
            "Pred.: predicted from compute",
        ),
        _c(
            "device_hours_error",
            "Device-hours error (%)",
            ("Error", r"(\si{\percent})"),
            ("Err.", r"(\%)"),
            "device_hours_error_pct",
            "pct",
        ),
        _c(
            "device_hours_interval",
            "Predicted range",
            ("Predicted", "range"),
            ("Range",),
            "device_hours_interval",
            "interval",
        ),
        _c(
            "derived_device_hours",
            "Derived or assumed <device>-hours (not published)",
            ("Derived or", "assumed", "<device>-hours"),
            ("Der.", "<d>-h"),
            "derived_device_hours",
            "count",
            "Der.: derived or assumed, not published",
        ),
        _c(
            "predicted_device_hours_oos",
            "Predicted <device>-hours, out of sample",
            ("Predicted", "out of", "sample"),
            ("Pred.", "out"),
            "predicted_device_hours_oos",
            "sig",
            "Pred.: predicted from compute",
        ),
        _c(
            "device_hours_oos_error",
            "Device-hours error, out of sample (%)",
            ("Error", "out of", "sample", r"(\si{\percent})"),
            ("Err.", "out"),
            "device_hours_oos_error_pct",
            "pct",
            "Err. out: error out of sample",
        ),
        _c(
            "error_oos",
            "Error, out of sample (%)",
            ("Error", "out of", "sample", r"(\si{\percent})"),
            ("Err.", "out"),
            "error_oos_pct",
            "pct",
            "Err. out: error out of sample",
        ),
        # an evaluation's statistics, by group of runs (a class of report, say)
        _c("group", "Runs compared", ("Runs compared",), ("Runs",), "label", "text"),
        _c(
            "median_error",
            "Median error, in-sample (%)",
            ("Median", "in-", "sample", r"(\si{\percent})"),
            ("Med.", "in"),
            "median_error",
            "mean_pct",
            "Med.: median absolute error, in-sample (in) and out of sample (out)",
        ),
        _c(
            "median_error_oos",
            "Median error, out of sample (%)",
            ("Median", "out of", "sample", r"(\si{\percent})"),
            ("Med.", "out"),
            "median_error_oos",
            "mean_pct",
            "Med.: median absolute error, in-sample (in) and out of sample (out)",
        ),
        _c(
            "mean_error",
            "Mean error, in-sample (%)",
            ("Mean", "in-", "sample", r"(\si{\percent})"),
            ("Mean", "in"),
            "mean_error",
            "mean_pct",
        ),
        _c(
            "mean_error_oos",
            "Mean error, out of sample (%)",
            ("Mean", "out of", "sample", r"(\si{\percent})"),
            ("Mean", "out"),
            "mean_error_oos",
            "mean_pct",
        ),
        _c(
            "coverage",
            "In interval, in-sample",
            ("In", "interval", "in-", "sample"),
            ("In?", "in"),
            "coverage",
            "text",
            "In?: the published figure lies inside the interval",
        ),
        _c(
            "coverage_oos",
            "In interval, out of sample",
            ("In", "interval", "out of", "sample"),
            ("In?", "out"),
            "coverage_oos",
            "text",
            "In?: the published figure lies inside the interval",
        ),
        # what a footprint comparison is made on
        _c(
            "embodied_compared_on",
            "Embodied compared on",
            ("Embodied", "compared on"),
            ("Emb.", "on"),
            "embodied_compared_on",
            "text",
        ),
        _c(
            "water_compared_on",
            "Water compared on",
            ("Water", "compared on"),
            ("Water", "on"),
            "water_compared_on",
            "text",
        ),
        _c(
            "basis",
            "Device-hours from",
            ("Device-hours", "from"),
            ("From",),
            "device_hours_basis",
            "text",
        ),
        # your own work: codecarbon runs, a sweep's jobs, a project's parts
        _c(
            "run_device_hours",
            "<device>-hours",
            ("<device>-", "hours"),
            ("<d>-h",),
            "device_hours",
            "sig",
            "<d>-h: <device>-hours",
        ),
        _c("stage", "Stage", ("Stage",), ("Stage",), "stage", "text"),
        # how many runs a row stands for: a group of an evaluation, a stage of a project
        _c("runs", "Runs", ("Runs",), ("$n$",), "runs", "count"),
        _c("status", "Status", ("Status",), ("Status",), "status", "text"),
        _c("wall_hours", "Hours", ("Wall-clock", "hours"), ("Hours",), "wall_hours", "sig"),
        _c(
            "energy_basis",
            "Energy measured or estimated",
            ("Energy", "from"),
            ("From",),
            "energy_basis_cell",
            "text",
        ),
        _c(
            "codecarbon",
            "codecarbon's CO2eq (t)",
            ("codecarbon", r"(\si{\tonne})"),
            ("CC", "(t)"),
            "codecarbon_emissions_t",
            "sig",
            "CC: codecarbon's own figure, at its own grid intensity",
        ),
    )
}


SWEPT = "swept:"  # a column name "swept:<key>": the value of a key a sweep varied


def swept(key: str) -> Column:
    """A column for a key a sweep varied that no other column shows (grid, method,
    model.device_hours, ...): named by the key as typed, holding the value each job set. Its
    LaTeX header breaks after each dot of a long key."""
    parts = key.replace("_", r"\_").split(".")
    tex = tuple(p + "." for p in parts[:-1]) + (parts[-1],)
    return Column(key, key, tex, tex, "swept", "swept")


def value(row: dict[str, Any], column: Column) -> Any:
    """A row's value in a column: its field, or for a swept key the value its job set."""
    if column.style == "swept":
        return (row.get("swept") or {}).get(column.name)
    return row.get(column.field)


def device_word(rows: Sequence[dict[str, Any]]) -> str:
    """GPU, TPU or Device: what every row's hardware is (a row without one says nothing)."""
    kinds = {str(r.get("hardware_kind", "")).lower() for r in rows} - {""}
    return kinds.pop().upper() if len(kinds) == 1 and kinds <= {"gpu", "tpu"} else "Device"


def resolve(names: Sequence[str], table_name: str, rows: Sequence[dict[str, Any]]) -> list[Column]:
    """The named columns, their headers filled in for these rows; an unknown name fails."""
    unknown = [n for n in names if n not in COLUMNS and not n.startswith(SWEPT)]
    if unknown:
        from carbonspec.catalog import ConfigError

        raise ConfigError(
            f"invalid table '{table_name}': unknown column(s) {', '.join(unknown)};"
            f" valid columns: {', '.join(COLUMNS)}"
        )
    word = device_word(rows)

    def fill(text: str) -> str:
        return text.replace("<device>", word).replace("<d>", word if word != "Device" else "Dev")

    return [
        Column(
            c.name, fill(c.header), tuple(map(fill, c.tex)), tuple(map(fill, c.short)), c.field,
            c.style,
            fill(c.abbreviation) if c.abbreviation else None,
        )
        for c in (COLUMNS[n] if n in COLUMNS else swept(n.removeprefix(SWEPT)) for n in names)
    ]  # fmt: skip
