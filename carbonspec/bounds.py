"""The allowed range of every number a config or the command line can set, and their one checker.

Every numeric field of every config schema (carbonspec.schema) is declared here with its range,
by its path from the group (``region.grid_years[].g_per_kwh``), and so are the ranges that must
be ordered low <= central <= high (``embodied.utilisation_low <= embodied.utilisation <=
embodied.utilisation_high``). A test walks the schemas and fails for a numeric field declared
nowhere, so a field added later cannot go unchecked.

The ranges are plausibility bounds, not sourced figures: each admits every real run and every
figure in the catalog (a test checks every packaged config against them) and refuses what can
only be a typo, a unit slip or a value that makes a result negative or divides by zero. Where
the catalog's own figures are quoted, they are what conf/ holds today.

Pure: plain objects in, core.InputError out; nothing here imports Hydra or reads files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from carbonspec import core


@dataclass(frozen=True)
class Bound:
    """A closed range [low, high] (or (low, high] with low_open), in a unit, with why."""

    low: float
    high: float
    unit: str = ""
    why: str = ""
    low_open: bool = False  # the low end itself is refused (a power of 0 W)
    whole: bool = False  # integers only (a count, a year)

    def admits(self, value: float) -> bool:
        # int and float compare exactly in Python, so a 5,000-digit integer is simply too large
        # (no conversion to float, which would overflow); NaN compares false and is refused.
        above_low = self.low < value if self.low_open else self.low <= value
        if not (above_low and value <= self.high):
            return False
        return not self.whole or isinstance(value, int) or float(value).is_integer()

    @property
    def rule(self) -> str:
        """The range as a reader says it: 'between 0.5 and 20 years'."""
        kind = "a whole number " if self.whole else ""
        unit = f" {self.unit}" if self.unit else ""
        if self.low_open:
            return f"{kind}greater than {human(self.low)} and at most {human(self.high)}{unit}"
        return f"{kind}between {human(self.low)} and {human(self.high)}{unit}"


def human(x: float) -> str:
    """A bound as a person writes it: 0.5, 2035, 100,000, 1e12 (not 1e+12 nor 4.94066e-324)."""
    if abs(x) >= 1e6:
        mantissa, exponent = f"{x:e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
    if float(x).is_integer():
        return f"{int(x):,}" if abs(x) >= 10_000 else str(int(x))  # 2010, 2000 W
    return f"{x:g}"


# -- the ranges -----------------------------------------------------------------------------------

PUE = Bound(
    1.0, core.MAX_PUE,
    why="facility energy over IT energy: below 1 is impossible; the worst sites surveyed are near"
    " 2.5, the catalog's figures 1.04-1.63",
)  # fmt: skip
POWER = Bound(
    0.0, core.MAX_POWER_W, "W", low_open=True,
    why="one device with its share of the server; the catalog's largest is 1,000 W (B200)",
)  # fmt: skip
PEAK_TFLOPS = Bound(
    0.1, 1e6, "TFLOPS",
    why="dense peak of one device; the catalog's figures are 18.7-4,500, and a peak near 0 makes"
    " the device-hours from compute infinite",
)  # fmt: skip
DEVICE_KG = Bound(
    0.0, 1e5, "kg CO2eq", low_open=True,
    why="manufacturing footprint of one device; the catalog's figures are 150-284 kg, and a"
    " negative one would make the total smaller than the operational figure",
)  # fmt: skip
INTENSITY = Bound(
    0.0, core.MAX_INTENSITY_G_PER_KWH, "g/kWh",
    why="0 for an all-renewable or nuclear grid; coal-only plants emit ~1,000-1,100, so 2,000 is"
    " above any grid on record",
)  # fmt: skip
SHARE_PCT = Bound(
    0.0, 100.0, "%",
    why="a share of the run's electricity: a provider matching or offsetting more than 100 %"
    " claims nothing more for this run, and more would make the market-based figure negative",
)  # fmt: skip
WUE = Bound(
    0.0, 20.0, "L/kWh",
    why="on-site water consumed per kWh of IT energy; the catalog's site figures are 0-2.75 and"
    " the default's range 0-9",
)  # fmt: skip
EWIF = Bound(
    0.0, 100.0, "L/kWh",
    why="water consumed by the power plants per kWh; the catalog's figures are 1.29-9.5",
)  # fmt: skip
DATA_YEAR = Bound(
    2000, 2035, whole=True,
    why="the year a grid, PUE or WUE figure describes; the catalog's series start in 2009, and a"
    " year beyond 2035 is not yet data",
)  # fmt: skip
TRAINING_YEAR = Bound(
    2010, 2035, whole=True,
    why="accelerator training at scale starts around 2012 (AlexNet) and the catalog's grid series"
    " in 2009; its runs are 2018-2024; a planned run may lie a few years ahead, 1800 or 2300 is a"
    " typo",
)  # fmt: skip
PAPER_YEAR = Bound(1950, 2100, whole=True, why="bibliographic only: the year a paper carries")
EMISSIONS_T = Bound(
    0.0, 1e9, "t",
    why="a published 0 exists (OLMo 7B on LUMI's renewable grid); the catalog's largest is"
    " ~11,000 t, 1e9 t is beyond any training run",
)  # fmt: skip
LITRES = Bound(0.0, core.MAX_QUANTITY, "L", why="published water; the catalog's largest is 5.4e6 L")
LIFETIME = Bound(
    0.5, 20.0, "years",
    why="the years a device is in service; the default assumes 4-6 (conf/embodied), accelerators"
    " are retired after a few years: under half a year or beyond 20 is a typo",
)  # fmt: skip
UTILISATION = Bound(
    0.01, 1.0,
    why="the share of its lifetime a device is busy: at most all of it; 0 would divide by zero",
)  # fmt: skip
MFU = Bound(
    0.001, 1.0,
    why="model FLOPs utilisation, a share of the peak; the default's range is 0.14-0.55; 0 would"
    " divide by zero, a negative one give negative device-hours",
)  # fmt: skip

MEASURED_SPREAD = Bound(
    0.0, 0.9,
    why="a +/- share of a measured energy (a meter's or a sensor's stated accuracy); below 1 keeps"
    " the low end positive",
)  # fmt: skip
MEMORY_W_PER_GB = Bound(
    0.0, 10.0, "W/GB",
    why="host memory's power per GB installed: Green Algorithms' figure is 0.3725 and a proposed"
    " correction 0.08; DRAM never draws watts per GB",
)  # fmt: skip

HARDWARE: dict[str, Any] = {
    "power_w": POWER,
    "calculator_power_w": POWER,  # the same cap: the calculator's figure is a power too
    "tdp_w": POWER,
    "power_low_w": POWER,
    "power_high_w": POWER,
    "peak_tflops_bf16": PEAK_TFLOPS,
    "peak_tflops_fp16": PEAK_TFLOPS,
    "peak_tflops_fp8": PEAK_TFLOPS,
    "embodied_kg": DEVICE_KG,
    # measured averages a power figure is derived from (conf/hardware/tpu_v3.yaml)
    "power_observations": [{"value": POWER}],
}
PROVIDER: dict[str, Any] = {
    "pue": PUE,
    "pue_low": PUE,
    "pue_high": PUE,
    "pue_year": DATA_YEAR,
    "renewable_matching_pct": SHARE_PCT,
    "wue": WUE,
    "wue_year": DATA_YEAR,
    "pue_disclosures": [{"year": DATA_YEAR, "value": PUE}],
}
REGION: dict[str, Any] = {
    "carbon_intensity": INTENSITY,
    "carbon_intensity_year": DATA_YEAR,
    "offset_ratio": SHARE_PCT,  # the calculator's offsetRatio, a percentage
    "pue": PUE,
    # lists of entries: each entry's fields
    "grid_years": [{"year": DATA_YEAR, "g_per_kwh": INTENSITY, "production_g_per_kwh": INTENSITY}],
    "pue_years": [{"year": DATA_YEAR, "value": PUE}],
    "wue_years": [{"year": DATA_YEAR, "value": WUE}],
}
MODEL: dict[str, Any] = {
    "devices": Bound(
        1,
        core.MAX_DEVICES,
        whole=True,
        why="accelerators in one run; the catalog's largest is 57,000",
    ),
    "device_hours": Bound(
        0.0,
        core.MAX_DEVICE_HOURS,
        low_open=True,
        why="the catalog's largest is 1.4e8 TPU-hours (Epoch AI's speculative Gemini Ultra)",
    ),
    "hours": Bound(0.0, core.MAX_HOURS, low_open=True, why="wall-clock hours; 1e6 is 114 years"),
    "training_year": TRAINING_YEAR,
    "parameters": Bound(
        0.0, 1e15, low_open=True, why="the catalog's largest model has 1.5e12 parameters"
    ),
    "active_parameters": Bound(0.0, 1e15, low_open=True, why="per token, for a mixture of experts"),
    "tokens": Bound(0.0, 1e17, low_open=True, why="the catalog's largest run saw 4e13 tokens"),
    "flops": Bound(0.0, 1e30, low_open=True, why="the catalog's largest run is 3.8e25 FLOPs"),
    "mfu": MFU,
    # nested objects: their fields
    "paper": {"year": PAPER_YEAR},
    "reported": {"emissions_t": EMISSIONS_T, "alternatives": [{"emissions_t": EMISSIONS_T}]},
    "published_footprint": {"embodied_t": EMISSIONS_T, "water_onsite_l": LITRES, "water_l": LITRES},
    "energy_kwh": Bound(
        0.0,
        1e12,
        "kWh",
        low_open=True,
        why="a measured energy; the catalog's largest is OLMo 2 13B's 257,000 kWh, and 1e12 kWh is"
        " several times the world's yearly electricity",
    ),
    "energy_spread": MEASURED_SPREAD,
}
EMBODIED: dict[str, Any] = {
    "lifetime_years": LIFETIME,
    "lifetime_low_years": LIFETIME,
    "lifetime_high_years": LIFETIME,
    "utilisation": UTILISATION,
    "utilisation_low": UTILISATION,
    "utilisation_high": UTILISATION,
    "server_kg": Bound(
        0.0, 1e6, "kg CO2eq", why="a host server's footprint (default 2,500 kg); 0 leaves it out"
    ),
    "devices_per_server": Bound(
        1, 1000, whole=True, why="accelerators sharing one server (8 in the default)"
    ),
    "default_device_kg": DEVICE_KG,
    "default_device_low_kg": DEVICE_KG,
    "default_device_high_kg": DEVICE_KG,
}
WATER: dict[str, Any] = {
    "default_wue": WUE,
    "wue_low": WUE,
    "wue_high": WUE,
    "ewif": [{"l_per_kwh": EWIF}],
    "ewif_default": EWIF,
    "ewif_low": EWIF,
    "ewif_high": EWIF,
}
WHOLE_RUN_FACTOR = Bound(
    0.0, 1.0, low_open=True,
    why="the share of a steady-state MFU a whole run keeps (downtime, restarts): at most all of it",
)  # fmt: skip
COMPUTE: dict[str, Any] = {
    "mfu": MFU,
    "mfu_low": MFU,
    "mfu_high": MFU,
    "mfu_observations": [{"value": MFU}],
    "whole_run_factor_observations": [{"value": WHOLE_RUN_FACTOR}],
}
POWER_CONF: dict[str, Any] = {  # conf/power: the whole server, measured energy
    "memory_w_per_gb": MEMORY_W_PER_GB,
    "memory_w_per_gb_low": MEMORY_W_PER_GB,
    "measured_spread": MEASURED_SPREAD,
    "host_w": Bound(
        0.0,
        core.MAX_POWER_W,
        "W",
        why="the host's share per accelerator; 0 counts none (a measured share may be tiny)",
    ),
    "hosts": [
        {
            "devices": Bound(1, 1000, whole=True, why="accelerators in one server (8 in a DGX)"),
            "cpu_count": Bound(0, 64, whole=True, why="CPU sockets in one server (2 in a DGX)"),
            "cpu_tdp_w": Bound(
                0.0, 5000.0, "W", why="one CPU's TDP; today's largest server CPUs are ~500 W"
            ),
            "memory_gb": Bound(
                0.0, 1e5, "GB", why="a server's memory; the catalog's largest is 2,048 GB"
            ),
            "system_max_w": Bound(
                0.0,
                1e6,
                "W",
                low_open=True,
                why="a system's rated maximum input power; DGX H100 is 10,200 W",
            ),
        }
    ],
}
UNCERTAINTY: dict[str, Any] = {
    "tdp_power_low_factor": Bound(
        0.0, 1.0, low_open=True, why="a device draws at most its TDP on average; 0 W is no run"
    ),
    "tdp_power_high_factor": Bound(
        1.0, 3.0, why="above TDP (the host's share, boost); three times it is no longer TDP"
    ),
    "measured_power_spread": Bound(
        0.0, 0.9, why="a +/- share of a measured average; below 1 keeps the low end positive"
    ),
    "unknown_pue_high": PUE,
    # the ratios of measured (or whole-server) power to TDP the factors are derived from
    "tdp_power_low_observations": [
        {"value": Bound(0.0, 1.0, low_open=True, why="a measured average at or below TDP")}
    ],
    "tdp_power_high_observations": [
        {"value": Bound(1.0, 3.0, why="power per device at or above TDP (the host's share)")}
    ],
}
GROUPS: dict[str, dict[str, Any]] = {
    "hardware": HARDWARE,
    "provider": PROVIDER,
    "region": REGION,
    "model": MODEL,
    "embodied": EMBODIED,
    "water": WATER,
    "compute": COMPUTE,
    "uncertainty": UNCERTAINTY,
    "power": POWER_CONF,
}
SETTINGS: dict[str, Bound] = {  # the top-level options of conf/config.yaml
    "pue": PUE,
    "ranks_per_node": Bound(
        1,
        1024,
        whole=True,
        why="codecarbon: rows of one node measured by every rank; nodes have at most a few dozen"
        " accelerators",
    ),
}

# low <= central <= high, checked after each field's own range; a missing (None) one is skipped.
TRIPLES: dict[str, tuple[tuple[str, ...], ...]] = {
    "hardware": (("power_low_w", "power_w", "power_high_w"),),
    "provider": (("pue_low", "pue", "pue_high"),),
    "embodied": (
        ("lifetime_low_years", "lifetime_years", "lifetime_high_years"),
        ("utilisation_low", "utilisation", "utilisation_high"),
        ("default_device_low_kg", "default_device_kg", "default_device_high_kg"),
    ),
    "water": (("wue_low", "default_wue", "wue_high"), ("ewif_low", "ewif_default", "ewif_high")),
    "compute": (("mfu_low", "mfu", "mfu_high"),),
    "power": (("memory_w_per_gb_low", "memory_w_per_gb"),),
}

Spec = Bound | dict[str, Any] | list[dict[str, Any]]


def bound_of(path: str) -> Bound | None:
    """The range of a field by its dotted path (``embodied.lifetime_years``, ``pue``); None for
    a path that names no declared number (a list entry's field is ``region.grid_years[].year``)."""
    group, _, rest = path.partition(".")
    if not rest:
        return SETTINGS.get(group)
    spec: Any = GROUPS.get(group)
    for part in rest.split("."):
        listed = part.endswith("[]")
        if not isinstance(spec, dict):
            return None
        spec = spec.get(part.removesuffix("[]"))
        if listed:
            spec = spec[0] if isinstance(spec, list) else None
    return spec if isinstance(spec, Bound) else None


# -- the checker ----------------------------------------------------------------------------------

_checked: dict[int, object] = {}  # id -> the object itself (so that the id is not reused)
_MEMO_SIZE = 4096


def check(group: str, obj: object) -> None:
    """Every declared number of a group's typed object in range, and its ranges ordered; raises
    core.InputError naming the field and the allowed range.

    Checked once per object: a table or a by-region run estimates the same catalog objects
    thousands of times. The typed objects are never changed in place (every variation is a
    dataclasses.replace, a new object), so an object that passed once passes again.
    """
    if _checked.get(id(obj)) is obj:
        return
    _walk(group, obj, GROUPS[group])
    for triple in TRIPLES.get(group, ()):
        _check_order(group, obj, triple)
    if len(_checked) >= _MEMO_SIZE:
        _checked.clear()
    _checked[id(obj)] = obj


def check_setting(name: str, value: object) -> None:
    """A top-level option (pue=...): None means not set."""
    if value is not None:
        check_value(name, SETTINGS[name], value)


def check_value(path: str, bound: Bound, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise core.InputError(path, value, "must be a number")
    if not bound.admits(value):
        raise core.InputError(path, value, f"must be {bound.rule}")


def _walk(prefix: str, obj: object, spec: dict[str, Any]) -> None:
    for name, rule in spec.items():
        value = getattr(obj, name)
        if value is None:
            continue  # optional and not given; a use that needs it says it is missing
        path = f"{prefix}.{name}"
        if isinstance(rule, Bound):
            check_value(path, rule, value)
        elif isinstance(rule, list):
            for i, entry in enumerate(value):
                _walk(f"{path}[{i}]", entry, rule[0])
        else:
            _walk(path, value, rule)


def _check_order(group: str, obj: object, names: tuple[str, ...]) -> None:
    given = [(f"{group}.{n}", getattr(obj, n)) for n in names if getattr(obj, n) is not None]
    values = [v for _, v in given]
    if all(a <= b for a, b in zip(values, values[1:], strict=False)):
        return
    chain = " <= ".join(path for path, _ in given)
    shown = ", ".join(f"{v:g}" for v in values)
    raise core.InputError(
        chain, None, f"must hold (got {shown}): set the range with the value it must contain"
    )


def numeric_paths() -> list[str]:
    """Every declared numeric field, as ``group.field`` (``group.list[].field`` for entries)."""
    paths: list[str] = []

    def walk(prefix: str, spec: Spec) -> None:
        if isinstance(spec, Bound):
            paths.append(prefix)
        elif isinstance(spec, list):
            walk(f"{prefix}[]", spec[0])
        else:
            for name, inner in spec.items():
                walk(f"{prefix}.{name}" if prefix else name, inner)

    for group, spec in GROUPS.items():
        walk(group, spec)
    paths += list(SETTINGS)
    return paths
