"""Region sweeps: one summary per sweep, no lost rows, any launcher, and the one-process path."""

import json
import subprocess
import sys

import pytest

from carbonspec import catalog


def summary_of(tmp_path):
    [path] = tmp_path.glob("outputs/sweeps/*/*/summary.json")
    return json.loads(path.read_text()), path.parent


@pytest.fixture(scope="module")
def full_sweep(tmp_path_factory, run_in):
    """One sweep over every region (about 300 jobs), shared by the tests below."""
    folder = tmp_path_factory.mktemp("sweep")
    result = run_in("-m", "model=gpt3", "region=glob(*)", cwd=folder)
    return result, folder


def test_glob_star_gives_one_greenest_first_summary(full_sweep):
    result, folder = full_sweep
    assert result.returncode == 0, result.stderr[-2000:]
    summary, sweep_dir = summary_of(folder)
    rows = summary["rows"]
    assert len(rows) >= 82 + 213
    assert {r["region"] for r in rows} >= set(catalog.matching("region", "aws-*"))
    emissions = [r["emissions_t"] for r in rows]
    assert emissions == sorted(emissions)
    assert sorted(s["overrides"][1] for s in summary["summary"]["skipped"]) == [
        "region=country-caf", "region=custom",
    ]  # fmt: skip
    for name in ("summary.md", "summary.tex", "summary.csv", "summary.png", "summary.pdf"):
        assert (sweep_dir / name).stat().st_size > 0
    assert "GPT-3" in result.stdout  # the Markdown summary is printed too


def test_fast_path_gives_the_multirun_numbers(full_sweep, cli):
    _, folder = full_sweep
    multirun = {r["region"]: r["emissions_t"] for r in summary_of(folder)[0]["rows"]}
    fast = json.loads(cli("table=by_region", "model=gpt3", "format=json").stdout)["rows"]
    assert {r["region"]: r["emissions_t"] for r in fast} == pytest.approx(multirun)


def test_glob_prefix_keeps_to_one_provider(cli, tmp_path):
    assert cli("-m", "model=gpt3", "region=glob(aws-*)").returncode == 0
    rows = summary_of(tmp_path)[0]["rows"]
    assert {r["provider"] for r in rows} == {"aws"}
    assert len(rows) == len(catalog.matching("region", "aws-*"))


def test_one_bad_job_loses_no_other_row(cli, tmp_path):
    result = cli(
        "-m", "model=gpt3", "region=aws-us-east-1,no-such-region,gcp-us-central1,custom",
        "model.device_hours=1000,-5",
    )  # fmt: skip
    assert result.returncode != 0
    summary, sweep_dir = summary_of(tmp_path)
    assert sorted(r["region"] for r in summary["rows"]) == ["aws-us-east-1", "gcp-us-central1"]
    failed = summary["summary"]["failed"]
    assert len(failed) == 4  # the unknown region twice, and -5 hours in the two real regions
    assert any("no-such-region" in " ".join(f["overrides"]) for f in failed)
    assert any("model.device_hours must be greater than 0" in f["error"] for f in failed)

    # the summary can be rebuilt from the sweep directory
    rebuilt = subprocess.run(
        [sys.executable, "-m", "carbonspec.sweep", str(sweep_dir)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert rebuilt.returncode == 1 and "gcp-us-central1" in rebuilt.stdout


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
