"""Every bad input ends in one clear line on stderr and a non-zero exit, with no traceback and no
file left behind; or it is applied, and the output shows it."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbonspec import catalog, core, tables
from carbonspec.estimate import estimate
from carbonspec.schema import Method

INF = [
    "model.device_hours=inf", "model.device_hours=1e400", "pue=inf", "hardware.power_w=inf",
    "model.devices=inf", "model.hours=1e400", "model.device_hours=1e308",
]  # fmt: skip
REFUSED = [
    # non-finite or out-of-range numbers
    *[["model=gpt3", bad, f"format={fmt}"] for bad in INF for fmt in ("json", "csv", "text")],
    ["model=gpt3", "model.device_hours=inf", "format=latex"],
    ["model=gpt3", "model.device_hours=inf", "format=model_card"],
    ["model=gpt3", "region.pue=nan", "method=calculator"],
    ["model=gpt3", "region.pue=0.5", "method=calculator"],
    ["model=gpt3", "pue=100"],
    ["model=gpt3", "model.device_hours=1000", "model.devices=8", "model.hours=10"],
    ["model=gpt3", "model.reported.emissions_t=-5"],
    ["model=gpt3", "uncertainty.tdp_power_low_factor=-1"],
    ["model=gpt3", "uncertainty.tdp_power_high_factor=0.5"],
    ["model=gpt3", "model.devices=2.5"],
    ["model=gpt3", "model.device_hours=" + "9" * 5000],
    # options that cannot apply to what was asked
    ["table=seed_industry", "hardware=h100_sxm"],
    ["table=seed_industry", "region=aws-us-east-1"],
    ["table=seed_industry", "model=gpt3"],
    ["table=seed_industry", "pue=0.5"],
    ["table=seed_industry", "format=model_card"],
    ["table=validation", "method=calculator"],
    ["table=by_region", "model=gpt3", "region=aws-us-east-1"],
    ["region=aws-us-east-1"],
    ["model=gpt3", "format=markdown"],
    ["model=gpt3", "export_dir="],
    ["model=gpt3", "model=llama2_70b"],
    # typos and syntax
    ["model=gpt3", "model.device_hour=5"],
    ["model=gpt3", "region.carbon_intensty=5"],
    ["model=gpt3", "metod=calculator"],
    ["model=gpt3", "model.device_hours=1,000"],
    ["model=gpt3", "region=glob(*)"],
    ["model=gpt3", "region=aws-us-est-1", "hydra.searchpath=[file:///tmp]"],
    ["model=gpt3", "hydra.run.dir=/proc/x"],
    ["model=gpt3", "export_dir=/proc/x"],
    ["table=seed_industry", "export_dir=/proc/x"],
    ["model=gpt3", "hydra.run.dir=/proc/self"],
    ["-m", "model=gpt3", "region=aws-us-east-1,aws-us-west-2", "hydra.sweep.dir=/proc/x"],
    ["table=by_region", "model=gpt3", "table.regions=nope-*"],
    ["model=gpt3", "grid=1850"],
    ["list=regoin"],
]
EXPECT = {  # a word the one line must contain, for a few of them
    "model.device_hours=1000": "model.devices x model.hours",
    "pue=100": "pue must be between 1 and 3",
    "model.device_hour=5": "Did you mean model.device_hours",
    "metod=calculator": "Did you mean method",
    "model.device_hours=1,000": "-m",
    "region=glob(*)": "-m",
    "model=llama2_70b": "twice",
    "region=aws-us-est-1": "aws-us-east-1",
    "model.devices=2.5": "whole number",
    "export_dir=/proc/x": "cannot write in /proc",
    "hydra.run.dir=/proc/self": "cannot write",
}


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


@pytest.mark.parametrize("args", REFUSED, ids=lambda a: " ".join(a)[:60])
def test_refused_in_one_line_leaving_nothing(args, cli, tmp_path):
    result = cli(*args)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, (result.returncode, result.stderr, result.stdout[-300:])
    assert len(lines) == 1 and lines[0].startswith("carbonspec: error:"), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert files_under(tmp_path) == []
    assert list(tmp_path.iterdir()) == []  # nor any folder: the run's own are removed
    for key, word in EXPECT.items():
        if key in args:
            assert word in lines[0]


# Every number a user can set is checked (carbonspec.bounds): (overrides, the one line's start)
DIGITS_5000, DIGITS_400 = "9" * 5000, "9" * 400
OUT_OF_RANGE = [
    (["embodied.default_device_kg=-1000"],
     "embodied.default_device_kg must be greater than 0 and at most 100,000 kg CO2eq (got -1000"),
    (["embodied.lifetime_low_years=-1"],
     "embodied.lifetime_low_years must be between 0.5 and 20 years (got -1"),
    (["embodied.utilisation_low=-0.5"],
     "embodied.utilisation_low must be between 0.01 and 1 (got -0.5)"),
    (["compute.mfu_low=-0.1"], "compute.mfu_low must be between 0.001 and 1 (got -0.1)"),
    (["model.device_hours=null", "model.hours=null", "compute.mfu_low=-0.1"],
     "compute.mfu_low must be between 0.001 and 1"),  # where the MFU range is used, too
    (["water.wue_low=-50"], "water.wue_low must be between 0 and 20 L/kWh (got -50"),
    (["water.ewif_low=-30"], "water.ewif_low must be between 0 and 100 L/kWh (got -30"),
    (["region.offset_ratio=500"], "region.offset_ratio must be between 0 and 100 % (got 500"),
    (["provider.renewable_matching_pct=250"],
     "provider.renewable_matching_pct must be between 0 and 100 % (got 250"),
    (["hardware.calculator_power_w=1e15"],
     "hardware.calculator_power_w must be greater than 0 and at most 100,000 W (got 1e+15)"),
    (["hardware.calculator_power_w=1e15", "method=calculator"],
     "hardware.calculator_power_w must be greater than 0 and at most 100,000 W"),
    (["model.training_year=1800"],
     "model.training_year must be a whole number between 2010 and 2035 (got 1800)"),
    (["embodied.utilisation=0.5"],
     "embodied.utilisation_low <= embodied.utilisation <= embodied.utilisation_high must hold"
     " (got 0.85, 0.5, 1)"),
    (["hardware=tpu_v3", "hardware.power_low_w=900", "hardware.power_high_w=100"],
     "hardware.power_low_w <= hardware.power_w <= hardware.power_high_w must hold (got 900, "),
    (["hardware.power_low_w=900", "hardware.power_high_w=100"],
     "hardware.power_low_w <= hardware.power_w <= hardware.power_high_w must hold"),
    (["model.devices=" + DIGITS_5000],
     "model.devices must be a whole number between 1 and 1e8 (got 999999999999... (5,000 digits))"),
    (["model.device_hours=" + DIGITS_400],
     "model.device_hours must be greater than 0 and at most 1e12 (got 999999999999... (400"),
    (["embodied.lifetime_high_years=" + DIGITS_5000],
     "embodied.lifetime_high_years must be between 0.5 and 20 years (got 999999999999..."),
    (["embodied.lifetime_high_years=inf"],
     "embodied.lifetime_high_years must be between 0.5 and 20 years (got inf)"),
    (["water.wue_high=inf"], "water.wue_high must be between 0 and 20 L/kWh (got inf)"),
    (["water.ewif_high=inf"], "water.ewif_high must be between 0 and 100 L/kWh (got inf)"),
    (["embodied.lifetime_low_years=0"], "embodied.lifetime_low_years must be between 0.5 and 20"),
    (["embodied.utilisation_low=0"], "embodied.utilisation_low must be between 0.01 and 1"),
    (["compute.mfu_low=0"], "compute.mfu_low must be between 0.001 and 1"),
    (["model.parameters=-1"], "model.parameters must be greater than 0 and at most 1e15 (got -1"),
    (["uncertainty.tdp_power_low_factor=0"],
     "uncertainty.tdp_power_low_factor must be greater than 0 and at most 1 (got 0"),
    (["hardware.peak_tflops_fp16=0"], "hardware.peak_tflops_fp16 must be between 0.1 and"),
    (["region.grid_years=[{year: 2020, g_per_kwh: -5, source: s}]"],
     "region.grid_years[0].g_per_kwh must be between 0 and 2000 g/kWh (got -5"),
    (["pue=" + DIGITS_5000], "pue must be between 1 and 3 (got 999999999999... (5,000 digits))"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "start"), OUT_OF_RANGE, ids=lambda a: str(a)[:50])
def test_a_number_out_of_its_range_is_refused_naming_field_and_range(args, start, cli, tmp_path):
    result = cli("model=gpt3", *args)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, (result.stderr, result.stdout[-300:])
    assert lines == [lines[0]] and lines[0].startswith(f"carbonspec: error: {start}"), lines
    assert "Traceback" not in result.stderr + result.stdout
    assert len(lines[0]) < 240  # whatever was typed, the line echoes only its first digits
    assert files_under(tmp_path) == []


@pytest.fixture
def own_conf(tmp_path_factory):
    """A config folder of the user's, outside the run's folder."""
    return tmp_path_factory.mktemp("conf")


def test_a_table_row_out_of_range_is_refused_naming_the_field(cli, tmp_path, own_conf):
    (own_conf / "table").mkdir()
    (own_conf / "table" / "mine.yaml").write_text(
        "caption: Mine\ncolumns: [model, estimate]\nrows:\n"
        "  - {model: gpt3}\n"
        "  - {model: bloom, region_values: {offset_ratio: 500}}\n"
    )
    result = cli(f"hydra.searchpath=[file://{own_conf}]", "table=mine")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "carbonspec: error: region.offset_ratio must be between 0 and 100 % (got 500.0)"
    )
    assert files_under(tmp_path) == []


def test_a_user_file_out_of_range_is_refused_naming_the_field(cli, tmp_path, own_conf):
    (own_conf / "model").mkdir()
    (own_conf / "model" / "mine.yaml").write_text(
        "# @package _global_\ndefaults:\n  - override /hardware: h100_sxm\n"
        f"model:\n  name: Mine\n  device_hours: {DIGITS_400}\n"
    )
    result = cli(f"hydra.searchpath=[file://{own_conf}]", "model=mine")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "carbonspec: error: invalid model 'mine': model.device_hours must be greater than 0 and"
        " at most 1e12 (got 999999999999... (400 digits))"
    )


def test_by_region_checks_the_run_it_spreads(cli, tmp_path):
    result = cli("table=by_region", "model=gpt3", "embodied.lifetime_low_years=-1")
    assert result.returncode == 2
    assert result.stderr.startswith("carbonspec: error: embodied.lifetime_low_years must be")
    assert files_under(tmp_path) == []


def test_a_sweep_records_the_job_out_of_range_and_estimates_the_others(cli, tmp_path):
    result = cli("-m", "model=gpt3", "region.offset_ratio=50,500")
    assert result.returncode == 1
    (summary_path,) = tmp_path.rglob("summary.json")
    summary = json.loads(summary_path.read_text())
    assert [row["market_based_emissions_t"] for row in summary["rows"]] == [
        pytest.approx(summary["rows"][0]["emissions_t"] / 2)
    ]
    (failed,) = summary["summary"]["failed"]
    assert failed["error"] == "region.offset_ratio must be between 0 and 100 % (got 500.0)"


def test_a_broken_yaml_file_is_named_with_its_line(cli, tmp_path):
    (tmp_path / "conf" / "model").mkdir(parents=True)
    (tmp_path / "conf" / "model" / "mine.yaml").write_text("model:\n  name: [unclosed\n")
    result = cli(f"hydra.searchpath=[file://{tmp_path / 'conf'}]", "model=mine")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "mine.yaml, line" in result.stderr and "Traceback" not in result.stderr


def test_an_empty_user_table_is_refused(cli, tmp_path):
    (tmp_path / "conf" / "table").mkdir(parents=True)
    (tmp_path / "conf" / "table" / "empty.yaml").write_text(
        "caption: E\ncolumns: [model]\nrows: []\n"
    )
    result = cli(f"hydra.searchpath=[file://{tmp_path / 'conf'}]", "table=empty")
    assert result.returncode == 2 and "no rows" in result.stderr


APPLIED = [
    # (args, what the JSON must show)
    (["model=gpt3", "region=aws-us-east-1", "region.carbon_intensity=5", "format=json"],
     {"carbon_intensity_g_per_kwh": 5, "grid": "user"}),
    (["model=gpt3", "model.device_hours=1e6", "format=json"], {"device_hours": 1000000}),
    (["model=gpt3", "model.hours=100", "format=json"], {"device_hours": 1000000}),
    # a published zero (OLMo 7B on LUMI is one) is shown, and no error is computed against it
    (["model=gpt3", "model.reported.emissions_t=0", "format=json"],
     {"reported_emissions_t": 0, "error_pct": None}),
]  # fmt: skip


@pytest.mark.parametrize(("args", "shown"), APPLIED, ids=lambda a: str(a)[:50])
def test_applied_and_shown(args, shown, cli):
    result = cli(*args)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    for key, value in shown.items():
        assert out[key] == value
    if "region.carbon_intensity=5" in args:  # the interval follows the figure actually used
        assert out["emissions_t_low"] <= out["emissions_t"] <= out["emissions_t_high"]
        assert out["emissions_t_high"] < 2 * out["emissions_t"]


def test_a_table_recomputed_with_another_method_says_so(cli):
    result = cli("table=seed_industry", "method=tdp")
    assert result.returncode == 0
    assert "recomputed by carbonspec with method=tdp" in result.stdout
    assert "Seed erratum" not in result.stdout  # no comparison with the seed's calculator numbers


def test_export_dir_applies_to_one_estimate(cli, tmp_path):
    result = cli("model=gpt3", f"export_dir={tmp_path / 'paper'}")
    assert result.returncode == 0, result.stderr
    names = {p.name for p in (tmp_path / "paper").iterdir()}
    assert {"gpt3_microsoft-us.tex", "references.bib", "preview.tex"} <= names


def test_four_parallel_runs_leave_four_results(tmp_path):
    models = ["gpt3", "deepseek_v3", "bloom", "llama2_7b"]
    env = {k: v for k, v in os.environ.items() if k != "CARBONSPEC_DEBUG"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "carbonspec", f"model={m}", "format=json"],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            env=env,
        )  # fmt: skip
        for m in models
    ]
    assert [p.wait(timeout=600) for p in procs] == [0, 0, 0, 0]
    results = sorted(json.loads(p.read_text())["model"] for p in tmp_path.rglob("result.json"))
    assert results == sorted(models)


def test_list_shows_the_catalog_grouped_and_filtered(cli):
    out = cli("list=region", "aws-us-*").stdout
    assert out.startswith("aws (") and "aws-us-east-1" in out and "gcp-" not in out
    assert "country (" in cli("list=region").stdout
    assert "gpt3" in cli("list=model").stdout
    assert "list=region" in cli("--help").stdout


NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.none(),
)


@settings(max_examples=300, deadline=None)
@given(device_hours=NUMBERS, power=NUMBERS, pue=NUMBERS, intensity=NUMBERS)
def test_any_number_is_either_refused_by_name_or_gives_a_finite_estimate(
    device_hours, power, pue, intensity
):
    from dataclasses import replace

    run_ = tables.run_for(
        "custom", {"region": "custom", "region_values": {"carbon_intensity": 100}},
        Method.tdp, "auto", catalog.load("uncertainty", "default"),
    )  # fmt: skip
    run_ = replace(
        run_,
        model=replace(run_.model, device_hours=device_hours),
        hardware=replace(run_.hardware, power_w=power),
        region=replace(run_.region, carbon_intensity=intensity),
        pue=pue,
    )
    try:
        result = estimate(run_)
    except core.InputError as err:
        assert err.field  # names what was wrong
        return
    for key in ("energy_kwh", "emissions_kg", "emissions_t_low", "emissions_t_high"):
        assert math.isfinite(result[key])
