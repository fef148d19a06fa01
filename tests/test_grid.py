"""The grid where and when a run happened: region-level zones, years, per-region PUE, gaps.

Expected figures are read from the GSF data set (../shared/data/gsf-cloud-region-metadata/
Cloud_Region_Metadata.csv, column grid-carbon-intensity-average-consumption-annual), not from
carbonspec's output.
"""

import json
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from carbonspec import catalog, core, tables
from carbonspec.estimation import grid_figure
from carbonspec.schema import GridKind, Method


def as_json(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_cloud_regions_get_their_own_zone_not_the_country(cli):
    west = as_json(cli("model=gpt3", "region=aws-us-west-2", "grid=latest", "format=json"))
    east = as_json(cli("model=gpt3", "region=aws-us-east-1", "grid=latest", "format=json"))
    # GSF 2023 (the latest measured year): aws us-west-2 is US-NW-BPAT at 119.76 g/kWh;
    # us-east-1 is US-MIDA-PJM at 396.25
    assert (west["carbon_intensity_g_per_kwh"], west["grid_zone"]) == (119.76, "US-NW-BPAT")
    assert (east["carbon_intensity_g_per_kwh"], east["grid_zone"]) == (396.25, "US-MIDA-PJM")
    assert west["grid_scope"] == east["grid_scope"] == "zone"
    assert west["grid_basis"] == "consumption" and west["grid_year"] == 2023


def test_a_year_picks_that_years_figure_and_says_so(cli):
    args = ("model=gpt3", "region=aws-us-east-1", "format=json")
    y2021 = as_json(cli(*args, "grid=2021"))
    y2022 = as_json(cli(*args, "grid=2022"))
    # GSF: aws us-east-1 441.45 g/kWh in 2021, 429.84 in 2022; PUE 1.16 in 2022
    assert (y2021["grid_year"], y2021["carbon_intensity_g_per_kwh"]) == (2021, 441.45)
    assert (y2022["grid_year"], y2022["carbon_intensity_g_per_kwh"]) == (2022, 429.84)
    assert y2021["grid_note"] is None and y2022["grid_note"] is None
    future = as_json(cli(*args, "grid=2030"))
    assert future["grid_year"] == 2023 and "nearest earlier year, 2023" in future["grid_note"]
    assert "2024 in the data set is projected" in future["grid_note"]


def test_auto_uses_the_runs_own_year(cli):
    # GPT-3 ran in 2020 (Patterson et al. 2021, Table 4); OWID's US series here starts in 2021
    out = as_json(cli("model=gpt3", "format=json"))
    assert out["training_year"] == 2020 and out["grid_year"] == 2021
    assert "no figure for 2020 or before" in out["grid_note"]
    unknown = as_json(cli("model=llama3_8b", "format=json"))
    assert unknown["training_year"] is None and "not known" in unknown["grid_note"]


def test_region_sweep_tells_oregon_from_virginia(cli):
    out = as_json(cli("table=by_region", "model=gpt3", "table.regions=aws-us-*", "format=json"))
    figures = {r["region"]: r["carbon_intensity_g_per_kwh"] for r in out["rows"]}
    assert figures["aws-us-west-2"] < 200 < 300 < figures["aws-us-east-1"]
    assert len(set(figures.values())) > 1


def test_pue_follows_the_region_and_year():
    def nearest(name, year):
        region = catalog.load("region", name)
        chosen, _ = core.nearest_year([p.year for p in region.pue_years], year)
        return next(p.value for p in region.pue_years if p.year == chosen)

    # GSF: AWS us-east-1 PUE 1.16 (2022), 1.15 (2023); us-west-2 1.13 (2022), 1.12 (2024)
    assert (nearest("aws-us-east-1", 2022), nearest("aws-us-east-1", 2023)) == (1.16, 1.15)
    assert (nearest("aws-us-west-2", 2022), nearest("aws-us-west-2", 2024)) == (1.13, 1.12)
    assert catalog.load("region", "aws-us-west-2").wue_years  # kept for the water footprint


def test_no_region_offers_zero_unless_it_says_why():
    for name in catalog.options("region"):
        region = catalog.load_fast("region", name)
        if region.requires_input:
            continue  # region=custom: the user gives the figure
        figures = [g.g_per_kwh for g in region.grid_years]
        # The calculator's own figure stays as it is for method=calculator; its one zero
        # (Seeweb fro2) is the provider's "100% carbon-free energy" claim, labelled market-based.
        if region.carbon_intensity is not None and region.carbon_intensity_basis != "market":
            figures.append(region.carbon_intensity)
        if region.unavailable:
            assert not figures, name
            continue
        assert figures, name
        assert all(f > 0 for f in figures), name


def test_a_gap_in_the_data_is_refused_not_estimated(cli):
    result = cli("model=gpt3", "region=country-caf")
    assert result.returncode == 2
    assert "gap in the source" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    out = as_json(cli("table=by_region", "model=gpt3", "table.regions=country-c*", "format=json"))
    assert "country-caf" not in {r["region"] for r in out["rows"]}
    assert "country-caf" in {s["region"] for s in out["summary"]["skipped"]}


def test_nearest_year_rule():
    assert core.nearest_year([2019, 2021, 2023], 2022) == (
        2021, "no figure for 2022; the nearest earlier year, 2021, is used",
    )  # fmt: skip
    assert core.nearest_year([2019, 2021], None) == (2021, None)
    assert core.nearest_year([2021], 2021) == (2021, None)
    with pytest.raises(ValueError):
        core.nearest_year([], 2020)


@pytest.fixture(scope="module")
def validation():
    return tables.build_named("validation")


def test_validation_compares_like_with_like(validation):
    rows = {r["model"]: r for r in validation.rows}
    compared = [r for r in validation.rows if r["comparable"]]
    assert len(compared) >= 20 and len({r["model"] for r in compared}) == len(compared)
    # BLOOM's 24.7 t leaves PUE out (Luccioni et al. 2023): so does its estimate
    assert rows["bloom"]["pue"] == 1.0
    # one run, one row: Llama 3.3 70B repeats Llama 3.1 70B; StarCoder's inputs are unverified
    assert not rows["llama3_3_70b"]["comparable"] and not rows["starcoder"]["comparable"]
    excluded = {e["model"] for e in validation.summary["excluded"]}
    assert excluded == {"opt_175b", "gopher", "llama3_3_70b", "starcoder", "palm_540b"}


def test_validation_reports_each_class_out_of_sample_and_guards_the_grid_data(validation):
    """The headline is per class and out of sample (issue 17). Runs whose report used the
    operator's own TDP formula test only the grid and PUE data: there carbonspec's data must
    stay close (median within 10 %, the interval holding 85 %); runs measured or accounted
    otherwise are reported as they fall, a miss included, never tuned to."""
    by_class = validation.summary["by_class"]
    operator = by_class["operator_formula"]["out_of_sample"]
    assert operator["n"] >= 17
    assert operator["median_ape_pct"] <= 10.0
    assert operator["n_covered"] >= 0.85 * operator["n"]
    independent = by_class["not_operator_formula"]
    assert independent["in_sample"]["n"] >= 10  # the issue's aim: at least 10 such runs
    # a run whose PUE is its own report's, with no independent figure, is in-sample only
    assert 0 < independent["out_of_sample"]["n"] <= independent["in_sample"]["n"]
    assert independent["out_of_sample"]["median_ape_pct"] is not None
    assert set(by_class) >= {"operator_formula", "measured", "life_cycle", "calculator"}


# -- vintages as they are: measured, partial, projected -------------------------------------------
# Figures read by hand from the data sets (../shared/data), row by row:
# GSF Cloud_Region_Metadata.csv, column grid-carbon-intensity-average-consumption-annual (15th):
#   "2023,Amazon Web Services,us-west-2,BPA,US-NW-BPAT,...,119.76,476.66,68.82,..."
#   "2023,Google Cloud,us-west1,BPA,US-NW-BPAT,...,119.76,476.66,68.82,..."
#   "2024,Amazon Web Services,us-west-2,...,1.12,0.16,0.0,,119.76,476.66,68.82,..." (2023 repeated)
#   "2024,Google Cloud,us-west1,...,1.07,,0.0,94.0,79.23,476.66,68.82,..." (Google's own 79.23)
#   "2023,Google Cloud,us-east4,PJM,US-MIDA-PJM,...,396.25,..."; its 2024 row: 323.05
# mlco2-impact 2021-10-27yearly_averages.csv:
#   "US-SE-SOCO,2021,...,434.03,6553" (2021 to September only)
# codecarbon global_energy_mix.json @ e7864723: "FRA": year 2022, carbon_intensity 84.879
BPAT_2023 = 119.76
PJM_2023 = 396.25
SOCO_2021_PARTIAL = 434.03
FRANCE_2022 = 84.879


def region_files():
    """Every packaged region file as plain YAML, as the transcription tool wrote it."""
    for path in sorted((Path(catalog.CONF_DIR) / "region").glob("*.yaml")):
        yield path.stem, yaml.safe_load(path.read_text(encoding="utf-8"))["region"]


def test_one_intensity_per_zone_and_year_in_every_region_file():
    figures = defaultdict(set)  # (zone or country, year, basis) -> the figures given
    for name, region in region_files():
        for e in region.get("grid_years") or []:
            place = e.get("zone") or region.get("iso3") or name
            figures[(place, e["year"], e["basis"])].add(e["g_per_kwh"])
            if e.get("production_g_per_kwh") is not None:
                figures[(place, e["year"], "production")].add(e["production_g_per_kwh"])
    assert len(figures) > 500
    conflicts = {key: sorted(values) for key, values in figures.items() if len(values) > 1}
    assert conflicts == {}
    # the audit's examples: each provider's row now gives the zone's one figure
    assert figures[("US-NW-BPAT", 2023, "consumption")] == {BPAT_2023}
    assert figures[("US-MIDA-PJM", 2023, "consumption")] == {PJM_2023}


def test_no_projected_figure_is_labelled_measured():
    kinds = defaultdict(set)
    for name, region in region_files():
        measured = {
            (e.get("zone"), e["year"]): e["g_per_kwh"]
            for e in region.get("grid_years") or []
            if e["kind"] == "measured"
        }
        for e in region.get("grid_years") or []:
            kinds[e["kind"]].add(name)
            if "Cloud_Region_Metadata.csv" in e["source"] and e["year"] == 2024:
                # every GSF 2024 row is a copy of the 2023 row (GSF's update scripts)
                assert e["kind"] == "projected", name
                assert e["kind_note"] == "repeats 2023", name
                assert e["g_per_kwh"] == measured[(e["zone"], 2023)], name
                assert "update.py made this row as a copy of the 2023 row" in e["source"]
            if "2021-10-27yearly_averages" in e["source"] and e["year"] == 2021:
                assert e["kind"] == "partial" and "September" in e["kind_note"], name
    assert set(kinds) == {"measured", "partial", "projected"}
    # the audit's five January-September 2021 figures
    assert kinds["partial"] == {
        "azure-denmarkeast", "azure-eastus3", "google-us-georgia", "google-us-north-carolina",
        "google-us-oklahoma",
    }  # fmt: skip
    # Google's own 2024 figure is recorded in the source, never used as the zone's
    west1 = catalog.load("region", "gcp-us-west1")
    y2024 = next(e for e in west1.grid_years if e.year == 2024)
    assert y2024.kind is GridKind.projected and y2024.g_per_kwh == BPAT_2023
    assert "Google's own figure, 79.23 g/kWh" in y2024.source


def test_latest_is_the_latest_measured_year_whichever_provider(cli):
    aws = as_json(cli("model=gpt3", "region=aws-us-west-2", "grid=latest", "format=json"))
    gcp = as_json(cli("model=gpt3", "region=gcp-us-west1", "grid=latest", "format=json"))
    for out in (aws, gcp):
        assert (out["grid_year"], out["carbon_intensity_g_per_kwh"]) == (2023, BPAT_2023)
        assert "2024 in the data set is projected (repeats 2023), not measured" in out["grid_note"]
    # a run without a training year takes the same figure, on both providers' Virginia regions
    for region in ("aws-us-east-1", "gcp-us-east4"):
        out = as_json(cli("model=llama3_8b", f"region={region}", "format=json"))
        assert (out["grid_year"], out["carbon_intensity_g_per_kwh"]) == (2023, PJM_2023)
    text = cli("model=gpt3", "region=gcp-us-west1", "grid=latest").stdout
    assert "2023, consumption-based (latest data); 2024 in the data set is projected" in text


def test_asking_for_a_projected_year_falls_back_to_the_measured_one(cli):
    out = as_json(cli("model=gpt3", "region=gcp-us-west1", "grid=2024", "format=json"))
    assert (out["grid"], out["grid_year"], out["carbon_intensity_g_per_kwh"]) == (
        "2024", 2023, BPAT_2023,
    )  # fmt: skip
    assert out["grid_note"] == (
        "2024 in the data set is projected (repeats 2023), not measured; "
        "the nearest earlier measured year, 2023, is used"
    )


def test_a_projected_grid_year_keeps_the_sites_measured_pue_of_that_year(cli):
    """AWS published us-west-2's 2024 PUE (1.12; GSF Cloud_Region_Metadata.csv, Amazon Web
    Services us-west-2 2024, column power-usage-effectiveness) while its 2024 grid figure is a
    repeat of 2023: the grid falls back to 2023, the PUE stays 2024's (2023's is 1.13)."""
    out = as_json(cli("model=gpt3", "region=aws-us-west-2", "grid=2024", "format=json"))
    assert (out["grid_year"], out["pue"], out["pue_year"]) == (2023, 1.12, 2024)
    out = as_json(cli("model=gpt3", "region=aws-us-west-2", "grid=2023", "format=json"))
    assert (out["grid_year"], out["pue"], out["pue_year"]) == (2023, 1.13, 2023)


def test_a_partial_year_is_used_for_its_own_year_and_says_so(cli):
    out = as_json(cli("model=gpt3", "region=google-us-georgia", "grid=2021", "format=json"))
    assert (out["grid_year"], out["carbon_intensity_g_per_kwh"]) == (2021, SOCO_2021_PARTIAL)
    assert "2021 is a partial year (data to September only, 6,553 hours" in out["grid_note"]
    assert "partial year" in cli("model=gpt3", "region=google-us-georgia", "grid=2021").stdout
    # the latest is a measured year (2023, GSF), never the partial one
    latest = as_json(cli("model=gpt3", "region=google-us-georgia", "grid=latest", "format=json"))
    assert latest["grid_year"] == 2023 and latest["grid_note"] is None


def test_latest_passes_over_a_later_partial_year():
    # google-us-oklahoma's zone US-CENT-SWPP has only the yearly-averages file's figures:
    # "US-CENT-SWPP,2019,...,404.8616533798246,8736" (measured) and "...,2021,...,411.98,6553"
    region = catalog.load("region", "google-us-oklahoma")
    figure = grid_figure(region, Method.tdp, "latest", None)
    assert (figure.year, figure.g_per_kwh) == (2019, 404.862)
    assert "2021 is a partial year" in figure.note and "latest measured year, 2019" in figure.note


def test_calculator_at_a_site_it_does_not_list_uses_the_runs_year(cli):
    # BLOOM trained at Jean Zay in 2022 (model card); the calculator lists no such site, so the
    # seed typed a custom intensity: the run's year, France's 2022 figure, not the latest (2023)
    out = as_json(cli("model=bloom", "method=calculator", "format=json"))
    assert (out["region"], out["training_year"]) == ("jean-zay", 2022)
    assert (out["grid"], out["grid_year"], out["carbon_intensity_g_per_kwh"]) == (
        "auto", 2022, FRANCE_2022,
    )  # fmt: skip
    assert (
        out["grid_note"] == "the calculator lists no figure for this site; the run's year is used"
    )
    # the calculator's arithmetic: 400 W x 1,082,990 h = 433,196 kWh; x 84.879 g x PUE 1.2 folded in
    assert out["energy_kwh"] == 433_196
    assert out["emissions_kg"] == pytest.approx(433_196 * FRANCE_2022 * 1.2 / 1000, abs=0.01)
    # the same year the tdp method takes
    tdp = as_json(cli("model=bloom", "format=json"))
    assert (tdp["grid_year"], tdp["carbon_intensity_g_per_kwh"]) == (2022, FRANCE_2022)
