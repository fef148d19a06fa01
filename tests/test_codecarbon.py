"""codecarbon's emissions.csv in: a real file from codecarbon's offline tracker, a hand-made
multi-rank file, codecarbon 2.x's columns, and files that cannot be read.

Expected values are the files' own sums, computed here with the csv module.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "codecarbon"
MULTIRANK = DATA / "multirank.csv"
RANKS_2X = DATA / "ranks_2x"


def rows_of(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def run_json(cli, *args):
    result = cli(*args, "format=json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def tracked(tmp_path_factory) -> Path:
    """A real emissions.csv: codecarbon's offline tracker run for about two seconds, in France
    (no network), in a process of its own as a training script would."""
    pytest.importorskip("codecarbon")
    folder = tmp_path_factory.mktemp("codecarbon")
    script = textwrap.dedent(
        """
        import time
        from codecarbon import OfflineEmissionsTracker
        tracker = OfflineEmissionsTracker(
            country_iso_code="FRA", output_dir=".", measure_power_secs=1, log_level="error",
            project_name="toy", experiment_id="exp-1", save_to_file=True,
        )
        tracker.start()
        sum(i * i for i in range(3_000_000))  # some work to measure
        time.sleep(1)
        tracker.stop()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=folder, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    path = folder / "emissions.csv"
    assert path.exists(), done.stderr
    return path


def test_a_real_codecarbon_file_is_read_and_estimated(cli, tracked):
    [row] = rows_of(tracked)
    r = run_json(cli, f"codecarbon={tracked}")
    # the energy and codecarbon's own figure are the file's
    assert r["energy_measured_kwh"] == pytest.approx(float(row["energy_consumed"]), rel=1e-6)
    assert r["codecarbon_emissions_t"] == pytest.approx(float(row["emissions"]) / 1000, rel=1e-6)
    assert r["energy_scope"] == "server" and r["energy_basis"] == "measured"
    # carbonspec's grid for the run's place (France) and year, beside codecarbon's
    assert r["region"] == "country-fra"
    assert r["training_year"] == int(row["timestamp"][:4])
    assert r["emissions_t"] == pytest.approx(
        float(row["energy_consumed"]) * r["pue"] * r["carbon_intensity_g_per_kwh"] / 1e6
    )
    codecarbon_g = float(row["emissions"]) / float(row["energy_consumed"]) * 1000
    assert r["codecarbon_g_per_kwh"] == pytest.approx(codecarbon_g)
    assert "the grid figure" in r["codecarbon_explained"]
    assert r["model_name"] == "toy / exp-1"


def test_every_output_of_a_real_file(cli, tracked, tmp_path):
    for fmt, expect in (
        ("text", "codecarbon  "),
        ("csv", "codecarbon_emissions_t"),
        ("markdown", "| toy / exp-1"),
        ("latex", r"\carbonspeccite{courty2026codecarbon}"),
        ("model_card", "co2_eq_emissions:"),
        ("bibtex", "@misc{courty2026codecarbon,"),
    ):
        result = cli(f"codecarbon={tracked}", f"format={fmt}")
        assert result.returncode == 0, result.stderr
        assert expect in result.stdout, fmt
    export = tmp_path / "paper"
    assert cli(f"codecarbon={tracked}", f"export_dir={export}").returncode == 0
    assert {"codecarbon_emissions.tex", "codecarbon_emissions_run.tex", "references.bib"} <= {
        p.name for p in export.iterdir()
    }


def test_ranks_that_each_measured_their_node_are_counted_once(cli):
    rows = rows_of(MULTIRANK)
    last = {}  # codecarbon's rows are totals since the tracker started: the last one counts
    for row in rows:
        if row["run_id"] not in last or float(row["duration"]) > float(
            last[row["run_id"]]["duration"]
        ):
            last[row["run_id"]] = row
    assert len(rows) == 10 and len(last) == 8
    gpus = {int(row["gpu_count"]) for row in last.values()}
    assert gpus == {4}  # each rank's tracker saw its node's 4 GPUs: 8 ranks are 2 nodes
    energy = sum(float(row["energy_consumed"]) for row in last.values()) / 4
    emissions = sum(float(row["emissions"]) for row in last.values()) / 4
    device_hours = sum(4 * float(row["duration"]) / 3600 for row in last.values()) / 4
    r = run_json(cli, f"codecarbon={MULTIRANK}")
    assert r["energy_measured_kwh"] == pytest.approx(energy)
    assert r["codecarbon_emissions_t"] == pytest.approx(emissions / 1000)
    assert r["device_hours"] == pytest.approx(device_hours, rel=1e-5)  # to 6 digits
    assert r["devices"] == 8
    assert r["hardware"] == "a100_sxm4_80gb"  # codecarbon's "4 x NVIDIA A100-SXM4-80GB"
    counted = " ".join(r["codecarbon_counted"])
    assert "2 earlier snapshot(s)" in counted and "2 node(s)" in counted
    # summing every row, as a reader of the file might, would count the node 4 times and more
    assert sum(float(row["energy_consumed"]) for row in rows) > 4 * energy


def test_ranks_per_node_overrides_the_rule(cli):
    last = {row["run_id"]: row for row in rows_of(MULTIRANK)}  # later rows come later
    parts = [(float(r["gpu_energy"]), float(r["cpu_energy"]) + float(r["ram_energy"]))
             for r in last.values()]  # fmt: skip
    r = run_json(cli, f"codecarbon={MULTIRANK}", "ranks_per_node=2")
    assert r["energy_measured_kwh"] == pytest.approx(sum(g + h for g, h in parts) / 2)
    assert "ranks_per_node=2" in " ".join(r["codecarbon_counted"])
    assert cli(f"codecarbon={MULTIRANK}", "ranks_per_node=0").returncode == 2


def test_codecarbon_2x_files_one_per_rank_are_summed(cli):
    files = sorted(RANKS_2X.glob("*.csv"))
    rows = [row for f in files for row in rows_of(f)]
    assert "experiment_id" not in rows[0] and "water_consumed" not in rows[0]
    assert {row["gpu_count"] for row in rows} == {"1"}  # one GPU per rank: nothing shared
    r = run_json(cli, f"codecarbon={RANKS_2X}")
    assert r["energy_measured_kwh"] == pytest.approx(sum(float(x["energy_consumed"]) for x in rows))
    assert r["codecarbon_emissions_t"] == pytest.approx(
        sum(float(x["emissions"]) for x in rows) / 1000
    )
    assert r["devices"] == 4 and r["device_hours"] == pytest.approx(4.0)
    assert r["region"] == "gcp-us-central1"  # codecarbon's cloud_provider and cloud_region
    assert r["hardware"] == "a100_sxm4_40gb"
    # a command-line region wins over the file's
    assert run_json(cli, f"codecarbon={RANKS_2X}", "region=gcp-europe-west4")["region"] == (
        "gcp-europe-west4"
    )


def test_several_runs_make_a_table_with_a_total(cli, tmp_path):
    folder = tmp_path / "logs"
    folder.mkdir()
    shutil.copy(MULTIRANK, folder / "a.csv")
    for f in RANKS_2X.glob("*.csv"):
        shutil.copy(f, folder / f.name)
    out = json.loads(cli(f"codecarbon={folder}", "format=json").stdout)
    runs = [row for row in out["rows"] if not row.get("is_total")]
    [total] = [row for row in out["rows"] if row.get("is_total")]
    assert len(runs) == 2
    assert total["energy_kwh"] == pytest.approx(sum(r["energy_kwh"] for r in runs))
    assert total["emissions_t"] == pytest.approx(sum(r["emissions_t"] for r in runs))
    markdown = cli(f"codecarbon={folder}", "format=markdown").stdout
    assert "Total (2 runs)" in markdown and "The runs read from codecarbon's logs of 2 runs" in (
        markdown
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a,b\n1,2\n", "bad.csv, line 1: not a codecarbon emissions file: no column duration,"),
        ("", "bad.csv: empty: no header row"),
        ("duration,energy_consumed\n", "bad.csv: no data rows"),
        ("duration,energy_consumed\n10,0.5\n12,abc\n", "bad.csv, line 3: energy_consumed is 'abc'"),
        ("duration,energy_consumed,emissions\n10,0.5,0.1\n10,0.5\n", "bad.csv, line 3: 2 fields"),
        ("duration,energy_consumed\n-4,0.5\n", "bad.csv, line 2: duration must be a finite"),
        ("timestamp,duration,energy_consumed\nyesterday,1,1\n", "bad.csv, line 2: timestamp"),
    ],
)
def test_a_file_that_cannot_be_read_fails_in_one_line(cli, tmp_path, content, message):
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    result = cli(f"codecarbon={bad}")
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_what_cannot_apply_to_codecarbon_input_is_refused(cli, tmp_path):
    assert "no such file or folder" in cli(f"codecarbon={tmp_path / 'none.csv'}").stderr
    assert "no .csv file" in cli(f"codecarbon={tmp_path}").stderr
    assert (
        "model= cannot apply to codecarbon=" in cli(f"codecarbon={MULTIRANK}", "model=gpt3").stderr
    )
