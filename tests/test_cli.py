"""The command line end to end, from a directory outside the repository."""

import json

import pytest

from carbonspec import catalog

# The seed's stand-in hardware (an A100 for DeepSeek-V3's H800s, a TPU v3 for Gemini's v4) is
# charged the run's own device-hours: given on the command line, they stay as they are.
SEED_CLI = [
    (["model=deepseek_v3", "hardware=a100_sxm4_80gb", "model.device_hours=2664000",
      "region=gcp-asia-east1"], 596.736),
    (["model=gpt3", "hardware=v100_sxm2_32gb", "region=coreweave-ord1"], 447.552),
    (["model=gemini1_ultra", "hardware=tpu_v3", "model.device_hours=136800000",
      "region=gcp-us-east1"], 14324.328),
    (
        ["model=bloom", "hardware=a100_sxm4_80gb", "region=custom", "region.carbon_intensity=57",
         "region.pue=1.28"],
        31.60598,
    ),
]  # fmt: skip
REQUIRED_KEYS = {
    "model", "hardware", "power_w", "device_hours", "region", "provider",
    "carbon_intensity_g_per_kwh", "pue", "method", "energy_kwh", "emissions_kg", "emissions_t",
    "reported_emissions_t",
}  # fmt: skip


def as_json(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(("args", "tonnes"), SEED_CLI)
def test_seed_rows_from_the_command_line(cli, args, tonnes):
    out = as_json(cli(*args, "method=calculator", "format=json"))
    assert out["emissions_t"] == pytest.approx(tonnes, abs=1e-9)
    assert set(out) >= REQUIRED_KEYS


def test_json_is_saved_as_result_json(cli, tmp_path):
    out = as_json(cli("model=gpt3", "format=json"))
    saved = list(tmp_path.glob("outputs/runs/*/*/result.json"))
    assert len(saved) == 1
    assert json.loads(saved[0].read_text()) == out


def test_region_override_changes_only_what_follows_from_it(cli):
    base = as_json(cli("model=gpt3", "method=calculator", "format=json"))
    moved = as_json(cli("model=gpt3", "region=aws-eu-north-1", "method=calculator", "format=json"))
    assert moved["region"] == "aws-eu-north-1" and moved["provider"] == "aws"
    assert moved["carbon_intensity_g_per_kwh"] == 47  # calculator data, Stockholm
    for key in (
        "model",
        "hardware",
        "power_w",
        "device_hours",
        "energy_kwh",
        "reported_emissions_t",
    ):
        assert moved[key] == base[key]
    assert moved["emissions_t"] == pytest.approx(1_065_600 * 0.05 / 1000)


def test_custom_run_from_devices_and_hours(cli):
    out = as_json(
        cli("model=custom", "model.devices=8", "model.hours=125", "hardware=h100_sxm",
            "region=gcp-us-central1", "format=json")
    )  # fmt: skip
    assert out["device_hours"] == 1000
    assert out["power_w"] == 700
    # No training year: the latest measured figures. GSF Cloud_Region_Metadata.csv, Google Cloud
    # us-central1, 2023: grid 501.42 g/kWh (Electricity Maps US-MIDW-MISO), PUE 1.1 (its 2024
    # row is a projection: see tests/test_grid.py).
    assert (out["grid_year"], out["pue"]) == (2023, 1.1)
    assert out["energy_kwh"] == pytest.approx(700 * 1000 / 1000 * 1.1)
    assert out["emissions_kg"] == pytest.approx(770 * 0.50142)


def test_custom_run_in_a_custom_region(cli):
    out = as_json(
        cli("model=custom", "model.device_hours=1000", "region=custom",
            "region.carbon_intensity=57", "region.pue=1.28", "format=json")
    )  # fmt: skip
    assert out["energy_kwh"] == pytest.approx(400 * 1000 / 1000 * 1.28)
    assert out["emissions_kg"] == pytest.approx(512 * 0.057)


def test_text_output_shows_derivation_and_sources(cli):
    result = cli("model=deepseek_v3")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "2,664,000 device-hours" in text and "PUE" in text and "sources" in text
    assert "DeepSeek-V3" in text


def test_pue_one_gives_the_no_pue_number(cli):
    with_pue = as_json(cli("model=gpt3", "format=json"))
    without = as_json(cli("model=gpt3", "pue=1.0", "format=json"))
    assert without["pue"] == 1.0
    assert with_pue["emissions_t"] == pytest.approx(without["emissions_t"] * with_pue["pue"])


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["model=gpt3", "model.device_hours=-5"], "model.device_hours"),
        (["model=gpt3", "model.device_hours=0"], "model.device_hours"),
        (["model=gpt3", "hardware.power_w=-1"], "hardware.power_w"),
        (["model=gpt3", "pue=0.8"], "pue"),
        (["model=gpt3", "region=custom"], "region.carbon_intensity"),
        (["model=gpt3", "region=custom", "region.carbon_intensity=-3"], "region.carbon_intensity"),
        (
            ["model=gpt3", "region=custom", "region.carbon_intensity=2500"],
            "region.carbon_intensity",
        ),
        (["model=gpt3", "model.device_hours=lots"], "device_hours"),
        (["model=custom"], "model.device_hours"),
        (["model=gpt3", "method=guess"], "method"),
        (["model=gpt3", "pue=abc"], "pue"),
        (["model=gpt3", "model.devices=-3"], "model.devices"),
        (["model=gpt3", "grid=old"], "grid"),
        (["model=gpt3", "format=xml"], "format"),
        (["model=gpt3", "region="], "region"),
        (["model=gpt3", "table=null"], "table"),
    ],
)
def test_bad_input_is_one_readable_line(cli, args, field):
    result = cli(*args)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert field in lines[0] and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("group", "bad", "suggested"),
    [
        ("model", "gpt-3", "gpt3"),
        ("region", "aws-us-east1", "aws-us-east-1"),
        ("hardware", "h100", "h100_sxm"),
    ],
)
def test_unknown_names_suggest_the_valid_ones(cli, group, bad, suggested):
    result = cli(f"{group}={bad}", *(["model=gpt3"] if group != "model" else []))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert suggested in result.stderr.split("Did you mean ")[1].split("?")[0]
    options = catalog.options(group)
    if len(options) <= 40:
        assert all(name in result.stderr for name in options)
    else:  # hundreds of regions are a listing, not an error message
        assert f"list={group}" in result.stderr


def test_an_unknown_name_with_a_user_folder_is_answered_the_same_way(cli, tmp_path):
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "mine.yaml").write_text("# @package _global_\nmodel:\n  name: Mine\n")
    result = cli(f"hydra.searchpath=[file://{tmp_path}]", "model=mien")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "unknown model 'mien'" in result.stderr and "Did you mean mine" in result.stderr


def test_main_job_prints_the_three_seed_tables(cli):
    result = cli()
    assert result.returncode == 0, result.stderr
    for caption in ("Table 1", "Table 2", "Table 3"):
        assert caption in result.stdout
    assert "14,324" in result.stdout and "0.00672" in result.stdout


def test_run_directories_stay_out_of_git():
    from pathlib import Path

    ignore = (Path(__file__).resolve().parents[1] / ".gitignore").read_text()
    assert "outputs/runs/" in ignore and "outputs/sweeps/" in ignore
