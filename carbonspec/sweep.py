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

from carbonspec import outputs
from carbonspec.tables import summary_table, sweep_caption


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


def main(argv: list[str] | None = None) -> None:
    """Rebuild the summary of an existing sweep: python -m carbonspec.sweep SWEEP_DIR."""
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 1 or not Path(args[0]).is_dir():
        print("usage: python -m carbonspec.sweep SWEEP_DIR", file=sys.stderr)
        sys.exit(2)
    sys.exit(1 if write_summary(Path(args[0])) else 0)


if __name__ == "__main__":
    main()
