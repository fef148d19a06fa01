"""How long a run ran, in device-hours, and how that is known.

Published device-hours (or devices x hours) come first. A run that publishes its size and tokens
but no device-hours is estimated from its compute: FLOPs = 6 x active parameters x tokens, at the
device's peak dense throughput for the run's precision times a utilisation (MFU) whose published
range gives the interval. Where both exist, the compute-based figure is shown beside the published
one as a check.

On hardware that is not the run's own (a what-if: another device on the command line, in a
sweep or in a table row), the run's own device-hours follow the work: they are scaled by the
ratio of the two devices' peak dense throughput at the run's precision, which keeps the run's
realised utilisation. Where either device has no such figure the hours are kept, and the result
says so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from carbonspec import core
from carbonspec.schema import Compute, Hardware, Model

BASIS_REPORTED = "reported"
BASIS_DEVICES_HOURS = "devices x hours"
BASIS_COMPUTE = "compute"
BASIS_SCALED = "scaled by peak throughput"
PRECISIONS = ("bf16", "fp16", "fp8")


@dataclass(frozen=True)
class FromCompute:
    flops: float
    flops_from: str  # published | 6 x active parameters x tokens
    precision: str
    peak_tflops: float
    mfu: float
    mfu_from: str
    device_hours: core.Range  # low, central, high (the MFU range, highest MFU lowest hours)


@dataclass(frozen=True)
class Scaling:
    """The run's own device-hours carried to another device: x run_peak / peak."""

    factor: float
    run_peak_tflops: float
    run_precision: str
    peak_tflops: float
    precision: str


@dataclass(frozen=True)
class DeviceHours:
    central: float
    low: float
    high: float
    basis: str
    compute: FromCompute | None  # the estimate from compute, where the model's size is known
    # the run's own figure on its own hardware, before any scaling (None: from compute)
    run_device_hours: float | None = None
    scaling: Scaling | None = None  # how the run's own figure was carried to this device
    note: str | None = None  # why the run's own figure is charged unscaled to another device


def from_compute(model: Model, hardware: Hardware, compute: Compute) -> FromCompute | None:
    """Device-hours from the run's compute, or None where its size or the device's throughput
    is not known."""
    if model.flops is not None:
        flops = core.require_positive("model.flops", model.flops, 1e30)
        flops_from = "published"
    else:
        if model.parameters is None or model.tokens is None:
            return None
        active = (
            model.active_parameters if model.active_parameters is not None else model.parameters
        )
        flops = core.training_flops(
            core.require_positive("model.active_parameters", active, 1e15),
            core.require_positive("model.tokens", model.tokens, 1e17),
        )
        flops_from = "6 x active parameters x tokens"
    peak, precision = peak_throughput(hardware, precision_of(model, compute) or compute.precision)
    if peak is None:
        return None
    mfu = core.require_fraction(
        "model.mfu", model.mfu if model.mfu is not None else compute.mfu, 1e-3, 1.0
    )
    low_mfu, high_mfu = (mfu, mfu) if model.mfu is not None else (compute.mfu_low, compute.mfu_high)
    hours = tuple(core.device_hours_from_flops(flops, peak, u) for u in (high_mfu, mfu, low_mfu))
    return FromCompute(
        flops, flops_from, precision, peak, mfu,
        "set for this run" if model.mfu is not None else "default", hours,  # type: ignore[arg-type]
    )  # fmt: skip


def precision_of(model: Model, compute: Compute | None) -> str | None:
    """The run's precision: its own, else the default (conf/compute); None where neither is
    known."""
    precision = model.precision or (compute.precision if compute is not None else None)
    if precision is not None and precision not in PRECISIONS:
        raise core.InputError("model.precision", precision, "must be bf16, fp16 or fp8")
    return precision


def peak_throughput(
    hardware: Hardware, precision: str, where: str = "hardware"
) -> tuple[float | None, str]:
    """The device's peak dense TFLOPS at a precision, and the precision it is for: a device
    without BF16 (V100) runs the work in FP16. None where no figure is published."""
    peak = getattr(hardware, f"peak_tflops_{precision}")
    if peak is None and precision == "bf16":
        peak, precision = hardware.peak_tflops_fp16, "fp16"
    if peak is None:
        return None, precision
    return core.require_positive(f"{where}.peak_tflops_{precision}", peak, 1e6), precision


def on_other_hardware(
    hours: DeviceHours,
    precision: str | None,
    run_hardware: Hardware,
    hardware: Hardware,
    stand_in: bool = False,
) -> DeviceHours:
    """The run's own device-hours (counted on ``run_hardware``) for the same work on
    ``hardware``: scaled by the ratio of peak dense throughput, which keeps the run's realised
    utilisation; kept, with a note saying why, where the device stands in for the run's own
    or where either device has no published figure. Hours from compute already follow the
    device and are returned as they are."""
    if hours.basis == BASIS_COMPUTE:
        return hours
    if stand_in:
        stands_in = f"{hardware.name} stands in for {run_hardware.name}, the run's own"
        return replace(hours, note=f"device-hours kept: {stands_in}")
    if precision is None:  # no compute assumptions composed, no precision in the model
        return replace(hours, note="device-hours kept: the run's precision is not known")
    run_peak, run_precision = peak_throughput(run_hardware, precision, "the run's hardware")
    peak, this_precision = peak_throughput(hardware, precision)
    if run_peak is None or peak is None:
        asked = "bf16 or fp16" if precision == "bf16" else precision
        pairs = ((run_hardware, run_peak), (hardware, peak))
        missing = [hw.name for hw, value in pairs if value is None]
        which = f"{' and '.join(missing)} {'has' if len(missing) == 1 else 'have'}"
        return replace(hours, note=f"device-hours kept: {which} no published {asked} throughput")
    factor = run_peak / peak
    central = core.require_positive(
        "device-hours scaled to the hardware", hours.central * factor, core.MAX_DEVICE_HOURS
    )
    scaling = Scaling(factor, run_peak, run_precision, peak, this_precision)
    return replace(
        hours, central=central, low=central, high=central, basis=BASIS_SCALED, scaling=scaling
    )


def device_hours_of_run(model: Model, hardware: Hardware, compute: Compute | None) -> DeviceHours:
    """The run's device-hours: published, else devices x hours, else from its compute."""
    estimated = from_compute(model, hardware, compute) if compute is not None else None
    try:
        published = core.device_hours_of(model.device_hours, model.devices, model.hours)
    except core.NotEstimable:
        if estimated is None:
            raise
        low, central, high = estimated.device_hours
        core.require_positive("device-hours from compute", central, core.MAX_DEVICE_HOURS)
        return DeviceHours(central, low, high, BASIS_COMPUTE, estimated)
    basis = BASIS_REPORTED if model.device_hours is not None else BASIS_DEVICES_HOURS
    return DeviceHours(published, published, published, basis, estimated, published)
