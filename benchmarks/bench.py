"""carbonspec's performance against bare Hydra and against itself, as ratios measured in one run.

    python benchmarks/bench.py [--repeat 5]

(a) one estimate, whole process: `python -m carbonspec model=gpt3` vs a bare Hydra app
    (bare_app.py, conf/bare.yaml) that composes the same config tree and does nothing
    (target <= 1.5x);
(b) multirun cost per job: the slope of a sweep's time over its job count, carbonspec vs the
    bare app with Hydra's own basic sweeper, which composes each job twice (target <= 1.0x);
(c) every region x the 21 seed models estimated in one process vs one estimate (target <= 2x);
(d) the by-region table of every region, with its figure, vs one estimate (target <= 2x);
(e) time to the first job of `-m model=gpt3 'region=glob(*)'` (target <= 5 s).
Medians of --repeat runs. Printed, not asserted: timings belong to the machine, not the tests.
"""

from __future__ import annotations

import argparse
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
from carbonspec.estimate import Run
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
    carbonspec, bare = [py, "-m", "carbonspec"], [py, str(BARE_APP)]
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


if __name__ == "__main__":
    main()
