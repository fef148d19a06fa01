"""carbonspec's performance against bare Hydra and against itself, as ratios measured in one run.

    python benchmarks/bench.py [--repeat 5]

(a) one estimate, whole process: `python -m carbonspec model=gpt3` vs a bare Hydra app
    (bare_app.py, conf/bare.yaml) that composes the same config tree and does nothing
    (target <= 1.5x);
(b) multirun cost per job: the slope of a sweep's time over its job count, carbonspec vs the
    bare app with Hydra's own basic sweeper, which composes each job twice (target <= 1.0x);
(c) every region x the 21 seed models estimated in one process vs one estimate (target <= 2x);
(d) the by-region table of every region, with its figure, vs one estimate (target <= 2x);
(e) time to the first job of `-m model=gpt3 'region=glob(*)'` (target <= 5 s);
(f) the Python API in a loop: 200 distinct estimates (regions x device-hours x hardware) in one
    process after its first call, vs the same number of `python -m carbonspec` processes
    (target: >= 100 estimates per second);
(g) carbonspec.sweep over every region x the 21 seed models, in one process (import included),
    vs (c), today's fast path over the same rows (target <= 1.5x), and vs as many processes.
Medians of --repeat runs. Printed, not asserted: timings belong to the machine, not the tests.
"""

from __future__ import annotations

import argparse
import importlib.resources
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BARE_APP = HERE / "bare_app.py"
SEED_TABLES = ("seed_verification", "seed_industry", "seed_academia")
EVERY_REGION = f"""
from dataclasses import replace
from carbonspec import catalog, tables
from carbonspec.estimation import Run
from carbonspec.schema import Method, Region
uncertainty = catalog.load("uncertainty", "default")
# the seed's 20 models, and Gopher, which the seed could not estimate
models = [row["model"] for t in {SEED_TABLES!r} for row in catalog.read_plain("table", t)["rows"]]
rows = 0
for key in models + ["gopher"]:
    hardware = catalog.model_choice(key).hardware
    template = Run(key, catalog.load("model", key), hardware, catalog.load("hardware", hardware),
                   "", Region(name="", display_name=""), "", catalog.load("provider", "private"),
                   uncertainty)
    rows += len(tables.region_rows(template)[0])
print(rows)
"""


API_LOOP = """
import itertools, sys, time
import carbonspec
carbonspec.estimate(model="llama2_70b")  # the first call pays for the imports
regions = [r.name for r in carbonspec.catalog.regions("aws-*")][:10]
hours = ["model.device_hours=1e5", "model.device_hours=2.5e5", "model.device_hours=5e5",
         "model.device_hours=2e6", "model.device_hours=1e6"]
hardware = [None, "h100_sxm", "b200", "a100_sxm4_40gb"]
inputs = list(itertools.product(regions, hours, hardware))
start = time.perf_counter()
values = {carbonspec.estimate(model="llama2_70b", region=r, hardware=h, overrides=[o]).emissions_t
          for r, o, h in inputs}
print(len(inputs), time.perf_counter() - start, len(values))
"""
API_SWEEP = f"""
import carbonspec
from carbonspec import catalog
models = [row["model"] for t in {SEED_TABLES!r} for row in catalog.read_plain("table", t)["rows"]]
print(len(carbonspec.sweep(model=models + ["gopher"], region="*").rows))
"""


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=False, capture_output=True)
    return time.perf_counter() - start


def median_time(cmd: list[str], cwd: Path, repeat: int) -> float:
    return statistics.median(timed(cmd, cwd) for _ in range(repeat))


def sweep_cmd(app: list[str], regions: list[str]) -> list[str]:
    return [*app, "-m", "model=gpt3", "region=" + ",".join(regions)]


def first_job(cmd: list[str], cwd: Path) -> float:
    """Seconds until the first job of a sweep has written its record."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not any(cwd.glob("outputs/sweeps/*/*/*/*.json")):
            if proc.poll() is not None:
                break
            time.sleep(0.02)
        return time.perf_counter() - start
    finally:
        proc.kill()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    py = sys.executable
    # The bare app reads carbonspec's conf/ as a folder (--config-dir), not pkg://carbonspec.conf:
    # carbonspec's own config source serves that package to any app, and the baseline must be
    # plain Hydra reading the files.
    conf = Path(importlib.resources.files("carbonspec.conf"))  # type: ignore[arg-type]
    carbonspec = [py, "-m", "carbonspec"]
    bare = [py, str(BARE_APP), "--config-dir", str(conf)]
    from carbonspec import catalog

    regions = catalog.matching("region", "aws-*") + catalog.matching("region", "gcp-*")
    small, large = regions[:2], regions[:22]

    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        one = median_time([*carbonspec, "model=gpt3"], cwd, args.repeat)
        one_bare = median_time([*bare, "model=gpt3"], cwd, args.repeat)
        print(f"(a) one estimate: carbonspec {one:.3f} s, bare Hydra {one_bare:.3f} s")
        print(f"    ratio {one / one_bare:.2f} (target <= 1.5)")

        def per_job(app: list[str]) -> float:
            t_small = median_time(sweep_cmd(app, small), cwd, args.repeat)
            t_large = median_time(sweep_cmd(app, large), cwd, args.repeat)
            return (t_large - t_small) / (len(large) - len(small))

        job, job_bare = per_job(carbonspec), per_job(bare)
        print(
            f"(b) multirun per job: carbonspec {job * 1000:.1f} ms,",
            f"bare Hydra (composing twice) {job_bare * 1000:.1f} ms",
        )
        print(f"    ratio {job / job_bare:.2f} (target <= 1.0)")

        fast = median_time([py, "-c", EVERY_REGION], cwd, args.repeat)
        n_rows = subprocess.run(
            [py, "-c", EVERY_REGION], capture_output=True, text=True, check=True
        )
        print(
            f"(c) every region x the 21 seed models, {n_rows.stdout.strip()} rows, one process:"
            f" {fast:.3f} s vs one estimate {one:.3f} s"
        )
        print(f"    ratio {fast / one:.2f} (target <= 2)")

        by_region = median_time([*carbonspec, "table=by_region", "model=gpt3"], cwd, args.repeat)
        print(
            f"(d) table=by_region model=gpt3 (every region, figure included): {by_region:.3f} s"
            f" vs one estimate {one:.3f} s"
        )
        print(f"    ratio {by_region / one:.2f} (target <= 2)")

        sweep_all = [*carbonspec, "-m", "model=gpt3", "region=glob(*)"]
        starts = []
        for i in range(args.repeat):
            folder = cwd / f"first-{i}"
            folder.mkdir()
            starts.append(first_job(sweep_all, folder))
        first = statistics.median(starts)
        print(f"(e) first job of a glob(*) sweep after {first:.2f} s (target <= 5)")

        loops = [
            subprocess.run(
                [py, "-c", API_LOOP], cwd=cwd, capture_output=True, text=True, check=True
            ).stdout.split()  # fmt: skip
            for _ in range(args.repeat)
        ]
        n, loop = int(loops[0][0]), statistics.median(float(run[1]) for run in loops)
        print(
            f"(f) API loop: {n} distinct estimates in {loop:.3f} s ({n / loop:.0f} per second,"
            f" target >= 100) vs {n} processes {n * one:.1f} s (one: {one:.3f} s)"
        )
        print(f"    ratio {loop / (n * one):.4f}")

        api_sweep = median_time([py, "-c", API_SWEEP], cwd, args.repeat)
        print(
            f"(g) carbonspec.sweep, every region x the 21 seed models ({n_rows.stdout.strip()}"
            f" rows), one process: {api_sweep:.3f} s vs (c) {fast:.3f} s"
        )
        print(f"    ratio {api_sweep / fast:.2f} (target <= 1.5)")
        rows = int(n_rows.stdout.strip())
        print(f"    vs {rows} processes ({rows * one:.0f} s): ratio {api_sweep / (rows * one):.5f}")


if __name__ == "__main__":
    main()
