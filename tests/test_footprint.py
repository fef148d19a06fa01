"""Beyond operational CO2: the hardware's embodied carbon and the run's water, checked against the
studies that published them (docs/evidence/footprint.md)."""

import json

import pytest
import yaml

from carbonspec import catalog, core, tables


def as_json(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_embodied_arithmetic_reproduces_luccioni():
    # Luccioni et al. 2023, section 4.1: 2,500 kg per server (8 GPUs) and 150 kg per GPU over
    # 6 years at 85 % use: 'approximately 7.57 tonnes for the servers and 3.64 tonnes for the
    # GPUs, adding a total of 11.2 tonnes' for 1,082,990 GPU-hours
    servers = core.embodied_kg(1_082_990, 0.0, 2500, 8, 6, 0.85) / 1000
    gpus = core.embodied_kg(1_082_990, 150, 0.0, 8, 6, 0.85) / 1000
    assert servers == pytest.approx(7.57, abs=0.01) and gpus == pytest.approx(3.64, abs=0.01)
    assert servers + gpus == pytest.approx(11.2, abs=0.05)


def test_water_arithmetic_reproduces_li_table_1():
    # Li et al. 2023, Table 1, U.S. Average: 1,287 MWh of server energy, PUE 1.170, on-site WUE
    # 0.550 and EWIF 3.142 L/kWh give 0.708 million litres on site and 4.731 off site
    onsite, offsite = core.water_litres(1_287_000 * 1.17, 1.17, 0.55, 3.142)
    assert (round(onsite / 1e6, 3), round(offsite / 1e6, 3)) == (0.708, 4.731)


def test_bloom_embodied_is_within_a_quarter_of_luccioni(cli):
    out = as_json(cli("model=bloom", "format=json"))
    assert out["embodied_emissions_t"] == pytest.approx(11.2, rel=0.25)
    assert out["embodied_emissions_t_low"] <= 11.2 <= out["embodied_emissions_t_high"]
    assert out["total_emissions_t"] == pytest.approx(
        out["emissions_t"] + out["embodied_emissions_t"]
    )
    assert out["emissions_t"] < out["total_emissions_t"]  # the headline stays operational
    assert "no figure published for NVIDIA A100" in out["embodied_source"]  # a default, said so


def test_gpt3_water_is_within_a_quarter_of_li(cli):
    out = as_json(cli("model=gpt3", "format=json"))
    # Li et al. 2023, Table 1, U.S. Average: 0.708 million litres on site, 5.439 in all
    assert out["water_onsite_l"] == pytest.approx(708_000, rel=0.25)
    assert out["water_l"] == pytest.approx(5_439_000, rel=0.25)
    assert out["water_kind"] == "consumption"
    assert (out["wue_l_per_kwh"], out["ewif_l_per_kwh"]) == (0.55, 3.142)  # Li's assumptions


def test_a_published_device_footprint_is_used_with_its_scope():
    h100 = catalog.load("hardware", "h100_sxm")
    assert h100.embodied_kg == 164  # NVIDIA HGX H100 PCF: 1,312 kg per 8-GPU baseboard
    assert "baseboard" in h100.embodied_scope


def test_lifetime_can_be_overridden(cli):
    six = as_json(cli("model=bloom", "format=json"))["embodied_emissions_t"]
    four = as_json(cli("model=bloom", "embodied.lifetime_years=4", "format=json"))
    assert four["embodied_emissions_t"] == pytest.approx(six * 6 / 4)


def test_the_footprint_table_shows_the_checks():
    table = tables.build_named("footprint")
    rows = {r["model"]: r for r in table.rows}
    assert rows["bloom"]["published_embodied_t"] == 11.2
    assert abs(rows["bloom"]["embodied_error_pct"]) <= 25
    assert rows["gpt3"]["published_water_l"] == 5_439_000
    assert abs(rows["gpt3"]["water_error_pct"]) <= 25
    for row in table.rows:  # what an operational-only estimate leaves out, per run
        assert 0 < row["missed_pct"] < 100


def test_text_latex_and_model_card_carry_the_footprint(cli):
    text = cli("model=bloom").stdout
    assert "footprint" in text and "embodied" in text and "on-site" in text
    latex = cli("model=bloom", "format=latex").stdout
    assert "Manufacturing the hardware adds" in latex and "litres of water" in latex
    card = cli("model=bloom", "format=model_card").stdout
    front = yaml.safe_load(card.split("---\n")[1])
    out = as_json(cli("model=bloom", "format=json"))
    assert front["co2_eq_emissions"]["emissions"] == round(out["emissions_kg"] * 1000)
    assert "embodied" in card.split("---\n")[2] and "water" in card.split("---\n")[2]


def test_the_calculator_method_stays_operational_only(cli):
    out = as_json(cli("model=bloom", "method=calculator", "format=json"))
    assert out["embodied_emissions_t"] is None and out["water_l"] is None
