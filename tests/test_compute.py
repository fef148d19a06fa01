"""Planning a run: device-hours from model size and tokens (docs/evidence/compute.md)."""

import json

import pytest

from carbonspec import catalog, core, tables

LLAMA2_7B_GPU_HOURS = 184_320  # Llama 2 paper, Table 2


def as_json(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_six_n_d_and_device_hours():
    flops = core.training_flops(7e9, 2e12)
    assert flops == 8.4e22
    # at the A100's 312 dense BF16 TFLOPS (datasheet) and 35 % MFU
    assert core.device_hours_from_flops(flops, 312, 0.35) == pytest.approx(
        8.4e22 / (312e12 * 0.35 * 3600)
    )


def test_planning_llama2_7b_from_size_and_tokens(cli):
    out = as_json(
        cli("model=custom", "model.parameters=7e9", "model.tokens=2e12",
            "hardware=a100_sxm4_80gb", "region=meta-us", "format=json")
    )  # fmt: skip
    assert out["device_hours_basis"] == "compute"
    assert out["device_hours"] == pytest.approx(LLAMA2_7B_GPU_HOURS, rel=0.25)
    assert out["device_hours_low"] <= LLAMA2_7B_GPU_HOURS <= out["device_hours_high"]
    assert out["emissions_t_low"] < out["emissions_t"] < out["emissions_t_high"]


def test_estimated_device_hours_are_printed_as_estimates(cli):
    args = ("model=custom", "model.parameters=7e9", "model.tokens=2e12",
            "hardware=a100_sxm4_80gb", "region=meta-us")  # fmt: skip
    # 8.4e22 FLOPs / (312 TFLOPS x 0.35 x 3,600 s) = 213,675.2 GPU-hours, shown whole
    text = cli(*args).stdout
    assert "213,675 device-hours (compute)" in text and "x 213,675 h x PUE" in text
    assert "213,675.2" not in text
    paragraph = cli(*args, "format=latex").stdout
    assert r"takes an estimated \num{213675}~GPU-hours" in paragraph
    assert r"\num{8.4e22}~FLOPs" in paragraph
    card = cli(*args, "format=model_card").stdout
    assert "an estimated 213,675 device-hours" in card and "213675 device-hours (compute)" in card


def test_published_device_hours_win_and_compute_is_a_check(cli):
    out = as_json(cli("model=gpt3", "format=json"))
    assert out["device_hours"] == 3_552_000 and out["device_hours_basis"] == "reported"
    # GPT-3's published 3.14e23 FLOPs (Brown et al. 2020) at the V100's 125 FP16 TFLOPS
    assert out["compute_flops"] == 3.14e23 and out["compute_precision"] == "fp16"
    assert out["compute_device_hours"] == pytest.approx(3.14e23 / (125e12 * 0.35 * 3600))
    assert out["device_hours_low"] is None  # an interval of hours only for the compute basis


def test_mfu_and_precision_apply(cli):
    args = ("model=custom", "model.parameters=7e9", "model.tokens=2e12", "hardware=h100_sxm",
            "format=json")  # fmt: skip
    base = as_json(cli(*args))
    half = as_json(cli(*args, "model.mfu=0.7"))
    assert half["device_hours"] == pytest.approx(base["device_hours"] / 2)
    fp8 = as_json(cli(*args, "model.precision=fp8"))
    # H100 SXM dense FP8 1,978.9 against BF16 989.4 TFLOPS (H100 whitepaper)
    assert fp8["compute_peak_tflops"] == 1978.9 and base["compute_peak_tflops"] == 989.4


def test_a_mixture_of_experts_counts_active_parameters():
    model = catalog.load("model", "deepseek_v3")
    assert (model.parameters, model.active_parameters) == (671e9, 37e9)  # DeepSeek-V3 report


def test_compute_table_meets_its_targets():
    table = tables.build_named("compute")
    summary = table.summary
    assert summary["n_compared"] >= 10
    assert summary["median_ape_pct"] <= 25
    assert summary["n_covered"] >= 0.8 * summary["n_compared"]
    olmo = {r["model"]: r for r in table.rows if r["model"].startswith("olmo2")}
    assert all(r["published_device_hours"] is None for r in olmo.values())
    assert all(r["reported_emissions_t"] and r["emissions_t"] for r in olmo.values())
