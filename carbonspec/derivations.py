"""Defaults derived from published runs, and the same derivations with one run left out.

Some of carbonspec's defaults are read off published training runs: the MFU of device-hours from
compute, the power factors of the interval, a TPU's measured power. Their configs list those
observations (value, source, and the run each describes); the rules here turn them into the
default. Evaluating a run against a default derived from that same run would check the run
against itself, so carbonspec.evaluation re-derives each default without the run it evaluates,
and without every observation of a run by the same operator (``LeaveOut``): an operator's runs
share its sites, meters, servers and habits, so its other runs are no independent test.

Pure arithmetic: nothing here reads a config. The rules are the ones the configs state in words
(``mfu_rule``, ``tdp_power_rule``, the hardware's power sources); tests check that they give the
configs' own numbers from all the observations.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from carbonspec.schema import Observation

FACTOR_STEP = 0.05  # power factors are rounded outward to a multiple of this


class DerivationError(ValueError):
    """Too few observations are left to derive a default."""


# One operator under several names: the organizations of model configs and observations, as
# their sources spell them, mapped to the operators whose runs they are. A name not listed is its
# own operator. A joint run belongs to each of its operators.
OPERATOR_NAMES: dict[str, tuple[str, ...]] = {
    "Allen Institute for AI": ("Ai2",),
    "Ai2": ("Ai2",),
    "AI2": ("Ai2",),
    # Dodge et al. 2022 measured their runs on Azure, as Ai2 and Microsoft authors
    "Allen Institute for AI / Microsoft (Dodge et al. 2022)": ("Ai2", "Microsoft"),
    "Meta AI": ("Meta",),
    "Meta": ("Meta",),
    # DeepMind ran Gopher on Google's TPUs in Google's datacenters (Rae et al. 2021), so Google
    # measured its power as it did its own runs'
    "DeepMind (Google)": ("Google",),
    "Google DeepMind": ("Google",),
    "Google": ("Google",),
    # BigScience (BLOOM) and BigCode (StarCoder) were open collaborations that Hugging Face led
    "BigScience (Hugging Face et al.)": ("Hugging Face",),
    "BigCode (Hugging Face, ServiceNow)": ("Hugging Face", "ServiceNow"),
    "Hugging Face": ("Hugging Face",),
    "ByteDance, Peking University": ("ByteDance", "Peking University"),
}


def operators(organization: str | None) -> frozenset[str]:
    """The operators an organization's name stands for (empty where none is given)."""
    name = (organization or "").strip()
    if not name:
        return frozenset()
    return frozenset(OPERATOR_NAMES.get(name, (name,)))


@dataclass(frozen=True)
class LeaveOut:
    """What a derivation leaves out for the row it evaluates: the row's own run, and every
    observation of a run by one of the row's operators (a catalog run's operators are in
    ``run_operators``; an observation of a run not in the catalog names its organization)."""

    run: str
    operators: frozenset[str] = frozenset()
    run_operators: Mapping[str, frozenset[str]] = field(default_factory=dict, hash=False)

    def drops(self, o: Observation) -> bool:
        if o.run is not None and o.run == self.run:
            return True
        theirs = self.run_operators.get(o.run, frozenset()) if o.run else operators(o.organization)
        return bool(theirs & self.operators)


@dataclass(frozen=True)
class Derived:
    """A default as derived: its value(s), the catalog runs among the observations it used, the
    run left out (None when every observation was used or none was that run's or its
    operator's), and the observations so dropped (their runs, or organizations)."""

    name: str
    values: tuple[float, ...]
    runs: tuple[str, ...]
    left_out: str | None = None
    dropped: tuple[str, ...] = ()


def as_leave_out(leave_out: LeaveOut | str | None) -> LeaveOut | None:
    """A run key alone leaves out that run only (no operator)."""
    return LeaveOut(leave_out) if isinstance(leave_out, str) else leave_out


def kept(
    observations: Sequence[Observation], leave_out: LeaveOut | str | None
) -> list[Observation]:
    """The observations that are neither the left-out run's nor its operator's."""
    out = as_leave_out(leave_out)
    return [o for o in observations if out is None or not out.drops(o)]


def dropped(leave_out: LeaveOut | str | None, *groups: Sequence[Observation]) -> tuple[str, ...]:
    """The observations a derivation drops, for a footnote: their runs, and for runs not in the
    catalog how many of each organization's."""
    out = as_leave_out(leave_out)
    if out is None:
        return ()
    gone = [o for group in groups for o in group if out.drops(o)]
    runs = sorted({o.run for o in gone if o.run})
    others: dict[str, int] = {}
    for o in gone:
        if not o.run:
            name = (o.organization or "unnamed").strip()
            others[name] = others.get(name, 0) + 1
    return (
        *runs,
        *(
            f"{n} other {name} run{'s' if n > 1 else ''} not in the catalog"
            for name, n in sorted(others.items())
        ),
    )


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


def _left(
    observations: Sequence[Observation],
    used: Sequence[Observation],
    leave_out: LeaveOut | str | None,
) -> str | None:
    out = as_leave_out(leave_out)
    return out.run if out is not None and len(used) < len(observations) else None


def _runs(*groups: Sequence[Observation]) -> tuple[str, ...]:
    return tuple(sorted({o.run for group in groups for o in group if o.run}))


def _values(observations: Sequence[Observation], what: str) -> list[float]:
    if not observations:
        raise DerivationError(f"no {what} left to derive from")
    return [o.value for o in observations]


def mfu(
    mfu_observations: Sequence[Observation],
    factor_observations: Sequence[Observation],
    leave_out: LeaveOut | str | None = None,
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
    gone = dropped(leave_out, mfu_observations, factor_observations)
    return Derived("compute.mfu", values, _runs(mfus, factors), left, gone)


def power_factors(
    low_observations: Sequence[Observation],
    high_observations: Sequence[Observation],
    leave_out: LeaveOut | str | None = None,
) -> Derived:
    """The interval's power factors for a TDP (low, high): the lowest measured/TDP ratio rounded
    down to a multiple of 0.05, the highest rounded up; 1.0 (TDP itself) where a side has no
    observation at all. A side whose every observation is left out cannot be derived
    (DerivationError): 1.0 there would be another rule, not the same one without the run."""
    lows = kept(low_observations, leave_out)
    highs = kept(high_observations, leave_out)
    for side, given, left in (("low", low_observations, lows), ("high", high_observations, highs)):
        if given and not left:
            raise DerivationError(f"no {side} power-factor observation left to derive from")
    low = outward(min(o.value for o in lows), FACTOR_STEP, up=False) if lows else 1.0
    high = outward(max(o.value for o in highs), FACTOR_STEP, up=True) if highs else 1.0
    left = _left(low_observations, lows, leave_out) or _left(high_observations, highs, leave_out)
    gone = dropped(leave_out, low_observations, high_observations)
    return Derived("uncertainty.tdp_power_factors", (low, high), _runs(lows, highs), left, gone)


def device_power(
    observations: Sequence[Observation], name: str, leave_out: LeaveOut | str | None = None
) -> Derived:
    """A device's measured power (low, central, high) from runs measured on it: their mean to
    the whole watt (ties up), their lowest and their highest."""
    used = kept(observations, leave_out)
    watts = _values(used, f"{name} power measurement")
    values = (min(watts), half_up(statistics.fmean(watts), 0), max(watts))
    left = _left(observations, used, leave_out)
    return Derived(name, values, _runs(used), left, dropped(leave_out, observations))
