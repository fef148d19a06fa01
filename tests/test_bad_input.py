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
    "pue=100": "between 1.0 and 3.0",
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
