"""The footprint of your own Hydra app's runs and sweeps: ``carbonspec.hydra.CarbonFootprint``.

Add it to any Hydra app (one entry under ``hydra.callbacks``, with the hardware, the devices per
job and the region)::

    hydra:
      callbacks:
        carbon:
          _target_: carbonspec.hydra.CarbonFootprint
          hardware: h100_sxm          # a carbonspec hardware (python -m carbonspec list=hardware)
          devices: 8                  # accelerators per job (or devices_from: trainer.devices)
          region: gcp-us-central1     # a carbonspec region (python -m carbonspec list=region)
          name: hyperparameter search # how the paragraph names the sweep
          codecarbon: false           # true: each job measured by codecarbon, where installed
          latex_width: text           # text | column | page, as carbonspec's latex.width

Each job writes ``carbonspec_job.json`` into its own folder when it starts, refreshes it while it
runs (``last_seen``, every ``heartbeat_s`` seconds) and completes it when it ends, failed or not.
The sweep's footprint, ``carbon_summary.{md,tex,csv,json}``, ``carbon_paragraph.{tex,md}`` and
``references.bib`` in the sweep folder, is rewritten from all the jobs' records at every job's
end, under a file lock (jobs end in parallel under joblib or submitit): Hydra ends a multirun
in which a job failed without calling ``on_multirun_end``, with every launcher, so the summary
cannot wait for the end. ``python -m carbonspec.hydra SWEEP_DIR`` rebuilds it from the records.

**What a job counts.** Its wall-clock time from start to end x its devices, at the hardware's
power (or codecarbon's measured energy), the region's PUE and grid of the year it ran. A job
that failed counts until it failed. A job that left only its start record (killed, or its node
lost) counts until the later of its last heartbeat and the last change to any other file in its
folder (its logs, checkpoints): it ran at least that long, and at most one heartbeat longer.
Such a job is ``running`` while its last heartbeat is recent (within three heartbeats), else
``stopped``.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

RECORD = "carbonspec_job.json"
SUMMARY = "carbon_summary"
LOCK = ".carbonspec.lock"
STALE_HEARTBEATS = 3  # a start record without a heartbeat for this many intervals: stopped


class CarbonFootprint(Callback):
    """Records each job's wall-clock time and devices; keeps the sweep's footprint current."""

    def __init__(
        self,
        hardware: str,
        region: str,
        devices: int = 1,
        devices_from: str | None = None,
        name: str = "The sweep",
        codecarbon: bool = False,
        heartbeat_s: float = 60.0,
        pue: float | None = None,
        latex_width: str = "text",
    ) -> None:
        from carbonspec import catalog  # the catalog reads carbonspec's packaged configs

        for group, value in (("hardware", hardware), ("region", region)):
            catalog.require_option(group, value)  # an unknown one lists the valid choices
        if devices < 1 or heartbeat_s <= 0:
            raise ValueError("CarbonFootprint: devices must be 1 or more, heartbeat_s above 0")
        self.hardware, self.region, self.devices = hardware, region, int(devices)
        self.devices_from, self.name, self.codecarbon = devices_from, name, bool(codecarbon)
        self.heartbeat_s, self.pue = float(heartbeat_s), pue
        if latex_width not in ("text", "column", "page"):
            raise ValueError("CarbonFootprint: latex_width is text, column or page")
        self.latex_width = latex_width
        self._jobs: dict[str, dict[str, Any]] = {}  # this process's running jobs

    def __getstate__(self) -> dict[str, Any]:  # launchers pickle callbacks to their workers
        return {k: v for k, v in self.__dict__.items() if k != "_jobs"} | {"_jobs": {}}

    # -- Hydra's hooks -----------------------------------------------------------------------

    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        job_dir = Path(config.hydra.runtime.output_dir)
        now = time.time()
        record = {
            "job": job_number(config),
            "overrides": list(config.hydra.overrides.task),
            "hardware": self.hardware,
            "devices": self.devices_of(config),
            "region": self.region,
            "pue": self.pue,
            "name": self.name,
            "latex_width": self.latex_width,
            "start": now,
            "start_time": stamp(now),
            "last_seen": now,
            "heartbeat_s": self.heartbeat_s,
            "status": "running",
            "host": socket.gethostname(),
            "pid": os.getpid(),
        }
        write_record(job_dir, record)
        stop = threading.Event()
        beat = threading.Thread(
            target=heartbeat, args=(job_dir, record, stop, self.heartbeat_s), daemon=True
        )
        beat.start()
        tracker, note = start_codecarbon(job_dir, self) if self.codecarbon else (None, None)
        if note:
            record["codecarbon_note"] = note
            write_record(job_dir, record)
        self._jobs[str(job_dir)] = {"record": record, "stop": stop, "beat": beat, "cc": tracker}

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        job_dir = Path(config.hydra.runtime.output_dir)
        state = self._jobs.pop(str(job_dir), None)
        record = state["record"] if state else read_record(job_dir) or {}
        if state:
            state["stop"].set()
            state["beat"].join(timeout=5)
        now = time.time()
        record |= {"end": now, "end_time": stamp(now), "last_seen": now}
        failed = job_return.status == JobStatus.FAILED
        record["status"] = "failed" if failed else "completed"
        if failed:
            text = str(job_return._return_value).strip().splitlines() or ["(no message)"]
            record["error"] = f"{type(job_return._return_value).__name__}: {text[0]}"
        if state and state["cc"] is not None:
            record |= stop_codecarbon(state["cc"])
        write_record(job_dir, record)
        update_summary(sweep_dir_of(config, job_dir))

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        update_summary(Path(config.hydra.sweep.dir))

    def devices_of(self, config: DictConfig) -> int:
        if self.devices_from:
            value = OmegaConf.select(config, self.devices_from)
            if isinstance(value, int) and value >= 1:
                return value
        return self.devices


def job_number(config: DictConfig) -> int:
    num = OmegaConf.select(config, "hydra.job.num")
    return int(num) if num is not None else 0


def sweep_dir_of(config: DictConfig, job_dir: Path) -> Path:
    """The sweep's folder in a multirun; the run's own folder for a single run."""
    mode = OmegaConf.select(config, "hydra.mode")
    if str(mode).endswith("MULTIRUN"):
        return Path(config.hydra.sweep.dir)
    return job_dir


def stamp(t: float) -> str:
    return datetime.fromtimestamp(t).isoformat(timespec="seconds")


def write_record(job_dir: Path, record: dict[str, Any]) -> None:
    """The job's record, whole or not at all (a reader never sees half a file)."""
    job_dir.mkdir(parents=True, exist_ok=True)
    tmp = job_dir / f".{RECORD}.{os.getpid()}.{threading.get_ident()}"
    tmp.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, job_dir / RECORD)


def read_record(job_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((job_dir / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def heartbeat(job_dir: Path, record: dict[str, Any], stop: threading.Event, every: float) -> None:
    """last_seen, refreshed while the job runs: a killed job is counted until here."""
    while not stop.wait(every):
        record["last_seen"] = time.time()
        with contextlib.suppress(OSError):  # a full disk must not fail the user's job
            write_record(job_dir, dict(record))


# -- codecarbon, where asked for ------------------------------------------------------------------


def start_codecarbon(job_dir: Path, cb: CarbonFootprint) -> tuple[Any, str | None]:
    try:
        from codecarbon import OfflineEmissionsTracker
    except ImportError:
        return None, "codecarbon is not installed: the energy is estimated"
    from carbonspec import catalog

    iso3 = (
        catalog.load_fast("region", cb.region).iso3
        if catalog.is_packaged("region", cb.region)
        else catalog.load("region", cb.region).iso3
    )
    try:
        tracker = OfflineEmissionsTracker(
            country_iso_code=iso3 or "USA", output_dir=str(job_dir), project_name=cb.name,
            log_level="error", save_to_file=True,
        )  # fmt: skip
        tracker.start()
    except Exception as err:  # codecarbon must never fail the user's job
        return None, f"codecarbon could not start ({type(err).__name__}): the energy is estimated"
    return tracker, None


def stop_codecarbon(tracker: Any) -> dict[str, Any]:
    try:
        tracker.stop()
        data = tracker.final_emissions_data
        return {
            "energy_kwh": float(data.energy_consumed) / float(data.pue or 1.0),
            "codecarbon_emissions_kg": float(data.emissions),
            "codecarbon_version": str(data.codecarbon_version),
        }
    except Exception as err:
        return {"codecarbon_note": f"codecarbon did not stop cleanly ({type(err).__name__})"}


# -- the sweep's footprint ------------------------------------------------------------------------


def update_summary(sweep_dir: Path) -> None:
    """Rewrite the summary from every job's record, one process at a time."""
    from filelock import FileLock

    sweep_dir.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(str(sweep_dir / LOCK), timeout=300):
            write_summary(sweep_dir)
    except Exception as err:  # the summary can be rebuilt; the user's job must not fail
        print(f"carbonspec: the sweep summary was not written: {err}", file=sys.stderr)


def records(sweep_dir: Path) -> list[tuple[Path, dict[str, Any]]]:
    found = []
    for path in sorted(sweep_dir.rglob(RECORD)):
        if any(part.startswith(".") for part in path.relative_to(sweep_dir).parts[:-1]):
            continue  # submitit's own folders
        record = read_record(path.parent)
        if record is not None:
            found.append((path.parent, record))
    return sorted(found, key=lambda item: (item[1].get("job", 0), str(item[0])))


def last_change(job_dir: Path) -> float | None:
    """The latest modification of the job's own files (its logs, checkpoints): the record's
    own time is its last_seen, which a copy or a checkout would not change."""
    times = [
        p.stat().st_mtime
        for p in job_dir.rglob("*")
        if p.is_file() and not p.name.endswith(RECORD) and RECORD not in p.name
    ]
    return max(times, default=None)


def counted_until(job_dir: Path, record: dict[str, Any], now: float) -> tuple[float, str]:
    """When a job's time ends, and its status: its end; else its last sign of life."""
    if record.get("end") is not None:
        return float(record["end"]), record.get("status", "completed")
    seen = max(float(record.get("last_seen", record["start"])), last_change(job_dir) or 0.0)
    every = float(record.get("heartbeat_s", 60.0))
    recent = now - float(record.get("last_seen", 0)) <= STALE_HEARTBEATS * every
    return seen, "running" if recent else "stopped"


def job_rows(sweep_dir: Path, now: float | None = None) -> list[dict[str, Any]]:
    """Each job estimated by carbonspec from its record."""
    from carbonspec import catalog, ownwork
    from carbonspec.estimation import estimate
    from carbonspec.schema import Model

    now = time.time() if now is None else now
    rows = []
    for job_dir, record in records(sweep_dir):
        until, status = counted_until(job_dir, record, now)
        hours = float(f"{max(until - float(record['start']), 1e-3) / 3600:.6g}")
        devices = int(record.get("devices") or 1)
        measured = record.get("energy_kwh")
        model = Model(
            name=f"job {record.get('job', 0)}",
            devices=devices,
            devices_source="the CarbonFootprint callback's devices",
            hours=hours,
            hours_source=f"wall-clock, {record.get('start_time')} to {stamp(until)} ({status})",
            training_year=datetime.fromtimestamp(float(record["start"])).year,
            training_year_source="the job's start",
            energy_kwh=measured,
            energy_kwh_source="codecarbon, during the job" if measured else None,
            energy_scope="server" if measured else None,
        )
        a = ownwork.Assumptions.packaged(pue=record.get("pue"))
        run = ownwork.run_of(model.name, model, record["region"], a, record["hardware"])
        result = estimate(run, catalog.provider_regions(run.provider_key))
        overrides = " ".join(record.get("overrides", [])) or "(no overrides)"
        result |= ownwork.row_display(run, devices) | {
            "label": f"{record.get('job', 0)}: {overrides}",
            "status": status,
            "wall_hours": hours,
            "job_dir": str(job_dir.relative_to(sweep_dir)),
            "error": record.get("error"),
            "energy_basis_cell": "measured (codecarbon)" if measured else "estimated (TDP)",
            "codecarbon_emissions_t": record["codecarbon_emissions_kg"] / 1000
            if record.get("codecarbon_emissions_kg") is not None
            else None,
            "name": record.get("name"),
        }
        rows.append(result)
    return rows


SWEEP_COLUMNS = [
    "model", "status", "wall_hours", "hardware", "run_device_hours", "energy", "energy_basis",
    "estimate", "interval", "codecarbon", "embodied", "water",
]  # fmt: skip
SWEEP_LATEX = {
    "column": ["model", "status", "run_device_hours", "estimate"],
    "text": ["model", "status", "run_device_hours", "energy", "estimate", "interval"],
    "page": ["model", "status", "run_device_hours", "energy", "estimate", "interval", "embodied"],
}  # fmt: skip


def write_summary(sweep_dir: Path, width: str | None = None) -> dict[str, str]:
    """carbon_summary.{md,tex,csv,json}, carbon_paragraph.{tex,md} and references.bib; the
    LaTeX at the width the callback was given (latex_width), else ``width``, else text."""
    from carbonspec import outputs, ownwork, references

    rows = job_rows(sweep_dir)
    if not rows:
        return {}
    width = width or next((r["latex_width"] for _, r in records(sweep_dir)
                           if r.get("latex_width")), "text")  # fmt: skip
    name = rows[0].get("name") or "The sweep"
    failed = [r for r in rows if r["status"] == "failed"]
    unfinished = [r for r in rows if r["status"] in ("running", "stopped")]
    extra = []
    said = [f"{len(failed)} failed"] if failed else []
    if unfinished:
        said.append(f"{len(unfinished)} left no end record (still running, or stopped)")
    if said:
        extra.append(
            f"Of these runs, {' and '.join(said)}; each is counted for the time it ran: until"
            " its end, else its last heartbeat or the last change to its folder."
        )
    caption = f"{name}: {len(rows)} jobs, their device-hours and estimated emissions"
    table = ownwork.runs_table(SUMMARY, caption, rows, SWEEP_COLUMNS, SWEEP_LATEX)
    para = {f: ownwork.paragraph(name, rows, f, extra) for f in ("tex", "md")}
    files = outputs.table_files(table, width) | {
        "carbon_paragraph.tex": para["tex"],
        "carbon_paragraph.md": para["md"],
    }
    tex = [files[f"{SUMMARY}.tex"], para["tex"]]
    files["references.bib"] = references.bibtex_for_keys(references.cited_keys(*tex))
    outputs.write_files(sweep_dir, files)
    return files


def main(argv: list[str] | None = None) -> None:
    """Rebuild a sweep's footprint from its jobs' records: python -m carbonspec.hydra SWEEP_DIR"""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m carbonspec.hydra SWEEP_DIR", file=sys.stderr)
        sys.exit(2)
    folder = Path(args[0])
    if not folder.is_dir() or not records(folder):
        print(
            f"carbonspec: error: {folder} holds no job records ({RECORD}): was the"
            " CarbonFootprint callback in hydra.callbacks?",
            file=sys.stderr,
        )
        sys.exit(2)
    try:
        files = write_summary(folder)
    except Exception as err:
        print(f"carbonspec: error: {err}", file=sys.stderr)
        sys.exit(2)
    print(files[f"{SUMMARY}.md"], end="")
    print()
    print(files["carbon_paragraph.md"], end="")
    print(f"\nsummary written to {folder}/{SUMMARY}.md (.tex .csv .json), carbon_paragraph.tex")


if __name__ == "__main__":
    main()
