"""Committed outputs stay in step with the code, and rendering is deterministic."""

import json
from pathlib import Path

import pytest

COMMITTED = Path(__file__).resolve().parents[1] / "outputs" / "tables"


def files_in(folder: Path) -> dict[str, bytes]:
    """A folder's files, without the export lock (.carbonspec.lock, git-ignored)."""
    return {p.name: p.read_bytes() for p in folder.iterdir() if not p.name.startswith(".")}


def test_outputs_match_a_fresh_regeneration(cli, tmp_path):
    # the main job's seed tables, then each table that checks carbonspec against published runs
    for table in ([], ["table=validation"], ["table=footprint"], ["table=compute"]):
        result = cli(*table, f"export_dir={tmp_path / 'fresh'}")
        assert result.returncode == 0, result.stderr
    fresh = files_in(tmp_path / "fresh")
    committed = files_in(COMMITTED)
    assert sorted(fresh) == sorted(committed)
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert stale == [], f"outputs/tables is stale; regenerate with README's command: {stale}"


def test_same_inputs_give_byte_identical_output(cli):
    first, second = (
        cli("table=seed_industry", "format=latex"),
        cli("table=seed_industry", "format=latex"),
    )
    assert first.returncode == 0
    assert first.stdout == second.stdout


def test_formats(cli):
    import csv
    import io

    as_json = json.loads(cli("table=seed_academia", "format=json").stdout)
    assert as_json["table"] == "seed_academia" and len(as_json["rows"]) == 5
    assert {"emissions_t", "device_hours", "region"} <= set(as_json["rows"][0])
    rows = list(csv.reader(io.StringIO(cli("table=seed_academia", "format=csv").stdout)))
    assert rows[0] == ["model", "hardware", "device_hours", "estimate"] and len(rows) == 6
    one = list(csv.DictReader(io.StringIO(cli("model=gpt3", "format=csv").stdout)))
    assert len(one) == 1 and float(one[0]["emissions_t"]) == pytest.approx(
        json.loads(cli("model=gpt3", "format=json").stdout)["emissions_t"]
    )


def test_a_users_own_table_renders_without_code_changes(cli, tmp_path):
    folder = tmp_path / "myconf" / "table"
    folder.mkdir(parents=True)
    (folder / "my_models.yaml").write_text(
        "caption: My three models\n"
        "method: tdp\n"
        "columns: [model, hardware, device_hours, estimate, reported, error]\n"
        "rows:\n  - model: llama2_70b\n  - model: starcoder\n  - model: t5\n"
    )
    result = cli(f"hydra.searchpath=[file://{tmp_path / 'myconf'}]", "table=my_models")
    assert result.returncode == 0, result.stderr
    assert "My three models" in result.stdout
    assert all(name in result.stdout for name in ("Llama 2 70B", "StarCoder", "T5"))


def test_a_users_own_model_region_and_table_from_their_folder(cli, tmp_path):
    conf = tmp_path / "myconf"
    for group in ("model", "region", "table"):
        (conf / group).mkdir(parents=True)
    (conf / "region" / "my-site.yaml").write_text(
        "# @package _global_\n"
        "defaults:\n  - override /provider: private\n"
        "region:\n  name: my-site\n  display_name: My lab\n"
        "  carbon_intensity: 100\n  carbon_intensity_source: my utility's 2024 bill\n"
        "  pue: 1.2\n  pue_source: facilities team, 2024\n"
    )
    (conf / "model" / "my_run.yaml").write_text(
        "# @package _global_\n"
        "defaults:\n  - override /hardware: h100_sxm\n  - override /region: my-site\n"
        "model:\n  name: My run\n  device_hours: 1000\n  device_hours_source: my logs\n"
    )
    (conf / "table" / "mine.yaml").write_text(
        "caption: Mine\ncolumns: [model, region, pue, estimate]\n"
        "rows:\n  - model: my_run\n  - model: llama2_7b\n"
    )
    result = cli(f"hydra.searchpath=[file://{conf}]", "table=mine", "format=json")
    assert result.returncode == 0, result.stderr
    rows = {r["model"]: r for r in json.loads(result.stdout)["rows"]}
    # 700 W x 1,000 h x PUE 1.2 = 840 kWh x 100 g = 84 kg
    assert rows["my_run"]["emissions_kg"] == pytest.approx(84.0)
    assert rows["my_run"]["region"] == "my-site"
    single = cli(f"hydra.searchpath=[file://{conf}]", "model=my_run", "format=json")
    assert json.loads(single.stdout)["emissions_kg"] == pytest.approx(84.0)


def test_every_estimate_column_finds_its_field():
    from carbonspec import catalog, tables
    from carbonspec.columns import COLUMNS
    from carbonspec.estimation import estimate
    from carbonspec.schema import Method

    run = tables.run_for("gpt3", {}, Method.tdp, "auto", catalog.load("uncertainty", "default"))
    row = estimate(run) | tables.hardware_cell(run, None) | {"label": "GPT-3", "interval": (1, 2)}
    table_only = {"calculator", "calculator_error", "tdp", "tdp_error", "covered", "missed"}
    table_only |= {c for c in COLUMNS if c.startswith(("published_", "predicted_"))}
    table_only |= {"embodied_error", "water_error", "device_hours_error", "device_hours_interval"}
    from carbonspec.evaluation import STATS_COLUMNS  # the evaluation tables' own columns

    table_only |= {"class", "tdp_oos", "tdp_oos_error", "covered_oos", "derived_device_hours"}
    table_only |= {"device_hours_oos_error", "error_oos", "embodied_compared_on"}
    table_only |= {"water_compared_on", *STATS_COLUMNS}
    # the tables of one's own work (codecarbon's runs, a callback's sweep, a project's parts)
    table_only |= {"stage", "runs", "status", "wall_hours", "energy_basis", "codecarbon"}
    for name, column in COLUMNS.items():
        if name not in table_only:
            assert column.field in row, name


def test_by_region_files_and_figure_are_byte_identical(cli, tmp_path):
    for folder in ("first", "second"):
        args = (
            "table=by_region",
            "model=gpt3",
            "table.regions=ovh-*",
            f"export_dir={tmp_path / folder}",
        )
        assert cli(*args).returncode == 0
    first = {p.name: p.read_bytes() for p in (tmp_path / "first").iterdir()}
    second = {p.name: p.read_bytes() for p in (tmp_path / "second").iterdir()}
    assert {".png", ".pdf", ".md", ".tex"} <= {Path(n).suffix for n in first}
    assert first == second
