"""Sweeps: one summary per sweep, no lost rows, any launcher, failures and skips listed, Ctrl-C
ending in a summary; and the one-process path over every region, with its figure."""

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from carbonspec import catalog, sweep_records


def summary_of(folder):
    [path] = folder.glob("outputs/sweeps/*/*/summary.json")
    return json.loads(path.read_text()), path.parent


def estimable_regions(pattern="*"):
    return [
        r
        for r in catalog.matching("region", pattern)
        if not (
            catalog.load_fast("region", r).requires_input
            or catalog.load_fast("region", r).unavailable
        )
    ]


def test_a_sweep_lists_its_failures_in_every_summary_format(cli, tmp_path):
    result = cli(
        "-m", "model=gpt3", "region=aws-us-east-1,no-such-region,gcp-us-central1,custom",
        "model.device_hours=1000,-5",
    )  # fmt: skip
    assert result.returncode == 1
    summary, sweep_dir = summary_of(tmp_path)
    assert sorted(r["region"] for r in summary["rows"]) == ["aws-us-east-1", "gcp-us-central1"]
    failed = summary["summary"]["failed"]
    assert len(failed) == 4  # the unknown region twice, and -5 hours in the two real regions
    assert any("no-such-region" in " ".join(f["overrides"]) for f in failed)
    assert any("model.device_hours must be greater than 0" in f["error"] for f in failed)
    assert len(summary["summary"]["skipped"]) == 2  # region=custom needs an intensity
    md = (sweep_dir / "summary.md").read_text()
    tex = (sweep_dir / "summary.tex").read_text()
    rows = list(csv.DictReader(io.StringIO((sweep_dir / "summary.csv").read_text())))
    for text in (md, tex):
        assert "no-such-region" in text and "Skipped" in text
    assert [r["status"] for r in rows].count("ok") == 2
    assert sum("Failed" in r["status"] for r in rows) == 4
    for name in ("summary.png", "summary.pdf"):
        assert (sweep_dir / name).stat().st_size > 0


def test_glob_prefix_keeps_to_one_provider_and_matches_the_fast_path(cli, tmp_path):
    assert cli("-m", "model=gpt3", "region=glob(aws-us-*)").returncode == 0
    rows = summary_of(tmp_path)[0]["rows"]
    assert {r["provider"] for r in rows} == {"aws"}
    assert sorted(r["region"] for r in rows) == estimable_regions("aws-us-*")
    fast = json.loads(
        cli("table=by_region", "model=gpt3", "table.regions=aws-us-*", "format=json").stdout
    )["rows"]
    multirun = {r["region"]: r["emissions_t"] for r in rows}
    assert {r["region"]: r["emissions_t"] for r in fast} == pytest.approx(multirun)


def test_every_region_in_one_process_with_a_readable_figure(cli, tmp_path):
    result = cli("table=by_region", "model=gpt3", "format=json", f"export_dir={tmp_path / 'out'}")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert sorted(r["region"] for r in out["rows"]) == estimable_regions()
    assert {s["region"] for s in out["summary"]["skipped"]} == {"custom", "country-caf"}
    emissions = [r["emissions_t"] for r in out["rows"]]
    assert emissions == sorted(emissions)
    from PIL import Image

    with Image.open(tmp_path / "out" / "by_region.png") as png:
        width, height = png.size
    # latex.width=text: 5.5 in (397.48 pt) wide, at most 8 in tall, at 300 dpi
    assert height <= 8 * 300 and abs(width - 397.48 / 72.27 * 300) < 1


def test_joblib_launcher_gives_the_same_summary(run_in, tmp_path):
    regions = "region=aws-us-east-1,gcp-europe-west6,country-fra,azure-westus"
    basic = tmp_path / "basic"
    joblib = tmp_path / "joblib"
    for folder, extra in ((basic, []), (joblib, ["hydra/launcher=joblib"])):
        folder.mkdir()
        assert run_in("-m", "model=llama2_70b", regions, *extra, cwd=folder).returncode == 0

    def rows(folder):
        return [
            {k: v for k, v in r.items() if k != "overrides"} for r in summary_of(folder)[0]["rows"]
        ]

    assert rows(joblib) == rows(basic)
    assert len(rows(basic)) == 4


def test_a_model_sweep_skips_what_cannot_be_estimated(cli, tmp_path):
    result = cli("-m", "model=glob(*)")
    assert result.returncode == 0, result.stderr[-2000:]
    summary, sweep_dir = summary_of(tmp_path)
    skipped = {s["overrides"][0] for s in summary["summary"]["skipped"]}
    assert skipped == {"model=custom"}  # it needs a run length from the user
    assert summary["summary"]["failed"] == []
    assert len(summary["rows"]) == len(catalog.options("model")) - len(skipped)
    basis = {r["model"]: r["device_hours_basis"] for r in summary["rows"]}
    assert basis["olmo2_7b"] == basis["olmo2_13b"] == "compute"  # no device-hours published


def test_an_infinite_job_fails_alone(cli, tmp_path):
    result = cli("-m", "model=gpt3", "region=aws-us-east-1", "model.device_hours=1e6,inf")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    summary, _ = summary_of(tmp_path)
    assert [r["device_hours"] for r in summary["rows"]] == [1000000]
    assert "model.device_hours" in summary["summary"]["failed"][0]["error"]


def test_ctrl_c_leaves_a_summary_of_the_finished_jobs(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CARBONSPEC_DEBUG"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "carbonspec", "-m", "model=gpt3", "region=glob(*)"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        # a pytest started in the background (`pytest &`) passes on SIGINT ignored, and Python
        # then never raises KeyboardInterrupt: give the sweep the default, as a terminal does
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    while not list(tmp_path.glob("outputs/sweeps/*/*/*/result.json")):
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 130 and "Traceback" not in err
    summary, sweep_dir = summary_of(tmp_path)
    assert summary["rows"] and summary["summary"]["did_not_run"] > 0
    assert "did not run" in err and "Did not run" in (sweep_dir / "summary.md").read_text()


def start_glob_sweep(folder):
    """A sweep over every region, in a process of its own; returned once some jobs are done."""
    env = {k: v for k, v in os.environ.items() if k != "CARBONSPEC_DEBUG"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "carbonspec", "-m", "model=gpt3", "region=glob(*)"],
        cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    while len(list(folder.glob("outputs/sweeps/*/*/*/result.json"))) < 3:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    return proc


def jobs_with_a_record(sweep_dir):
    return [
        job
        for job in sweep_dir.iterdir()
        if job.is_dir() and any((job / f"{kind}.json").exists() for kind in sweep_records.KINDS)
    ]


def test_a_glob_sweep_killed_outright_is_rebuilt_counting_every_job_that_never_ran(tmp_path):
    """kill -9 leaves no summary; the rebuild counts the jobs of the glob's expansion (one per
    region in the catalog) that left no record."""
    proc = start_glob_sweep(tmp_path)
    proc.kill()
    proc.communicate(timeout=600)
    (sweep_dir,) = tmp_path.glob("outputs/sweeps/*/*")
    assert not list(sweep_dir.glob("summary.*"))
    never_ran = len(catalog.options("region")) - len(jobs_with_a_record(sweep_dir))
    assert never_ran > 0
    rebuilt = subprocess.run(
        [sys.executable, "-m", "carbonspec.sweep_records", str(sweep_dir)],
        capture_output=True, text=True, cwd=tmp_path, timeout=600,
    )  # fmt: skip
    assert rebuilt.returncode == 1 and "Traceback" not in rebuilt.stderr
    assert f"Did not run: {never_ran} job(s)" in rebuilt.stdout
    summary = json.loads((sweep_dir / "summary.json").read_text())
    assert summary["summary"]["did_not_run"] == never_ran


def test_sigterm_ends_a_sweep_with_its_summary_and_exit_143(tmp_path):
    """A batch system's time limit (SIGTERM) is Ctrl-C's twin: the finished jobs summarised,
    the rest counted, exit 128 + 15."""
    proc = start_glob_sweep(tmp_path)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 143 and "Traceback" not in err
    (sweep_dir,) = tmp_path.glob("outputs/sweeps/*/*")
    never_ran = len(catalog.options("region")) - len(jobs_with_a_record(sweep_dir))
    assert err.strip().splitlines()[-1] == (
        f"carbonspec: terminated (SIGTERM); {never_ran} job(s) did not run"
    )
    summary = json.loads((sweep_dir / "summary.json").read_text())
    assert summary["rows"] and summary["summary"]["did_not_run"] == never_ran
    assert f"Did not run: {never_ran} job(s)" in (sweep_dir / "summary.md").read_text()


def test_the_job_list_is_written_before_the_first_job(cli, tmp_path):
    assert cli("-m", "model=gpt3,bloom", "region=glob(aws-us-*)").returncode == 0
    (jobs,) = tmp_path.glob("outputs/sweeps/*/*/jobs.json")
    listed = json.loads(jobs.read_text())["jobs"]
    regions = catalog.matching("region", "aws-us-*")
    assert len(listed) == 2 * len(regions)
    assert sorted(job[1] for job in listed) == sorted(f"region={r}" for r in regions * 2)


def test_the_rebuild_survives_a_truncated_record_and_counts_missing_jobs(cli, tmp_path):
    assert cli("-m", "model=gpt3", "region=aws-us-east-1,aws-us-west-2,ovh-gra").returncode == 0
    _, sweep_dir = summary_of(tmp_path)
    (sweep_dir / "0" / "result.json").write_text('{"model": "gpt3", "emiss')  # killed mid-write
    for path in (sweep_dir / "2").iterdir():
        path.unlink()  # a job that never ran
    rebuilt = subprocess.run(
        [sys.executable, "-m", "carbonspec.sweep_records", str(sweep_dir)],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert rebuilt.returncode == 1 and "Traceback" not in rebuilt.stderr
    assert "unreadable result.json" in rebuilt.stdout and "Did not run: 1" in rebuilt.stdout


def test_the_rebuild_refuses_a_folder_that_is_not_a_sweep(tmp_path):
    for folder in (tmp_path, tmp_path / "missing"):
        done = subprocess.run(
            [sys.executable, "-m", "carbonspec.sweep_records", str(folder)],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
        assert not list(tmp_path.glob("summary.*"))


def test_expected_jobs_are_counted_from_the_overrides(tmp_path):
    (tmp_path / "multirun.yaml").write_text(
        "hydra:\n  overrides:\n    task: [model=gpt3, 'region=a,b,c', 'model.device_hours=1,2']\n"
    )
    assert sweep_records.expected_jobs(tmp_path) == 6


def test_two_sweeps_started_together_keep_their_own_folders(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CARBONSPEC_DEBUG"}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "carbonspec",
                "-m",
                f"model={m}",
                "region=aws-us-east-1,ovh-gra",
            ],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )  # fmt: skip
        for m in ("gpt3", "bloom")
    ]
    assert [p.wait(timeout=600) for p in procs] == [0, 0]
    summaries = [
        json.loads(p.read_text()) for p in tmp_path.glob("outputs/sweeps/*/*/summary.json")
    ]
    assert sorted({r["model"] for r in s["rows"]}.pop() for s in summaries) == ["bloom", "gpt3"]
    assert all(len(s["rows"]) == 2 for s in summaries)


def test_a_file_parsed_once_per_sweep_is_not_shared_between_its_jobs():
    from hydra import compose, initialize_config_module

    from carbonspec import app

    app.make_sweeper_discoverable()  # Hydra reads conf/ through carbonspec's config source
    with initialize_config_module("carbonspec.conf", version_base="1.3"):
        changed = compose("config", ["model=gpt3", "model.device_hours=1000"])
        again = compose("config", ["model=gpt3"], return_hydra_config=True)
    assert "carbonspec" in [s.schema for s in again.hydra.runtime.config_sources]
    assert changed.model.device_hours == 1000
    assert again.model.device_hours == 3_552_000  # GPT-3's V100-hours, Patterson et al. 2021


def test_a_sweep_parses_each_packaged_file_once(cli, monkeypatch):
    from carbonspec import configfiles

    parsed, asked = [], []

    def parse(raw, digest, where):
        parsed.append(digest)
        return real_parse(raw, digest, where)

    class Memory(configfiles.Memory):
        def parsed(self, raw, where, digest=None):
            asked.append(where)
            return super().parsed(raw, where, digest)

    real_parse = configfiles.parse
    monkeypatch.setattr(configfiles, "memory", Memory(None))  # nothing parsed yet
    monkeypatch.setattr(configfiles, "parse", parse)
    regions = "region=aws-us-east-1,aws-us-east-2,aws-us-west-1,aws-us-west-2"
    assert cli("-m", "model=gpt3", regions).returncode == 0
    # Hydra read them through carbonspec's config source, every job of the four
    served = [where for where in asked if where.startswith("carbonspec://carbonspec.conf/")]
    assert served.count("carbonspec://carbonspec.conf/config.yaml") >= 4
    assert served.count("carbonspec://carbonspec.conf/model/gpt3.yaml") >= 4
    # and each file's content was parsed once, whoever read it first (carbonspec's checks
    # read the files a run will compose before Hydra does)
    assert len(parsed) == len(set(parsed))
