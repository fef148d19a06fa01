"""Tables: a list of runs (from conf/table/*.yaml) estimated row by row, with their footnotes.

A table row names a model and may apply assumptions on top of the model's facts (the seed paper's
stand-in hardware, its chosen region, its device-hours). Every assumption becomes a footnote, and so
does every printed seed number that carbonspec cannot reproduce.
"""

from __future__ import annotations

import statistics
import string
from dataclasses import dataclass, field, replace
from typing import Any

from omegaconf import DictConfig, OmegaConf

from carbonspec import catalog, core, render
from carbonspec.estimate import Run, estimate
from carbonspec.schema import Method, Model, Region, Settings, TableSpec, Uncertainty


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


def build_named(name: str, pue: float | None = None) -> Table:
    """A packaged table by name (conf/table/<name>.yaml), without Hydra."""
    catalog.require_option("table", name)
    return build_from(checked(catalog.read_plain("table", name), name), name, pue)


def build(cfg: DictConfig, name: str, settings: Settings) -> Table:
    """The table Hydra composed (it may come from a user's own config folder)."""
    spec = checked(OmegaConf.to_container(cfg.table, resolve=True), name)
    if spec.get("kind") == "by_region":
        from carbonspec import sweep  # the fast path shares the sweep's row layout

        return sweep.by_region_table(spec, name, cfg, settings)
    uncertainty = catalog.validate(Uncertainty, cfg.uncertainty, "uncertainty")
    return build_from(spec, name, settings.pue, uncertainty)


def build_from(
    spec: dict[str, Any],
    name: str,
    pue: float | None = None,
    uncertainty: Uncertainty | None = None,
) -> Table:
    uncertainty = uncertainty or catalog.load("uncertainty", "default")
    if spec.get("kind") == "validation":
        return validation_table(spec, name, uncertainty)
    notes = Footnotes()
    rows = [table_row(row, spec, uncertainty, notes, pue) for row in spec["rows"]]
    errors = [r["error_pct"] for r in rows if r.get("error_pct") is not None]
    mape = core.mean_absolute_percent_error(errors)
    summary = {"mape_pct": mape, "n_reported": len(errors)}
    footer = (
        {"label": "Mean absolute error", "values": {"error": mape}}
        if mape is not None and "error" in spec["columns"]
        else None
    )
    return from_spec(spec, name, rows, notes, summary, footer)


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
    )


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
    model = replace(model, **facts)
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
        grid=row.get("grid", grid),
        pue=pue,
    )


def table_row(
    row: dict[str, Any],
    spec: dict[str, Any],
    uncertainty: Uncertainty,
    notes: Footnotes,
    pue: float | None,
) -> dict[str, Any]:
    run = run_for(
        row["model"], row, spec.get("method", "tdp"), spec.get("grid", "auto"), uncertainty, pue
    )
    vintage = "calculator" if run.method is Method.calculator else run.grid
    result = estimate(run, catalog.cleanest_region(run.provider_key, vintage))

    marks = [notes.mark(text) for text in row.get("assumptions", [])]
    if row.get("seed"):
        marks += [notes.mark(text) for text in seed_notes(row["seed"], result)]
    result["label"] = row.get("label", run.model.name)
    result["hardware_label"] = row.get("hardware_label") or hardware_label(run)
    result["hardware_used"] = run.hardware_key
    result["marks"] = marks
    return result


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
                f"The seed prints {printed} t: the exact {render.plain(exact)} t cut short;"
                f" rounded, it is {render.sig(exact)} t."
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


def hardware_label(run: Run) -> str:
    """The hardware the run really used (a stand-in is a footnote), as 'count x device'."""
    real = catalog.load_fast("hardware", catalog.model_choice(run.model_key).hardware)
    count = f"{render.thousands(run.model.devices)} x " if run.model.devices else ""
    return f"{count}{real.name}"


def validation_table(spec: dict[str, Any], name: str, uncertainty: Uncertainty) -> Table:
    """Each run from public inputs only (its hardware, device-hours, site), by every method,
    against its published location-based figure."""
    notes = Footnotes()
    rows = []
    for row in spec["rows"]:
        key = row["model"]
        tdp = estimate(run_for(key, {}, Method.tdp, "auto", uncertainty))
        calc = estimate(run_for(key, {}, Method.calculator, "calculator", uncertainty))
        reported = catalog.load("model", key).reported
        comparable = reported is not None and reported.basis == "location"
        marks = [notes.mark(text) for text in row.get("notes", [])]
        if reported is not None and not comparable:
            basis = (
                f"is {reported.basis}-based"
                if reported.basis != "unknown"
                else "does not say whether it is location- or market-based"
            )
            marks.append(
                notes.mark(
                    f"The published figure {basis}, so it is not compared with a location-based"
                    " estimate: shown, left out of the means."
                )
            )
        low, high = tdp["emissions_t_low"], tdp["emissions_t_high"]
        rows.append(
            {
                **tdp,
                "label": row.get("label", tdp["model_name"]),
                "hardware_label": hardware_label(run_for(key, {}, Method.tdp, "auto", uncertainty)),
                "marks": marks,
                "comparable": comparable,
                "calculator_t": calc["emissions_t"],
                "tdp_t": tdp["emissions_t"],
                "calculator_error_pct": calc["error_pct"] if comparable else None,
                "tdp_error_pct": tdp["error_pct"] if comparable else None,
                "error_pct": tdp["error_pct"] if comparable else None,
                "interval": (low, high),
                "covered": ("yes" if low <= reported.emissions_t <= high else "no")
                if comparable
                else None,
            }
        )
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
