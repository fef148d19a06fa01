"""A sweep's result: one record per job, one summary for the sweep.

When a sweep starts, the sweeper writes its whole job list, each glob() and range() expanded, to
``jobs.json`` in the sweep folder, before the first job runs. Each job of a multirun then leaves
exactly one record in its own folder (``<sweep>/<num>/``): ``result.json`` (an estimate),
``skipped.json`` (nothing to estimate there, with the reason) or ``error.json`` (why the job
failed). The sweeper writes the records of jobs it could not launch; jobs write their own. The
summary is built from these files alone, so it works with any launcher, survives an interrupted
or killed sweep (every job of jobs.json without a record did not run) and can be rebuilt:

    python -m carbonspec.sweep_records SWEEP_DIR
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from carbonspec import configfiles, outputs, render
from carbonspec.catalog import ConfigError
from carbonspec.tables import Table, summary_table, sweep_caption

KINDS = ("result", "skipped", "error")
JOBS = "jobs.json"
WIDTHS = ("text", "column", "page")
FAILURE_COLUMNS = ["model", "region", "estimate"]  # a summary without results: an empty table
# What a summary reads from each result record, beyond its figures: a record without them (or
# with them of another type) is listed as a failure, not summarised.
RESULT_TEXT = ("model", "model_name", "region", "hardware_short_name", "method", "grid")


class SweepFileError(ValueError):
    """A file of the sweep folder that cannot be read or written; the message is one line."""


def record(job_dir: Path, kind: str, payload: dict[str, Any]) -> None:
    """A job's one record (written whole, or not at all)."""
    assert kind in KINDS, kind
    outputs.write_files(job_dir, {f"{kind}.json": render.to_json(payload)})


def failure(job_dir: Path, message: str, overrides: list[str], kind: str = "error") -> None:
    record(job_dir, kind, {"error": message, "overrides": list(overrides)})


def record_jobs(sweep_dir: Path, jobs: list[list[str]], export_dir: str | None, width: str) -> None:
    """The sweep's whole job list, every glob() and range() expanded, written (whole or not at
    all) before the first job runs: a rebuild after the sweep was killed counts from it every
    job that never ran. The export folder (absolute) and LaTeX width go with it."""
    text = json.dumps(
        {"jobs": [list(job) for job in jobs], "export_dir": export_dir, "latex_width": width},
        indent=1,
        ensure_ascii=False,
    )
    outputs.write_files(sweep_dir, {JOBS: text + "\n"})


@dataclass
class Records:
    results: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    expected: int | None = None  # jobs the sweep was to run (jobs.json), if known

    @property
    def missing(self) -> int:
        done = len(self.results) + len(self.skipped) + len(self.failed)
        return max((self.expected or done) - done, 0)


@dataclass
class SweepInfo:
    """What the sweep folder says about the sweep itself."""

    expected: int | None = None  # how many jobs it was to run
    jobs: list[list[str]] | None = None  # each job's overrides, from jobs.json
    width: str = "text"  # the LaTeX width it asked for
    export_dir: str | None = None  # where its bundle goes, if anywhere
    notes: list[str] = field(default_factory=list)  # files that could not be read, one line each


def sweep_info(sweep_dir: Path) -> SweepInfo:
    """The job count, width and export folder, from jobs.json, else multirun.yaml (a sweep
    folder of an older carbonspec has no jobs.json). A file that cannot be read is a note, and
    the summary is made from the records without it."""
    info = SweepInfo()
    try:
        config = saved_config(sweep_dir)
    except SweepFileError as err:
        config = {}
        info.notes.append(str(err))
    try:
        jobs = read_jobs(sweep_dir)
    except SweepFileError as err:
        jobs = None
        info.notes.append(str(err))
    latex = config.get("latex")
    width = latex.get("width") if isinstance(latex, dict) else None
    if jobs is not None:
        info.jobs = jobs["jobs"]
        info.expected = len(info.jobs)
        width = jobs.get("latex_width") or width
        export = jobs.get("export_dir")
        info.export_dir = export if isinstance(export, str) and export else None
    else:
        info.expected = expected_jobs(sweep_dir, config)
    info.width = width if width in WIDTHS else "text"
    return info


def read_jobs(sweep_dir: Path) -> dict[str, Any] | None:
    """jobs.json, or None if the sweep has none; SweepFileError if it is not a job list."""
    path = sweep_dir / JOBS
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise SweepFileError(f"{path} cannot be read ({first_line(err)})") from None
    jobs = data.get("jobs") if isinstance(data, dict) else None
    if not (isinstance(jobs, list) and all(is_text_list(job) for job in jobs)):
        raise SweepFileError(f"{path} is not a job list (each job a list of overrides)")
    return data


def read_records(
    sweep_dir: Path, expected: int | None = None, jobs: list[list[str]] | None = None
) -> Records:
    """Every job's record under a sweep folder; a record that cannot be read, or is not a
    record, is a failure naming the file (and the job's overrides, from the job list)."""
    found = Records(expected=expected)
    folders = [p for p in sweep_dir.iterdir() if p.is_dir() and not p.name.startswith(".")]
    buckets = {"result": found.results, "skipped": found.skipped, "error": found.failed}
    for folder in sorted(folders, key=job_order):
        path = next((folder / f"{k}.json" for k in KINDS if (folder / f"{k}.json").exists()), None)
        if path is None:
            continue
        kind, data = read_record(path)
        number = int(folder.name) if folder.name.isdigit() else None
        if not data.get("overrides") and jobs and number is not None and number < len(jobs):
            data["overrides"] = jobs[number]
        buckets[kind].append(data)
    return found


def job_order(folder: Path) -> tuple[bool, int, str]:
    """Job folders by number (0, 1, ..., 10), anything else after them."""
    digits = folder.name.isdigit()
    return (not digits, int(folder.name) if digits else 0, folder.name)


def read_record(path: Path) -> tuple[str, dict[str, Any]]:
    """(kind, record): the record as written, or an error record saying why it cannot be used."""
    kind = path.stem
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        problem = record_problem(data, kind)
    except (OSError, ValueError) as err:
        data, problem = None, first_line(err)
    if problem is None:
        return kind, data
    overrides = data.get("overrides") if isinstance(data, dict) else None
    return "error", {
        "error": f"unreadable {path.name} (job {path.parent.name}): {problem}",
        "overrides": overrides if is_text_list(overrides) else [],
    }


def record_problem(data: Any, kind: str) -> str | None:
    """Why a parsed record cannot be summarised, or None."""
    if not isinstance(data, dict):
        return f"not a record ({type(data).__name__})"
    if "overrides" in data and not is_text_list(data["overrides"]):
        return "overrides is not a list of options"
    if kind != "result":
        return None if isinstance(data.get("error"), str) else "error is missing"
    for key in RESULT_TEXT:
        if not isinstance(data.get(key), str):
            return f"{key} is missing" if key not in data else f"{key} is not text"
    if "emissions_t" not in data:
        return "emissions_t is missing"
    low, high = data.get("emissions_t_low"), data.get("emissions_t_high")
    if low is not None and not (is_number(low) and is_number(high)):
        return "emissions_t_low and emissions_t_high are not numbers"
    return None


def is_text_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def first_line(err: BaseException, limit: int = 160) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0][:limit]


def saved_config(sweep_dir: Path) -> dict[str, Any]:
    """The sweep's config as the sweeper saved it (multirun.yaml), or {} if there is none."""
    path = sweep_dir / "multirun.yaml"
    if not path.exists():
        return {}
    try:
        return configfiles.load(path)
    except configfiles.ConfigFileError as err:
        raise SweepFileError(str(err)) from None


def expected_jobs(sweep_dir: Path, config: dict[str, Any] | None = None) -> int | None:
    """How many jobs a sweep without jobs.json made, from the overrides Hydra saved in
    multirun.yaml: comma lists only (a glob or range was expanded by Hydra and not saved)."""
    config = saved_config(sweep_dir) if config is None else config
    hydra = config.get("hydra") if isinstance(config, dict) else None
    overrides = (hydra.get("overrides") or {}) if isinstance(hydra, dict) else {}
    task = overrides.get("task") if isinstance(overrides, dict) else None
    if not is_text_list(task):
        return None
    count = 1
    for override in task:
        _, _, value = override.partition("=")
        if "(" in value:
            return None  # a glob or range: counted by Hydra only
        count *= len(value.split(",")) if "," in value and not value.startswith("[") else 1
    return count


def is_sweep(folder: Path) -> bool:
    return (folder / "multirun.yaml").exists() or (folder / JOBS).exists()


@dataclass(frozen=True)
class Outcome:
    results: int
    failed: int  # failed jobs, records that cannot be read included
    skipped: int
    missing: int  # jobs that never ran


def write_summary(sweep_dir: Path, interrupted: int = 0) -> Outcome:
    """summary.{md,tex,csv,json,png,pdf} in the sweep folder (and its bundle in the sweep's
    export folder); the Markdown is printed. Nothing is written where the folder cannot be
    written in (SweepFileError). When no job gave a result, the summary lists the failures."""
    from carbonspec.checks import cannot_write  # only a summary being written needs it

    problem = cannot_write(sweep_dir)
    if problem:
        raise SweepFileError(
            f"{problem}: the summary goes in the sweep folder; copy the folder to one you can"
            " write in and rebuild it there"
        )
    info = sweep_info(sweep_dir)
    for note in info.notes:
        print(f"carbonspec: {note}; the summary is made from the job records", file=sys.stderr)
    found = read_records(sweep_dir, info.expected, info.jobs)
    # the job list says which jobs left no record; without one, the sweeper's count is a floor
    missing = found.missing if info.expected is not None else max(found.missing, interrupted)
    good = [r for r in found.results if finite(r)]
    found.failed += [
        {"error": "a result that is not a finite number", "overrides": r.get("overrides", [])}
        for r in found.results
        if not finite(r)
    ]
    outcome = Outcome(len(good), len(found.failed), len(found.skipped), missing)
    table = summary_table(good, "summary", sweep_caption(good)) if good else failures_table(outcome)
    table.summary = {"failed": found.failed, "skipped": found.skipped, "did_not_run": missing}
    table.outcomes = outcome_lines(found.failed, found.skipped, missing)
    files = outputs.write_table(table, sweep_dir, info.width)
    if info.export_dir and good:
        export(table, sweep_dir, info.export_dir, info.width)
    print(files["summary.md"], end="")  # the failed, skipped and unrun jobs are listed in it
    shown = ".tex .csv .json .png .pdf" if good else ".tex .csv .json"
    print(f"\nsummary written to {sweep_dir}/summary.md ({shown})")
    return outcome


def failures_table(outcome: Outcome) -> Table:
    """The summary of a sweep in which no job gave a result: its failures, skips and unrun
    jobs, in every format, and no figure."""
    counts = [
        f"{n} {what}"
        for n, what in (
            (outcome.failed, "failed"),
            (outcome.skipped, "skipped"),
            (outcome.missing, "did not run"),
        )  # fmt: skip
        if n
    ]
    caption = f"No job of the sweep gave a result ({', '.join(counts) or 'no job'})"
    table = summary_table([], "summary", caption)
    table.figure = False
    table.columns = FAILURE_COLUMNS
    table.latex_columns = dict.fromkeys(WIDTHS, FAILURE_COLUMNS)
    return table


def export(table: Table, sweep_dir: Path, export_dir: str, width: str) -> None:
    """The sweep's bundle in its export folder: the summary's .tex (.md .csv .json) and figure
    under a name that says what the sweep varied (gpt3_by_grid: a sweep run again updates its
    own files, as a single estimate's export does), then references.bib and preview.tex merged
    as for any export."""
    name = export_name(table)
    exported = replace(table, name=name, label=f"tab:{name}")
    outputs.export_table(exported, export_dir, width, drawn=sweep_dir / table.name)
    print(
        f"exported to {export_dir}: {name}.tex (.md .csv .json .png .pdf), references.bib,"
        " preview.tex"
    )


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


def main(argv: list[str] | None = None) -> None:
    """Rebuild the summary of an existing sweep: python -m carbonspec.sweep_records SWEEP_DIR.
    Exit 0 when every job gave a result or was skipped, 1 when a job failed or never ran or
    none gave a result, 2 when the folder is not a sweep or cannot be written in."""
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 1:
        print("usage: python -m carbonspec.sweep_records SWEEP_DIR", file=sys.stderr)
        sys.exit(2)
    folder = Path(args[0])
    if not folder.is_dir() or not is_sweep(folder):
        print(
            f"carbonspec: error: {folder} is not a sweep folder (no multirun.yaml or {JOBS} in it)",
            file=sys.stderr,
        )
        sys.exit(2)
    try:
        outcome = write_summary(folder)
    except (SweepFileError, ConfigError, OSError) as err:
        print(f"carbonspec: error: {first_line(err, 600)}", file=sys.stderr)
        sys.exit(2)
    if not outcome.results:
        print(f"carbonspec: no job of the sweep in {folder} gave a result", file=sys.stderr)
    sys.exit(1 if outcome.failed or outcome.missing or not outcome.results else 0)


if __name__ == "__main__":
    main()
