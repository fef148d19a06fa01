"""codecarbon's emissions.csv, read into runs: what was measured, where, when, on what.

codecarbon (github.com/mlco2/codecarbon) writes one row each time a tracker stops or flushes.
Its columns changed across releases (2.x: no ``water_consumed`` or ``wue``; 3.3: ``water_consumed``,
``wue``, ``pue``; older ones: no ``experiment_id``, ``codecarbon_version`` or ``pue``); this reader
needs only ``duration`` and ``energy_consumed`` and takes every other column it finds.

How rows become runs, without counting anything twice:

1. **Snapshots.** Rows that share a ``run_id`` are one tracker's snapshots: codecarbon writes the
   totals since the tracker started at every flush and at its stop, so only the longest (the
   last) counts.
2. **Runs.** Trackers are grouped by ``project_name`` and ``experiment_id`` (where the release
   writes one), over every file given: a folder of one file per rank makes one run.
3. **Ranks of one node.** In codecarbon's default ``tracking_mode="machine"`` every tracker
   measures the whole node: ``srun --ntasks-per-node=4`` starts four trackers that each report
   the node (codecarbon issue #544, pull request #1390). Trackers of one run whose time windows
   overlap (by at least half the shorter one), that report the same ``gpu_count`` G above 1 and
   GPU energies within 10 % of each other are ranks that each measured their whole node. With one
   rank per GPU (the usual torchrun or srun launch), k of them are ceil(k / G) nodes, each
   measured min(k, G) times: their machine-wide parts are summed and divided by min(k, G) (in
   ``process`` mode the GPU part only: codecarbon's process mode narrows CPU and RAM to each
   process, and those add up). The emissions codecarbon wrote are counted alike. Trackers with
   ``gpu_count`` 1 (one GPU per rank) or disjoint windows are summed.
4. **Override.** ``ranks_per_node=N`` says that every node was measured by N trackers: the
   machine-wide parts (the GPU energy where a tracker saw more than one GPU; CPU and RAM in
   machine mode) are divided by N, the rest summed.

Every run says what was summed and what was counted once. A row that cannot be read fails with
one line naming the file and its line. Pure: files in, plain objects out; no Hydra.
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from carbonspec import core

REQUIRED = ("duration", "energy_consumed")
NUMBERS = (
    "duration", "energy_consumed", "cpu_energy", "gpu_energy", "ram_energy", "emissions",
    "gpu_count", "cpu_count", "water_consumed", "pue", "wue",
)  # fmt: skip
DEFAULT_EXPERIMENT = "5b0fa12a-3dd7-45bb-9766-cc326314d9f1"  # codecarbon's id when none is set
OVERLAP = 0.5  # share of the shorter window two trackers must share to be one node's
SAME_ENERGY = 0.10  # GPU energies within this share of each other: one node measured twice


class CodecarbonError(core.InputError):
    """A file or a row that cannot be read; the message names the file and the line."""

    def __init__(self, where: str, problem: str) -> None:
        ValueError.__init__(self, f"{where}: {problem}")
        self.field = "codecarbon"
        self.value = where


@dataclass(frozen=True)
class Row:
    """One tracker's row (its totals since it started)."""

    file: Path
    line: int
    project: str
    experiment: str
    run_id: str
    end: datetime | None  # codecarbon's timestamp: when the row was written
    duration_s: float
    energy_kwh: float  # codecarbon's energy_consumed (its PUE applied, default 1)
    cpu_kwh: float | None
    gpu_kwh: float | None
    ram_kwh: float | None
    emissions_kg: float | None
    gpu_count: float
    gpu_model: str
    cpu_model: str
    country_iso: str
    country_name: str
    region: str
    cloud_provider: str
    cloud_region: str
    pue: float
    water_l: float | None
    tracking_mode: str
    version: str

    @property
    def start(self) -> datetime | None:
        return self.end - timedelta(seconds=self.duration_s) if self.end else None

    @property
    def where(self) -> str:
        return f"{self.file.name}, line {self.line}"


@dataclass
class Run:
    """One run: its trackers as counted, and how."""

    project: str
    experiment: str
    files: list[Path]
    rows_read: int
    trackers: list[Row]  # one per run_id (the last snapshot)
    energy_kwh: float  # as counted, codecarbon's PUE removed
    energy_with_pue_kwh: float  # as counted, codecarbon's own energy_consumed
    emissions_kg: float | None  # codecarbon's own figure for the energy counted
    device_hours: float | None
    devices: float | None
    hours: float  # wall-clock, first start to last end
    start: datetime | None
    end: datetime | None
    gpu_model: str
    cpu_model: str
    country_iso: str
    country_name: str
    cloud_provider: str
    cloud_region: str
    region: str
    pue: float
    water_l: float | None
    version: str
    counted: list[str] = field(default_factory=list)  # what was summed, what counted once
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        if self.experiment and self.experiment != DEFAULT_EXPERIMENT:
            return f"{self.project} / {self.experiment}"
        return self.project or self.files[0].stem

    @property
    def year(self) -> int | None:
        if self.start is None or self.end is None:
            return None
        return (self.start + (self.end - self.start) / 2).year

    @property
    def g_per_kwh(self) -> float | None:
        """codecarbon's own intensity: its emissions over its energy."""
        if self.emissions_kg is None or not self.energy_with_pue_kwh:
            return None
        return self.emissions_kg / self.energy_with_pue_kwh * 1000


# -- reading --------------------------------------------------------------------------------------


def files_of(path: Path) -> list[Path]:
    """The CSV file, or the CSV files of a folder (sorted, so runs come in a stable order)."""
    if path.is_dir():
        found = sorted(p for p in path.glob("*.csv") if p.is_file())
        if not found:
            raise CodecarbonError(str(path), "no .csv file in this folder")
        return found
    if not path.is_file():
        raise CodecarbonError(str(path), "no such file or folder")
    return [path]


def read_rows(path: Path) -> list[Row]:
    """Every row of one emissions.csv; the first one that cannot be read fails, naming it."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise CodecarbonError(path.name, "not a text (UTF-8) file") from None
    except OSError as err:
        raise CodecarbonError(path.name, f"cannot be read ({err.strerror})") from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise CodecarbonError(path.name, "empty: no header row")
    reader = csv.reader(lines)
    header = [h.strip() for h in next(reader)]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CodecarbonError(
            f"{path.name}, line 1",
            f"not a codecarbon emissions file: no column {', '.join(missing)}"
            f" (its columns: {', '.join(header[:8])}{', ...' if len(header) > 8 else ''})",
        )
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise CodecarbonError(
                f"{path.name}, line {number}",
                f"{len(cells)} fields where the header has {len(header)} (a partial write?)",
            )
        rows.append(row_of(path, number, dict(zip(header, cells, strict=True))))
    if not rows:
        raise CodecarbonError(path.name, "no data rows: a header alone")
    return rows


def row_of(path: Path, line: int, cells: dict[str, str]) -> Row:
    where = f"{path.name}, line {line}"
    numbers: dict[str, float | None] = {}
    for name in NUMBERS:
        raw = (cells.get(name) or "").strip()
        if not raw:
            if name in REQUIRED:
                raise CodecarbonError(where, f"{name} is empty")
            numbers[name] = None
            continue
        try:
            value = float(raw)
        except ValueError:
            raise CodecarbonError(where, f"{name} is {raw!r}, not a number") from None
        if not math.isfinite(value) or value < 0:
            raise CodecarbonError(where, f"{name} must be a finite number >= 0 (got {raw})")
        numbers[name] = value
    return Row(
        file=path,
        line=line,
        project=cells.get("project_name", "").strip(),
        experiment=cells.get("experiment_id", "").strip(),
        run_id=cells.get("run_id", "").strip(),
        end=timestamp(cells.get("timestamp", ""), where),
        duration_s=numbers["duration"] or 0.0,
        energy_kwh=numbers["energy_consumed"] or 0.0,
        cpu_kwh=numbers["cpu_energy"],
        gpu_kwh=numbers["gpu_energy"],
        ram_kwh=numbers["ram_energy"],
        emissions_kg=numbers["emissions"],
        gpu_count=numbers["gpu_count"] or 0.0,
        gpu_model=cells.get("gpu_model", "").strip(),
        cpu_model=cells.get("cpu_model", "").strip(),
        country_iso=cells.get("country_iso_code", "").strip(),
        country_name=cells.get("country_name", "").strip(),
        region=cells.get("region", "").strip(),
        cloud_provider=cells.get("cloud_provider", "").strip().lower(),
        cloud_region=cells.get("cloud_region", "").strip().lower(),
        pue=numbers["pue"] or 1.0,
        water_l=numbers["water_consumed"],
        tracking_mode=cells.get("tracking_mode", "").strip() or "machine",
        version=cells.get("codecarbon_version", "").strip(),
    )


def timestamp(raw: str, where: str) -> datetime | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=None)
    except ValueError:
        raise CodecarbonError(where, f"timestamp {raw!r} is not a date and time") from None


# -- rows into runs -------------------------------------------------------------------------------


def read(path: Path, ranks_per_node: int | None = None) -> list[Run]:
    """The runs of a file or a folder of files."""
    files = files_of(path)
    rows = [row for f in files for row in read_rows(f)]
    groups: dict[tuple[str, str], list[Row]] = {}
    for row in rows:
        groups.setdefault((row.project, row.experiment), []).append(row)
    return [run_of(key, members, ranks_per_node) for key, members in groups.items()]


def last_snapshots(rows: list[Row]) -> tuple[list[Row], int]:
    """One row per tracker (run_id): its longest, the totals at its last write."""
    by_id: dict[str, Row] = {}
    alone = []
    for row in rows:
        if not row.run_id:
            alone.append(row)
        elif row.run_id not in by_id or row.duration_s > by_id[row.run_id].duration_s:
            by_id[row.run_id] = row
    trackers = sorted([*by_id.values(), *alone], key=lambda r: (r.start or datetime.min, r.line))
    return trackers, len(rows) - len(trackers)


def overlap(a: Row, b: Row) -> bool:
    if a.start is None or b.start is None or a.end is None or b.end is None:
        return False
    shared = (min(a.end, b.end) - max(a.start, b.start)).total_seconds()
    shorter = min(a.duration_s, b.duration_s)
    return shorter > 0 and shared >= OVERLAP * shorter


def same_node(a: Row, b: Row) -> bool:
    """Two trackers that measured one node: overlapping, the same GPUs (more than one), about
    the same GPU energy."""
    if a.gpu_count <= 1 or a.gpu_count != b.gpu_count or not overlap(a, b):
        return False
    ga, gb = a.gpu_kwh, b.gpu_kwh
    if ga is None or gb is None or max(ga, gb) == 0:
        return False
    return abs(ga - gb) <= SAME_ENERGY * max(ga, gb)


def node_groups(trackers: list[Row]) -> list[list[Row]]:
    """Trackers joined into nodes (same_node, transitively); each tracker in one group."""
    groups: list[list[Row]] = []
    for row in trackers:
        joined = [g for g in groups if any(same_node(row, other) for other in g)]
        merged = [row, *(r for g in joined for r in g)]
        groups = [g for g in groups if g not in joined] + [merged]
    return groups


@dataclass(frozen=True)
class Counted:
    energy_with_pue: float
    energy: float  # codecarbon's PUE removed
    emissions: float | None
    device_hours: float
    devices: float


def parts(row: Row) -> tuple[float, float]:
    """(GPU, CPU and RAM) energy of a row; a release without the parts: all machine-wide."""
    gpu = row.gpu_kwh or 0.0
    if row.cpu_kwh is None and row.ram_kwh is None:
        return gpu, row.energy_kwh - gpu
    return gpu, (row.cpu_kwh or 0.0) + (row.ram_kwh or 0.0)


def count(rows: list[Row], gpu_share: float, host_share: float) -> Counted:
    """The rows' energy with their GPU parts x gpu_share and CPU + RAM parts x host_share;
    codecarbon's emissions scaled alike (its factor per kWh is the same within a row)."""
    energy = without_pue = emissions = 0.0
    has_emissions = all(r.emissions_kg is not None for r in rows)
    for r in rows:
        gpu, host = parts(r)
        counted = gpu * gpu_share + host * host_share
        energy += counted
        without_pue += counted / r.pue
        if has_emissions and r.energy_kwh > 0:
            emissions += (r.emissions_kg or 0.0) * counted / r.energy_kwh
    devices = sum(r.gpu_count for r in rows) * gpu_share
    hours = sum(r.gpu_count * r.duration_s / 3600 for r in rows) * gpu_share
    return Counted(energy, without_pue, emissions if has_emissions else None, hours, devices)


def run_of(key: tuple[str, str], rows: list[Row], ranks_per_node: int | None) -> Run:
    trackers, snapshots = last_snapshots(rows)
    counted_lines = [
        f"{len(rows)} row(s) in {len({r.file for r in rows})} file(s), {len(trackers)} tracker(s)"
        + (
            f" ({snapshots} earlier snapshot(s) of the same trackers not counted)"
            if snapshots
            else ""
        )
    ]
    totals: list[Counted] = []
    if ranks_per_node:
        n = float(ranks_per_node)
        for r in trackers:
            gpu_share = 1 / n if r.gpu_count > 1 else 1.0
            host_share = 1 / n if r.tracking_mode == "machine" else 1.0
            totals.append(count([r], gpu_share, host_share))
        counted_lines.append(
            f"ranks_per_node={ranks_per_node}: each node's machine-wide parts (GPUs seen by a"
            f" tracker of more than one, CPU and RAM in machine mode) divided by {ranks_per_node}"
        )
        if len(trackers) % ranks_per_node:
            counted_lines.append(
                f"{len(trackers)} trackers are not a multiple of {ranks_per_node}: check the value"
            )
    else:
        summed = 0
        for group in node_groups(trackers):
            if len(group) == 1:
                totals.append(count(group, 1.0, 1.0))
                summed += 1
                continue
            gpus = group[0].gpu_count
            times = min(len(group), int(gpus))  # one rank per GPU: at most gpus per node
            nodes = math.ceil(len(group) / times)
            for r in group:  # process mode narrows CPU and RAM to each process: those add up
                totals.append(count([r], 1 / times, 1 / times if r.tracking_mode == "machine"
                                    else 1.0))  # fmt: skip
            counted_lines.append(
                f"{len(group)} trackers overlapping in time, each seeing {gpus:g} GPUs, GPU"
                f" energies within {SAME_ENERGY:.0%}: {nodes} node(s) (one rank per GPU) each"
                f" measured {times} times, counted once (machine-wide parts / {times})"
            )
        if summed:
            counted_lines.append(f"{summed} tracker(s) summed (disjoint in time or one GPU each)")
        gpu1 = [r for r in trackers if r.gpu_count == 1 and r.tracking_mode == "machine"]
        if len(gpu1) > 1 and any(overlap(a, b) for a in gpu1 for b in gpu1 if a is not b):
            counted_lines.append(
                "trackers of one GPU each overlap in time: in machine mode each also measured"
                " its node's CPU and RAM; if they shared nodes, give ranks_per_node=N"
            )
    first = trackers[0]
    starts = [r.start for r in trackers if r.start]
    ends = [r.end for r in trackers if r.end]
    start, end = (min(starts), max(ends)) if starts and ends else (None, None)
    hours = (
        (end - start).total_seconds() / 3600
        if start and end
        else max(r.duration_s for r in trackers) / 3600
    )
    notes = disagreements(trackers)
    energy_with_pue = sum(t.energy_with_pue for t in totals)
    emissions = (
        sum(t.emissions or 0.0 for t in totals)
        if all(t.emissions is not None for t in totals)
        else None
    )
    gpus = sum(t.devices for t in totals)
    waters = [r.water_l for r in trackers]
    return Run(
        project=key[0],
        experiment=key[1],
        files=sorted({r.file for r in rows}),
        rows_read=len(rows),
        trackers=trackers,
        energy_kwh=sum(t.energy for t in totals),
        energy_with_pue_kwh=energy_with_pue,
        emissions_kg=emissions,
        device_hours=six_digits(sum(t.device_hours for t in totals)) or None,
        devices=round(gpus) if gpus else None,
        hours=hours,
        start=start,
        end=end,
        gpu_model=most_common(r.gpu_model for r in trackers),
        cpu_model=most_common(r.cpu_model for r in trackers),
        country_iso=most_common(r.country_iso for r in trackers),
        country_name=most_common(r.country_name for r in trackers),
        cloud_provider=most_common(r.cloud_provider for r in trackers),
        cloud_region=most_common(r.cloud_region for r in trackers),
        region=most_common(r.region for r in trackers),
        pue=first.pue,
        water_l=sum(w for w in waters if w is not None)
        if any(w is not None for w in waters)
        else None,
        version=most_common(r.version for r in trackers),
        counted=counted_lines,
        notes=notes,
    )


def six_digits(x: float) -> float:
    """A sum of durations to six significant digits: seconds, not float noise."""
    return float(f"{x:.6g}")


def most_common(values) -> str:  # type: ignore[no-untyped-def]
    found = Counter(v for v in values if v)
    return found.most_common(1)[0][0] if found else ""


def disagreements(trackers: list[Row]) -> list[str]:
    """Columns whose value differs between a run's trackers (the most common one is used)."""
    notes = []
    for name in ("country_iso", "cloud_provider", "cloud_region", "pue"):
        values = {getattr(r, name) for r in trackers if getattr(r, name) not in ("", None)}
        if len(values) > 1:
            shown = ", ".join(sorted(map(str, values)))
            notes.append(f"the trackers disagree on {name} ({shown}): the most common is used")
    return notes


# -- the names codecarbon writes, as carbonspec knows them ---------------------------------------

# gpu_model as codecarbon writes it: NVML's device name, prefixed "N x " for several GPUs.
# NVML names an H100 SXM "NVIDIA H100 80GB HBM3"; the rest match the catalog's names once
# spaces, dashes and "NVIDIA"/"Tesla" are dropped.
NVML_NAMES = {
    "h10080gbhbm3": "h100_sxm", "h100sxm580gb": "h100_sxm", "a10080gbpcie": "a100_pcie_80gb",
}  # fmt: skip


def normalised(name: str) -> str:
    name = re.sub(r"^\s*\d+\s*x\s*", "", name.lower())
    name = re.sub(r"\b(nvidia|tesla|geforce)\b", "", name)
    return re.sub(r"[^a-z0-9]", "", name)


def hardware_key(gpu_model: str, catalog_names: dict[str, list[str]]) -> str | None:
    """The catalog's hardware for codecarbon's gpu_model, or None (``catalog_names``: each
    hardware key's names, as the catalog spells them)."""
    wanted = normalised(gpu_model)
    if not wanted:
        return None
    if wanted in NVML_NAMES:
        return NVML_NAMES[wanted]
    for key, names in catalog_names.items():
        if any(normalised(n) == wanted for n in names if n):
            return key
    return None


def region_keys(run: Run) -> list[str]:
    """carbonspec regions for the run's place, best first: its cloud region, then its country."""
    keys = []
    provider = {"gcp": "gcp", "google": "gcp", "aws": "aws", "azure": "azure"}.get(
        run.cloud_provider
    )
    if provider and run.cloud_region:
        keys.append(f"{provider}-{run.cloud_region}")
    if run.country_iso:
        keys.append(f"country-{run.country_iso.lower()}")
    return keys
