"""How long a run ran, in device-hours, and how that is known.

Published device-hours (or devices x hours) come first. A run that publishes its size and tokens
but no device-hours is estimated from its compute: FLOPs = 6 x active parameters x tokens, at the
device's peak dense throughput for the run's precision times a utilisation (MFU) whose published
range gives the interval. Where both exist, the compute-based figure is shown beside the published
one as a check.
"""

from __future__ import annotations

from dataclasses import dataclass

from carbonspec import core
from carbonspec.schema import Compute, Hardware, Model

BASIS_REPORTED = "reported"
BASIS_DEVICES_HOURS = "devices x hours"
BASIS_COMPUTE = "compute"


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
class DeviceHours:
    central: float
    low: float
    high: float
    basis: str
    compute: FromCompute | None  # the estimate from compute, where the model's size is known


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
    precision = model.precision or compute.precision
    if precision not in ("bf16", "fp16", "fp8"):
        raise core.InputError("model.precision", precision, "must be bf16, fp16 or fp8")
    peak = getattr(hardware, f"peak_tflops_{precision}")
    if peak is None and precision == "bf16":
        peak, precision = hardware.peak_tflops_fp16, "fp16"  # a device without BF16 (V100)
    if peak is None:
        return None
    peak = core.require_positive(f"hardware.peak_tflops_{precision}", peak, 1e6)
    mfu = core.require_fraction(
        "model.mfu", model.mfu if model.mfu is not None else compute.mfu, 1e-3, 1.0
    )
    low_mfu, high_mfu = (mfu, mfu) if model.mfu is not None else (compute.mfu_low, compute.mfu_high)
    hours = tuple(core.device_hours_from_flops(flops, peak, u) for u in (high_mfu, mfu, low_mfu))
    return FromCompute(
        flops, flops_from, precision, peak, mfu,
        "set for this run" if model.mfu is not None else "default", hours,  # type: ignore[arg-type]
    )  # fmt: skip


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
    return DeviceHours(published, published, published, basis, estimated)
