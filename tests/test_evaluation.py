"""The evaluation tables say what they test: classes of report, in-sample and out-of-sample
figures, defaults derived from sourced observations and re-derived without each evaluated run,
published-only columns, and footprint checks that reproduce a study's arithmetic said to."""

import json
import math
import re
import statistics
from dataclasses import replace
from pathlib import Path

import pytest

from carbonspec import catalog, derivations, evaluation, outputs, tables

CONF = catalog.CONF_DIR

# The observations the defaults come from, typed here from their sources (conf/compute,
# conf/uncertainty and conf/hardware say where each was read), not from carbonspec's output.
MFU = {  # steady-state MFU reported per run
    "gpt3": 0.213,  # PaLM Table 3
    "gopher": 0.325,  # PaLM Table 3
    "llama3_1_405b": 0.405,  # Llama 3 Table 4: 38-43 %, the middle
    "nemotron4_340b": 0.417,  # Nemotron-4 Table 2: 41.0-42.4 %, the middle
    "palm_540b": 0.462,  # PaLM section 4.1
    "opt_175b": 0.471,  # 147 of 312 TFLOP/s
    "llama1_65b": 0.476,  # 380 tokens/s/GPU x 6 x 65.2e9 / 312e12
    "bloom": 0.481,  # 150 of 312 TFLOP/s
    "megascale": 0.552,  # MegaScale section 6.1
}
WHOLE_RUN = {  # whole-run utilisation from published device-hours / the reported MFU
    "palm_540b": 0.666,  # 2.56e24 / (8,404,992 h x 3,600 x 275e12) = 30.77 %, / 46.2
    "llama3_1_405b": 0.854,  # 3.8e25 / (30.84e6 h x 3,600 x 989.4e12) = 34.59 %, / 40.5
}
POWER_LOW = {  # measured average (or cap) over TDP while training
    "olmo2_7b": 600 / 700,  # Morrison et al. 2025 Fig. 2: "over 600W" of 700 W
    "llama2_34b": 350 / 400,  # Llama 2 Table 2: capped at 350 W of 400 W
    # Dodge et al. 2022 Table 2: 13,812.4 kWh of GPU energy, 256 A100s x 192 h, 400 W TDP
    "dodge_6b_transformer": 13_812.4 / (256 * 192) / 0.400,
}
POWER_HIGH = {"gpt3": 330 / 300, None: (2 * 325 - 330) / 300}  # Patterson Tables 4 and 3
TPU_V3 = {"t5": 310, "meena": 289, "gshard_600b": 288, "switch_transformer": 245}  # Patt. T4
TPU_V2 = {None: [229, 227], "evolved_transformer": [208]}  # Patterson Tables 1 and 4
# The operator of each run an observation describes, from its paper's affiliations (Patterson
# et al.'s runs not in the catalog are Google's too); the rule leaves a row's operator out.
OPERATOR = {
    "gpt3": "OpenAI", "gopher": "Google", "llama3_1_405b": "Meta", "nemotron4_340b": "NVIDIA",
    "palm_540b": "Google", "opt_175b": "Meta", "llama1_65b": "Meta", "bloom": "Hugging Face",
    "megascale": "ByteDance", "olmo2_7b": "Ai2", "llama2_34b": "Meta", None: "Google",
    "dodge_6b_transformer": "Ai2",
    "t5": "Google", "meena": "Google", "gshard_600b": "Google", "switch_transformer": "Google",
    "evolved_transformer": "Google",
}  # fmt: skip


@pytest.fixture(autouse=True)
def packaged_configs():
    """The packaged configs only: a command run with a user's folder leaves the catalog
    looking there first."""
    catalog.use_search_path([])


def as_dict(observations):
    return {o.run: o.value for o in observations}


def test_the_configs_list_the_sourced_observations():
    compute = catalog.load("compute", "default")
    unc = catalog.load("uncertainty", "default")
    assert as_dict(compute.mfu_observations) == MFU
    assert as_dict(compute.whole_run_factor_observations) == WHOLE_RUN
    assert as_dict(unc.tdp_power_low_observations) == pytest.approx(POWER_LOW, abs=5e-4)
    assert as_dict(unc.tdp_power_high_observations) == pytest.approx(POWER_HIGH, abs=5e-4)
    assert as_dict(catalog.load("hardware", "tpu_v3").power_observations) == TPU_V3
    v2 = catalog.load("hardware", "tpu_v2").power_observations
    assert sorted(o.value for o in v2) == [208, 227, 229]
    assert [o.run for o in v2 if o.value == 208] == ["evolved_transformer"]
    for o in [
        *compute.mfu_observations, *unc.tdp_power_low_observations,
        *unc.tdp_power_high_observations, *v2,
    ]:  # fmt: skip
        assert o.source.strip() and (o.run is None or o.run in catalog.options("model"))
    # every observation's operator, from its run's model config or its own organization
    observed = [
        *compute.mfu_observations, *compute.whole_run_factor_observations,
        *unc.tdp_power_low_observations, *unc.tdp_power_high_observations, *v2,
        *catalog.load("hardware", "tpu_v3").power_observations,
    ]  # fmt: skip
    for o in observed:
        org = catalog.load("model", o.run).organization if o.run else o.organization
        assert OPERATOR[o.run] in derivations.operators(org), (o.run, org)


def test_one_operator_under_its_several_names():
    ops = derivations.operators
    assert ops("Allen Institute for AI") == ops("Ai2") == {"Ai2"}
    assert ops("Meta AI") == ops("Meta") == {"Meta"}
    assert ops("DeepMind (Google)") == ops("Google DeepMind") == ops("Google") == {"Google"}
    assert ops("Allen Institute for AI / Microsoft (Dodge et al. 2022)") == {"Ai2", "Microsoft"}
    assert ops("OpenAI") == {"OpenAI"} and ops(None) == ops("  ") == frozenset()
    # the packaged runs of one operator all say so, however their sources spell it
    for key, operator in (
        ("olmo_dev_7b", "Ai2"),
        ("olmo2_7b", "Ai2"),
        ("opt_175b", "Meta"),
        ("llama2_34b", "Meta"),
        ("gopher", "Google"),
        ("t5", "Google"),
    ):
        assert evaluation.operators_of(key) == {operator}, key


def test_leaving_out_a_run_drops_its_operators_observations_too():
    unc = catalog.load("uncertainty", "default")
    lows, highs = unc.tdp_power_low_observations, unc.tdp_power_high_observations
    runs = {o.run: derivations.operators(OPERATOR[o.run]) for o in [*lows, *highs] if o.run}
    # a Meta row: Llama 2 34B's 0.875 goes; OLMo 2's 0.857 and Dodge et al.'s 0.703 stay:
    # 0.703 -> 0.70; both highs stay: 1.10
    meta = derivations.LeaveOut("llama2_70b", frozenset({"Meta"}), runs)
    d = derivations.power_factors(lows, highs, meta)
    assert d.values == (0.70, 1.10) and d.dropped == ("llama2_34b",)
    assert d.left_out == "llama2_70b"
    # an Ai2 row: OLMo 2's 0.857 and Dodge et al.'s 0.703 (Ai2 and Microsoft's run) go;
    # Llama 2 34B's 0.875 stays: 0.85
    ai2 = derivations.LeaveOut("olmo_dev_13b", frozenset({"Ai2"}), runs)
    d = derivations.power_factors(lows, highs, ai2)
    assert d.values == (0.85, 1.10) and d.dropped == ("dodge_6b_transformer", "olmo2_7b")
    # an OpenAI row: its own 1.10 goes; Google's Transformer (Big) 320 / 300 = 1.067 -> 1.10
    openai = derivations.LeaveOut("gpt3", frozenset({"OpenAI"}), runs)
    assert derivations.power_factors(lows, highs, openai).values == (0.70, 1.10)
    # a Google row drops the observation of a run not in the catalog by its organization
    google = derivations.LeaveOut("t5", frozenset({"Google"}), runs)
    assert derivations.power_factors(lows, highs, google).dropped == (
        "1 other Google run not in the catalog",
    )
    # TPU v3: every measurement is Google's, so nothing is left for a Google row
    v3 = catalog.load("hardware", "tpu_v3").power_observations
    v3_runs = {r: frozenset({"Google"}) for r in TPU_V3}
    t5 = derivations.LeaveOut("t5", frozenset({"Google"}), v3_runs)
    with pytest.raises(derivations.DerivationError):
        derivations.device_power(v3, "tpu_v3", t5)
    # a run key alone still leaves out that run only: (289 + 288 + 245) / 3 = 274 W
    assert derivations.device_power(v3, "tpu_v3", "t5").values == (245, 274, 289)


def test_the_derivations_reproduce_todays_defaults():
    # MFU: median 46.2 % x mean factor (0.666 + 0.854) / 2 = 0.760 -> 35.1 % -> 0.35;
    # low: 21.3 % x 0.666 = 14.2 % -> 0.14; high: 55.2 % -> 0.55
    by_hand = (
        round(min(MFU.values()) * min(WHOLE_RUN.values()), 2),
        round(statistics.median(MFU.values()) * statistics.fmean(WHOLE_RUN.values()), 2),
        round(max(MFU.values()), 2),
    )
    assert by_hand == (0.14, 0.35, 0.55)
    compute = catalog.load("compute", "default")
    mfu = derivations.mfu(compute.mfu_observations, compute.whole_run_factor_observations)
    assert mfu.values == (0.14, 0.35, 0.55) == (compute.mfu_low, compute.mfu, compute.mfu_high)
    # power factors: the lowest ratio, Dodge et al.'s 281 W of 400 W = 0.703, rounded down to
    # a multiple of 0.05, 0.70; the highest, GPT-3's 1.10, up (it is one already)
    assert min(POWER_LOW.values()) == pytest.approx(0.7025, abs=5e-5)
    assert math.floor(min(POWER_LOW.values()) / 0.05) * 0.05 == pytest.approx(0.70)
    unc = catalog.load("uncertainty", "default")
    factors = derivations.power_factors(
        unc.tdp_power_low_observations, unc.tdp_power_high_observations
    )
    assert factors.values == (0.70, 1.10)
    assert factors.values == (unc.tdp_power_low_factor, unc.tdp_power_high_factor)
    # TPU v3: (310 + 289 + 288 + 245) / 4 = 283 W, 245-310 W; TPU v2: 664 / 3 = 221.3 -> 221 W
    for key, central, low, high in (("tpu_v3", 283, 245, 310), ("tpu_v2", 221, 208, 229)):
        hw = catalog.load("hardware", key)
        assert derivations.device_power(hw.power_observations, key).values == (low, central, high)
        assert (hw.power_low_w, hw.power_w, hw.power_high_w) == (low, central, high)


def test_rounding_is_outward_and_half_up():
    assert derivations.outward(1.10, 0.05, up=True) == 1.10  # 1.1 / 0.05 is 22.000000000000004
    assert derivations.outward(1.067, 0.05, up=True) == 1.10
    assert derivations.outward(0.857, 0.05, up=False) == 0.85
    assert derivations.outward(0.703, 0.05, up=False) == 0.70
    assert derivations.half_up(0.145, 2) == 0.15 and derivations.half_up(221.5, 0) == 222


def test_a_default_that_drifts_from_its_observations_is_refused():
    compute = catalog.load("compute", "default")
    unc = catalog.load("uncertainty", "default")
    evaluation.check_derivations(compute, unc)
    with pytest.raises(catalog.ConfigError, match=r"compute.mfu.*give 0.14, 0.35, 0.55"):
        evaluation.check_derivations(replace(compute, mfu=0.36), unc)
    with pytest.raises(catalog.ConfigError, match="tdp_power_high_factor"):
        evaluation.check_derivations(None, replace(unc, tdp_power_high_factor=1.2))


@pytest.fixture(scope="module")
def validation():
    catalog.use_search_path([])
    return tables.build_named("validation")


@pytest.fixture(scope="module")
def compute_table():
    catalog.use_search_path([])
    return tables.build_named("compute")


@pytest.fixture(scope="module")
def footprint():
    catalog.use_search_path([])
    return tables.build_named("footprint")


def by_model(table):
    return {r["model"]: r for r in table.rows}


def test_palm_is_predicted_with_an_mfu_derived_without_google(compute_table):
    # without Google's runs (PaLM and Gopher): median of the other seven 0.471 (OPT), factor
    # 0.854 alone (Llama 3.1 405B): 0.471 x 0.854 = 0.402 -> 0.40; low 0.213 x 0.854 = 0.182 ->
    # 0.18; high 0.552 -> 0.55
    others = [v for k, v in MFU.items() if OPERATOR[k] != "Google"]
    factors = [v for k, v in WHOLE_RUN.items() if OPERATOR[k] != "Google"]
    assert len(others) == 7 and statistics.median(others) == 0.471 and factors == [0.854]
    palm = by_model(compute_table)["palm_540b"]
    used = next(u for u in palm["oos_used"] if u["default"] == "compute.mfu")
    assert used["values"] == [0.18, 0.40, 0.55]
    assert not {"palm_540b", "gopher"} & set(used["runs"]) and "compute.mfu" in palm["left_out_of"]
    assert used["dropped"] == ["gopher", "palm_540b"]
    # PaLM's 2.56e24 FLOPs at 275 TFLOP/s per TPU v4 chip x 0.40, in hours
    assert palm["predicted_device_hours_oos"] == pytest.approx(2.56e24 / (275e12 * 0.40 * 3600))
    assert palm["predicted_device_hours"] == pytest.approx(2.56e24 / (275e12 * 0.35 * 3600))
    published = 6144 * 1200 + 3072 * 336  # PaLM Appendix B
    assert palm["device_hours_oos_error_pct"] == pytest.approx(
        (2.56e24 / (275e12 * 0.40 * 3600) - published) / published * 100
    )


def test_meta_rows_are_predicted_with_an_mfu_derived_without_meta(compute_table):
    # without Meta's LLaMA-65B, Llama 3.1 405B and OPT: MFUs 0.213, 0.325, 0.417, 0.462, 0.481,
    # 0.552, median (0.417 + 0.462) / 2 = 0.4395; factor PaLM's 0.666 alone: 0.293 -> 0.29;
    # low 0.213 x 0.666 = 0.142 -> 0.14; high 0.55
    others = [v for k, v in MFU.items() if OPERATOR[k] != "Meta"]
    assert statistics.median(others) == pytest.approx(0.4395)
    row = by_model(compute_table)["llama2_70b"]  # not itself an observation: Meta's are
    used = next(u for u in row["oos_used"] if u["default"] == "compute.mfu")
    assert used["values"] == [0.14, 0.29, 0.55]
    assert used["dropped"] == ["llama1_65b", "llama3_1_405b", "opt_175b"]
    # 6 x 70e9 x 2.0e12 = 8.4e23 FLOPs at 312 TFLOP/s (A100, bf16)
    assert row["predicted_device_hours"] == pytest.approx(8.4e23 / (312e12 * 0.35 * 3600))
    assert row["predicted_device_hours_oos"] == pytest.approx(8.4e23 / (312e12 * 0.29 * 3600))


def test_google_tpu_rows_are_in_sample_for_the_tpu_power(validation):
    """Every TPU measurement is Google's (Patterson et al.): with the operator left out nothing
    remains, so Google's TPU rows have no out-of-sample figure, and say why."""
    rows = by_model(validation)
    marks = {f["mark"]: f["text"] for f in validation.footnotes}
    for key, device in (
        ("t5", "tpu_v3"),
        ("meena", "tpu_v3"),
        ("gshard_600b", "tpu_v3"),
        ("switch_transformer", "tpu_v3"),
        ("evolved_transformer", "tpu_v2"),
    ):
        row = rows[key]
        assert f"hardware.{device}.power_w" in row["left_out_of"], key
        assert row["tdp_oos_t"] is None and row["tdp_oos_error_pct"] is None, key
        assert "Google" in row["in_sample_only"] and "in-sample for it" in row["in_sample_only"]
        assert any("Out of sample: none" in marks[m] for m in row["marks"]), key
    assert rows["t5"]["power_w"] == 283  # in-sample: (310 + 289 + 288 + 245) / 4
    used = next(u for u in rows["evolved_transformer"]["oos_used"] if "tpu_v2" in u["default"])
    assert used["dropped"] == ["evolved_transformer", "2 other Google runs not in the catalog"]


def operators_of_observation(o):
    """An observation's operators, from its run's model config or its own organization."""
    org = catalog.load("model", o.run).organization if o.run else o.organization
    return derivations.operators(org)


def expected_changes(table, interval=True, mfu=False):
    """The rows whose run, or a run of their operator, is among the observations of a default
    they use, or whose PUE was read from their own report or their operator's: found from the
    configs, not from the evaluation's output. A run known by its measured energy (in the
    validation table) uses no power figure."""
    compute = catalog.load("compute", "default")
    unc = catalog.load("uncertainty", "default")
    changed = set()
    for row in table.rows:
        key = row["model"]
        model = catalog.load("model", key)
        ops = derivations.operators(model.organization)

        def theirs(observations, key=key, ops=ops):
            return any(o.run == key or operators_of_observation(o) & ops for o in observations)

        def own_report(runs, key=key, ops=ops):
            return any(r == key or evaluation.operators_of(r) & ops for r in runs)

        choice = catalog.model_choice(key)
        hw = catalog.load("hardware", choice.hardware)
        region = catalog.load("region", choice.region)
        provider = catalog.load("provider", choice.provider)
        powered = table.name == "compute" or model.energy_kwh is None
        uses_factors = interval and hw.power_kind.value == "tdp" and hw.power_low_w is None
        factors = [*unc.tdp_power_low_observations, *unc.tdp_power_high_observations]
        mfus = [*compute.mfu_observations, *compute.whole_run_factor_observations]
        pue_set = row.get("pue_source") == "set on the command line"
        own_pue = False
        if not pue_set:
            own_pue = any(own_report(e.from_reports) for e in region.pue_years)
            own_pue |= own_report(region.pue_from_reports)
            own_pue |= own_report(provider.pue_from_reports)
        if (
            (powered and uses_factors and theirs(factors))
            or (powered and theirs(hw.power_observations))
            or (mfu and theirs(mfus))
            or own_pue
        ):
            changed.add(key)
    return changed


def test_leave_one_out_changes_exactly_the_rows_whose_runs_are_in_a_derivation(
    validation, compute_table
):
    moved = {r["model"] for r in validation.rows if r["left_out_of"]}
    assert moved == expected_changes(validation)
    assert {"t5", "meena", "gshard_600b", "switch_transformer", "evolved_transformer"} <= moved
    assert {"gpt3", "llama2_34b"} <= moved  # the power factors' own runs
    # and their operators' other rows: Meta's (Llama 2 34B's 0.875) and Ai2's (OLMo 2 7B's 0.857,
    # Dodge et al.'s 0.703)
    assert {"llama2_70b", "llama1_7b", "llama4_scout", "olmo_dev_13b"} <= moved
    assert not {"granite3_8b", "idefics_80b", "stable_diffusion_v1", "bloom"} & moved
    for row in validation.rows:
        if row["model"] not in moved:  # nothing derived from it: the same estimate
            assert row["tdp_oos_t"] == row["tdp_t"], row["model"]
    moved = {r["model"] for r in compute_table.rows if r["left_out_of"]}
    assert moved == expected_changes(compute_table, interval=False, mfu=True)
    for row in compute_table.rows:
        if "compute.mfu" not in row["left_out_of"]:
            assert row["predicted_device_hours_oos"] == row["predicted_device_hours"]


def test_no_default_is_evaluated_on_its_own_run(validation, compute_table, footprint):
    """Every row's out-of-sample figures used derivations that exclude that row's run, and no
    PUE read from its own report."""
    for table in (validation, compute_table, footprint):
        for row in table.rows:
            key = row["model"]
            ops = evaluation.operators_of(key)
            for used in row["oos_used"]:
                assert key not in used["runs"], (table.name, key, used)
                # nor a run of its operator
                assert not any(evaluation.operators_of(r) & ops for r in used["runs"]), (key, used)
            choice = catalog.model_choice(key)
            region = catalog.load("region", choice.region)
            provider = catalog.load("provider", choice.provider)
            own = any(key in e.from_reports for e in region.pue_years)
            own |= key in region.pue_from_reports
            independent = [e for e in region.pue_years if key not in e.from_reports]
            if own and not independent and row.get("pue_source") != "set on the command line":
                pue = [u for u in row["oos_used"] if u["default"] == "pue"]
                assert row["in_sample_only"] or pue[-1]["from"] == "pue_disclosures", key
            if key in provider.pue_from_reports and not region.pue_years:
                assert row["in_sample_only"] or any(
                    u.get("from") == "pue_disclosures" for u in row["oos_used"]
                ), key
    # Meta's PUE is its own fleet disclosure (1.08, Meta 2024 Sustainability Report), not the
    # LLaMA papers' 1.10: nothing of Llama 2 70B's report to replace
    meta = by_model(validation)["llama2_70b"]
    assert meta["pue"] == 1.08 and meta["tdp_oos_t"] == meta["tdp_t"]
    olmo = by_model(compute_table)["olmo2_7b"]  # Jupiter's PUE is the study's own: no other
    assert olmo["in_sample_only"] and olmo["error_oos_pct"] is None


def test_the_statistics_are_the_rows_own(validation, compute_table):
    compared = [r for r in validation.rows if r["comparable"]]
    oos = [r for r in compared if r["tdp_oos_error_pct"] is not None]
    s = validation.summary["tdp"]
    assert s["in_sample"]["median_ape_pct"] == pytest.approx(
        statistics.median(abs(r["tdp_error_pct"]) for r in compared)
    )
    assert s["out_of_sample"]["mean_ape_pct"] == pytest.approx(
        sum(abs(r["tdp_oos_error_pct"]) for r in oos) / len(oos)
    )
    assert s["out_of_sample"]["n_covered"] == sum(
        r["emissions_t_low"] is not None
        and r["tdp_oos_interval"][0] <= r["reported_emissions_t"] <= r["tdp_oos_interval"][1]
        for r in oos
    )
    groups = compute_table.summary["device_hours"]["groups"]
    mfu_operators = {OPERATOR[k] for k in [*MFU, *WHOLE_RUN]}
    inside = [
        r
        for r in compute_table.rows
        if r["counted"]
        and (
            r["model"] in set(MFU) | set(WHOLE_RUN)
            or evaluation.operators_of(r["model"]) & mfu_operators
        )
    ]
    # every Llama and LLaMA row is Meta's; DeepSeek-V3 and Falcon-180B alone are the others'
    others = [r["model"] for r in compute_table.rows if r["counted"] and r not in inside]
    assert others == ["deepseek_v3", "falcon_180b"]
    assert groups["in_mfu_derivation"]["in_sample"]["n"] == len(inside)
    assert groups["in_mfu_derivation"]["out_of_sample"]["median_ape_pct"] == pytest.approx(
        statistics.median(abs(r["device_hours_oos_error_pct"]) for r in inside)
    )


def test_published_columns_hold_published_figures_only(validation, compute_table):
    rows = by_model(compute_table)
    for key, figure in (("gpt3", 3_552_000), ("nemotron4_340b", 13_000_940), ("opt_175b", 809_472)):
        row = rows[key]
        assert row["published_device_hours"] is None and row["derived_device_hours"] == figure
        assert not row["counted"] and row["device_hours_error_pct"] is None
        assert "not published" in row["not_counted_because"]
    assert rows["gpt3"]["device_hours_kind"] == "derived"
    assert rows["opt_175b"]["device_hours_kind"] == "assumed"
    counted = [r for r in compute_table.rows if r["counted"]]
    assert all(r["device_hours_kind"] == "published" for r in counted)
    assert compute_table.summary["n_compared"] == len(counted)
    md = outputs.render_table(compute_table, "markdown")
    assert "LLaMA authors' assumption" in md and "Derived or assumed" in md
    gpt3 = by_model(validation)["gpt3"]
    marks = {f["mark"]: f["text"] for f in validation.footnotes}
    assert any("Device-hours not published (derived)" in marks[m] for m in gpt3["marks"])


def test_footprint_says_which_checks_reproduce_a_studys_arithmetic(footprint):
    rows = by_model(footprint)
    assert rows["bloom"]["embodied_compared_on"] == evaluation.STUDY_INPUTS
    assert rows["gpt3"]["water_compared_on"] == evaluation.STUDY_INPUTS
    # OLMo 2's water is compared on Morrison et al.'s measured energy and water factors: their
    # arithmetic again (13B differs only by carbonspec's us-central1 PUE), not a validation
    assert rows["olmo2_7b"]["water_compared_on"] == evaluation.STUDY_INPUTS
    assert sorted(footprint.summary["reproduces_arithmetic"]) == [
        "bloom:embodied", "gpt3:water", "olmo2_13b:water", "olmo2_7b:water"
    ]  # fmt: skip
    assert footprint.summary["independent"] == []
    md = outputs.render_table(footprint, "markdown")
    assert "reproduces the study's arithmetic" in md
    # OLMo 2 13B on the study's own assumption, no on-site water: off-site water only
    olmo = rows["olmo2_13b"]
    assert olmo["water_onsite_l"] == 0
    assert olmo["water_l"] == pytest.approx(olmo["water_offsite_l"])
    assert olmo["wue_l_per_kwh"] == 0.0
    assert olmo["ewif_l_per_kwh"] == 3.10 or olmo["ewif_l_per_kwh"] == pytest.approx(3.1, 0.01)


def classified_conf(root: Path, classes: dict[str, str | None]) -> Path:
    """A user's config folder with packaged models classified (as the data of the models will
    be), and a validation table of just those runs. The copies are named ``my_<model>``: Hydra
    looks a model up in the packaged configs before a user's folders, so a copy of the same
    name would never be read."""
    conf = root / "userconf"
    (conf / "model").mkdir(parents=True)
    (conf / "table").mkdir(parents=True)
    for key, cls in classes.items():
        text = (CONF / "model" / f"{key}.yaml").read_text()
        # the packaged classification goes; the fixture's (if any) takes its place
        text = re.sub(r"\n    method_class(_source)?: [^\n]*", "", text)
        if cls is not None:
            block = (
                f"\n  reported:\n    method_class: {cls}\n"
                f"    method_class_source: 'test fixture: {cls}'\n"
            )
            text = text.replace("\n  reported:\n", block, 1)
        (conf / "model" / f"my_{key}.yaml").write_text(text)
    rows = "".join(f"  - model: my_{key}\n" for key in classes)
    (conf / "table" / "mine.yaml").write_text(
        "kind: validation\ncaption: Mine\n"
        "columns: [model, class, reported, tdp, tdp_error, covered, tdp_oos_error, covered_oos]\n"
        f"rows:\n{rows}"
    )
    return conf


CLASSES = {
    "llama2_70b": "operator_formula",
    "llama2_13b": "operator_formula",
    "t5": "measured",  # in-sample only: TPU v3's power comes only from Google's runs
    "olmo2_13b": "measured",
    "olmo_7b_twin": "measured",
    "bloom": "life_cycle",
    "gpt3": None,
}


def test_classes_and_their_statistics_in_markdown_and_json(cli, tmp_path):
    conf = classified_conf(tmp_path, CLASSES)
    result = cli(f"hydra.searchpath=[file://{conf}]", "table=mine", "format=json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    rows = {r["model"].removeprefix("my_"): r for r in out["rows"]}
    assert {k: r["method_class"] for k, r in rows.items()} == {
        k: v or "unclassified" for k, v in CLASSES.items()
    }
    by_class = out["summary"]["by_class"]
    assert set(by_class) == {
        "operator_formula", "measured", "life_cycle", "unclassified", "not_operator_formula",
    }  # fmt: skip
    measured = [rows[k] for k in ("t5", "olmo2_13b", "olmo_7b_twin")]
    stats = by_class["measured"]
    assert stats["in_sample"]["n"] == 3
    assert stats["in_sample"]["median_ape_pct"] == pytest.approx(
        statistics.median(abs(r["tdp_error_pct"]) for r in measured)
    )
    assert rows["t5"]["tdp_oos_error_pct"] is None  # left out of the out-of-sample columns
    assert stats["out_of_sample"]["n"] == 2
    assert stats["out_of_sample"]["mean_ape_pct"] == pytest.approx(
        sum(abs(r["tdp_oos_error_pct"]) for r in measured[1:]) / 2
    )
    assert stats["in_sample"]["n_covered"] == sum(r["covered"] == "yes" for r in measured)
    independent = by_class["not_operator_formula"]["in_sample"]
    assert independent["n"] == 4  # measured and life cycle; not the unclassified GPT-3
    md = cli(f"hydra.searchpath=[file://{conf}]", "table=mine").stdout
    assert re.search(r"\| Llama 2 70B.*\| operator formula", md)
    assert re.search(r"\| T5-11B.*\| measured", md)
    assert re.search(r"\| GPT-3 175B.*\| unclassified", md)
    assert re.search(r"\| Measured \(\w+\) +\| +3 \|", md)  # the per-class table
    assert "Out of sample" in md or "out of sample" in md


def test_an_unknown_method_class_is_refused_in_one_line(cli, tmp_path):
    conf = classified_conf(tmp_path, {"t5": "guesswork"})
    result = cli(f"hydra.searchpath=[file://{conf}]", "table=mine")
    assert result.returncode == 2
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "method_class" in line and "'guesswork'" in line
    assert all(c in line for c in evaluation.METHOD_CLASSES)


def test_every_packaged_classification_and_kind_is_valid():
    for key in catalog.options("model"):
        model = catalog.load("model", key)
        assert evaluation.method_class(key, model.reported) in evaluation.CLASS_ORDER
        assert evaluation.device_hours_kind(key, model) in evaluation.DEVICE_HOURS_KINDS


def test_the_statistics_table_follows_in_latex(validation):
    tex = outputs.render_table(validation, "latex", "column")
    assert tex.count(r"\caption{") == 2 and r"\label{tab:validation-by-class}" in tex
    assert math.isfinite(validation.summary["tdp"]["out_of_sample"]["median_ape_pct"])


def test_runs_known_by_their_energy_alone_by_hand(validation):
    """OLMo 7B Twin, OLMo 1B and OLMoE, compared on their published energy (no device-hours):
    the OLMo paper's 104 MWh of GPU energy before PUE; Morrison et al.'s 30 and 54 MWh with
    Jupiter's PUE 1.2 in them (30 x 0.332 = 9.96 -> 10 t; 54 x 0.332 = 17.9 -> 18 t)."""
    rows = by_model(validation)
    aus = catalog.load("region", "country-aus")
    g_aus = next(e.g_per_kwh for e in aus.grid_years if e.year == 2023)  # the run's year
    jupiter = catalog.load("region", "ai2-jupiter")
    g_tex = next(e.g_per_kwh for e in jupiter.grid_years if e.year == 2023)  # 2024 is projected
    private_pue = catalog.load("provider", "private").pue  # no PUE published for the site: 1.58
    assert private_pue == 1.58 and g_tex == 388.76
    twin = rows["olmo_7b_twin"]
    assert twin["tdp_t"] == pytest.approx(104_000 * 1.58 * g_aus / 1e6)
    assert twin["tdp_error_pct"] == pytest.approx((104_000 * 1.58 * g_aus / 1e6 - 70) / 70 * 100)
    # the report's PUE 1.1 is its own assumption, not used: the row is out of sample as it is
    assert twin["in_sample_only"] is None and twin["tdp_oos_t"] == twin["tdp_t"]
    assert twin["method_class"] == "measured" and twin["comparable"]
    for key, mwh, published in (("olmo_1b", 30, 10), ("olmoe_0924", 54, 18)):
        row = rows[key]
        assert row["energy_scope"] == "facility" and row["pue"] == 1.2
        assert row["tdp_t"] == pytest.approx(mwh * 1000 * g_tex / 1e6)  # no PUE added
        assert row["tdp_error_pct"] == pytest.approx(
            (mwh * g_tex / 1000 - published) / published * 100
        )
        # Jupiter's PUE is the report's own and is in the energy: in-sample only
        assert row["in_sample_only"] and row["tdp_oos_error_pct"] is None


def test_google_sites_take_googles_fleet_pue_of_the_runs_year(validation):
    """Where a Google site's PUE is Patterson et al.'s own (Table 4), the out-of-sample estimate
    takes Google's fleet disclosure of the run's year: 2017's 1.11 for a 2018 run (no 2018
    figure held: the nearest earlier year), 1.10 for 2019 and 2020."""
    gcp = {e.year: e.value for e in catalog.load("provider", "gcp").pue_disclosures}
    assert gcp[2017] == 1.11 and 2018 not in gcp and gcp[2019] == gcp[2020] == 1.10
    rows = by_model(validation)
    for key, pue in (("evolved_transformer", 1.11), ("meena", 1.10), ("switch_transformer", 1.10)):
        used = [u for u in rows[key]["oos_used"] if u["default"] == "pue"]
        assert used == [{"default": "pue", "values": [pue], "runs": [], "from": "pue_disclosures"}]
