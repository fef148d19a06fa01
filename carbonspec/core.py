"""The arithmetic of a training-run estimate: units, formulas and rounding rules.

Pure functions on plain numbers. Nothing here imports Hydra or reads files, so every rule can be
tested directly and reused by the CLI, the tables and the sweeps alike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext
from typing import Protocol, TypeVar

W_PER_KW = 1000.0
G_PER_KG = 1000.0
KG_PER_T = 1000.0
MAX_INTENSITY_G_PER_KWH = 2000.0  # above any grid on record (coal-only plants are ~1,000-1,100)
# Bounds that no real input reaches; beyond them a number is a typo, not a run.
MAX_PUE = 3.0
MAX_DEVICES = 1e8  # accelerators in one run
MAX_HOURS = 1e6  # wall-clock hours (114 years)
MAX_DEVICE_HOURS = 1e12  # the largest published run is ~3e7
MAX_POWER_W = 1e5  # one device, with its share of the server
MAX_QUANTITY = 1e15
CONSISTENCY = 0.10  # devices x hours may differ from device-hours by this share (rounding)


class InputError(ValueError):
    """A number the user (or a config) gave is missing or out of range; names the field."""

    def __init__(self, field: str, value: object, rule: str) -> None:
        got = "" if value is None else f" (got {shown(value)})"
        super().__init__(f"{field} {rule}{got}")
        self.field = field
        self.value = value


def shown(value: object) -> str:
    """A value as an error message echoes it: short, and safe for any integer (Python refuses
    to write out one of more than 4,300 digits)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**20:
        magnitude = abs(value)
        digits = math.floor((magnitude.bit_length() - 1) * math.log10(2)) + 1
        digits += magnitude >= 10**digits  # the estimate is exact or one short
        leading = magnitude // 10 ** (digits - 12)
        return f"{'-' if value < 0 else ''}{leading}... ({digits:,} digits)"
    if isinstance(value, float) and value and not 1e-6 <= abs(value) < 1e15:
        return f"{value:.6g}"  # 1e+15, not 1000000000000000.0
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


class NotEstimable(InputError):
    """Nothing to estimate here (no run length published, no grid figure for the site): in a
    sweep such a job is skipped, not failed."""


# -- rounding rules -------------------------------------------------------------------------------


def js_to_fixed2(x: float) -> float:
    """JavaScript's ``Number(x.toFixed(2))``, which the ML CO2 Impact calculator applies.

    toFixed rounds the *exact binary value* of the double, ties away from zero: 0.125 is exact in
    binary and becomes 0.13, while 1.005 is stored as 1.00499999999999989... and becomes 1.00.
    Python's round() rounds ties to even, so Decimal(x), which is exact, is quantized instead.
    """
    return float(Decimal(x).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def js_parse_int(x: float) -> int:
    """JavaScript's parseInt on a positive number: drops the fraction (566.3 -> 566)."""
    return math.trunc(x)


def round_significant(x: float, digits: int = 3) -> Decimal:
    """Round to ``digits`` significant figures, but never into the integer digits.

    This is how the seed paper prints tonnes: 31.6, 447, 0.00672, and 2,619 (not 2,620).
    Ties go up (half-up), as a reader rounding by hand would.
    """
    if x == 0:
        return Decimal(0)
    integer_digits = math.floor(math.log10(abs(x))) + 1
    places = max(digits - integer_digits, 0)
    with localcontext() as ctx:  # room for every integer digit of a large number
        ctx.prec = max(ctx.prec, integer_digits + places + 1)
        return Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def agrees_with_printed(computed: float, printed: str) -> str | None:
    """How a printed number relates to a computed one, at the printed precision.

    Returns "rounded" if the printed value is the computed one rounded half-up, "truncated" if it
    is the computed one with its extra digits cut off, and None when it is neither.
    """
    printed_value = Decimal(printed.replace(",", ""))
    quantum = Decimal(1).scaleb(printed_value.as_tuple().exponent)
    exact = Decimal(repr(computed))
    if exact.quantize(quantum, rounding=ROUND_HALF_UP) == printed_value:
        return "rounded"
    if exact.quantize(quantum, rounding=ROUND_DOWN) == printed_value:
        return "truncated"
    return None


# -- checks ---------------------------------------------------------------------------------------


def require_number(field: str, value: object, low: float, high: float, rule: str) -> float:
    """A finite number within [low, high]; anything else fails naming the field and the range."""
    if value is None:
        raise InputError(field, value, "is missing")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(field, value, "must be a number")
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any float
        raise InputError(field, value, f"must be {rule}") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise InputError(field, value, f"must be {rule}")
    return number


def require_positive(field: str, value: float | None, high: float = MAX_QUANTITY) -> float:
    return require_number(field, value, math.ulp(0.0), high, f"greater than 0 and at most {high:g}")


def require_pue(field: str, value: float | None) -> float:
    """PUE between 1.0 (no overhead) and 3.0 (the worst sites surveyed are near 2.5)."""
    return require_number(
        field, value, 1.0, MAX_PUE, f"between 1.0 and {MAX_PUE:.1f} (below 1 is impossible)"
    )


def require_intensity(field: str, value: float | None) -> float:
    return require_number(
        field, value, 0.0, MAX_INTENSITY_G_PER_KWH,
        f"between 0 and {MAX_INTENSITY_G_PER_KWH:g} g/kWh",
    )  # fmt: skip


def require_count(field: str, value: float | None) -> float:
    count = require_positive(field, value, MAX_DEVICES)
    if not count.is_integer():
        raise InputError(field, value, "must be a whole number")
    return count


def require_fraction(field: str, value: float | None, low: float, high: float) -> float:
    return require_number(field, value, low, high, f"between {low:g} and {high:g}")


def require_finite_result(name: str, value: float | None) -> None:
    """A result too large for a float: the inputs multiply beyond any real run."""
    if value is not None and not math.isfinite(value):
        raise InputError(name, None, "is too large to compute: check the inputs' magnitudes")


def superseded(given: set[str]) -> set[str]:
    """Of a run's device_hours, devices and hours, the ones a user's own figures replace: one
    follows from the other two, so the one the user did not give is dropped (device_hours=1000
    alone drops the config's hours, keeping its device count to show)."""
    if "device_hours" in given:
        if "hours" not in given:
            return {"hours"}
        return set() if "devices" in given else {"devices"}
    if "hours" in given:
        return {"device_hours"}
    return {"hours"} if "devices" in given else set()


def device_hours_of(
    device_hours: float | None, devices: float | None, hours: float | None
) -> float:
    """Cumulative device-hours: given directly, or devices x wall-clock hours; when all three
    are given they must agree (within 10 %: published hours are often rounded)."""
    if devices is not None:
        require_count("model.devices", devices)
    if hours is not None:
        require_positive("model.hours", hours, MAX_HOURS)
    if device_hours is not None:
        given = require_positive("model.device_hours", device_hours, MAX_DEVICE_HOURS)
        if devices is not None and hours is not None:
            product = devices * hours
            if abs(product - given) > CONSISTENCY * given:
                raise InputError(
                    "model.device_hours",
                    device_hours,
                    f"disagrees with model.devices x model.hours = {devices:g} x {hours:g}"
                    f" = {product:g}: give device_hours, or devices and hours",
                )
        return given
    if devices is None or hours is None:  # no run length published: nothing to estimate
        missing = (
            "model.device_hours"
            if devices is None and hours is None
            else ("model.hours" if hours is None else "model.devices")
        )
        raise NotEstimable(missing, None, "is missing (give model.device_hours, or model.devices"
                           " and model.hours)")  # fmt: skip
    total = require_count("model.devices", devices) * require_positive(
        "model.hours", hours, MAX_HOURS
    )
    return require_positive("model.devices x model.hours", total, MAX_DEVICE_HOURS)


def nearest_year(available: list[int], wanted: int | None) -> tuple[int, str | None]:
    """The year of data to use for ``wanted``, and a note when it is not that year.

    The year itself if there is data for it; else the nearest earlier one (data describe the past,
    so a later year would use a grid the run never saw); else, when every figure is later, the
    earliest. ``wanted=None`` asks for the latest.
    """
    if not available:
        raise ValueError("no years to choose from")
    years = sorted(set(available))
    if wanted is None:
        return years[-1], None
    if wanted in years:
        return wanted, None
    earlier = [y for y in years if y < wanted]
    if earlier:
        return earlier[
            -1
        ], f"no figure for {wanted}; the nearest earlier year, {earlier[-1]}, is used"
    return years[0], f"no figure for {wanted} or before; the earliest, {years[0]}, is used"


class Yearly(Protocol):
    year: int


Y = TypeVar("Y", bound=Yearly)


def entry_for_year(entries: Sequence[Y], wanted: int | None) -> tuple[Y, str | None]:
    """The entry of a yearly series (grid figures, PUE, WUE) that nearest_year picks, and its
    note."""
    year, note = nearest_year([e.year for e in entries], wanted)
    return next(e for e in entries if e.year == year), note


# -- formulas -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Footprint:
    """Energy drawn and CO2eq emitted by one run, as a method computed them."""

    energy_kwh: float
    intensity_kg_per_kwh: float  # the factor actually multiplied in
    emissions_kg: float

    @property
    def emissions_t(self) -> float:
        return self.emissions_kg / KG_PER_T


def calculator_footprint(
    power_w: float,
    device_hours: float,
    *,
    impact_g_per_kwh: float | None = None,
    custom_kg_per_kwh: float | None = None,
) -> Footprint:
    """The ML CO2 Impact calculator (Lacoste et al. 2019), bit for bit.

    A listed region's intensity is truncated to whole g/kWh, then turned into kg/kWh rounded to
    two decimals; a custom intensity is used as typed. Energy and CO2 are each rounded like
    toFixed(2). No PUE: the page asks users to multiply by it themselves.
    """
    energy = js_to_fixed2(power_w * device_hours / W_PER_KW)
    if custom_kg_per_kwh is not None:
        intensity = custom_kg_per_kwh
    elif impact_g_per_kwh is not None:
        intensity = js_to_fixed2(js_parse_int(impact_g_per_kwh) / G_PER_KG)
    else:
        raise InputError("region.carbon_intensity", None, "is missing")
    return Footprint(energy, intensity, js_to_fixed2(energy * intensity))


def calculator_counterfactual_kg(energy_kwh: float, lowest_impact_g_per_kwh: float) -> float:
    """What the calculator shows for the provider's cleanest region (no rounding of intensity)."""
    return js_to_fixed2(energy_kwh * js_parse_int(lowest_impact_g_per_kwh) / G_PER_KG)


def facility_energy_kwh(power_w: float, device_hours: float, pue: float) -> float:
    """energy = power x device-hours x PUE (the facility's, overhead included)."""
    return power_w * device_hours / W_PER_KW * pue


def tdp_footprint(
    power_w: float, device_hours: float, pue: float, intensity_g_per_kwh: float
) -> Footprint:
    """energy = power x device-hours x PUE; emissions = energy x intensity. No rounding."""
    energy = facility_energy_kwh(power_w, device_hours, pue)
    intensity = intensity_g_per_kwh / G_PER_KG
    return Footprint(energy, intensity, energy * intensity)


def percent_error(estimate: float, reference: float) -> float:
    """Signed error of an estimate against a reference, in % of the reference."""
    return (estimate - reference) / reference * 100.0


def mean_absolute_percent_error(errors_pct: list[float]) -> float | None:
    return sum(abs(e) for e in errors_pct) / len(errors_pct) if errors_pct else None


@dataclass(frozen=True)
class Interval:
    low: float
    central: float
    high: float


Range = tuple[float, float, float]  # low, central, high


def ordered(r: Range) -> Range:
    """A (low, central, high) range with low <= central <= high, whichever order a source gave."""
    low, central, high = r
    return min(low, central), central, max(high, central)


def footprint_interval(
    power_w: Range, device_hours: Range | float, pue: Range, intensity_g_per_kwh: Range
) -> Interval:
    """Low-central-high emissions (kg) from (low, central, high) ranges of each factor.

    Emissions grow with every factor, so the bounds are the products of the bounds. Each range
    is sorted first, so a source that lists its bounds in either order still gives low <= high.
    Device-hours are a range when they come from compute (the utilisation is uncertain).
    """
    hours = device_hours if isinstance(device_hours, tuple) else (device_hours,) * 3
    p, h, u, c = ordered(power_w), ordered(hours), ordered(pue), ordered(intensity_g_per_kwh)
    bounds = [tdp_footprint(p[i], h[i], u[i], c[i]).emissions_kg for i in range(3)]
    return Interval(*bounds)


# -- beyond the electricity's CO2: the hardware's embodied carbon and water -----------------------

HOURS_PER_YEAR = 8760.0
SECONDS_PER_HOUR = 3600.0


def embodied_kg(
    device_hours: float,
    device_kg: float,
    server_kg: float,
    devices_per_server: float,
    lifetime_years: float,
    utilisation: float,
) -> float:
    """The share of the hardware's manufacturing footprint a run uses up (Luccioni et al. 2023):
    (device + its share of a server) x device-hours / (lifetime in hours x utilisation)."""
    per_device = device_kg + server_kg / devices_per_server
    return per_device * device_hours / (lifetime_years * HOURS_PER_YEAR * utilisation)


def water_litres(
    energy_kwh: float, pue: float, wue_l_per_kwh: float, ewif_l_per_kwh: float
) -> tuple[float, float]:
    """(on-site, off-site) water of a run whose facility energy is energy_kwh (Li et al. 2023):
    cooling water per kWh of IT energy, and the water the power plants consume per kWh drawn."""
    return energy_kwh / pue * wue_l_per_kwh, energy_kwh * ewif_l_per_kwh


def training_flops(active_parameters: float, tokens: float) -> float:
    """About 6 FLOPs per parameter per token, forward and backward (Kaplan et al. 2020, 2.1).

    Off when attention dominates (long contexts relative to the model's width), when teachers'
    forward passes are part of the run (distillation), or when recomputation is counted (then
    the hardware's FLOPs exceed the model's); for a mixture of experts, count active parameters.
    """
    return 6.0 * active_parameters * tokens


def device_hours_from_flops(flops: float, peak_tflops: float, mfu: float) -> float:
    """Device-hours for FLOPs at a share mfu of the device's peak dense throughput."""
    return flops / (peak_tflops * 1e12 * mfu * SECONDS_PER_HOUR)
