"""The seed paper's tables (Shi 2025), reproduced with the calculator's data and arithmetic.

The printed values below are transcribed from the seed paper
(../shared/seed/environmental-impact-of-training-llms.md, Tables 1-3), independently of
conf/table/, so a wrong table config fails here.
"""

import pytest

from carbonspec import core, tables

SEED_ESTIMATES = {  # model -> (table, printed estimate in tonnes)
    "bloom": ("seed_verification", "31.6"),
    "opt_175b": ("seed_verification", "75.4"),
    "gpt3": ("seed_verification", "447"),
    "llama2_7b": ("seed_verification", "27.3"),
    "llama2_13b": ("seed_verification", "54.6"),
    "llama2_34b": ("seed_verification", "154"),
    "llama2_70b": ("seed_verification", "255"),
    "deepseek_v3": ("seed_industry", "597"),
    "nemotron4_340b": ("seed_industry", "3,082"),
    "megascale": ("seed_industry", "1,734"),
    "gemini1_ultra": ("seed_industry", "14,324"),
    "falcon_180b": ("seed_industry", "2,619"),
    "openvla": ("seed_academia", "4.90"),
    "funsearch": ("seed_academia", "0.106"),
    "volcano_13b": ("seed_academia", "0.00672"),
    "sphinx": ("seed_academia", "2.08"),
    "llava1_5": ("seed_academia", "0.0438"),
}
SEED_ERRATA = {
    "nemotron3_8b": ("seed_industry", "691"),
    "llama3_3_70b": ("seed_industry", "2,097"),
    "llama3_1_405b": ("seed_industry", "10,388"),
}
SEED_GPU_HOURS = {
    "bloom": 1_082_990, "opt_175b": 785_664, "gpt3": 3_552_000, "llama2_7b": 184_320,
    "llama2_13b": 368_640, "llama2_34b": 1_038_336, "llama2_70b": 1_720_320,
    "deepseek_v3": 2_664_000, "llama3_3_70b": 7_000_000, "llama3_1_405b": 7_000_000,
    "nemotron4_340b": 13_516_800, "nemotron3_8b": 466_944, "megascale": 6_193_152,
    "gemini1_ultra": 136_800_000, "falcon_180b": 17_694_720, "openvla": 21_504,
    "funsearch": 720, "volcano_13b": 30, "sphinx": 9_280, "llava1_5": 192,
}  # fmt: skip


@pytest.fixture(scope="module")
def rows():
    built = {}
    for name in ("seed_verification", "seed_industry", "seed_academia"):
        for row in tables.build_named(name).rows:
            built[row["model"]] = (name, row)
    return built


def test_every_seed_row_is_present(rows):
    assert set(rows) == set(SEED_ESTIMATES) | set(SEED_ERRATA)
    assert len(rows) == 20


@pytest.mark.parametrize("model", sorted(SEED_ESTIMATES))
def test_reproducible_estimates_match_the_printed_precision(rows, model):
    table, printed = SEED_ESTIMATES[model]
    name, row = rows[model]
    assert name == table
    assert row["method"] == "calculator"
    assert row["device_hours"] == SEED_GPU_HOURS[model]
    assert core.agrees_with_printed(row["emissions_t"], printed) in ("rounded", "truncated")


def test_two_printed_estimates_are_truncated_not_rounded(rows):
    truncated = {m for m, (_, r) in rows.items() if r.get("seed_agreement") == "truncated"}
    assert truncated == {"gpt3", "funsearch"}


def test_nemotron3_is_a_factor_ten_slip(rows):
    row = rows["nemotron3_8b"][1]
    assert row["seed_agreement"] == "erratum"
    # 466,944 h x 0.4 kW = 186,777.6 kWh x 0.37 kg/kWh = 69,107.72 kg
    assert row["emissions_t"] == pytest.approx(69.10772)
    assert core.agrees_with_printed(row["emissions_t"] * 10, "691") == "rounded"


def test_llama3_rows_do_not_follow_from_their_own_cells(rows):
    for model in ("llama3_3_70b", "llama3_1_405b"):
        row = rows[model][1]
        assert row["seed_agreement"] == "erratum"
        # 7,000,000 h x 0.4 kW x 0.37 kg/kWh = 1,036,000 kg, neither 2,097 t nor 10,388 t
        assert row["emissions_t"] == pytest.approx(1036.0)


def test_llama31_405b_facts_keep_metas_hours(rows):
    from carbonspec import catalog

    assert catalog.load("model", "llama3_1_405b").device_hours == 30_840_000
    assert rows["llama3_1_405b"][1]["device_hours"] == 7_000_000  # the seed's input, footnoted


def test_errata_are_footnoted():
    t = tables.build_named("seed_industry")
    notes = " ".join(f["text"] for f in t.footnotes)
    for printed in ("691", "2,097", "10,388"):
        assert f"the seed prints {printed} t" in notes
    v = tables.build_named("seed_verification")
    assert "32.2" in " ".join(f["text"] for f in v.footnotes)


def test_verification_table_reports_errors_and_mape():
    t = tables.build_named("seed_verification")
    llama7 = next(r for r in t.rows if r["model"] == "llama2_7b")
    assert llama7["reported_emissions_t"] == 31.22  # Touvron et al. 2023, Table 2
    assert llama7["error_pct"] == pytest.approx((27.27936 - 31.22) / 31.22 * 100)
    errors = [abs(r["error_pct"]) for r in t.rows]
    assert t.summary["mape_pct"] == pytest.approx(sum(errors) / len(errors))
