"""Every number a config or the command line can set has a declared range (carbonspec.bounds),
is checked on every path, and every estimate that passes the check is sane: nothing negative,
the total at least the operational figure, every interval around its central value."""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carbonspec import bounds, catalog, core
from carbonspec.estimation import Run, estimate
from carbonspec.schema import Method, Settings

# -- every numeric field of every schema has a range ---------------------------------------------


def schema_numeric_paths(kind: Any, prefix: str) -> list[str]:
    """The numeric fields of a schema, walked from its dataclass types (not from bounds.py)."""
    paths = []
    for name, hint in catalog.field_types(kind).items():
        inner = catalog.non_optional(hint)
        path = f"{prefix}.{name}" if prefix else name
        if getattr(inner, "__origin__", None) is list:
            (inner,) = inner.__args__
            path += "[]"
        if catalog.field_types(inner) is not None:
            paths += schema_numeric_paths(inner, path)
        elif inner in (int, float):
            paths.append(path)
    return paths


SCHEMA_PATHS = sorted(
    [p for group, kind in catalog.SCHEMAS.items() for p in schema_numeric_paths(kind, group)]
    + schema_numeric_paths(Settings, "")
)


def test_every_numeric_schema_field_has_a_declared_range():
    # a field added to schema.py without a range in bounds.py fails here, and so does a range
    # left behind for a field that no longer exists
    assert len(SCHEMA_PATHS) >= 68  # 68 today
    assert sorted(bounds.numeric_paths()) == SCHEMA_PATHS
    for path in SCHEMA_PATHS:
        assert isinstance(bounds.bound_of(path), bounds.Bound), path


def test_every_range_triple_names_numeric_fields_in_order():
    for group, triples in bounds.TRIPLES.items():
        for triple in triples:
            ranges = [bounds.bound_of(f"{group}.{name}") for name in triple]
            assert all(ranges) and len({(r.low, r.high) for r in ranges}) == 1, triple


@pytest.mark.parametrize("group", sorted(catalog.SCHEMAS))
def test_every_packaged_config_is_within_its_ranges(group):
    for name in catalog.options(group):
        obj = catalog.load_fast(group, name)
        if group == "region" and obj.requires_input:
            continue  # custom: its intensity is the user's to give (Hydra's ???)
        bounds.check(group, obj)


@pytest.mark.parametrize(
    ("bound", "rule"),
    [
        (bounds.UNCERTAINTY["tdp_power_low_factor"], "greater than 0 and at most 1"),
        (bounds.TRAINING_YEAR, "a whole number between 2010 and 2035"),
        (bounds.POWER, "greater than 0 and at most 100,000 W"),
        (bounds.MODEL["device_hours"], "greater than 0 and at most 1e12"),
        (bounds.LIFETIME, "between 0.5 and 20 years"),
        (bounds.SHARE_PCT, "between 0 and 100 %"),
    ],
)
def test_ranges_read_as_a_person_writes_them(bound, rule):
    assert bound.rule == rule


def test_a_huge_integer_is_echoed_by_its_first_digits_only():
    err = core.InputError("model.devices", 9 * 10**4999, "must be small")
    assert str(err) == "model.devices must be small (got 900000000000... (5,000 digits))"
    assert "(400 digits)" in str(core.InputError("x", -(10**399), "must be small"))


# -- every value of every field: refused by name, or a sane estimate ------------------------------


def base_runs() -> list[Run]:
    """Runs that between them use every field: reported device-hours on a TPU with a measured
    power range in a region with yearly grid, PUE and WUE figures; device-hours from compute on
    a V100 (TDP, no published device footprint) at a site with no PUE, WUE or water-intensity
    figure (the defaults); the calculator's method; and a provider with PUE disclosures."""
    uncertainty = catalog.load_fast("uncertainty", "default")
    assumptions = {
        g: catalog.load_fast(g, "default") for g in ("embodied", "water", "compute", "power")
    }
    gpt3 = catalog.load_fast("model", "gpt3")

    def run(model, hardware: str, region: str, **kw: Any) -> Run:
        provider = catalog.region_provider(region)
        return Run(
            "gpt3", model, hardware, catalog.load_fast("hardware", hardware),
            region, kw.pop("region_obj", catalog.load_fast("region", region)),
            provider, catalog.load_fast("provider", provider), uncertainty,
            **assumptions, **kw,
        )  # fmt: skip

    no_hours = replace(gpt3, device_hours=None, devices=None, hours=None)
    unlisted = replace(catalog.load_fast("region", "coreweave-las1"), iso3=None, state=None)
    return [
        run(gpt3, "tpu_v3", "aws-us-east-1"),
        run(no_hours, "v100_sxm2_32gb", "coreweave-las1", region_obj=unlisted),
        run(gpt3, "v100_sxm2_32gb", "aws-us-east-1", method=Method.calculator, grid="calculator"),
        # a provider that lists its own PUE disclosures (the evaluation's out-of-sample PUE)
        run(gpt3, "tpu_v3", "gcp-us-central1"),
    ]


BASES = base_runs()


def set_field(obj: Any, parts: list[str], value: Any) -> Any:
    """obj with the field at parts set to value (in every entry of a list); None where the
    object has no such field to set (an empty list, a missing nested object)."""
    name, rest = parts[0], parts[1:]
    if name.endswith("[]"):
        entries = getattr(obj, name[:-2])
        if not entries:
            return None
        changed = [set_field(entry, rest, value) for entry in entries]
        return replace(obj, **{name[:-2]: changed})
    if not rest:
        return replace(obj, **{name: value})
    inner = getattr(obj, name)
    changed = set_field(inner, rest, value) if inner is not None else None
    return None if changed is None else replace(obj, **{name: changed})


def with_value(run: Run, path: str, value: Any) -> Run | None:
    if "." not in path:  # a top-level setting: pue=...
        return replace(run, **{path: value})
    group, *rest = path.split(".")
    changed = set_field(getattr(run, group), rest, value)
    return None if changed is None else replace(run, **{group: changed})


class Digits(int):
    """An integer of so many digits (negative: its negative), drawn as its length: Python will
    not write out one of more than 4,300 digits, and hypothesis reports what it draws."""

    def __repr__(self) -> str:
        return f"Digits({int(self)})"

    def value(self) -> int:
        n = int(self)
        return 9 * 10 ** (abs(n) - 1) * (1 if n > 0 else -1)


def inside(bound: bounds.Bound) -> st.SearchStrategy:
    if bound.whole:
        return st.integers(int(bound.low), int(bound.high))
    return st.floats(bound.low, bound.high, exclude_min=bound.low_open)


def outside(bound: bounds.Bound) -> st.SearchStrategy:
    below = st.floats(max_value=bound.low, exclude_max=not bound.low_open, allow_nan=False)
    above = st.floats(min_value=bound.high, exclude_min=True, allow_nan=False)
    special = st.sampled_from(
        [math.nan, math.inf, -math.inf, -1, 0, True, Digits(400), Digits(-400), Digits(5000)]
    ).filter(lambda v: isinstance(v, bool | Digits) or not (bound.low <= v <= bound.high))
    if bound.low_open:
        special = st.one_of(special, st.just(bound.low))
    choices = [below, above, special]
    if bound.whole:  # a fraction inside the range
        choices.append(st.integers(int(bound.low), int(bound.high) - 1).map(lambda n: n + 0.5))
    return st.one_of(choices)


# the results that only a computation can reach (a device with a tiny peak makes device-hours
# beyond any run): refused naming the result, which is no field
DERIVED = ("device-hours from compute", "energy", "emissions", "the interval")
NON_NEGATIVE = (
    "energy_kwh", "emissions_kg", "emissions_t", "emissions_t_low", "emissions_t_high",
    "market_based_emissions_t", "cleanest_region_emissions_t", "device_hours",
    "device_hours_low", "device_hours_high", "compute_device_hours", "embodied_emissions_t",
    "embodied_emissions_t_low", "embodied_emissions_t_high", "total_emissions_t",
    "total_emissions_t_low", "total_emissions_t_high", "water_onsite_l", "water_offsite_l",
    "water_l", "water_l_low", "water_l_high",
)  # fmt: skip
INTERVALS = ("emissions_t", "embodied_emissions_t", "total_emissions_t", "water_l", "device_hours")


def assert_sane(result: dict[str, Any]) -> None:
    for key in NON_NEGATIVE:
        value = result[key]
        assert value is None or (math.isfinite(value) and value >= 0), (key, value)
    for key in INTERVALS:
        central, low, high = result[key], result.get(f"{key}_low"), result.get(f"{key}_high")
        if low is not None and high is not None:
            assert low <= central <= high, (key, low, central, high)
    if result["total_emissions_t"] is not None:
        for end in ("", "_low", "_high"):
            assert result[f"total_emissions_t{end}"] >= result[f"emissions_t{end}"], end


def field_named(err: core.InputError) -> str:
    return re.sub(r"\[\d+\]", "[]", str(err))


# top-level options that are not inputs of an estimate (codecarbon's ranks_per_node): their
# range is checked where they are read (tests/test_codecarbon.py)
RUN_PATHS = [p for p in bounds.numeric_paths() if "." in p or p in Run.__dataclass_fields__]


@pytest.mark.parametrize("path", RUN_PATHS)
@settings(
    max_examples=14, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(data=st.data())
def test_any_value_of_any_field_is_refused_by_name_or_gives_a_sane_estimate(path, data):
    bound = bounds.bound_of(path)
    settable = [b for b in BASES if with_value(b, path, 0) is not None]
    assert settable, f"no base run has {path} to set"
    in_range = data.draw(st.booleans(), label="in range")
    value = data.draw(inside(bound) if in_range else outside(bound), label=path)
    base = data.draw(st.sampled_from(settable), label="base run")
    if isinstance(value, Digits):
        value = value.value()
    run = with_value(base, path, value)
    try:
        result = estimate(run)
    except core.InputError as err:
        message = field_named(err)
        if in_range:  # only an order (low <= central <= high) or a derived result may object
            assert path in message.split(" must hold")[0] or message.startswith(DERIVED), message
        else:
            assert message.startswith(f"{path} must be "), message
            assert "e-324" not in message and len(message) < 200, message
        return
    assert in_range, f"{path}={value!r} was accepted"
    assert_sane(result)


# -- a handful through the command line: the ends of ranges are accepted, and sane ---------------

ENDS = [
    ["model=gpt3", "embodied.lifetime_low_years=0.5"],
    ["model=gpt3", "embodied.lifetime_high_years=20", "embodied.lifetime_years=20"],
    ["model=gpt3", "embodied.utilisation_low=0.01"],
    ["model=gpt3", "region=coreweave-las1", "water.wue_high=20", "water.ewif_low=0"],
    ["model=gpt3", "region.offset_ratio=100"],
    ["model=gpt3", "model.training_year=2035"],
    ["model=llama2_70b", "provider.renewable_matching_pct=0"],
    ["model=gpt3", "model.device_hours=null", "model.hours=null", "compute.mfu_low=0.001"],
    ["model=gpt3", "hardware=tpu_v3", "hardware.power_low_w=100", "hardware.power_high_w=1e5"],
]


@pytest.mark.parametrize("args", ENDS, ids=lambda a: " ".join(a[1:]))
def test_the_ends_of_a_range_are_accepted_from_the_command_line(args, cli):
    result = cli(*args, "format=json")
    assert result.returncode == 0, result.stderr
    assert_sane(json.loads(result.stdout))
