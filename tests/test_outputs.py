"""Committed outputs stay in step with the code, and rendering is deterministic."""

from pathlib import Path

COMMITTED = Path(__file__).resolve().parents[1] / "outputs" / "tables"


def test_outputs_match_a_fresh_regeneration(cli, tmp_path):
    for table in ([], ["table=validation"]):  # the main job's seed tables, and the validation
        result = cli(*table, f"export_dir={tmp_path / 'fresh'}")
        assert result.returncode == 0, result.stderr
    fresh = {p.name: p.read_bytes() for p in (tmp_path / "fresh").iterdir()}
    committed = {p.name: p.read_bytes() for p in COMMITTED.iterdir()}
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
    import json

    as_json = json.loads(cli("table=seed_academia", "format=json").stdout)
    assert as_json["table"] == "seed_academia" and len(as_json["rows"]) == 5
    assert {"emissions_t", "device_hours", "region"} <= set(as_json["rows"][0])
    rows = list(csv.reader(io.StringIO(cli("table=seed_academia", "format=csv").stdout)))
    assert rows[0] == ["model", "hardware", "device_hours", "estimate"] and len(rows) == 6


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
