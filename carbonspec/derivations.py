"""Defaults derived from published runs, and the same derivations with one run left out.

Some of carbonspec's defaults are read off published training runs: the MFU of device-hours from
compute, the power factors of the interval, a TPU's measured power. Their configs list those
observations (value, source, and the run each describes); the rules here turn them into the
default. Evaluating a run against a default derived from that same run would check the run
against itself, so carbonspec.evaluation re-derives each default without the run it evaluates
(``leave_out``).

Pure arithmetic: nothing here reads a config. The rules are the ones the configs state in words
(``mfu_rule``, ``tdp_power_rule``, the hardware's power sources); tests check that they give the
configs' own numbers from all the observations.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from carbonspec.schema import Observation

FACTOR_STEP = 0.05  # power factors are rounded outward to a multiple of this


class DerivationError(ValueError):
    """Too few observations are left to derive a default."""


@dataclass(frozen=True)
class Derived:
    """A default as derived: its value(s), the catalog runs among the observations it used, and
    the run left out (None when every observation was used or none was that run's)."""

    name: str
    values: tuple[float, ...]
    runs: tuple[str, ...]
    left_out: str | None = None


def kept(observations: Sequence[Observation], leave_out: str | None) -> list[Observation]:
    """The observations that are not the left-out run's."""
    return [o for o in observations if leave_out is None or o.run != leave_out]


def half_up(value: float, places: int) -> float:
    """Rounded as a reader rounds by hand: ties up (0.145 -> 0.15)."""
    step = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP))


def outward(value: float, step: float, up: bool) -> float:
    """Rounded down (or up) to a multiple of ``step``, so that the rounded bound keeps the value
    inside; a value already on a multiple stays (1.10 stays 1.10, not 1.15)."""
    units = value / step
    nearest = round(units)
    if math.isclose(units, nearest, rel_tol=0, abs_tol=1e-9):
        units = nearest
    whole = math.ceil(units) if up else math.floor(units)
    return half_up(whole * step, 6)


def _left(observations: Sequence[Observation], used: Sequence[Observation], leave_out: str | None):
    return leave_out if len(used) < len(observations) else None


def _runs(*groups: Sequence[Observation]) -> tuple[str, ...]:
    return tuple(sorted({o.run for group in groups for o in group if o.run}))


def _values(observations: Sequence[Observation], what: str) -> list[float]:
    if not observations:
        raise DerivationError(f"no {what} left to derive from")
    return [o.value for o in observations]


def mfu(
    mfu_observations: Sequence[Observation],
    factor_observations: Sequence[Observation],
    leave_out: str | None = None,
) -> Derived:
    """MFU over a whole run (low, central, high): the median reported (steady-state) MFU times
    the mean whole-run factor; low, the lowest MFU times the lowest factor; high, the highest MFU
    (steady state, so an upper bound). Each to 2 decimals, ties up."""
    mfus = kept(mfu_observations, leave_out)
    factors = kept(factor_observations, leave_out)
    m = _values(mfus, "MFU observation")
    f = _values(factors, "whole-run factor observation")
    values = (
        half_up(min(m) * min(f), 2),
        half_up(statistics.median(m) * statistics.fmean(f), 2),
        half_up(max(m), 2),
    )
    left = _left(mfu_observations, mfus, leave_out)
    left = left or _left(factor_observations, factors, leave_out)
    return Derived("compute.mfu", values, _runs(mfus, factors), left)


def power_factors(
    low_observations: Sequence[Observation],
    high_observations: Sequence[Observation],
    leave_out: str | None = None,
) -> Derived:
    """The interval's power factors for a TDP (low, high): the lowest measured/TDP ratio rounded
    down to a multiple of 0.05, the highest rounded up; 1.0 (TDP itself) where no observation
    is left."""
    lows = kept(low_observations, leave_out)
    highs = kept(high_observations, leave_out)
    low = outward(min(o.value for o in lows), FACTOR_STEP, up=False) if lows else 1.0
    high = outward(max(o.value for o in highs), FACTOR_STEP, up=True) if highs else 1.0
    left = _left(low_observations, lows, leave_out) or _left(high_observations, highs, leave_out)
    return Derived("uncertainty.tdp_power_factors", (low, high), _runs(lows, highs), left)


def device_power(
    observations: Sequence[Observation], name: str, leave_out: str | None = None
) -> Derived:
    """A device's measured power (low, central, high) from runs measured on it: their mean to
    the whole watt (ties up), their lowest and their highest."""
    used = kept(observations, leave_out)
    watts = _values(used, f"{name} power measurement")
    values = (min(watts), half_up(statistics.fmean(watts), 0), max(watts))
    return Derived(name, values, _runs(used), _left(observations, used, leave_out))
