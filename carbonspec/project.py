"""The whole project in one table: a table config of ``kind: project`` lists its parts.

    # myproject/conf/table/my_project.yaml
    kind: project
    caption: "Our project: development, final run and evaluation"
    parts:
      - {label: Final run, stage: final, codecarbon: logs/final}            # codecarbon's logs
      - {label: Hyperparameter search, stage: development, sweep: multirun/2025-03-01/10-00-00}
      - {label: Ablations, stage: development, energy_kwh: 1800, energy_scope: server,
         energy_kwh_source: "the cluster's accounting", region: gcp-us-central1}
      - {label: First attempt (diverged), stage: failed, model: first_attempt}   # a model config
      - {label: Evaluation, stage: evaluation, hardware: h100_sxm, devices: 8, hours: 12,
         region: gcp-us-central1}

    python -m carbonspec hydra.searchpath=[file://$PWD/myproject/conf] table=my_project

Each part comes from a model config, a measured energy, devices x hours of a hardware, a
codecarbon file or folder, or a sweep folder the CarbonFootprint callback recorded. A path is
taken from the folder carbonspec runs in, else from the folder holding the config folder (the
project's own). The table has a row per part, a subtotal per stage (final, development, failed,
evaluation) and the total; the paragraph says what was counted and what was not.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from carbonspec import (
    catalog,
    codecarbon,
    hydra,
    latex,
    outputs,
    ownwork,
    references,
    render,
    tables,
)
from carbonspec.estimation import estimate
from carbonspec.schema import Format, Model, ProjectPart

STAGES = ("final", "development", "failed", "evaluation")
STAGE_WORDS = {
    "final": "final runs",
    "development": "development (sweeps, ablations)",
    "failed": "failed runs",
    "evaluation": "evaluation",
}
COLUMNS = [
    "stage", "model", "runs", "run_device_hours", "energy", "energy_basis", "estimate", "interval",
    "embodied", "water",
]  # fmt: skip
LATEX = {
    "column": ["model", "energy", "estimate"],
    "text": ["model", "runs", "run_device_hours", "energy", "estimate", "interval"],
    "page": ["stage", "model", "runs", "run_device_hours", "energy", "estimate", "interval",
             "embodied"],
}  # fmt: skip


def project_table(spec: dict[str, Any], name: str, a: ownwork.Assumptions) -> tables.Table:
    parts = [catalog.validate(ProjectPart, p, f"table '{name}' part") for p in spec["parts"]]
    if not parts:
        raise catalog.ConfigError(f"table '{name}' has no parts: list what the project was")
    root = catalog.path_of("table", name).parent.parent.parent
    rows: list[dict[str, Any]] = []
    for stage in STAGES:
        mine = [part_row(p, root, a, name) for p in parts if p.stage == stage]
        rows += mine
        if len(mine) > 1:
            rows.append(ownwork.total(mine, f"Subtotal: {STAGE_WORDS[stage]}") | {"stage": stage})
    unknown = sorted({p.stage for p in parts} - set(STAGES))
    if unknown:
        raise catalog.ConfigError(
            f"table '{name}': stage {', '.join(unknown)} is not one of {', '.join(STAGES)}"
        )
    counted = [r for r in rows if not r.get("is_total")]
    codecarbon_parts = any(p.codecarbon for p in parts)
    keys = references.cite_keys(counted[0])
    total = ownwork.total(counted, "Total") | {"stage": ""}
    summary = project_summary(counted, total, parts)
    table = tables.Table(
        name=name,
        caption=spec.get("caption") or f"The footprint of the project {name}",
        label=spec.get("label", f"tab:{name}"),
        columns=list(spec.get("columns") or COLUMNS),
        precision=spec.get("precision", 3),
        rows=ownwork.finish(rows) + [total],
        latex_columns={k: list(v) for k, v in (LATEX | (spec.get("latex") or {})).items()},
        summary=summary,
        cites=[keys["tool"], keys["codecarbon"]] if codecarbon_parts else [keys["tool"]],
    )
    table.summary["paragraph_tex"] = paragraph(summary, counted[0], "tex")
    table.summary["paragraph_md"] = paragraph(summary, counted[0], "md")
    return table


def resolve(path: str, root: Path) -> Path:
    """A part's file or folder: from where carbonspec runs, else from the project's folder."""
    here = Path(path).expanduser()
    if here.is_absolute() or here.exists():
        return here
    return root / here


def part_row(part: ProjectPart, root: Path, a: ownwork.Assumptions, table: str) -> dict[str, Any]:
    """One row for a part: its runs' sum, with how its energy is known."""
    mine = replace(a, hardware=part.hardware or a.hardware, region=part.region or a.region)
    sources = [s for s in ("model", "codecarbon", "sweep") if getattr(part, s) is not None] + (
        ["energy_kwh"] if part.energy_kwh is not None and part.model is None else []
    )
    if len(sources) > 1:
        raise catalog.ConfigError(
            f"table '{table}' part '{part.label}': give one of model, codecarbon, sweep or"
            f" energy_kwh (it gives {', '.join(sources)})"
        )
    if part.codecarbon is not None:
        runs = codecarbon.read(resolve(part.codecarbon, root))
        rows = [ownwork.codecarbon_result(r, mine) for r in runs]
        kind = "codecarbon"
    elif part.sweep is not None:
        folder = resolve(part.sweep, root)
        rows = hydra.job_rows(folder)
        if not rows:
            raise catalog.ConfigError(
                f"table '{table}' part '{part.label}': {folder} holds no job records of the"
                " CarbonFootprint callback"
            )
        kind = "sweep"
    else:
        rows = [own_run(part, mine, table)]
        kind = "model" if part.model else "own"
    measured = [r.get("energy_basis") == "measured" for r in rows]
    how = "measured" if all(measured) else ("estimated" if not any(measured) else "both")
    if kind == "codecarbon":
        how = "measured (codecarbon)"
    elif kind == "sweep":
        how += " (sweep records)"
    row = ownwork.total(rows, part.label) if len(rows) > 1 else dict(rows[0])
    statuses = [r.get("status") for r in rows if r.get("status")]
    row |= {
        "label": part.label,
        "stage": part.stage,
        "runs": len(rows),
        "energy_basis_cell": how,
        "part_notes": list(part.notes),
        "part_kind": kind,
        "part_measured": all(measured),
        "failed_jobs": statuses.count("failed"),
        "unfinished_jobs": statuses.count("running") + statuses.count("stopped"),
        "part_host": rows[0].get("power_scope") == "server",
        "pues": sorted({r["pue"] for r in rows}),
        "embodied_missing": any(r.get("embodied_emissions_t") is None for r in rows),
    }
    row.pop("is_total", None)
    return row


def own_run(part: ProjectPart, a: ownwork.Assumptions, table: str) -> dict[str, Any]:
    """A part from a model config, a measured energy, or devices x hours of a hardware."""
    where = f"table '{table}' part '{part.label}'"
    facts = {
        k: getattr(part, k)
        for k in ("devices", "hours", "device_hours", "training_year")
        if getattr(part, k) is not None
    }
    if part.energy_kwh is not None:
        facts |= {
            "energy_kwh": part.energy_kwh,
            "energy_kwh_source": part.energy_kwh_source or "given in the project",
            "energy_scope": part.energy_scope,
        }
    if part.model is not None:
        run = tables.run_for(part.model, {}, a.method, a.grid, a.uncertainty, a.pue)
        run = replace(run, model=replace(run.model, name=part.label, **facts), power=a.power)
        if a.hardware:
            run = replace(
                run, hardware_key=a.hardware, hardware=ownwork.load("hardware", a.hardware)
            )
        if a.region:
            provider = catalog.region_provider(a.region)
            run = replace(
                run, region_key=a.region, region=ownwork.load("region", a.region),
                provider_key=provider, provider=ownwork.load("provider", provider),
            )  # fmt: skip
    else:
        if a.region is None:
            raise catalog.ConfigError(f"{where}: give its region (or a model config)")
        if a.hardware is None and part.energy_kwh is None:
            raise catalog.ConfigError(f"{where}: give its hardware, or its measured energy_kwh")
        sources = {f"{k}_source": "given in the project" for k in ("devices", "hours")}
        model = Model(name=part.label, **facts, **{k: v for k, v in sources.items()
                                                    if k[:-7] in facts})  # fmt: skip
        hardware = None if a.hardware else unspecified_device()
        run = ownwork.run_of(part.label, model, a.region, a, a.hardware, hardware)
    result = estimate(run, catalog.provider_regions(run.provider_key))
    return result | ownwork.row_display(run, run.model.devices)


def unspecified_device() -> Any:
    from carbonspec.schema import Hardware, PowerKind

    return Hardware(
        name="unspecified accelerators",
        power_w=1.0,
        power_kind=PowerKind.measured_average,
        power_source="none: the part's energy was measured",
    )


def project_summary(
    rows: list[dict[str, Any]], total: dict[str, Any], parts: list[ProjectPart]
) -> dict[str, Any]:
    by_stage = {
        s: ownwork.total([r for r in rows if r["stage"] == s], s) for s in STAGES
        if any(r["stage"] == s for r in rows)
    }  # fmt: skip
    dev = by_stage.get("development", {}).get("emissions_t") or 0.0
    share = 100 * dev / total["emissions_t"] if total["emissions_t"] else None
    final = by_stage.get("final", {}).get("emissions_t")
    return {
        "stages": {
            s: {
                "emissions_t": t["emissions_t"],
                "energy_kwh": t["energy_kwh"],
                "parts": sum(1 for r in rows if r["stage"] == s),
            }
            for s, t in by_stage.items()
        },  # fmt: skip
        "missing_stages": [s for s in STAGES if s not in by_stage],
        "missing_words": [STAGE_WORDS[s] for s in STAGES if s not in by_stage],
        "development_share_pct": share,
        "development_over_final": dev / final if final else None,
        "total": {
            k: total[k]
            for k in (
                "emissions_t",
                "emissions_t_low",
                "emissions_t_high",
                "energy_kwh",
                "embodied_emissions_t",
                "water_l",
                "device_hours",
            )
        },  # fmt: skip
        "parts": [
            {
                "label": r["label"],
                "stage": r["stage"],
                "runs": r["runs"],
                "kind": r["part_kind"],
                "measured": r["part_measured"],
                "failed_jobs": r["failed_jobs"],
                "unfinished_jobs": r["unfinished_jobs"],
                "host": r["part_host"],
                "embodied_missing": r["embodied_missing"],
                "emissions_t": r["emissions_t"],
            }
            for r in rows
        ],  # fmt: skip
        "host_counted": all(r["part_host"] or r["part_measured"] for r in rows),
        "embodied_partial": any(r["embodied_missing"] for r in rows),
        "water_l": total["water_l"],
        "embodied_t": total["embodied_emissions_t"],
    }


def paragraph(summary: dict[str, Any], first: dict[str, Any], fmt: str) -> str:
    template = "project_paragraph.tex.j2" if fmt == "tex" else "project_paragraph.md.j2"
    return render.render(
        template, s=summary, words=STAGE_WORDS, cite=references.cite_keys(first),
        preamble=latex.PREAMBLE, macros=latex.CITE_MACROS,
    )  # fmt: skip


def emit_paragraph(table: tables.Table, fmt: Format, out_dir: Path, export_dir: str | None) -> None:
    """The project's paragraph beside its table: written as <name>_paragraph.tex and .md,
    exported with the bundle, and printed after the table in text, Markdown and LaTeX."""
    tex, md = table.summary["paragraph_tex"], table.summary["paragraph_md"]
    files = {f"{table.name}_paragraph.tex": tex, f"{table.name}_paragraph.md": md}
    with outputs.exporting(export_dir) as bundle:  # an export that cannot be made stops here
        outputs.write_files(out_dir, files)
        if bundle is not None:
            bundle.write({f"{table.name}_paragraph.tex": tex})
            bundle.finish([tex])
    if fmt is Format.latex:
        print("\n" + tex, end="")
    elif fmt in (Format.text, Format.markdown):
        print("\n" + md, end="")
