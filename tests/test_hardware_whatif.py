"""Hardware what-ifs follow the work: on hardware that is not the run's own, the run's own
device-hours are scaled by the ratio of the two devices' peak dense throughput; hours the user
gives, and a table row's stand-in hardware, keep them; a device with no throughput figure keeps
them and the output says so.

Expected numbers are computed by hand from the datasheet figures in conf/hardware/ (each with its
source there) and the run's published device-hours, never from carbonspec's output:
  A100 SXM4 80GB: 400 W TDP, 312 TFLOPS dense BF16/FP16 (NVIDIA A100 datasheet)
  H100 SXM5: 700 W TDP, 989.4 TFLOPS dense BF16/FP16 (NVIDIA H100 whitepaper, Table 1)
  B200 (HGX): 1,000 W, 2,250 TFLOPS dense BF16/FP16 (NVIDIA spec, sparse 4.5 PFLOPS halved)
  V100 SXM2: 300 W TDP, 125 TFLOPS FP16 tensor, no BF16 (NVIDIA developer blog)
  Llama 2 70B: 1,720,320 A100-hours (Llama 2 paper, Table 2), trained in Meta's US
    datacenters (meta-us): Meta's fleet PUE 1.08 (Meta 2024 Sustainability Report,
    conf/provider/meta.yaml) and the 2023 US grid, 369.473 g/kWh (Our World in Data / Ember)
  GPT-3 175B: 3,552,000 V100-hours (Patterson et al. 2021, Table 4: 10,000 GPUs x 14.8 days)
JSON carries 9 significant digits, hence rel=1e-8.
"""

import csv
import io
import json

import pytest

from carbonspec import catalog

LLAMA2_70B_HOURS = 1_720_320
GPT3_HOURS = 3_552_000
A100, H100, B200, V100_FP16 = 312, 989.4, 2250, 125
META_PUE, US_2023_G_PER_KWH = 1.08, 369.473


def as_json(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def tonnes(power_w, hours, pue=META_PUE, g_per_kwh=US_2023_G_PER_KWH):
    """power x device-hours x PUE x grid intensity, in t CO2eq."""
    return power_w * hours / 1000 * pue * g_per_kwh / 1e6


def test_llama2_70b_on_the_h100_takes_the_a100_hours_times_the_peak_ratio(cli):
    out = as_json(cli("model=llama2_70b", "hardware=h100_sxm", "format=json"))
    hours = LLAMA2_70B_HOURS * A100 / H100  # 542,490 H100-hours
    assert out["device_hours"] == pytest.approx(hours, rel=1e-8)
    assert out["device_hours_basis"] == "scaled by peak throughput"
    assert out["run_hardware"] == "a100_sxm4_80gb"
    assert out["run_device_hours"] == LLAMA2_70B_HOURS
    assert out["device_hours_scale"] == pytest.approx(A100 / H100, rel=1e-8)
    assert (out["run_peak_tflops"], out["peak_tflops"]) == (A100, H100)
    assert (out["run_peak_precision"], out["peak_precision"]) == ("bf16", "bf16")
    assert out["device_hours_note"] is None
    assert out["emissions_t"] == pytest.approx(tonnes(700, hours), rel=1e-8)  # 154.3 t
    # Meta's 291.42 t is the A100 run's: a what-if is not compared with it
    assert out["reported_emissions_t"] == 291.42 and out["error_pct"] is None
    # the compute check still runs on the H100: 6 x 70e9 x 2e12 FLOPs at 989.4 TFLOPS x MFU 0.35
    check = 6 * 70e9 * 2e12 / (H100 * 1e12 * 0.35 * 3600)  # 673,809 H100-hours
    assert out["compute_device_hours"] == pytest.approx(check, rel=1e-8)


def test_llama2_70b_on_the_b200(cli):
    out = as_json(cli("model=llama2_70b", "hardware=b200", "format=json"))
    hours = LLAMA2_70B_HOURS * A100 / B200  # 238,551 B200-hours
    assert out["device_hours"] == pytest.approx(hours, rel=1e-8)
    assert out["emissions_t"] == pytest.approx(tonnes(1000, hours), rel=1e-8)  # 96.95 t
    # whatever the grid and PUE, B200 / A100 emissions = (1000 W x 312 / 2250) / 400 W
    own = as_json(cli("model=llama2_70b", "format=json"))
    assert own["device_hours"] == LLAMA2_70B_HOURS and own["device_hours_scale"] is None
    assert own["emissions_t"] == pytest.approx(tonnes(400, LLAMA2_70B_HOURS), rel=1e-8)  # 279.7 t
    ratio = (1000 * A100 / B200) / 400
    assert out["emissions_t"] / own["emissions_t"] == pytest.approx(ratio, rel=1e-8)


def test_gpt3_on_the_h100_no_longer_charges_the_v100_hours(cli):
    out = as_json(cli("model=gpt3", "hardware=h100_sxm", "pue=1.1", "format=json"))
    # the V100 has no BF16: its FP16 125 TFLOPS; the H100's BF16 989.4 (= its FP16)
    hours = GPT3_HOURS * V100_FP16 / H100  # 448,757, not 3,552,000
    assert out["device_hours"] == pytest.approx(hours, rel=1e-8)
    assert (out["run_peak_precision"], out["peak_precision"]) == ("fp16", "bf16")
    assert out["run_hardware"] == "v100_sxm2_32gb" and out["run_device_hours"] == GPT3_HOURS
    own = as_json(cli("model=gpt3", "pue=1.1", "format=json"))
    ratio = (700 * V100_FP16 / H100) / 300
    assert out["emissions_t"] / own["emissions_t"] == pytest.approx(ratio, rel=1e-8)


def test_the_text_prints_both_figures_and_the_ratio(cli):
    result = cli("model=gpt3", "hardware=h100_sxm")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "448,757 device-hours on 10,000 devices (scaled by peak throughput)" in text
    assert "the run's own: 3,552,000 device-hours on NVIDIA Tesla V100 SXM2 32GB" in text
    assert "x 125 / 989.4 TFLOPS peak dense (fp16 / bf16) = x 0.1263" in text
    assert "check: its compute" in text  # the compute check line stays
    assert "not compared: that is the run on NVIDIA Tesla V100 SXM2 32GB" in text


def test_the_paragraph_and_the_model_card_say_what_the_run_used(cli):
    tex = cli("model=llama2_70b", "hardware=h100_sxm", "format=latex").stdout
    assert r"was trained for \num{1720320}~device-hours on NVIDIA A100 SXM4 80GB." in tex
    assert r"would take an estimated \num{542490}~GPU-hours" in tex
    assert r"(\SI{312}{TFLOPS} BF16 against \SI{989.4}{TFLOPS} BF16)" in tex
    card = cli("model=llama2_70b", "hardware=h100_sxm", "format=model_card").stdout
    assert "hardware_used: NVIDIA H100 SXM5 80GB (what-if; the run used NVIDIA A100" in card
    assert "Training used 1,720,320 device-hours of NVIDIA A100 SXM4 80GB" in card


def test_hours_the_user_gives_stay_as_they_are(cli):
    out = as_json(cli("model=gpt3", "hardware=h100_sxm", "model.device_hours=1e6", "format=json"))
    assert out["device_hours"] == 1e6 and out["device_hours_basis"] == "reported"
    assert out["device_hours_scale"] is None and out["device_hours_note"] is None
    assert out["run_hardware"] == "h100_sxm"  # the hours given are hours on the H100
    devices = as_json(cli("model=llama2_70b", "hardware=h100_sxm", "model.devices=2000",
                          "format=json"))  # fmt: skip
    assert devices["device_hours"] == LLAMA2_70B_HOURS and devices["devices"] == 2000
    custom = as_json(cli("model=custom", "model.devices=8", "model.hours=125",
                         "hardware=h100_sxm", "region=gcp-us-central1", "format=json"))  # fmt: skip
    assert custom["device_hours"] == 1000 and custom["device_hours_scale"] is None


def test_a_device_with_no_throughput_keeps_the_hours_and_says_so(cli):
    k80 = catalog.load("hardware", "tesla_k80")
    assert (k80.peak_tflops_bf16, k80.peak_tflops_fp16, k80.peak_tflops_fp8) == (None,) * 3
    out = as_json(cli("model=llama2_70b", "hardware=tesla_k80", "format=json"))
    assert out["device_hours"] == LLAMA2_70B_HOURS and out["device_hours_basis"] == "reported"
    assert out["device_hours_scale"] is None
    note = "device-hours kept: Tesla K80 has no published bf16 or fp16 throughput"
    assert out["device_hours_note"] == note
    assert out["emissions_t"] == pytest.approx(tonnes(300, LLAMA2_70B_HOURS), rel=1e-8)
    text = cli("model=llama2_70b", "hardware=tesla_k80").stdout
    assert note in text
    assert "the run's own: 1,720,320 device-hours on NVIDIA A100 SXM4 80GB" in text
    row = next(csv.DictReader(io.StringIO(cli("model=llama2_70b", "hardware=tesla_k80",
                                              "format=csv").stdout)))  # fmt: skip
    assert row["device_hours_note"] == note


def test_hours_from_compute_already_follow_the_hardware(cli):
    out = as_json(cli("model=custom", "model.parameters=7e9", "model.tokens=2e12",
                      "hardware=h100_sxm", "region=gcp-us-central1", "format=json"))  # fmt: skip
    assert out["device_hours_basis"] == "compute" and out["device_hours_scale"] is None
    # 6 x 7e9 x 2e12 FLOPs / (989.4 TFLOPS x MFU 0.35 x 3,600 s)
    assert out["device_hours"] == pytest.approx(6 * 7e9 * 2e12 / (H100 * 1e12 * 0.35 * 3600))
    assert out["run_device_hours"] is None


def test_the_calculator_method_scales_the_same_work(cli):
    out = as_json(cli("model=llama2_70b", "hardware=h100_sxm", "method=calculator",
                      "format=json"))  # fmt: skip
    assert out["device_hours"] == pytest.approx(LLAMA2_70B_HOURS * A100 / H100, rel=1e-8)


def test_a_hardware_sweep_ranks_devices_by_what_the_run_would_cost(cli, tmp_path):
    result = cli("-m", "model=llama2_70b", "hardware=a100_sxm4_80gb,h100_sxm,b200")
    assert result.returncode == 0, result.stderr
    [path] = tmp_path.glob("outputs/sweeps/*/*/summary.json")
    rows = json.loads(path.read_text())["rows"]
    # greenest first: 1000 W x 238,551 h < 700 W x 542,490 h < 400 W x 1,720,320 h
    assert [r["hardware"] for r in rows] == ["b200", "h100_sxm", "a100_sxm4_80gb"]
    assert [r["device_hours_basis"] for r in rows] == ["scaled by peak throughput"] * 2 + [
        "reported"
    ]
    md = (path.parent / "summary.md").read_text()
    assert "Device-hours from" in md and md.count("scaled by peak throughput") >= 2
    assert "312 / 2250 TFLOPS (bf16)" in md and "312 / 989.4 TFLOPS (bf16)" in md
    summary_csv = list(csv.DictReader(io.StringIO((path.parent / "summary.csv").read_text())))
    assert [r["basis"] for r in summary_csv][:2] == ["scaled by peak throughput"] * 2
    tex = (path.parent / "summary.tex").read_text()
    assert r"B200\textsuperscript{a}" in tex  # the footnote's mark reaches the LaTeX too


def write_table(tmp_path, rows: str):
    folder = tmp_path / "myconf" / "table"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "whatif.yaml").write_text(
        "caption: What-ifs\nmethod: tdp\ncolumns: [model, hardware, device_hours, estimate]\n"
        f"rows:\n{rows}"
    )
    return f"hydra.searchpath=[file://{tmp_path / 'myconf'}]"


def test_a_table_rows_hardware_is_a_what_if_unless_it_stands_in(cli, tmp_path):
    searchpath = write_table(
        tmp_path,
        "  - {model: llama2_70b, label: what-if, hardware: h100_sxm}\n"
        "  - {model: llama2_70b, label: stand-in, hardware: h100_sxm, hardware_stand_in: true}\n"
        "  - {model: llama2_70b, label: given, hardware: h100_sxm, device_hours: 1000}\n",
    )
    result = cli(searchpath, "table=whatif", "format=json")
    rows = {r["label"]: r for r in as_json(result)["rows"]}
    scaled = LLAMA2_70B_HOURS * A100 / H100
    assert rows["what-if"]["device_hours"] == pytest.approx(scaled, rel=1e-8)
    assert rows["what-if"]["emissions_t"] == pytest.approx(tonnes(700, scaled), rel=1e-8)
    assert rows["what-if"]["hardware_display"] == "H100 80GB"  # the device estimated
    stand_in = rows["stand-in"]
    assert stand_in["device_hours"] == LLAMA2_70B_HOURS
    assert stand_in["emissions_t"] == pytest.approx(tonnes(700, LLAMA2_70B_HOURS), rel=1e-8)
    assert stand_in["device_hours_note"] == (
        "device-hours kept: NVIDIA H100 SXM5 80GB stands in for NVIDIA A100 SXM4 80GB,"
        " the run's own"
    )
    assert stand_in["hardware_display"] == "A100 80GB"  # the run's own, as the seed shows it
    assert rows["given"]["device_hours"] == 1000
    md = cli(searchpath, "table=whatif").stdout
    assert "542,490" in md and "1,720,320" in md  # an estimate's hours to three figures


def test_a_stand_in_without_hardware_is_refused(cli, tmp_path):
    searchpath = write_table(tmp_path, "  - {model: llama2_70b, hardware_stand_in: true}\n")
    result = cli(searchpath, "table=whatif")
    assert result.returncode == 2
    assert "hardware_stand_in needs the row's hardware" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_seed_stand_ins_keep_the_runs_hours(cli):
    rows = {r["model"]: r for r in as_json(cli("table=seed_industry", "format=json"))["rows"]}
    # Llama 3.3 70B's 7,000,000 H100-hours (Meta's model card) charged to the seed's A100
    assert rows["llama3_3_70b"]["device_hours"] == 7_000_000
    assert rows["llama3_3_70b"]["hardware"] == "a100_sxm4_80gb"
    assert rows["llama3_3_70b"]["run_hardware"] == "h100_sxm"
    assert rows["gemini1_ultra"]["device_hours"] == 57_000 * 2_400  # Epoch AI's TPU v4 chips x h
    assert all(r["device_hours_scale"] is None for r in rows.values())


def test_a_users_model_brings_its_own_hardware(cli, tmp_path):
    conf = tmp_path / "myconf"
    (conf / "model").mkdir(parents=True)
    (conf / "model" / "my_run.yaml").write_text(
        "# @package _global_\n"
        "defaults:\n  - override /hardware: h100_sxm\n  - override /region: gcp-us-central1\n"
        "model:\n  name: My run\n  device_hours: 1000\n  device_hours_source: my logs\n"
    )
    searchpath = f"hydra.searchpath=[file://{conf}]"
    out = as_json(cli(searchpath, "model=my_run", "hardware=b200", "format=json"))
    assert out["run_hardware"] == "h100_sxm"
    assert out["device_hours"] == pytest.approx(1000 * H100 / B200, rel=1e-8)  # 439.7 B200-hours
    own = as_json(cli(searchpath, "model=my_run", "format=json"))
    assert own["device_hours"] == 1000 and own["device_hours_scale"] is None


def test_by_region_follows_the_hardware_too(cli):
    result = cli("table=by_region", "model=llama2_70b", "hardware=h100_sxm",
                 "table.regions=aws-us-east-1", "format=json")  # fmt: skip
    [row] = as_json(result)["rows"]
    assert row["device_hours"] == pytest.approx(LLAMA2_70B_HOURS * A100 / H100, rel=1e-8)
