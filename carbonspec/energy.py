"""A run's energy where it was measured, and each accelerator's share of its server.

Two ways past "the accelerator's power x device-hours":

- **Measured energy** (``model.energy_kwh``, with ``model.energy_scope``): what a meter, the
  GPUs' own sensors (nvidia-smi, NVML), a cluster's accounting or codecarbon measured. Its scope
  says what it covers: ``accelerators`` or ``server`` (PUE is then applied, as for an estimate)
  or ``facility`` (PUE already in it: applied no more). Its interval is the measurement's own
  accuracy, not the spread of power and hours, so it is narrow.
- **The whole server** (``power.scope=server``): each accelerator carries its share of the host,
  from component figures (the CPUs' TDP, Green Algorithms' memory term per GB installed) or
  a measured share (``power.host_w``); the upper end is the system's rated maximum per
  accelerator where the system has one (DGX A100 6.5 kW, DGX H100 10.2 kW, for 8 GPUs).

Pure: typed objects in, numbers and the words that say where they came from out; nothing here
imports Hydra or reads files.
"""

from __future__ import annotations

from dataclasses import dataclass

from carbonspec import core
from carbonspec.schema import Host, Model, Power

ENERGY_SCOPES = ("accelerators", "server", "facility")
POWER_SCOPES = ("accelerator", "server")
MAX_ENERGY_KWH = 1e12


@dataclass(frozen=True)
class Measured:
    """A measured energy, what it covers and how exact it is."""

    kwh: float
    scope: str  # accelerators | server | facility
    source: str
    spread: float  # +/- share
    spread_source: str

    @property
    def range(self) -> core.Range:
        return self.kwh * (1 - self.spread), self.kwh, self.kwh * (1 + self.spread)

    @property
    def includes_facility(self) -> bool:
        return self.scope == "facility"


def measured(model: Model, power: Power | None) -> Measured | None:
    """The run's measured energy, or None where none is given."""
    if model.energy_kwh is None:
        return None
    kwh = core.require_positive("model.energy_kwh", model.energy_kwh, MAX_ENERGY_KWH)
    scope = model.energy_scope
    if scope is None:
        raise core.InputError(
            "model.energy_kwh", None,
            "needs model.energy_scope: what the measured energy covers (accelerators, server or"
            " facility)",
        )  # fmt: skip
    if scope not in ENERGY_SCOPES:
        raise core.InputError("model.energy_scope", scope, f"must be {', '.join(ENERGY_SCOPES)}")
    if model.energy_spread is not None:
        spread = core.require_fraction("model.energy_spread", model.energy_spread, 0.0, 0.9)
        spread_source = model.energy_spread_source or "given for this run"
    elif power is not None:
        spread, spread_source = power.measured_spread, power.measured_spread_source
    else:
        raise core.InputError("power", None, "is missing: a measured energy needs its spread")
    return Measured(kwh, scope, model.energy_kwh_source or "given", spread, spread_source)


def scope_of(power: Power | None) -> str:
    """power.scope, checked: accelerator (the default, also where no power config is composed,
    as in the catalog's tables) or server."""
    scope = power.scope if power is not None else "accelerator"
    if scope not in POWER_SCOPES:
        raise core.InputError("power.scope", scope, f"must be {' or '.join(POWER_SCOPES)}")
    return scope


@dataclass(frozen=True)
class HostShare:
    """One accelerator's share of its server's host (CPUs, memory, and the rest of the system
    up to its rating), in W."""

    key: str | None  # the host's key in conf/power, None for a share given as a number
    name: str
    w: core.Range  # low, central, high
    detail: str  # how the central figure is made, for a reader
    range_detail: str  # how the ends are made
    sources: tuple[tuple[str, str], ...]  # (what, source)
    chosen_because: str  # why this host: the model's own servers, a stand-in, or the user's


def host_share(
    power: Power, model: Model, hardware_key: str, accelerator_tdp_w: float
) -> HostShare:
    """The host's share per accelerator, by the user's figure, the model's own servers or the
    accelerator's reference server (in that order)."""
    if power.host_w is not None:
        w = core.require_number(
            "power.host_w",
            power.host_w,
            0.0,
            core.MAX_POWER_W,
            f"between 0 and {core.MAX_POWER_W:g} W",
        )
        source = power.host_w_source or "given on the command line (power.host_w)"
        return HostShare(
            None, "the host", (w, w, w), f"{w:g} W per accelerator, as given", "as given",
            (("host share", source),), "given for this run (power.host_w)",
        )  # fmt: skip
    if power.host is not None:
        key, field, why = power.host, "power.host", "chosen for this run (power.host)"
    elif model.host is not None:
        key, field = model.host, "model.host"
        why = f"the run's own servers: {model.host_source or 'given for the model'}"
    elif hardware_key in power.by_hardware:
        key, field = power.by_hardware[hardware_key], "power.by_hardware"
        why = f"a stand-in, not the run's own servers: {power.by_hardware_source or ''}".rstrip()
    else:
        keys = ", ".join(h.key for h in power.hosts)
        raise core.InputError(
            "power.scope", "server",
            f"has no host figures for hardware {hardware_key}: name its server with"
            f" power.host=<{keys}>, or give power.host_w=<W per accelerator>",
        )  # fmt: skip
    host = next((h for h in power.hosts if h.key == key), None)
    if host is None:
        keys = ", ".join(h.key for h in power.hosts)
        raise core.InputError(field, key, f"is not a host of conf/power: valid ones are {keys}")
    return share_of(host, power, accelerator_tdp_w, why)


def share_of(host: Host, power: Power, accelerator_tdp_w: float, why: str) -> HostShare:
    """(CPUs x TDP + memory GB x W/GB) / accelerators; the low end with the lower memory figure,
    the high end the system's rating per accelerator less the accelerator's own TDP."""
    devices = float(host.devices)
    cpu = host.cpu_count * host.cpu_tdp_w / devices
    memory_gb = host.memory_gb / devices
    memory, memory_low = memory_gb * power.memory_w_per_gb, memory_gb * power.memory_w_per_gb_low
    central, low = cpu + memory, cpu + memory_low
    high = central
    range_detail = f"memory at {power.memory_w_per_gb_low:g} W/GB"
    if host.system_max_w is not None:
        rated = host.system_max_w / devices - accelerator_tdp_w
        high = max(central, rated)
        range_detail += (
            f"; the system's {host.system_max_w:,.0f} W rating / {devices:g} less the"
            f" accelerator's {accelerator_tdp_w:g} W"
        )
    else:
        range_detail += "; no system rating published: the central share is the upper end too"
    detail = (
        f"{host.name}: {host.cpu_count} x {host.cpu} at {host.cpu_tdp_w:g} W and"
        f" {host.memory_gb:,.0f} GB of memory at {power.memory_w_per_gb:g} W/GB,"
        f" over {devices:g} accelerators"
    )
    sources = [
        ("host CPUs", host.cpu_source),
        ("CPU TDP", host.cpu_tdp_source),
        ("host memory", host.memory_source),
        ("memory power", power.memory_w_per_gb_source),
        ("memory, low", power.memory_w_per_gb_low_source),
    ]
    if host.system_max_source:
        sources.append(("system rating", host.system_max_source))
    return HostShare(
        host.key, host.name, (low, central, high), detail, range_detail, tuple(sources), why
    )


def server_power(accelerator: core.Range, tdp_w: float, host: HostShare) -> core.Range:
    """Power per accelerator with its host share: low and central add up; the high end is the
    accelerator's TDP plus the host's high end where that comes from a system rating (which
    covers the accelerator at full power too), else the accelerator's high end plus the host."""
    low, central, high = core.ordered(accelerator)
    rated = host.w[2] > host.w[1]
    top = tdp_w + host.w[2] if rated else high + host.w[1]
    return low + host.w[0], central + host.w[1], max(top, central + host.w[1])


def host_energy_kwh(host: HostShare, device_hours: core.Range) -> core.Range:
    """The host's energy beside a measured accelerator energy: its share x device-hours."""
    hours = core.ordered(device_hours)
    w = core.ordered(host.w)
    return tuple(w[i] * hours[i] / core.W_PER_KW for i in range(3))  # type: ignore[return-value]


def fields(
    measured_energy: Measured | None,
    host: HostShare | None,
    accelerator_power_w: float,
    host_kwh: core.Range | None = None,
) -> dict:
    """The JSON fields that say which energy was measured, which estimated, and the host's
    share: present only where they apply (an estimate from power x hours alone has none, so the
    outputs of every run without them stay as they were)."""
    out: dict = {}
    if measured_energy is not None:
        out |= {
            "energy_basis": "measured",
            "energy_measured_kwh": measured_energy.kwh,
            "energy_scope": measured_energy.scope,
            "energy_measured_source": measured_energy.source,
            "energy_spread": measured_energy.spread,
            "energy_spread_source": measured_energy.spread_source,
        }
    if host is not None:
        out |= {
            "power_scope": "server",
            "accelerator_power_w": accelerator_power_w,
            "host": host.key,
            "host_name": host.name,
            "host_w": host.w[1],
            "host_w_low": host.w[0],
            "host_w_high": host.w[2],
            "host_detail": host.detail,
            "host_range_detail": host.range_detail,
            "host_chosen": host.chosen_because,
            "host_sources": [[what, source] for what, source in host.sources],
        }
        if host_kwh is not None:
            out |= {"host_energy_kwh": host_kwh[1], "host_energy_basis": "estimated"}
    return out
