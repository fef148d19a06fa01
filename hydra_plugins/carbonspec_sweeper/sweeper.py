"""Hydra's basic sweeper, run the way a carbonspec sweep needs.

- Each job is composed once, by the launcher. Hydra's basic sweeper first composes every job to
  validate the batch and then the launcher composes it again; here the command-line checks of
  carbonspec.checks (unknown options, unknown keys) run on each job's overrides instead, which is
  cheap, so the first job starts at once.
- Each packaged config file (carbonspec's and Hydra's own) is parsed once per sweep, not once per
  job: Hydra reads them through carbonspec's config source (hydra_plugins/carbonspec_configs,
  Hydra's public ConfigSource plugin interface), which remembers each file's parsed data by the
  hash of its bytes and hands each job a config of its own. A user's own folder is read by
  Hydra's file source, once per job.
- A job that cannot be launched is recorded as a failure in its own folder and the sweep goes on;
  should the launcher still fail on a batch, its jobs are launched one by one.
- Progress (jobs done / total, time left) goes to stderr; jobs are launched in batches so that it
  moves: one job at a time for the basic launcher, a few per worker for joblib.
- The whole job list (globs and ranges expanded) is written to jobs.json before the first job
  runs, so a summary rebuilt after the sweep was killed counts every job that never ran.
- When the sweep ends, is interrupted with Ctrl-C or terminated with SIGTERM (a batch system's
  time limit), the summary of every finished job is written (carbonspec.sweep_records) and the
  exit code says how it went: 0, 1 if a job failed or none gave a result, 130 if interrupted, 143 if
  terminated.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

from hydra._internal.core_plugins.basic_launcher import BasicLauncher
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.object_type import ObjectType
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from omegaconf import OmegaConf

from carbonspec import catalog, checks, outputs, sweep_records
from carbonspec.progress import Progress

# Jobs write their record (result.json), not Hydra's config copies: a sweep of hundreds of jobs
# would spend a large share of its time writing .hydra/ folders nobody reads.
JOB_EXTRAS = ["hydra.output_subdir=null"]


class CarbonspecSweeper(BasicSweeper):
    def sweep(self, arguments: list[str]) -> Any:
        assert self.config is not None and self.launcher is not None
        assert self.hydra_context is not None
        options = UserSearchPath(self.hydra_context.config_loader, self.config)
        parser = OverridesParser.create(config_loader=options)  # type: ignore[arg-type]
        overrides = parser.parse_overrides([*self._parse_config(), *arguments])
        jobs = self.split_arguments(overrides, None)[0]
        if not jobs:
            nothing_to_run(overrides, options)
        sweep_dir = Path(self.config.hydra.sweep.dir)
        outputs.write_files(sweep_dir, {"multirun.yaml": OmegaConf.to_yaml(self.config)})
        export_dir = self.config.get("export_dir")
        export_dir = os.path.abspath(os.path.expanduser(export_dir)) if export_dir else None
        width = str(OmegaConf.select(self.config, "latex.width", default="text"))
        sweep_records.record_jobs(sweep_dir, [list(job) for job in jobs], export_dir, width)

        progress = Progress(len(jobs), "sweep")
        size = batch_size(self.launcher)
        done = 0
        stopped: KeyboardInterrupt | None = None
        try:
            with terminated_as_interrupted():
                for start in range(0, len(jobs), size):
                    chunk = jobs[start : start + size]
                    self.launch_chunk(chunk, start, sweep_dir)
                    done += len(chunk)
                    progress.update(len(chunk))
        except KeyboardInterrupt as err:
            stopped = err  # the finished jobs are summarised below; the others did not run
        finally:
            progress.close()
        interrupted = len(jobs) - done
        outcome = sweep_records.write_summary(sweep_dir, interrupted)
        if stopped is not None:
            terminated = isinstance(stopped, Terminated)
            print(
                f"carbonspec: {'terminated (SIGTERM)' if terminated else 'interrupted'};"
                f" {outcome.missing} job(s) did not run",
                file=sys.stderr,
            )
            sys.exit(EXIT_TERMINATED if terminated else EXIT_INTERRUPTED)
        if not outcome.results:
            print(
                f"carbonspec: no job of the sweep gave a result ({outcome.failed} failed,"
                f" {outcome.skipped} skipped); each is listed in {sweep_dir}/summary.md",
                file=sys.stderr,
            )
            sys.exit(1)
        if outcome.failed:
            print(
                f"carbonspec: {outcome.failed} job(s) failed; the others are summarised",
                file=sys.stderr,
            )
            sys.exit(1)
        return []

    def launch_chunk(self, chunk: Sequence[Sequence[str]], first: int, sweep_dir: Path) -> None:
        """Check each job, record the ones that cannot run, launch the rest in runs of
        consecutive jobs (the launcher numbers jobs from the first one's index)."""
        segment: list[list[str]] = []
        segment_start = first
        for offset, job in enumerate(chunk):
            index = first + offset
            try:
                with catalog.reading(remember=False):  # each file read once for the checks
                    checks.check(list(job), multirun=False, config_name=self.config_name())
            except checks.OverrideError as err:
                self.launch_segment(segment, segment_start)
                segment, segment_start = [], index + 1
                sweep_records.failure(sweep_dir / str(index), str(err), list(job))
                continue
            segment.append([*job, *JOB_EXTRAS])
        self.launch_segment(segment, segment_start)

    def config_name(self) -> str | None:
        assert self.config is not None
        return OmegaConf.select(self.config, "hydra.job.config_name", default=None)

    def launch_segment(self, jobs: list[list[str]], first: int) -> None:
        if not jobs:
            return
        assert self.launcher is not None and self.config is not None
        try:
            self.launcher.launch(jobs, initial_job_idx=first)
        except KeyboardInterrupt:
            raise
        except Exception as err:  # Hydra raises several kinds; each one is this job's alone
            stop = interruption(err)
            if stop is not None:  # Ctrl-C or SIGTERM while Hydra composed: Hydra wrapped it
                raise stop from err
            if len(jobs) > 1:
                for offset, job in enumerate(jobs):
                    self.launch_segment([job], first + offset)
                return
            folder = Path(self.config.hydra.sweep.dir) / str(first)
            if not any((folder / f"{kind}.json").exists() for kind in sweep_records.KINDS):
                message = (str(err).strip().splitlines() or [type(err).__name__])[0]
                sweep_records.failure(folder, f"cannot be composed: {message}", strip(jobs[0]))


def nothing_to_run(overrides: list[Override], options: UserSearchPath) -> NoReturn:
    """A sweep that makes no job ends in one line naming what matched nothing, before any
    folder is made."""
    for override in overrides:
        if override.is_sweep_override() and not list(override.sweep_string_iterator()):
            group = override.key_or_group
            count = len(options.get_group_options(group))
            print(
                f"carbonspec: error: {override.input_line} matches no {group} (there are"
                f" {count}: list={group} shows them)",
                file=sys.stderr,
            )
            break
    else:
        print("carbonspec: error: the sweep makes no job", file=sys.stderr)
    sys.exit(2)


class UserSearchPath:
    """The config loader as a sweep's globs read it: with the user's hydra.searchpath.

    Hydra expands ``model=glob(*)`` by listing the group's options without the primary config
    or the command line, so the folders a user adds with ``hydra.searchpath=[file://...]`` are
    not searched and their models are left out (while ``list=model`` and a single run see
    them). ConfigLoader.get_group_options takes the config name and overrides that decide the
    search path; this passes the sweep's own."""

    def __init__(self, loader: Any, config: Any) -> None:
        self.loader = loader
        self.config_name = config.hydra.job.config_name
        self.overrides = [
            o for o in config.hydra.overrides.hydra if o.split("=", 1)[0] == "hydra.searchpath"
        ]

    def get_group_options(
        self,
        group_name: str,
        results_filter: ObjectType | None = ObjectType.CONFIG,
        config_name: str | None = None,
        overrides: list[str] | None = None,
    ) -> list[str]:
        return self.loader.get_group_options(
            group_name,
            results_filter,
            config_name if config_name is not None else self.config_name,
            overrides if overrides is not None else self.overrides,
        )


def interruption(err: BaseException | None) -> KeyboardInterrupt | None:
    """The KeyboardInterrupt (or Terminated) in the exception's chain of causes, if any."""
    seen = 0
    while err is not None and seen < 20:
        if isinstance(err, KeyboardInterrupt):
            return err
        err, seen = err.__cause__ or err.__context__, seen + 1
    return None


EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM, as a shell (and a batch system) reports a termination


class Terminated(KeyboardInterrupt):
    """SIGTERM, which a batch system sends when a job's time is up: handled as Ctrl-C is, so
    the sweep stops and writes the summary of its finished jobs."""


@contextmanager
def terminated_as_interrupted() -> Iterator[None]:
    """While the jobs run, SIGTERM raises Terminated (where Python's default would end the
    process at once, with no summary); the previous handler is back for the summary."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may handle signals
        return

    def stop(signum: int, frame: Any) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def strip(job: list[str]) -> list[str]:
    return [o for o in job if o not in JOB_EXTRAS]


def batch_size(launcher: Any) -> int:
    """One job at a time in-process (each launch is cheap); a few per worker in parallel."""
    if isinstance(launcher, BasicLauncher):
        return 1
    workers = int(getattr(launcher, "joblib", {}).get("n_jobs", -1) or -1)
    if workers < 1:
        workers = os.cpu_count() or 1
    return 4 * workers
