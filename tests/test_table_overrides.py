"""A table row that changes its run (region, hardware, device-hours) is a what-if: shown, marked
with a footnote saying what it changed, and never compared with the run's published figure."""

import json

import pytest

from carbonspec import tables

# The README's "your own table": T5 moved from Google's Taiwan datacenter (gcp-asia-east1, where
# Patterson et al. 2021, Table 4, place the run) to gcp-europe-west4.
OWN_TABLE = """\
caption: My three models
method: tdp
columns: [model, hardware, device_hours, estimate, reported, error]
rows:
  - model: llama2_70b
  - model: starcoder
  - model: t5
    region: gcp-europe-west4
"""


@pytest.fixture
def own_table(tmp_path):
    folder = tmp_path / "myconf" / "table"
    folder.mkdir(parents=True)
    (folder / "my_models.yaml").write_text(OWN_TABLE)
    return f"hydra.searchpath=[file://{tmp_path / 'myconf'}]"


def test_a_moved_row_is_marked_and_left_out_of_the_mean(cli, own_table):
    result = cli(own_table, "table=my_models", "format=json")
    assert result.returncode == 0, result.stderr
    table = json.loads(result.stdout)
    rows = {r["model"]: r for r in table["rows"]}
    t5 = rows["t5"]
    # the published figure is still shown (46.7 t, Patterson et al. 2021 Table 4) ...
    assert t5["reported_emissions_t"] == pytest.approx(46.7)
    # ... but not compared: the row is not the run that was measured
    assert t5["error_pct"] is None
    assert "gcp-europe-west4" in t5["not_compared"] and "gcp-asia-east1" in t5["not_compared"]
    [note] = [f for f in table["footnotes"] if f["mark"] in t5["marks"]]
    assert note["text"].startswith("What-if: region gcp-europe-west4 for the run's gcp-asia-east1")
    assert "not compared" in note["text"]
    # the mean is over the two runs as they ran
    assert table["summary"]["n_reported"] == 2
    errors = [abs(rows[k]["error_pct"]) for k in ("llama2_70b", "starcoder")]
    assert table["summary"]["mape_pct"] == pytest.approx(sum(errors) / 2)


def test_the_markdown_shows_the_mark_and_no_error(cli, own_table):
    md = cli(own_table, "table=my_models").stdout
    [line] = [x for x in md.splitlines() if x.startswith("| T5-11B")]
    assert line.startswith("| T5-11B (a)") and line.rstrip(" |").endswith("n/a")
    assert "(a) What-if: region gcp-europe-west4" in md


def test_each_kind_of_change_is_named():
    assert tables.what_if({"model": "t5"}, _run("t5")) == []
    assert tables.what_if({"model": "t5", "region": "gcp-asia-east1"}, _run("t5")) == []
    changed = tables.what_if(
        {"model": "gpt3", "hardware": "h100_sxm", "device_hours": 1e6}, _run("gpt3")
    )
    # GPT-3: 3,552,000 V100-hours (Patterson et al. 2021, Table 4: 10,000 GPUs x 14.8 days)
    assert changed == [
        "hardware h100_sxm for the run's v100_sxm2_32gb",
        "device-hours 1,000,000 for the run's 3,552,000",
    ]


def _run(model: str):
    from carbonspec.schema import Method

    uncertainty = tables.catalog.load("uncertainty", "default")
    return tables.run_for(model, {}, Method.tdp, "auto", uncertainty)


def test_a_row_reproducing_the_seed_is_left_as_it_is():
    # seed rows keep their stand-in hardware and the seed's region without a what-if mark:
    # the seed tables reproduce the seed's own inputs (and stay byte-identical)
    table = tables.build_named("seed_industry")
    assert not any(f["text"].startswith("What-if") for f in table.footnotes)


def test_a_row_without_a_published_figure_is_marked_without_a_comparison():
    # Falcon-180B publishes no emissions: the what-if is marked, with nothing to leave out
    notes = tables.Footnotes()
    spec = {"method": "tdp", "grid": "auto"}
    uncertainty = tables.catalog.load("uncertainty", "default")
    row = tables.table_row({"model": "falcon_180b", "region": "gcp-us-central1"}, spec,
                           uncertainty, notes, None)  # fmt: skip
    assert row["reported_emissions_t"] is None and row["not_compared"] is None
    [(text, mark)] = notes.marks.items()
    assert row["marks"] == [mark]
    assert text == "What-if: region gcp-us-central1 for the run's country-usa."
