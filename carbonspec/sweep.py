"""A sweep's result: one record per job, one summary for the sweep.

Each job of a multirun leaves exactly one record in its own folder (``<sweep>/<num>/``):
``result.json`` (an estimate), ``skipped.json`` (nothing to estimate there, with the reason) or
``error.json`` (why the job failed). The sweeper (hydra_plugins/carbonspec_sweeper) writes the
records of jobs it could not launch; jobs write their own. The summary is built from these files
alone, so it works with any launcher, survives an interrupted sweep and can be rebuilt:

    python -m carbonspec.sweep SWEEP_DIR
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from carbonspec import outputs, render
from carbonspec.catalog import ConfigError
from carbonspec.tables import Table, summary_table, sweep_caption

KINDS = ("result", "skipped", "error")


def record(job_dir: Path, kind: str, payload: dict[str, Any]) -> None:
    """A job's one record (written whole, or not at all)."""
    assert kind in KINDS, kind
    outputs.write_files(job_dir, {f"{kind}.json": render.to_json(payload)})


def failure(job_dir: Path, message: str, overrides: list[str], kind: str = "error") -> None:
    record(job_dir, kind, {"error": message, "overrides": list(overrides)})


@dataclass
class Records:
    results: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    expected: int | None = None  # jobs the sweep was to run (multirun.yaml), if known

    @property
    def missing(self) -> int:
        done = len(self.results) + len(self.skipped) + len(self.failed)
        return max((self.expected or done) - done, 0)


def read_records(sweep_dir: Path, config: dict[str, Any] | None = None) -> Records:
    """Every job's record under a sweep folder; a record that cannot be read is a failure.
    ``config`` is the sweep's saved config, if already read."""
    config = saved_config(sweep_dir) if config is None else config
    found = Records(expected=expected_jobs(sweep_dir, config))
    jobs = [p for p in sweep_dir.iterdir() if p.is_dir() and not p.name.startswith(".")]
    for job in sorted(
        jobs, key=lambda p: (not p.name.isdigit(), int(p.name) if p.name.isdigit() else 0, p.name)
    ):
        for kind, bucket in (("result", found.results), ("skipped", found.skipped),
                             ("error", found.failed)):  # fmt: skip
            path = job / f"{kind}.json"
            if not path.exists():
                continue
            try:
                bucket.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError) as err:
                found.failed.append({"error": f"unreadable {path.name}: {err}", "overrides": []})
            break
    return found


def saved_config(sweep_dir: Path) -> dict[str, Any]:
    """The sweep's config as the sweeper saved it (multirun.yaml), or {} if there is none."""
    path = sweep_dir / "multirun.yaml"
    if not path.exists():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def expected_jobs(sweep_dir: Path, config: dict[str, Any] | None = None) -> int | None:
    """How many jobs the sweep's overrides make (from the multirun.yaml Hydra saved)."""
    config = saved_config(sweep_dir) if config is None else config
    if not config:
        return None
    overrides = ((config.get("hydra") or {}).get("overrides") or {}).get("task") or []
    count = 1
    for override in overrides:
        _, _, value = override.partition("=")
        if "glob(" in value or "(" in value:
            return None  # a glob or range: counted by Hydra only
        count *= len(value.split(",")) if "," in value and not value.startswith("[") else 1
    return count


def is_sweep(folder: Path) -> bool:
    return (folder / "multirun.yaml").exists()


def write_summary(sweep_dir: Path, interrupted: int = 0) -> int:
    """summary.{md,tex,csv,json,png,pdf} in the sweep folder; the Markdown is printed.
    Returns the number of failed jobs (jobs that never ran count as failed)."""
    config = saved_config(sweep_dir)
    found = read_records(sweep_dir, config)
    missing = max(found.missing, interrupted)
    good = [r for r in found.results if finite(r)]
    found.failed += [
        {"error": "a result that is not a finite number", "overrides": r.get("overrides", [])}
        for r in found.results
        if not finite(r)
    ]
    if not good:
        print(f"carbonspec: no job of the sweep in {sweep_dir} gave a result", file=sys.stderr)
        report(found, missing)
        return len(found.failed) + missing or 1
    table = summary_table(good, "summary", sweep_caption(good))
    table.summary = {"failed": found.failed, "skipped": found.skipped, "did_not_run": missing}
    table.outcomes = outcome_lines(found.failed, found.skipped, missing)
    # the LaTeX at the width the sweep asked for (latex.width=column for a two-column paper)
    width = (config.get("latex") or {}).get("width") or "text"
    files = outputs.write_table(table, sweep_dir, width)
    print(files["summary.md"], end="")  # the failed, skipped and unrun jobs are listed in it
    print(f"\nsummary written to {sweep_dir}/summary.md (.tex .csv .json .png .pdf)")
    export_dir = config.get("export_dir")
    if export_dir:  # the paper's bundle: the summary under a name of its own, and its figure
        name = export_name(table)
        exported = replace(table, name=name, label=f"tab:{name}")
        try:
            outputs.export_table(exported, export_dir, width, drawn=sweep_dir / table.name)
        except ConfigError as err:  # checked before the sweep; changed while it ran
            print(f"carbonspec: error: {err}", file=sys.stderr)
            sys.exit(2)
        print(
            f"exported to {export_dir}: {name}.tex (.md .csv .json .png .pdf), references.bib,"
            " preview.tex"
        )
    return len(found.failed) + missing


def export_name(table: Table) -> str:
    """A sweep's name in an export folder, from its model and what it varied: gpt3_by_grid,
    models_by_model, gpt3_by_model-device_hours (no dots: LaTeX would read an extension)."""
    models = {r["model"] for r in table.rows}
    subject = models.pop() if len(models) == 1 else "models"
    keys = "_".join(table.varied).replace(".", "-").replace("/", "-")
    return f"{subject}_by_{keys}"


def finite(row: dict[str, Any]) -> bool:
    value = row.get("emissions_t")
    return isinstance(value, int | float) and value == value and abs(value) != float("inf")


def outcome_lines(failed: list[dict], skipped: list[dict], missing: int) -> list[str]:
    lines = [f"Failed: {' '.join(f['overrides'])}: {f['error']}" for f in failed]
    lines += [f"Skipped: {' '.join(s['overrides'])}: {s['error']}" for s in skipped]
    if missing:
        lines.append(f"Did not run: {missing} job(s) (the sweep was interrupted).")
    return lines


def report(found: Records, missing: int) -> None:
    for line in outcome_lines(found.failed, found.skipped, missing):
        print(line)


def main(argv: list[str] | None = None) -> None:
    """Rebuild the summary of an existing sweep: python -m carbonspec.sweep SWEEP_DIR."""
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 1:
        print("usage: python -m carbonspec.sweep SWEEP_DIR", file=sys.stderr)
        sys.exit(2)
    folder = Path(args[0])
    if not folder.is_dir() or not is_sweep(folder):
        print(
            f"carbonspec: error: {folder} is not a sweep folder (no multirun.yaml in it)",
            file=sys.stderr,
        )
        sys.exit(2)
    sys.exit(1 if write_summary(folder) else 0)


if __name__ == "__main__":
    main()
