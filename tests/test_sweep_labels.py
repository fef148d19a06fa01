"""Sweeps over any key read right: each row of the summary, CSV, JSON and figure names the values
its job set (one column per swept key, named by the key), a grid figure of another year keeps
its note, the caption says what varied, an export folder gets the paper bundle, globs see the
user's own configs, and a glob that matches nothing says so. Emission numbers are not asserted
(other work changes device-hours and grid vintages): labels, columns and distinct rows are."""

import csv
import io
import json
import subprocess

import pytest

from carbonspec import tables


def sweep(cli, tmp_path, *args):
    result = cli("-m", *args)
    assert result.returncode == 0, result.stderr[-2000:]
    [folder] = {p.parent for p in tmp_path.glob("outputs/sweeps/*/*/summary.json")}
    summary = json.loads((folder / "summary.json").read_text())
    table = list(csv.DictReader(io.StringIO((folder / "summary.csv").read_text())))
    return summary, table, folder


def figure_text(folder):
    """The words in the sweep's figure, as a PDF reader finds them."""
    pdf = folder / "summary.pdf"
    done = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True)
    return done.stdout


YEARS = ["2019", "2020", "2021", "2022", "2023"]


def test_a_grid_sweep_names_each_row_by_its_year(cli, tmp_path, poppler):
    summary, table, folder = sweep(cli, tmp_path, "model=gpt3", "grid=" + ",".join(YEARS))
    rows = summary["rows"]
    # the CSV has a column named by the key, one row per year asked for
    assert list(table[0])[0] == "grid"
    assert sorted(r["grid"] for r in table) == YEARS
    assert sorted(r["swept"]["grid"] for r in rows) == YEARS
    # every row is distinct by what varied, even where two years share a grid figure
    assert len({r["figure_label"] for r in rows}) == len(YEARS)
    md = (folder / "summary.md").read_text()
    caption = "GPT-3 175B: estimated emissions by grid year (method=tdp), greenest first"
    assert md.startswith(f"**{caption}**")
    assert caption in (folder / "summary.tex").read_text()
    lines = [x for x in md.splitlines() if x.startswith("| 20")]
    assert sorted(x.split("|")[1].split()[0] for x in lines) == YEARS
    # a year the data does not hold takes another year's figure, and says so
    notes = {f["mark"]: f["text"] for f in summary["footnotes"]}
    fell_back = [r for r in rows if str(r["grid_year"]) != r["grid"]]
    assert fell_back, "GPT-3's site holds no 2019 figure (its data start in 2021)"
    for row in fell_back:
        [text] = [notes[m] for m in row["marks"] if notes[m].startswith("Grid figure")]
        assert row["grid_note"] in text
        assert f"({row['marks'][0]})" in md  # the footnote mark in the Markdown
        assert row["figure_label"] == f"{row['grid']} ({row['grid_year']} data)"
    for row in rows:
        if str(row["grid_year"]) == row["grid"]:
            assert row["figure_label"] == row["grid"]
    # the figure names each bar by its year
    words = figure_text(folder)
    assert "grid" in words
    for row in rows:
        assert row["figure_label"] in words


def test_a_hardware_sweep_names_each_row_by_its_hardware(cli, tmp_path, poppler):
    summary, table, folder = sweep(cli, tmp_path, "model=gpt3", "hardware=a100_sxm4_80gb,h100_sxm")
    assert list(table[0])[0] == "hardware"
    assert sorted(r["hardware"] for r in table) == ["A100 80GB", "H100 80GB"]
    assert sorted(r["figure_label"] for r in summary["rows"]) == ["A100 80GB", "H100 80GB"]
    assert "by hardware (method=tdp, grid of the run's year)" in summary_caption(folder)
    words = figure_text(folder)
    assert "A100 80GB" in words and "H100 80GB" in words


def summary_caption(folder):
    return (folder / "summary.md").read_text().splitlines()[0]


@pytest.mark.parametrize(
    ("setting", "column", "values", "said"),
    [
        ("pue=1.1,1.3", "pue", ["1.1", "1.3"], "by PUE (method=tdp, grid of the run's year)"),
        ("method=tdp,calculator", "method", ["calculator", "tdp"], "by method (grid=auto)"),
        (
            "model.device_hours=1e6,2e6",
            "model.device_hours",
            ["1000000", "2000000"],
            "by device-hours (method=tdp, grid of the run's year)",
        ),
    ],
)
def test_any_key_gets_a_column_named_by_it(cli, tmp_path, setting, column, values, said):
    summary, table, folder = sweep(cli, tmp_path, "model=gpt3", setting)
    assert column in table[0]
    assert sorted(r[column] for r in table) == values
    assert len({r["figure_label"] for r in summary["rows"]}) == 2
    assert said in summary_caption(folder)
    md_header = (folder / "summary.md").read_text().splitlines()[2]
    assert md_header.split("|")[1].strip() == column


def test_two_keys_name_each_row_by_both(cli, tmp_path):
    summary, table, folder = sweep(
        cli, tmp_path, "model=gpt3", "hardware=a100_sxm4_80gb,h100_sxm", "grid=2022,2023"
    )
    assert list(table[0])[:2] == ["hardware", "grid"]
    labels = {r["figure_label"] for r in summary["rows"]}
    assert labels == {f"{h} / {y}" for h in ("A100 80GB", "H100 80GB") for y in ("2022", "2023")}
    assert "by hardware and grid year (method=tdp)" in summary_caption(folder)


def test_what_varied_and_what_was_held():
    def row(*overrides, **values):
        base = {"model": "gpt3", "model_name": "GPT-3 175B", "method": "tdp", "grid": "auto",
                "region": "r", "hardware": "h"}  # fmt: skip
        return base | values | {"overrides": ["model=gpt3", *overrides]}

    rows = [row("region=a", "model.device_hours=1e6"), row("region=b", "model.device_hours=1e6")]
    assert tables.varied_keys(rows) == ["region"]
    # a setting every job shares is said in the caption
    assert tables.sweep_caption(rows) == (
        "GPT-3 175B: estimated emissions by region (method=tdp, grid of the run's year,"
        " model.device_hours=1e6), greenest first"
    )
    # presentation is never what varied, and Hydra's own settings are left out
    rows = [row("format=json", "hydra.sweep.dir=x"), row("format=csv", "hydra.sweep.dir=y")]
    assert tables.varied_keys(rows) == ["model"]
    # rows without overrides (a by-region table): the values that differ
    plain = [{"model": "m", "region": "a", "hardware": "h"}, {"model": "m", "region": "b",
             "hardware": "h"}]  # fmt: skip
    assert tables.varied_keys(plain) == ["region"]


def exported(cli, tmp_path):
    paper = tmp_path / "paper"
    sweep(cli, tmp_path, "model=gpt3", "grid=2022,2023", "latex.width=column",
          f"export_dir={paper}")  # fmt: skip
    return paper


def test_a_sweep_exports_its_paper_bundle(cli, tmp_path):
    paper = exported(cli, tmp_path)
    names = sorted(p.name for p in paper.iterdir() if not p.name.startswith("."))
    assert names == [
        "gpt3_by_grid.csv", "gpt3_by_grid.json", "gpt3_by_grid.md", "gpt3_by_grid.pdf",
        "gpt3_by_grid.png", "gpt3_by_grid.tex", "preview.tex", "references.bib",
    ]  # fmt: skip
    tex = (paper / "gpt3_by_grid.tex").read_text()
    assert "latex.width=column" in tex and r"\label{tab:gpt3_by_grid}" in tex
    assert "@inproceedings{brown2020language," in (paper / "references.bib").read_text()
    assert r"\input{gpt3_by_grid}" in (paper / "preview.tex").read_text()
    # the figure at the width of a column: 3.0 in
    from PIL import Image

    with Image.open(paper / "gpt3_by_grid.png") as png:
        assert abs(png.size[0] / png.info["dpi"][0] - 216.81 / 72.27) < 1 / 72


@pytest.mark.slow
def test_the_sweep_bundle_compiles(cli, tmp_path, pdflatex):
    paper = exported(cli, tmp_path)
    latex = [pdflatex, "-interaction=nonstopmode", "preview"]
    for command in (latex, ["bibtex", "preview"], latex, latex):
        done = subprocess.run(command, cwd=paper, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout[-2000:]
    log = (paper / "preview.log").read_text()
    assert "undefined" not in log.lower() and "Rerun" not in log


def test_a_model_glob_includes_the_users_own_models(cli, tmp_path):
    own = tmp_path / "myconf" / "model"
    own.mkdir(parents=True)
    (own / "mine.yaml").write_text(
        "# @package _global_\n"
        "defaults:\n  - override /hardware: h100_sxm\n  - override /region: gcp-us-central1\n"
        "model:\n  name: My Model\n  devices: 8\n  devices_source: test\n"
        "  hours: 100\n  hours_source: test\n"
    )
    summary, _, _ = sweep(cli, tmp_path, f"hydra.searchpath=[file://{tmp_path / 'myconf'}]",
                          "model=glob(m*)")  # fmt: skip
    models = {r["model"] for r in summary["rows"]}
    assert "mine" in models and models >= {"meena", "megascale"}


def test_a_glob_that_matches_nothing_says_so(cli, tmp_path):
    result = cli("-m", "model=glob(zzz*)", "region=aws-us-east-1")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "carbonspec: error: model=glob(zzz*) matches no model"
        f" (there are {len(tables.catalog.options('model'))}: list=model shows them)"
    ]
    assert not (tmp_path / "outputs").exists()


def test_a_pue_the_method_does_not_apply_is_shown_as_set_and_explained(cli, tmp_path):
    summary, table, _ = sweep(cli, tmp_path, "model=gpt3", "pue=1.1,1.3", "method=tdp,calculator")
    assert len({(r["pue"], r["method"]) for r in table}) == 4  # the PUE set, not the one used
    assert len({r["figure_label"] for r in summary["rows"]}) == 4
    notes = {f["mark"]: f["text"] for f in summary["footnotes"]}
    for row in summary["rows"]:
        said = [notes[m] for m in row["marks"] if notes[m].startswith("PUE ")]
        # the calculator's arithmetic has no PUE (Lacoste et al. 2019): 1 used, and said so
        assert said == ([f"PUE {row['swept']['pue']:g} set, 1 used: {row['pue_source']}."]
                        if row["method"] == "calculator" else [])  # fmt: skip
