"""The arithmetic rules, checked on numbers worked out by hand from the calculator's rules."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonspec import core


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (0.125, 0.13),  # exact in binary: a true tie, JavaScript rounds it up
        (1.005, 1.0),  # stored as 1.00499999999999989...: rounds down, as toFixed does
        (2.675, 2.67),  # stored below the tie too
        (0.565, 0.56),  # 565/1000 as a double is 0.56499999999999994671...
        (0.5663, 0.57),
        (596736.0, 596736.0),
        (4902.912, 4902.91),
    ],
)
def test_js_to_fixed2_rounds_the_exact_binary_value(x, expected):
    assert core.js_to_fixed2(x) == expected


def test_js_to_fixed2_differs_from_python_round_on_ties():
    assert round(0.125, 2) == 0.12  # banker's rounding
    assert core.js_to_fixed2(0.125) == 0.13


def test_parse_int_truncates():
    assert core.js_parse_int(566.3) == 566
    assert core.js_parse_int(424.5) == 424


@pytest.mark.parametrize(
    ("x", "printed"),
    [
        (31.60598, "31.6"),
        (596.736, "597"),
        (447.552, "448"),
        (2618.81856, "2,619"),
        (14324.328, "14,324"),
        (0.00672, "0.00672"),
        (4.902912, "4.90"),
        (0.043776, "0.0438"),
    ],
)
def test_three_significant_figures_keep_integer_digits(x, printed):
    assert f"{core.round_significant(x):,}" == printed


def test_agreement_with_printed_values():
    assert core.agrees_with_printed(596.736, "597") == "rounded"
    assert core.agrees_with_printed(447.552, "447") == "truncated"
    assert core.agrees_with_printed(69.12, "691") is None
    assert core.agrees_with_printed(2618.8, "2,619") == "rounded"


def test_calculator_deepseek_by_hand():
    # 2,664,000 h x 400 W = 1,065,600 kWh; asia-east1 557 g -> 0.56 kg; 596,736 kg
    fp = core.calculator_footprint(400, 2_664_000, impact_g_per_kwh=557)
    assert fp.energy_kwh == 1_065_600
    assert fp.intensity_kg_per_kwh == 0.56
    assert fp.emissions_kg == 596_736


def test_calculator_truncates_before_rounding_intensity():
    # us-central1 566.3 g -> parseInt 566 -> 0.566 -> toFixed 0.57
    assert core.calculator_footprint(1000, 1, impact_g_per_kwh=566.3).intensity_kg_per_kwh == 0.57
    # ord1 424.5 -> 424 -> 0.42 (not 0.43, which rounding 424.5 first would give)
    assert core.calculator_footprint(1000, 1, impact_g_per_kwh=424.5).intensity_kg_per_kwh == 0.42


def test_calculator_custom_intensity_is_used_as_typed():
    # BLOOM in the seed: 57 g x PUE 1.28 = 72.96 g -> 0.07296 kg, not rounded to 0.07
    fp = core.calculator_footprint(400, 1_082_990, custom_kg_per_kwh=0.07296)
    assert fp.energy_kwh == 433_196
    assert fp.emissions_kg == 31_605.98


def test_tdp_footprint_has_no_intermediate_rounding():
    fp = core.tdp_footprint(700, 1000, 1.1, 430)
    assert fp.energy_kwh == pytest.approx(770.0)
    assert fp.emissions_kg == pytest.approx(331.1)


def test_counterfactual_uses_truncated_lowest_impact():
    assert core.calculator_counterfactual_kg(1000, 34.5) == 34.0


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: core.require_positive("model.device_hours", -5), "model.device_hours"),
        (lambda: core.require_positive("hardware.power_w", 0), "hardware.power_w"),
        (lambda: core.require_pue("pue", 0.9), "pue"),
        (lambda: core.require_intensity("region.carbon_intensity", -1), "region.carbon_intensity"),
        (
            lambda: core.require_intensity("region.carbon_intensity", 2001),
            "region.carbon_intensity",
        ),
        (lambda: core.device_hours_of(None, None, None), "model.device_hours"),
        (lambda: core.device_hours_of(None, 8, None), "model.hours"),
    ],
)
def test_bad_numbers_name_their_field(call, field):
    with pytest.raises(core.InputError) as err:
        call()
    assert str(err.value).startswith(field)


def test_devices_times_hours():
    assert core.device_hours_of(None, 8, 125) == 1000


positive = st.floats(min_value=1e-3, max_value=1e7, allow_nan=False)
ranges = st.tuples(positive, positive, positive)


@given(power=ranges, hours=positive, pue=st.tuples(*[st.floats(1.0, 3.0)] * 3), grid=ranges)
def test_interval_is_ordered(power, hours, pue, grid):
    i = core.footprint_interval(power, hours, pue, grid)
    assert i.low <= i.central * (1 + 1e-12) and i.central <= i.high * (1 + 1e-12)


def test_mape():
    assert core.mean_absolute_percent_error([10.0, -20.0]) == 15.0
    assert core.mean_absolute_percent_error([]) is None
    assert core.percent_error(110, 100) == pytest.approx(10.0)
    assert Decimal("1") == core.round_significant(1.0)
