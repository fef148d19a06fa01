"""carbonspec.hydra.CarbonFootprint in a user's own Hydra app (tests/hydra_app): a sweep of six
jobs, one failing, under Hydra's basic launcher, joblib and submitit_local; every job is in the
summary with its device-hours (its devices x its wall-clock time, from its own record); a killed
job is counted until its last sign of life; the summary is rebuilt from a sweep folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from carbonspec import catalog
from carbonspec import hydra as callback

APP = Path(__file__).parent / "hydra_app" / "app.py"
DEVICES = 2  # trainer.devices in the app's config, read by devices_from


def sweep(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, Path]:
    folder = tmp_path / "sweep"
    done = subprocess.run(
        [sys.executable, str(APP), "-m", "lr=1,2,3,4,5,6", "fail_at=3",
         f"hydra.sweep.dir={folder}", *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    return done, folder


def job_records(folder: Path) -> dict[int, dict]:
    return {
        r["job"]: r
        for r in (json.loads(p.read_text()) for p in folder.glob("*/carbonspec_job.json"))
    }


def check_summary(done: subprocess.CompletedProcess, folder: Path) -> None:
    # Hydra ends a multirun with a failed job in an error, without on_multirun_end ...
    assert done.returncode != 0 and "diverged at lr=3" in done.stderr
    # ... and the summary is there all the same, with every job
    summary = json.loads((folder / "carbon_summary.json").read_text())
    jobs = [r for r in summary["rows"] if not r.get("is_total")]
    [total] = [r for r in summary["rows"] if r.get("is_total")]
    records = job_records(folder)
    assert sorted(records) == list(range(6))
    assert len(jobs) == 6
    for row in jobs:
        record = records[int(row["label"].split(":")[0])]
        hours = (record["end"] - record["start"]) / 3600
        assert record["devices"] == DEVICES
        assert row["device_hours"] == pytest.approx(DEVICES * hours, rel=1e-5)  # 6 digits
        assert row["status"] == ("failed" if "lr=3" in row["label"] else "completed")
        assert row["hardware_used"] == "h100_sxm" and row["region"] == "gcp-us-central1"
    assert [r["status"] for r in jobs].count("failed") == 1
    assert total["device_hours"] == pytest.approx(sum(r["device_hours"] for r in jobs))
    assert total["emissions_t"] == pytest.approx(sum(r["emissions_t"] for r in jobs))
    for name in ("carbon_summary.md", "carbon_summary.tex", "carbon_summary.csv",
                 "carbon_paragraph.tex", "carbon_paragraph.md", "references.bib"):  # fmt: skip
        assert (folder / name).stat().st_size > 0, name
    paragraph = (folder / "carbon_paragraph.md").read_text()
    assert paragraph.startswith("The hyperparameter search of 6 runs used")
    assert "1 failed" in paragraph
    assert "@misc{carbonspec," in (folder / "references.bib").read_text()


def test_a_sweep_under_the_basic_launcher(tmp_path):
    check_summary(*sweep(tmp_path))


@pytest.mark.slow
@pytest.mark.parametrize("launcher", ["joblib", "submitit_local"])
def test_a_sweep_under_other_launchers(tmp_path, launcher):
    check_summary(*sweep(tmp_path, f"hydra/launcher={launcher}"))


@pytest.mark.slow
def test_codecarbon_measures_each_job_when_asked(tmp_path):
    pytest.importorskip("codecarbon")
    folder = tmp_path / "sweep"
    done = subprocess.run(
        [sys.executable, str(APP), "-m", "lr=1,2", f"hydra.sweep.dir={folder}",
         "+hydra.callbacks.carbon.codecarbon=true"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    records = job_records(folder)
    summary = json.loads((folder / "carbon_summary.json").read_text())
    for row in (r for r in summary["rows"] if not r.get("is_total")):
        record = records[int(row["label"].split(":")[0])]
        assert row["energy_measured_kwh"] == pytest.approx(record["energy_kwh"])
        assert row["energy_basis_cell"] == "measured (codecarbon)"
        assert (Path(folder) / row["job_dir"] / "emissions.csv").exists()


def record(job_dir: Path, **fields) -> None:
    job_dir.mkdir(parents=True)
    base = {"hardware": "a100_sxm4_80gb", "devices": 8, "region": "country-fra", "overrides": [],
            "heartbeat_s": 60, "name": "The ablations"}  # fmt: skip
    (job_dir / callback.RECORD).write_text(json.dumps(base | fields))


def test_a_killed_job_counts_until_its_last_sign_of_life(tmp_path, capsys):
    folder = tmp_path / "sweep"
    start = 1_735_725_600.0  # 2025-01-01 10:00 UTC: long past, so no heartbeat is recent
    record(folder / "0", job=0, start=start, end=start + 3600, status="completed",
           last_seen=start + 3600)  # fmt: skip
    record(folder / "1", job=1, start=start, last_seen=start + 1800, status="running")
    log = folder / "1" / "train.log"  # written after the last heartbeat: it ran until then
    log.write_text("step 4000\n")
    os.utime(log, (start + 2400, start + 2400))
    os.utime(folder / "1" / callback.RECORD, (start + 1800, start + 1800))
    callback.main([str(folder)])
    rows = json.loads((folder / "carbon_summary.json").read_text())["rows"]
    by_job = {r["label"].split(":")[0]: r for r in rows if not r.get("is_total")}
    assert by_job["0"]["device_hours"] == pytest.approx(8 * 1.0)
    assert by_job["1"]["status"] == "stopped"
    assert by_job["1"]["device_hours"] == pytest.approx(8 * 2400 / 3600)
    out = capsys.readouterr().out
    assert "The ablations of 2 runs used" in out and "1 left no end record" in out


def test_rebuilding_a_folder_without_records_says_so(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        callback.main([str(tmp_path)])
    assert exit_.value.code == 2
    assert "holds no job records" in capsys.readouterr().err


def test_an_unknown_hardware_or_region_lists_the_choices():
    with pytest.raises(catalog.ConfigError, match="unknown hardware .*Did you mean .*h100_sxm"):
        callback.CarbonFootprint(hardware="h1000", region="gcp-us-central1")
    with pytest.raises(catalog.ConfigError, match="unknown region 'mars'"):
        callback.CarbonFootprint(hardware="h100_sxm", region="mars")
