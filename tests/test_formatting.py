"""One number style everywhere: published figures and inputs exact with thousands separators,
computed figures to sensible significant figures (no 770.000, no 1167.603), table columns of
one precision, no degenerate range, notes in the signs the headers use, and nothing dropped
silently (skipped regions, grid notes)."""

import json
import re

import pytest

from carbonspec import columns, render

# A run whose arithmetic is checked by hand: one H100 SXM (700 W, NVIDIA's datasheet TDP) for
# 1,100 hours at PUE 1 on a 100 g/kWh grid: 700 W x 1,100 h / 1000 = 770 kWh; x 100 g = 77 kg.
HAND = ("model=custom", "model.devices=1", "model.hours=1100", "hardware=h100_sxm",
        "region=custom", "region.carbon_intensity=100", "pue=1")  # fmt: skip


def test_published_figures_have_thousands_separators(cli):
    # Meta's Llama 3.1 model card: 'Llama 3.1 405B | 30.84M | 700 | 8,930 | 0'
    text = cli("model=llama3_1_405b").stdout
    assert "reported    8,930 t (location)" in text
    validation = cli("table=validation").stdout
    [row] = [x for x in validation.splitlines() if x.startswith("| Llama 3.1 405B")]
    assert "8,930" in row and "8930" not in row


def test_computed_figures_carry_no_padding_zeros(cli):
    text = cli(*HAND).stdout
    assert "700 W x 1,100 h x PUE 1 / 1000 = 770 kWh" in text
    assert "770 kWh x 100 g/kWh" in text
    assert "1,100 device-hours on 1 device (devices x hours)" in text
    paragraph = cli(*HAND, "format=latex").stdout
    assert r"\SI{770}{kWh}" in paragraph
    card = cli(*HAND, "format=model_card").stdout
    assert "this is 770 kWh and 0.0770 t CO2eq" in card


def test_figure_is_significant_figures_without_padding():
    assert render.figure(770.0, 6) == "770"
    assert render.figure(1167.603) == "1,168"
    assert render.figure(68.35) == "68.35"
    assert render.figure(1204128.0, 6) == "1,204,128"  # integer digits are never rounded
    assert render.figure(0.0000067234) == "0.000006723"
    assert render.sig(4.9) == "4.90"  # a table's column keeps the seed's precision


def test_intensity_and_pue_columns_share_one_precision(cli):
    out = cli("table=by_region", "model=gpt3", "format=json").stdout
    rows = json.loads(out)["rows"]
    md = cli("table=by_region", "model=gpt3").stdout.splitlines()
    header = [c.strip() for c in md[2].split("|")]
    at = {name: header.index(name) for name in ("Grid (gCO2eq/kWh)", "PUE")}
    body = [[c.strip() for c in x.split("|")] for x in md[4 : 4 + len(rows)]]
    for cells in body:
        pue = cells[at["PUE"]]
        assert re.fullmatch(r"\d\.\d\d", pue), pue  # 1.00, 1.17: never "1" beside "1.172"
        grid = cells[at["Grid (gCO2eq/kWh)"]]
        digits = grid.replace(",", "").replace(".", "").lstrip("0")
        whole = grid.split(".")[0].replace(",", "")
        # three significant figures, all integer digits of a large figure, separators
        assert len(digits) == max(3, len(whole)), grid
        assert ("," in grid) == (float(grid.replace(",", "")) >= 1000), grid
    assert len({len(c[at["PUE"]]) for c in body}) == 1


def test_a_fixed_mfu_gives_no_range(cli):
    base = ("model=custom", "model.parameters=7e9", "model.tokens=2e12", "hardware=h100_sxm",
            "region=gcp-us-central1")  # fmt: skip
    assert "over the MFU range" in cli(*base).stdout
    fixed = cli(*base, "model.mfu=0.4")
    assert fixed.returncode == 0
    assert "MFU 0.4\n\n  site" in fixed.stdout and "range" not in fixed.stdout.split("site")[0]
    assert "(range" not in cli(*base, "model.mfu=0.4", "format=latex").stdout.split("MFU of")[1]


def test_the_grid_note_reaches_the_paragraph_and_the_model_card(cli):
    result = json.loads(cli("model=gpt3", "format=json").stdout)
    # GPT-3 ran in 2020 (Patterson et al. 2021, Table 4); the US figures held start later
    assert result["training_year"] == 2020 and result["grid_year"] != 2020
    note = result["grid_note"]
    assert note and str(result["grid_year"]) in note
    assert render.latex_escape(note) in cli("model=gpt3", "format=latex").stdout
    assert note in cli("model=gpt3", "format=model_card").stdout


def test_the_model_card_names_its_grid_without_none(cli):
    card = cli(*HAND, "format=model_card").stdout
    front = card.split("---")[1]
    assert "None" not in card
    assert "100 gCO2eq/kWh (given for the site)" in front
    gpt3 = cli("model=gpt3", "format=model_card").stdout.split("---")[1]
    assert re.search(r"gCO2eq/kWh \((grid zone \S+|national average), 20\d\d\)", gpt3)


def test_notes_use_the_signs_the_headers_use():
    for column in columns.COLUMNS.values():
        note = column.abbreviation or ""
        assert " x " not in note and "CO2" not in note, note
    assert render.latex_escape("CO₂eq, 6 × N") == r"CO\textsubscript{2}eq, 6 $\times$ N"


def test_by_region_lists_the_regions_it_skips(cli):
    md = cli("table=by_region", "model=gpt3").stdout
    skipped = [x for x in md.splitlines() if x.startswith("Skipped: region=")]
    # custom needs an intensity; the Central African Republic's 0.0 g/kWh is a gap in the data
    assert {x.split(":")[1].strip() for x in skipped} == {"region=custom", "region=country-caf"}
    assert all(len(x.split(": ", 2)[2]) > 5 for x in skipped)  # each with its reason


@pytest.mark.parametrize(
    ("value", "expected"), [(1, "1"), (1.1, "1.1"), (1e6, "1,000,000"), ("tdp", "tdp")]
)
def test_a_swept_setting_is_written_in_the_number_style(value, expected):
    assert render.setting(value) == expected


def test_a_swept_year_is_not_a_count():
    from carbonspec import tables

    rows = [
        {"model": "gpt3", "model_name": "GPT-3 175B", "region": "r", "hardware": "h",
         "hardware_short_name": "V100", "emissions_t": 1.0, "method": "tdp", "grid": "auto",
         "overrides": ["model=gpt3", f"model.training_year={year}"]}
        for year in (2019, 2020)
    ]  # fmt: skip
    table = tables.summary_table(rows, "summary", tables.sweep_caption(rows))
    assert [r["figure_label"] for r in table.rows] == ["2019", "2020"]
