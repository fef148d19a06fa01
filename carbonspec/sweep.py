"""Sweeps: one aggregated table at the end of a multirun, and the same table in one process.

Each multirun job writes result.json (or error.json) into its own directory, so the summary is
built from files and works with any launcher (basic, joblib, ...): the callback runs in the
parent process once all jobs are done.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from carbonspec import catalog, outputs
from carbonspec.estimate import Run, estimate
from carbonspec.schema import Hardware, Method, Model, Settings, Uncertainty
from carbonspec.tables import Table

SUMMARY_COLUMNS = ["model", "region", "hardware", "intensity", "pue", "estimate", "interval"]


def summary_table(rows: list[dict[str, Any]], name: str, caption: str) -> Table:
    """Rows sorted greenest first; the label column names the run by what varied."""
    ordered = sorted(rows, key=lambda r: (r["emissions_t"], r["region"], r["model"]))
    for row in ordered:
        row.setdefault("label", row["model_name"])
        row.setdefault("hardware_label", row["hardware_name"])
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
    )


def sweep_caption(rows: list[dict[str, Any]]) -> str:
    varied = [k for k in ("region", "model", "hardware") if len({r[k] for r in rows}) > 1]
    models = sorted({r["model_name"] for r in rows})
    subject = models[0] if len(models) == 1 else f"{len(models)} models"
    methods = ", ".join(sorted({f"method={r['method']}, {r['grid']} grid" for r in rows}))
    by = " and ".join(varied) or "run"
    return f"{subject}: estimated emissions by {by} ({methods}), greenest first"


def records(sweep_dir: Path, kind: str) -> list[dict[str, Any]]:
    """The <kind>.json (result, error or skipped) of every job under a sweep directory."""
    return [
        json.loads(p.read_text(encoding="utf-8")) for p in sorted(sweep_dir.glob(f"*/{kind}.json"))
    ]


def write_summary(sweep_dir: Path) -> int:
    """Write summary.{md,tex,csv,json,png,pdf} in the sweep directory; print the Markdown.
    Returns the number of failed jobs."""
    results, failures, skips = (records(sweep_dir, k) for k in ("result", "error", "skipped"))
    table = summary_table(results, "summary", sweep_caption(results))
    table.summary = {"failed": failures, "skipped": skips}
    files = outputs.write_table(table, sweep_dir)
    print(files["summary.md"], end="")
    for failure in failures:
        print(f"FAILED {' '.join(failure['overrides'])}: {failure['error']}")
    for skip in skips:
        print(f"skipped {' '.join(skip['overrides'])}: {skip['error']}")
    print(f"\nsummary written to {sweep_dir}/summary.md (.tex .csv .json .png .pdf)")
    return len(failures)


class SweepSummary(Callback):
    """Hydra callback: aggregate the sweep when every job has run; fail if any job failed."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        failed = write_summary(Path(config.hydra.sweep.dir))
        if failed:
            print(f"carbonspec: {failed} job(s) failed; the others are summarised", file=sys.stderr)
            sys.exit(1)


def by_region_table(spec: dict[str, Any], name: str, cfg: DictConfig, settings: Settings) -> Table:
    """The fast path: the model and hardware composed once, every matching region merged in."""
    from hydra.core.hydra_config import HydraConfig

    if cfg.get("model") is None:
        raise catalog.ConfigError("table=by_region needs a model, e.g. model=gpt3")
    choices = HydraConfig.get().runtime.choices
    rows = region_rows(
        choices["model"],
        catalog.validate(Model, cfg.model, "model"),
        choices["hardware"],
        catalog.validate(Hardware, cfg.hardware, "hardware"),
        catalog.validate(Uncertainty, cfg.uncertainty, "uncertainty"),
        settings.method,
        settings.grid.value,
        settings.pue,
        spec.get("regions", "*"),
    )
    return summary_table(rows, name, sweep_caption(rows))


def region_rows(
    model_key: str,
    model: Model,
    hardware_key: str,
    hardware: Hardware,
    uncertainty: Uncertainty,
    method: Method,
    grid: str,
    pue: float | None,
    pattern: str = "*",
) -> list[dict[str, Any]]:
    """One estimate per region matching the pattern; regions that need user input are left out."""
    vintage = "calculator" if method is Method.calculator else grid
    rows = []
    for region_key in catalog.matching("region", pattern):
        region = catalog.load_fast("region", region_key)
        if region.requires_input:
            continue  # a custom site has no intensity until the user gives one
        provider_key = catalog.region_provider(region_key)
        run = Run(
            model_key=model_key,
            model=model,
            hardware_key=hardware_key,
            hardware=hardware,
            region_key=region_key,
            region=region,
            provider_key=provider_key,
            provider=catalog.load_fast("provider", provider_key),
            uncertainty=uncertainty,
            method=method,
            grid=grid,
            pue=pue,
        )
        rows.append(estimate(run, catalog.cleanest_region(provider_key, vintage)))
    return rows


def main(argv: list[str] | None = None) -> None:
    """Rebuild the summary of an existing sweep: python -m carbonspec.sweep SWEEP_DIR."""
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 1 or not Path(args[0]).is_dir():
        print("usage: python -m carbonspec.sweep SWEEP_DIR", file=sys.stderr)
        sys.exit(2)
    sys.exit(1 if write_summary(Path(args[0])) else 0)


if __name__ == "__main__":
    main()
