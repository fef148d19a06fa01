"""carbonspec's performance against bare Hydra, as ratios measured in the same run.

    python benchmarks/bench.py [--repeat 5]

(a) one estimate, whole process: `python -m carbonspec model=gpt3` vs a bare Hydra
    app (bare_app.py, conf/bare.yaml) that composes the same config tree and does nothing
    (target <= 1.5x);
(b) multirun cost per job: the slope of a sweep's time over its job count, carbonspec vs the
    bare app with Hydra's own basic sweeper and no summary (target <= 1.2x);
(c) the one-process fast path over every region x the 21 seed models vs one estimate, each as a
    whole process (target <= 2x).
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
FAST_PATH = f"""
from carbonspec import catalog, sweep
from carbonspec.schema import Method
uncertainty = catalog.load("uncertainty", "default")
# the seed's 20 models, and Gopher, which the seed could not estimate
models = [row["model"] for t in {SEED_TABLES!r} for row in catalog.read_plain("table", t)["rows"]]
rows = 0
for key in models + ["gopher"]:
    choice = catalog.model_choice(key)
    rows += len(sweep.region_rows(
        key, catalog.load("model", key), choice.hardware,
        catalog.load("hardware", choice.hardware), uncertainty, Method.tdp, "auto", None))
print(rows)
"""


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def median_time(cmd: list[str], cwd: Path, repeat: int) -> float:
    return statistics.median(timed(cmd, cwd) for _ in range(repeat))


def sweep_cmd(app: list[str], regions: list[str]) -> list[str]:
    return [*app, "-m", "model=gpt3", "region=" + ",".join(regions)]


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
            f"bare Hydra {job_bare * 1000:.1f} ms",
        )
        print(f"    ratio {job / job_bare:.2f} (target <= 1.2)")

        fast = median_time([py, "-c", FAST_PATH], cwd, args.repeat)
        n_rows = subprocess.run([py, "-c", FAST_PATH], capture_output=True, text=True, check=True)
        print(
            f"(c) fast path, {n_rows.stdout.strip()} rows"
            f" (every region x the 21 seed models): {fast:.3f} s vs one estimate {one:.3f} s"
        )
        print(f"    ratio {fast / one:.2f} (target <= 2)")


if __name__ == "__main__":
    main()
