"""A BasicSweeper that keeps going when one job's overrides cannot be composed.

Hydra 1.3's BasicSweeper composes every job of a batch before launching it and raises on the
first that fails, so one bad value in `region=a,b,typo` loses every other row. This sweeper
composes each job (the same work the basic one does), records the failures next to the jobs'
own directories, and launches the rest with whatever launcher is configured.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper


class TolerantSweeper(BasicSweeper):
    failed = 0

    def get_job_batch(self) -> Sequence[Sequence[str]]:
        batch = super().get_job_batch()
        assert self.config is not None and self.hydra_context is not None
        loader = self.hydra_context.config_loader
        composable = []
        for overrides in batch:
            try:
                loader.load_sweep_config(master_config=self.config, sweep_overrides=list(overrides))
            except Exception as err:  # Hydra raises several kinds; each one is this job's alone
                self._record(list(overrides), str(err).strip().splitlines()[0])
            else:
                composable.append(overrides)
        return composable

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        """Already done, job by job, in get_job_batch."""

    def _record(self, overrides: list[str], message: str) -> None:
        assert self.config is not None
        TolerantSweeper.failed += 1
        folder = Path(self.config.hydra.sweep.dir) / f"failed-{TolerantSweeper.failed}"
        folder.mkdir(parents=True, exist_ok=True)
        record = {"error": message, "overrides": overrides}
        (folder / "error.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
        print(f"carbonspec: error: job {' '.join(overrides)} cannot be composed: {message}")
