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
from carbonspec.estimation import estimate
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
    # issue 18: what used to end in "internal error", or a reason on stdout after a sweep folder
    ["table=seed_industry", "table.grid=abc"],
    ["=5"],
    ["model=GPT3"],
    ["Model=gpt3"],
    ["model=gpt3", "pue=1.2,"],  # Hydra's grammar cannot read it
    ["model=gpt3", "-m", "region=aws-us-east-1,ovh-gra"],  # Hydra's flags go first
    ["-m", "table=seed_industry"],
    ["-m", "table=by_region", "model=gpt3"],
    ["-m"],
    ["-m", "format=json,csv"],
    ["-m", "region=aws-us-east-1,gcp-us-central1"],
    ["model=gpt3", "~hardware"],
    ["model=gpt3", "~model.device_hourz"],
    # a run's option where no one run takes it: refused, saying what would apply
    ["table=seed_industry", "model.device_hours=1e6"],
    ["table=seed_industry", "model.devices=16"],
    ["table=seed_industry", "region.carbon_intensity=57"],
    ["table=seed_industry", "hardware.power_w=500"],
    ["table=seed_industry", "model.mfu=0.5"],
    ["table=seed_industry", "embodied.lifetime_years=4"],
    ["table=seed_industry", "water.wue=0.5"],
    ["table=seed_industry", "compute.mfu=0.4"],
    ["table=seed_industry", "provider.pue=1.2"],
    ["table=seed_industry", "table.regions=aws-*"],
    ["table=validation", "model.device_hours=1e6"],
    ["table=footprint", "embodied.lifetime_years=4"],
    ["table=by_region", "model=gpt3", "region.carbon_intensity=57"],
    ["table=by_region", "model=gpt3", "provider.pue=1.2"],
    ["model.device_hours=1e6"],
    ["table.regions=aws-*"],
    ["list", "export_dir=exp"],
    ["list=region", "format=json"],
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
    "hydra.run.dir=/proc/self": "cannot write in /proc/self",
    "table.grid=abc": "table.grid=abc is not a choice: auto, calculator, latest or a year",
    "=5": "'=5' names no option: write key=value",
    "model=GPT3": "unknown model 'GPT3'. Did you mean gpt3?",
    "Model=gpt3": "unknown option Model. Did you mean model?",
    "pue=1.2,": "'pue=1.2,' cannot be read",
    "region=aws-us-east-1,ovh-gra": "unrecognized arguments: region=aws-us-east-1,ovh-gra",
    "~hardware": "the hardware group cannot be left out",
    "region=aws-us-east-1,gcp-us-central1": "a sweep estimates one model per job: add model=",
    "~model.device_hourz": "unknown option model.device_hourz. Did you mean model.device_hours",
    "model.device_hours=1e6": "model.device_hours",
    "model.devices=16": "set devices per row in your own table",
    "region.carbon_intensity=57": "region.carbon_intensity cannot apply to table=",
    "hardware.power_w=500": "set hardware: per row in your own table, or run one model",
    "model.mfu=0.5": "run one model (model=<name> model.mfu=...)",
    "embodied.lifetime_years=4": "embodied.lifetime_years cannot apply to table=",
    "provider.pue=1.2": "provider.pue cannot apply to table=",
    "table.regions=aws-*": "table.regions",
    "export_dir=exp": "export_dir cannot apply to list",
    "list=region": "format cannot apply to list",
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


# -- issue 18 ---------------------------------------------------------------------------------


def one_line(result: subprocess.CompletedProcess) -> str:
    """The one error line of a refused run (and that it is one, with no traceback)."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, (result.returncode, result.stderr, result.stdout[-300:])
    assert len(lines) == 1 and lines[0].startswith("carbonspec: error: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    return lines[0].removeprefix("carbonspec: error: ")


def test_a_table_refused_in_a_sweep_before_any_sweep_folder(cli, tmp_path):
    line = one_line(cli("-m", "table=seed_industry"))
    assert line == "a table is one output, not a sweep: run it without -m"
    assert list(tmp_path.iterdir()) == []


BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['x'] * 9)}]\n"
    for prev, name in zip(["", *"abcdefg"], "abcdefgh", strict=True)
)  # 8 lines; 9**8 = 43 million strings once expanded
USER_FILES = [
    # (file under the user's folder, its bytes, the option naming it, the one line's end)
    ("model/listed.yaml", b"- gpt3\n- bloom\n", "model=listed",
     "listed.yaml, line 1: a config file must be a mapping of key: value lines, this one is a"
     " list"),
    ("model/latin.yaml", "# @package _global_\nmodel:\n  name: Caf\u00e9\n".encode("latin-1"),
     "model=latin", "latin.yaml, line 3: not UTF-8 text (byte 0xe9); save the file as UTF-8"),
    ("model/twice.yaml",
     b"# @package _global_\nmodel:\n  name: Twice\n  device_hours: 1000\n  device_hours: 2000\n",
     "model=twice",
     "twice.yaml, line 5: the key 'device_hours' is given twice (also on line 4): give it once"),
    ("model/bomb.yaml", BOMB.encode(), "model=bomb",
     "bomb.yaml, line 6: its aliases expand to more than 100,000 values: a config file cannot"
     " be this large"),
    ("model/loop.yaml", b"model: &m\n  name: Loop\n  again: *m\n", "model=loop",
     "loop.yaml, line 1: the node anchored here holds an alias of itself"),
    ("model/huge.yaml", b"model:\n  name: Huge\n" + b"# padding\n" * 110_000, "model=huge",
     "huge.yaml is larger than 1,000,000 bytes: a config file is a page of YAML, not data;"
     " split it or keep the data elsewhere"),
    ("table/twice.yaml", b"caption: T\ncolumns: [model]\nrows:\n  - {model: gpt3, model: t5}\n",
     "table=twice",
     "twice.yaml, line 4: the key 'model' is given twice (also on line 4): give it once"),
    ("model/nested.yaml", b"# @package _global_\nmodel: [gpt3, bloom]\n", "model=nested",
     "nested.yaml, line 2: model must be a mapping of key: value lines, not a list"),
    ("model/defaults.yaml", b"# @package _global_\ndefaults: 5\nmodel:\n  name: D\n",
     "model=defaults",
     "defaults.yaml, line 2: defaults must be a list (- override /hardware: h100_sxm), not int 5"),
    ("region/mine-broken.yaml", b"# @package _global_\nregion:\n  name: [broken\n",
     "region=mine-broken", "mine-broken.yaml, line 4: did not find expected ',' or ']'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("relative", "content", "option", "end"), USER_FILES, ids=[f[0] for f in USER_FILES]
)
def test_a_user_file_that_cannot_be_read_is_named_with_its_line(
    relative, content, option, end, cli, tmp_path, own_conf
):
    (own_conf / relative).parent.mkdir(parents=True, exist_ok=True)
    (own_conf / relative).write_bytes(content)
    args = [f"hydra.searchpath=[file://{own_conf}]", option]
    line = one_line(cli(*args))
    assert line.endswith(end) and str(own_conf / relative.split("/")[0]) in line, line
    assert files_under(tmp_path) == []


def test_a_file_named_by_a_defaults_list_is_read_before_hydra(cli, tmp_path, own_conf):
    """Hydra composes what a model's defaults list names: carbonspec reads it first, so Hydra
    never parses an alias bomb, with --cfg too."""
    (own_conf / "model").mkdir()
    (own_conf / "hardware").mkdir()
    (own_conf / "model" / "mine.yaml").write_text(
        "# @package _global_\ndefaults:\n  - override /hardware: bombed\n"
        "model:\n  name: Mine\n  device_hours: 1000\n"
    )
    (own_conf / "hardware" / "bombed.yaml").write_text(BOMB)
    for flags in ([], ["--cfg", "job"]):
        line = one_line(cli(*flags, f"hydra.searchpath=[file://{own_conf}]", "model=mine"))
        assert line.startswith(f"{own_conf}/hardware/bombed.yaml, line 6: its aliases expand")
    assert files_under(tmp_path) == []


def test_a_sweep_records_the_unreadable_file_and_estimates_the_others(cli, tmp_path, own_conf):
    (own_conf / "model").mkdir()
    (own_conf / "model" / "latin.yaml").write_bytes(b"model:\n  name: Caf\xe9\n")
    result = cli("-m", f"hydra.searchpath=[file://{own_conf}]", "model=latin,gpt3")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    summary = json.loads(next(tmp_path.rglob("summary.json")).read_text())
    assert [r["model"] for r in summary["rows"]] == ["gpt3"]
    (failed,) = summary["summary"]["failed"]
    assert failed["error"].endswith(
        "latin.yaml, line 2: not UTF-8 text (byte 0xe9); save the file as UTF-8"
    )


def test_a_number_in_a_user_file_reads_the_same_for_hydra_and_for_tables(cli, own_conf):
    """5e2 is 500 to OmegaConf (an estimate composed by Hydra) and to carbonspec's own reading
    (table=by_region), where YAML 1.1 alone would read the string '5e2'."""
    (own_conf / "region").mkdir()
    (own_conf / "region" / "mine-5e2.yaml").write_text(
        "# @package _global_\ndefaults:\n  - override /provider: private\nregion:\n"
        "  name: mine-5e2\n  display_name: Mine\n  country: Nowhere\n  grid_years:\n"
        "    - {year: 2020, g_per_kwh: 5e2, scope: country, zone: XX, basis: consumption,"
        " source: mine}\n"
    )
    search = f"hydra.searchpath=[file://{own_conf}]"
    one = cli(search, "model=gpt3", "region=mine-5e2", "format=json")
    table = cli(search, "table=by_region", "model=gpt3", "table.regions=mine-*", "format=json")
    assert one.returncode == 0 and table.returncode == 0, one.stderr + table.stderr
    (row,) = json.loads(table.stdout)["rows"]
    assert json.loads(one.stdout)["carbon_intensity_g_per_kwh"] == 500
    assert row["carbon_intensity_g_per_kwh"] == 500
    assert row["emissions_t"] == json.loads(one.stdout)["emissions_t"]


def test_a_broken_region_file_in_by_region_is_named(cli, tmp_path, own_conf):
    (own_conf / "region").mkdir()
    (own_conf / "region" / "mine-bad.yaml").write_text(
        "# @package _global_\nregion:\n  name: mine-bad\n  display_name: Bad\n  country: X\n"
        "  grid_years:\n    - {year: 2020, g_per_kwh: -5, scope: country, zone: XX,"
        " basis: consumption, source: s}\n"
    )
    search = f"hydra.searchpath=[file://{own_conf}]"
    line = one_line(cli(search, "table=by_region", "model=gpt3", "table.regions=mine-*"))
    assert line == (
        f"region 'mine-bad' ({own_conf}/region/mine-bad.yaml): region.grid_years[0].g_per_kwh"
        " must be between 0 and 2000 g/kWh (got -5.0)"
    )
    assert files_under(tmp_path) == []


TABLE_ROWS = [
    ("{model: gpt3}\n  - {model: gtp3}",
     "table 'mine', row 2: model: unknown model 'gtp3'. Did you mean gpt3? (list=model shows"
     " them all)"),
    ("{model: gpt3, region: aws-us-est-1}",
     "table 'mine', row 1: region: unknown region 'aws-us-est-1'. Did you mean"),
    ("{model: gpt3, hardware: H100_SXM}",
     "table 'mine', row 1: hardware: unknown hardware 'H100_SXM'. Did you mean h100_sxm?"),
    ("gpt3", "invalid table 'mine': rows[0] must be a mapping of key: value lines, not 'gpt3'"),
    ("{model: gpt3, assumptions: {a: b}}",
     "invalid table 'mine': rows[0].assumptions must be a list (- item lines), not a mapping"),
]  # fmt: skip


@pytest.mark.parametrize(("rows", "start"), TABLE_ROWS)
def test_a_table_row_naming_nothing_names_table_row_and_field(rows, start, cli, own_conf):
    (own_conf / "table").mkdir()
    (own_conf / "table" / "mine.yaml").write_text(
        f"caption: Mine\ncolumns: [model, estimate]\nrows:\n  - {rows}\n"
    )
    line = one_line(cli(f"hydra.searchpath=[file://{own_conf}]", "table=mine"))
    assert line.startswith(start) and len(line) < 250, line  # the closest names, not all 344


def test_a_row_with_its_own_device_hours_is_estimated_with_them(cli, own_conf):
    """README: a row may override device_hours. GPT-3's config has 10,000 devices x 355.2 h
    (3,552,000 device-hours); a row of 1,000 device-hours replaces them as
    model.device_hours=1000 does on the command line."""
    (own_conf / "table").mkdir()
    (own_conf / "table" / "mine.yaml").write_text(
        "caption: Mine\ncolumns: [model, device_hours, estimate]\nrows:\n"
        "  - {model: gpt3, device_hours: 1000}\n"
    )
    table = cli(f"hydra.searchpath=[file://{own_conf}]", "table=mine", "format=json")
    assert table.returncode == 0, table.stderr
    (row,) = json.loads(table.stdout)["rows"]
    alone = json.loads(cli("model=gpt3", "model.device_hours=1000", "format=json").stdout)
    assert row["device_hours"] == alone["device_hours"] == 1000
    # 300 W (the V100 SXM2's TDP) x 1,000 h x PUE x grid
    expected_kg = 0.300 * 1000 * row["pue"] * row["carbon_intensity_g_per_kwh"] / 1000
    assert row["emissions_kg"] == pytest.approx(expected_kg)
    assert row["emissions_t"] == alone["emissions_t"]


HYDRA_FLAGS = [
    # (args, a text stdout must hold)
    (["--cfg", "job", "model=gpt3", "pue=1.2"], "pue: 1.2"),
    (["--cfg", "hydra", "model=gpt3"], "sweeper:"),
    (["--cfg", "job", "--resolve", "model=gpt3"], "device_hours: 3552000"),
    (["--info", "defaults", "model=gpt3"], "model/gpt3"),
    (["--help"], "Usage: python -m carbonspec"),
    (["--hydra-help"], "Hydra (1."),
]  # fmt: skip


@pytest.mark.parametrize(("args", "shown"), HYDRA_FLAGS, ids=lambda a: str(a)[:40])
def test_hydras_own_flags_print_and_write_nothing(args, shown, process, tmp_path):
    result = process(*args, cwd=tmp_path)  # a new process, as Hydra's logging is set up once
    assert result.returncode == 0, result.stderr
    assert shown in result.stdout and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_hydras_grammar_and_config_flags_apply(cli, own_conf, monkeypatch):
    (own_conf / "model").mkdir()
    (own_conf / "model" / "mine.yaml").write_text(
        "# @package _global_\ndefaults:\n  - override /hardware: h100_sxm\n"
        "model:\n  name: Mine\n  devices: 8\n  hours: 125\n"
    )

    def run(*args):
        result = cli(*args, "format=json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    # GPT-3: 10,000 devices x 355.2 h = 3,552,000 device-hours (Patterson et al. 2021)
    assert run("model=gpt3", "~model.devices")["devices"] is None
    assert run("model=gpt3", "~model.devices")["device_hours"] == 3_552_000
    assert run("model=gpt3", "~model.device_hours")["device_hours"] == pytest.approx(3_552_000)
    assert run("model=gpt3", "pue=${oc.env:CARBONSPEC_NO_SUCH_VAR,1.2}")["pue"] == 1.2
    monkeypatch.setenv("CARBONSPEC_TEST_PUE", "1.3")
    assert run("model=gpt3", "pue=${oc.env:CARBONSPEC_TEST_PUE,1.2}")["pue"] == 1.3
    assert run("-cn", "config", "model=gpt3")["device_hours"] == 3_552_000
    assert run("--config-name=config", "model=gpt3")["model"] == "gpt3"
    for flags in (["-cd", str(own_conf)], [f"--config-dir={own_conf}"]):
        mine = run(*flags, "model=mine")
        assert mine["device_hours"] == 1000 and mine["hardware"] == "h100_sxm"  # 8 x 125 h


def test_export_dir_is_where_the_command_ran_even_with_chdir(cli, tmp_path):
    result = cli("model=gpt3", "hydra.job.chdir=true", "export_dir=exp", "format=latex")
    assert result.returncode == 0, result.stderr
    assert {p.name for p in (tmp_path / "exp").iterdir()} >= {
        "gpt3_microsoft-us.tex", "references.bib", "preview.tex"
    }  # fmt: skip
    assert [p for p in tmp_path.rglob("exp") if p != tmp_path / "exp"] == []


def test_export_dir_with_help_is_said_to_be_unused(cli, tmp_path):
    result = cli("--help", "export_dir=exp")
    assert result.returncode == 0 and "Usage" in result.stdout
    assert result.stderr.strip() == (
        "carbonspec: note: --help prints and writes nothing; export_dir is not used"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_sweep_exports_its_bundle(cli, tmp_path):
    result = cli("-m", "model=gpt3", "region=aws-us-east-1,ovh-gra", "export_dir=paper")
    assert result.returncode == 0, result.stderr
    names = {p.name for p in (tmp_path / "paper").iterdir()}
    stem = "gpt3_by_region"  # named by its model and what it varied
    assert f"{stem}.tex" in names
    assert {f"{stem}.png", f"{stem}.pdf", "references.bib", "preview.tex"} <= names
    assert f"\\input{{{stem}}}" in (tmp_path / "paper" / "preview.tex").read_text()
    assert "brown2020language" in (tmp_path / "paper" / "references.bib").read_text()


def test_a_sweep_where_every_job_fails_says_so_and_summarises_the_failures(cli, tmp_path):
    result = cli("-m", "model=gpt3", "model.device_hours=-1,-2")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "no job of the sweep gave a result (2 failed, 0 skipped)" in result.stderr
    assert "the others are summarised" not in result.stderr
    (summary,) = tmp_path.rglob("summary.json")
    data = json.loads(summary.read_text())
    assert data["rows"] == [] and len(data["summary"]["failed"]) == 2
    md = (summary.parent / "summary.md").read_text()
    assert md.startswith("**No job of the sweep gave a result (2 failed)**")
    assert md.count("model.device_hours must be greater than 0") == 2
    assert (summary.parent / "summary.tex").exists() and (summary.parent / "summary.csv").exists()


# -- rebuilding a sweep's summary from damaged files ----------------------------------------------


@pytest.fixture(scope="module")
def finished_sweep(tmp_path_factory, run_in):
    """A three-job sweep, finished; each test damages its own copy."""
    folder = tmp_path_factory.mktemp("sweep")
    done = run_in("-m", "model=gpt3", "region=aws-us-east-1,ovh-gra,gcp-us-central1", cwd=folder)
    assert done.returncode == 0, done.stderr
    (sweep,) = folder.glob("outputs/sweeps/*/*")
    for summary in sweep.glob("summary.*"):
        summary.unlink()
    return sweep


def rebuild(folder: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "carbonspec.sweep_records", str(folder)],
        capture_output=True, text=True, timeout=600, **kwargs,
    )  # fmt: skip


def without(record: Path, key: str) -> str:
    return json.dumps({k: v for k, v in json.loads(record.read_text()).items() if k != key})


DAMAGE = [
    # (file, what it becomes, the note on stderr or the failure listed in the summary)
    ("multirun.yaml", lambda p: "hydra: [unclosed\n", "multirun.yaml, line 2: did not find"),
    ("multirun.yaml", lambda p: "- a\n- b\n", "multirun.yaml, line 1: a config file must be"),
    ("jobs.json", lambda p: "[1, 2]", "jobs.json is not a job list"),
    ("jobs.json", lambda p: '{"jobs": [["model=gpt3"', "jobs.json cannot be read"),
    ("0/result.json", lambda p: without(p, "region"),
     "Failed: model=gpt3 region=aws-us-east-1: unreadable result.json (job 0): region is missing"),
    ("1/result.json", lambda p: "[1, 2]",
     "Failed: model=gpt3 region=ovh-gra: unreadable result.json (job 1): not a record (list)"),
    ("1/result.json", lambda p: '{"model": 5, "emissions_t": 1}',
     "Failed: model=gpt3 region=ovh-gra: unreadable result.json (job 1): model is not text"),
    ("2/result.json", lambda p: b"\xff\xfe",
     "Failed: model=gpt3 region=gcp-us-central1: unreadable result.json (job 2): 'utf-8' codec"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "damage", "said"), DAMAGE, ids=[d[0] for d in DAMAGE])
def test_a_rebuild_reads_what_it_can_and_names_the_rest(
    name, damage, said, finished_sweep, tmp_path
):
    import shutil

    sweep = tmp_path / "sweep"
    shutil.copytree(finished_sweep, sweep)
    content = damage(sweep / name)
    if isinstance(content, bytes):
        (sweep / name).write_bytes(content)
    else:
        (sweep / name).write_text(content)
    done = rebuild(sweep)
    assert "Traceback" not in done.stderr + done.stdout
    summary = json.loads((sweep / "summary.json").read_text())
    if name.endswith("result.json"):  # the bad record is a failure; the others are summarised
        assert done.returncode == 1 and said in done.stdout
        assert len(summary["rows"]) == 2 and len(summary["summary"]["failed"]) == 1
    else:  # the sweep's own file is noted in one line; the records make the summary
        assert done.returncode == 0
        (note,) = done.stderr.strip().splitlines()
        assert note.startswith("carbonspec: ") and said in note
        assert note.endswith("; the summary is made from the job records")
        assert len(summary["rows"]) == 3


def test_a_rebuild_in_a_folder_it_cannot_write_writes_nothing(finished_sweep, tmp_path):
    import shutil

    sweep = tmp_path / "sweep"
    shutil.copytree(finished_sweep, sweep)
    folders = [sweep, *(p for p in sweep.iterdir() if p.is_dir())]
    if os.geteuid() == 0:  # root writes in any folder but an immutable one
        locked = subprocess.run(["chattr", "+i", *map(str, folders)], capture_output=True)
        if locked.returncode != 0:
            pytest.skip("root writes in any folder, and chattr +i is not available here")
        unlock = ["chattr", "-i", *map(str, folders)]
    else:
        for folder in folders:
            folder.chmod(0o555)
        unlock = ["chmod", "-R", "u+w", str(sweep)]
    try:
        done = rebuild(sweep)
    finally:
        subprocess.run(unlock, check=True)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert lines[0].startswith(f"carbonspec: error: cannot write in {sweep}")
    assert lines[0].endswith("rebuild it there") and "Traceback" not in done.stdout
    assert not list(sweep.glob("summary.*"))
