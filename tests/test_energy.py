"""Measured energy as an input, and the whole server (power.scope=server).

Expected values come from the sources: OLMo 2's measured GPU energy (OLMo 2 paper, Table 19),
the DGX A100's CPUs, memory and 6.5 kW rating (NVIDIA), Green Algorithms' 0.3725 W/GB, the
BLOOM nodes' CPUs and memory (BigScience), and the site figures in the region configs.
"""

from __future__ import annotations

import json

import pytest

from carbonspec import catalog

OLMO2_7B_GPU_KWH = 131_000  # OLMo 2 paper, Table 19
OLMO2_13B_GPU_KWH = 257_000
OLMO2_7B_PUBLISHED_T = 52
OLMO2_13B_PUBLISHED_T = 101


def run_json(cli, *args):
    result = cli(*args, "format=json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def site_figures(region: str, year: int) -> tuple[float, float]:
    """The region config's PUE and grid figure for a year (what its sources say)."""
    r = catalog.load("region", region)
    entry = next(e for e in r.grid_years if e.year == year)
    pue = next((e.value for e in r.pue_years if e.year == year), r.pue)
    return pue, entry.g_per_kwh


def test_olmo2_7b_is_estimated_from_its_measured_gpu_energy(cli):
    r = run_json(cli, "model=olmo2_7b")
    pue, g = site_figures("ai2-jupiter", r["grid_year"])
    assert pue == 1.2  # Morrison et al. 2025: Jupiter's PUE, the report's own
    assert r["energy_basis"] == "measured" and r["energy_scope"] == "accelerators"
    assert r["energy_measured_kwh"] == OLMO2_7B_GPU_KWH
    assert r["energy_kwh"] == pytest.approx(OLMO2_7B_GPU_KWH * pue)  # 157 MWh, Morrison Table 2
    assert r["emissions_t"] == pytest.approx(OLMO2_7B_GPU_KWH * pue * g / 1e6)
    assert r["reported_emissions_t"] == OLMO2_7B_PUBLISHED_T
    assert r["error_pct"] == pytest.approx((r["emissions_t"] / OLMO2_7B_PUBLISHED_T - 1) * 100)
    assert "same measured energy" in r["comparison_basis"]
    # device-hours still come from compute, for the embodied carbon only
    assert r["device_hours_basis"] == "compute" and r["embodied_emissions_t"] > 0


def test_olmo2_13b_is_compared_on_its_published_energy(cli):
    r = run_json(cli, "model=olmo2_13b")
    pue, g = site_figures("gcp-us-central1", r["grid_year"])
    assert r["energy_measured_kwh"] == OLMO2_13B_GPU_KWH
    assert r["pue"] == pue and r["carbon_intensity_g_per_kwh"] == g
    assert r["emissions_t"] == pytest.approx(OLMO2_13B_GPU_KWH * pue * g / 1e6)
    assert r["error_pct"] == pytest.approx((r["emissions_t"] / OLMO2_13B_PUBLISHED_T - 1) * 100)
    text = cli("model=olmo2_13b").stdout
    assert "257,000 kWh measured (accelerators)" in text
    assert "compared on: both from the same measured energy" in text
    assert "reported    101 t (location)" in text


def test_a_measured_energy_narrows_the_interval(cli):
    measured = run_json(cli, "model=olmo2_7b")
    # the same run from power x device-hours (compute): the interval of an estimate
    estimated = run_json(cli, "model=olmo2_7b", "model.energy_kwh=null")
    assert "energy_basis" not in estimated
    width = measured["emissions_t_high"] - measured["emissions_t_low"]
    assert width < estimated["emissions_t_high"] - estimated["emissions_t_low"]
    # the measurement's own +/-5 % (NVML's stated accuracy) is inside the interval
    assert measured["energy_spread"] == 0.05
    low_energy = OLMO2_7B_GPU_KWH * 0.95 * 1.2 * measured["carbon_intensity_g_per_kwh"] / 1e6
    assert measured["emissions_t_low"] <= low_energy <= measured["emissions_t"]


def test_a_facility_energy_gets_no_pue_and_a_scope_is_required(cli):
    args = ["model=custom", "region=country-fra", "model.energy_kwh=500",
            "model.energy_kwh_source=our meter"]  # fmt: skip
    r = run_json(cli, *args, "model.energy_scope=facility")
    assert r["energy_kwh"] == 500
    assert r["emissions_t"] == pytest.approx(500 * r["carbon_intensity_g_per_kwh"] / 1e6)
    assert r["device_hours"] is None and r["embodied_emissions_t"] is None
    assert r["water_l"] > 0  # water is still counted from the energy
    server = run_json(cli, *args, "model.energy_scope=server")
    assert server["energy_kwh"] == pytest.approx(500 * server["pue"])
    missing = cli(*args)
    assert missing.returncode == 2
    assert "model.energy_kwh needs model.energy_scope" in missing.stderr
    bad = cli(*args, "model.energy_scope=rack")
    assert "model.energy_scope must be accelerators, server, facility" in bad.stderr


# -- the whole server ----------------------------------------------------------------------------

# DGX A100 (640 GB): 2 x AMD EPYC 7742 at 225 W, 2,048 GB, 8 GPUs, 6.5 kW max (NVIDIA)
DGX_A100_HOST_W = (2 * 225 + 2048 * 0.3725) / 8
DGX_A100_HOST_LOW_W = (2 * 225 + 2048 * 0.08) / 8
DGX_A100_RATED_W = 6500 / 8


def test_default_output_counts_the_accelerators_only(cli):
    r = run_json(cli, "model=llama2_70b")
    assert "power_scope" not in r and "host_w" not in r
    assert r["power_w"] == 400
    assert "host " not in cli("model=llama2_70b").stdout


def test_llama2_70b_server_share_from_dgx_a100_figures(cli):
    base = run_json(cli, "model=llama2_70b")
    r = run_json(cli, "model=llama2_70b", "power.scope=server")
    assert r["host"] == "dgx_a100_640gb"
    assert r["host_w"] == pytest.approx(DGX_A100_HOST_W)  # 151.6 W per GPU
    assert r["host_w_low"] == pytest.approx(DGX_A100_HOST_LOW_W)
    assert r["host_w_high"] == pytest.approx(DGX_A100_RATED_W - 400)
    assert r["accelerator_power_w"] == 400
    assert r["power_w"] == pytest.approx(400 + DGX_A100_HOST_W)
    ratio = (400 + DGX_A100_HOST_W) / 400
    assert r["emissions_t"] == pytest.approx(base["emissions_t"] * ratio)
    # the upper end: the system's rating per GPU (6.5 kW / 8) at the high PUE and grid
    assert r["emissions_t_high"] == pytest.approx(
        base["emissions_t_high"] * DGX_A100_RATED_W / (400 * 1.10)
    )
    text = cli("model=llama2_70b", "power.scope=server").stdout
    assert "host        + 151.6 W per accelerator" in text
    for source in ("DGX A100 datasheet", "Green Algorithms", "6.5 kW max", "760 NVIDIA DGX A100"):
        assert source in text


def test_bloom_server_share_from_its_own_nodes(cli):
    r = run_json(cli, "model=bloom", "power.scope=server")
    assert r["host"] == "jean_zay_a100"
    # 2 x AMD EPYC 7543 at 225 W and 512 GB per 8 GPUs (BigScience)
    assert r["host_w"] == pytest.approx((2 * 225 + 512 * 0.3725) / 8)
    assert r["host_w_high"] == r["host_w"]  # no system rating published for these nodes
    text = cli("model=bloom", "power.scope=server").stdout
    assert "AMD EPYC 7543" in text and "BigScience" in text


def test_a_host_share_beside_a_measured_accelerator_energy(cli):
    r = run_json(cli, "model=olmo2_7b", "power.scope=server")
    host_w = (2 * 350 + 2048 * 0.3725) / 8  # DGX H100: 2 x Xeon 8480C, 2 TB, 8 GPUs
    assert r["host"] == "dgx_h100" and r["host_w"] == pytest.approx(host_w)
    assert r["host_energy_kwh"] == pytest.approx(host_w * r["device_hours"] / 1000)
    assert r["energy_kwh"] == pytest.approx((OLMO2_7B_GPU_KWH + r["host_energy_kwh"]) * 1.2)
    text = cli("model=olmo2_7b", "power.scope=server").stdout
    assert "kWh estimated for the host" in text and "a stand-in" in text


def test_server_scope_without_host_figures_says_what_to_give(cli):
    result = cli("model=gpt3", "power.scope=server")
    assert result.returncode == 2
    assert "power.scope has no host figures for hardware v100_sxm2_32gb" in result.stderr
    assert "power.host=<dgx_a100_320gb" in result.stderr
    r = run_json(cli, "model=gpt3", "power.scope=server", "power.host_w=30",
                 "power.host_w_source=IPMI readings")  # fmt: skip
    assert r["power_w"] == 330  # GPT-3's 330 W per GPU, host included (Patterson et al. 2021)
    assert cli("model=gpt3", "power.scope=rack").returncode == 2
    calc = cli("model=llama2_70b", "power.scope=server", "method=calculator")
    assert "power.scope applies to method=tdp" in calc.stderr
