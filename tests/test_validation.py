"""Validation against published emissions, model cards, BibTeX and equivalents."""

import json
import re

import bibtexparser
import pytest
import yaml

from carbonspec import catalog, latex, outputs, tables


@pytest.fixture(scope="module")
def validation():
    return tables.build_named("validation")


def test_validation_has_enough_sourced_runs(validation):
    assert len(validation.rows) >= 18
    compared = [r for r in validation.rows if r["comparable"]]
    assert len(compared) >= 18
    for row in validation.rows:
        reported = catalog.load("model", row["model"]).reported
        assert reported is not None and reported.source.strip()


def test_per_row_errors_and_per_method_means(validation):
    compared = [r for r in validation.rows if r["comparable"]]
    for row in compared:
        reported = row["reported_emissions_t"]
        assert row["tdp_error_pct"] == pytest.approx((row["tdp_t"] - reported) / reported * 100)
        if row["calculator_t"] is None:  # known by its measured energy: no calculator figure
            assert row["energy_basis"] == "measured" and row["calculator_error_pct"] is None
            continue
        assert row["calculator_error_pct"] == pytest.approx(
            (row["calculator_t"] - reported) / reported * 100
        )
    for method in ("calculator", "tdp"):
        errors = [abs(r[f"{method}_error_pct"]) for r in compared if r[f"{method}_t"] is not None]
        assert validation.summary["mape_pct"][method] == pytest.approx(sum(errors) / len(errors))
    covered = sum(r["emissions_t_low"] <= r["reported_emissions_t"] <= r["emissions_t_high"]
                  for r in compared)  # fmt: skip
    assert validation.summary["n_covered"] == covered


def test_llama2_70b_by_hand(validation):
    row = next(r for r in validation.rows if r["model"] == "llama2_70b")
    # 1,720,320 h x 400 W x Meta fleet PUE 1.08 (2023) x US 2023 grid 369.473 g = 274.6 t
    # (published 291.42)
    assert row["tdp_t"] == pytest.approx(1_720_320 * 0.4 * 1.08 * 0.369473 / 1000)
    assert row["reported_emissions_t"] == 291.42


def test_market_based_reports_are_not_compared(validation):
    palm = next(r for r in validation.rows if r["model"] == "palm_540b")
    assert not palm["comparable"] and palm["tdp_error_pct"] is None


def test_validation_renders_in_markdown_and_latex(validation, tmp_path, pdflatex):
    import subprocess

    md = outputs.render_table(validation, "markdown")
    assert "Mean absolute error" in md
    tex = outputs.render_table(validation, "latex")
    doc = "\\documentclass{article}\n" + "\n".join(latex.PREAMBLE)
    (tmp_path / "v.tex").write_text(f"{doc}\n\\begin{{document}}\n{tex}\\end{{document}}\n")
    done = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "v.tex"],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:]


def test_model_card_is_in_grams_and_agrees_with_json(cli):
    front_matter = cli("model=llama2_70b", "format=model_card").stdout.split("---\n")[1]
    card = yaml.safe_load(front_matter)
    out = json.loads(cli("model=llama2_70b", "format=json").stdout)
    block = card["co2_eq_emissions"]
    assert block["emissions"] == round(out["emissions_kg"] * 1000)
    assert {"source", "training_type", "geographical_location", "hardware_used"} <= set(block)
    assert out["region_name"] == block["geographical_location"]


def test_bibtex_parses_and_matches_latex_cites(cli):
    bib = cli("format=bibtex").stdout
    library = bibtexparser.parse_string(bib)
    assert not library.failed_blocks
    keys = {entry.key for entry in library.entries}
    latex = cli("format=latex").stdout
    cited = {
        k.strip()
        for group in re.findall(r"\\carbonspeccite\{([^}]*)\}", latex)
        for k in group.split(",")
    }
    assert cited and cited <= keys
    assert {"lacoste2019quantifying", "shi2025environmental", "touvron2023llama2"} <= keys


def test_bibtex_of_one_estimate_cites_its_paper_and_data(cli):
    bib = bibtexparser.parse_string(cli("model=t5", "format=bibtex").stdout)
    keys = {entry.key for entry in bib.entries}
    assert catalog.load("model", "t5").paper.key in keys
    assert "gsf2026cloudregions" in keys  # t5 ran in gcp-asia-east1: GSF's data for its zone


def test_equivalents_are_sourced_and_right(cli):
    text = cli("model=custom", "model.device_hours=1000", "region=custom",
               "region.carbon_intensity=500", "pue=1.0").stdout  # fmt: skip
    # 400 kWh x 0.5 kg = 200 kg: 200 / (0.398 / 1.609344) km, 200 / 1.995 kg coal, 200 / 60 trees
    assert f"{200 / (0.398 / 1.609344):,.0f} km driven" in text
    assert "100 kg of coal" in text  # 100.25 to three significant figures
    assert "3.33 tree seedlings" in text
    assert "0.222 passenger round trips" in text
    assert text.count("[US EPA") == 3 and "[Strubell" in text
