"""The shape of every config group, as plain dataclasses.

OmegaConf turns them into structured configs (``carbonspec.catalog.validate``), so a typo'd field
or a wrong type in a YAML file or on the command line fails with the field's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class PowerKind(StrEnum):
    tdp = "tdp"  # the datasheet's thermal design / board power
    measured_average = "measured_average"  # an average measured during real training


class Method(StrEnum):
    tdp = "tdp"
    calculator = "calculator"


class Grid(StrEnum):
    auto = "auto"
    calculator = "calculator"
    latest = "latest"


class Format(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"
    latex = "latex"
    csv = "csv"
    model_card = "model_card"
    bibtex = "bibtex"


@dataclass
class Settings:
    """The top-level options of conf/config.yaml."""

    method: Method = Method.tdp
    grid: Grid = Grid.auto
    pue: float | None = None
    format: Format = Format.text
    export_dir: str | None = None
    main_tables: list[str] = field(default_factory=list)


@dataclass
class Hardware:
    name: str
    power_w: float
    power_kind: PowerKind
    power_source: str
    kind: str = "gpu"
    calculator_name: str | None = None  # the device's label in the calculator, where it has one
    calculator_power_w: float | None = None
    calculator_power_source: str | None = None
    tdp_w: float | None = None
    tdp_source: str | None = None
    power_low_w: float | None = None
    power_high_w: float | None = None
    power_range_source: str | None = None


@dataclass
class Provider:
    name: str
    pue: float | None = None
    pue_source: str | None = None
    pue_year: int | None = None
    pue_low: float | None = None
    pue_high: float | None = None
    pue_range_source: str | None = None
    renewable_matching_pct: float | None = None
    renewable_matching_source: str | None = None


@dataclass
class Region:
    name: str
    display_name: str
    carbon_intensity: float | None
    carbon_intensity_source: str
    latest_carbon_intensity: float | None
    latest_carbon_intensity_source: str
    country: str | None = None
    iso3: str | None = None
    state: str | None = None
    city: str | None = None
    in_calculator: bool = False
    requires_input: bool = False
    carbon_intensity_year: int | None = None
    carbon_intensity_basis: str = "location"
    latest_carbon_intensity_year: int | None = None
    latest_scope: str = "country"  # region | country | site
    offset_ratio: float | None = None
    offset_ratio_source: str | None = None
    pue: float | None = None
    pue_source: str | None = None


@dataclass
class Paper:
    key: str
    title: str
    author: str
    year: int
    type: str = "misc"
    journal: str | None = None
    booktitle: str | None = None
    howpublished: str | None = None
    institution: str | None = None
    volume: str | None = None
    number: str | None = None
    pages: str | None = None
    url: str | None = None
    note: str | None = None


@dataclass
class ReportedFigure:
    emissions_t: float
    source: str
    basis: str = "unknown"  # location | market | unknown
    pue_included: bool | None = None
    embodied_included: bool | None = None
    scope: str | None = None


@dataclass
class Reported(ReportedFigure):
    alternatives: list[ReportedFigure] = field(default_factory=list)
    choice: str | None = None


@dataclass
class Model:
    name: str
    organization: str | None = None
    paper: Paper | None = None
    devices: float | None = None
    devices_source: str | None = None
    device_hours: float | None = None
    device_hours_source: str | None = None
    hours: float | None = None
    hours_source: str | None = None
    site: str | None = None
    site_source: str | None = None
    reported: Reported | None = None
    notes: str | None = None


@dataclass
class Uncertainty:
    tdp_power_low_factor: float
    tdp_power_low_factor_source: str
    tdp_power_high_factor: float
    tdp_power_high_factor_source: str
    measured_power_spread: float
    measured_power_spread_source: str
    unknown_pue_high: float
    unknown_pue_high_source: str


@dataclass
class SeedRow:
    """What the seed paper printed for a row, and why carbonspec differs where it does."""

    estimate: str | None = None
    reported: str | None = None
    erratum: str | None = None
    reported_erratum: str | None = None
    primary_differs: list[str] = field(default_factory=list)


@dataclass
class TableRow:
    """One run of a table: a model, and the assumptions applied on top of its facts."""

    model: str
    label: str | None = None
    hardware: str | None = None
    hardware_label: str | None = None
    region: str | None = None
    region_values: dict[str, float] = field(default_factory=dict)
    device_hours: float | None = None
    devices: float | None = None
    hours: float | None = None
    method: Method | None = None
    grid: Grid | None = None
    assumptions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seed: SeedRow | None = None


@dataclass
class TableSpec:
    """A table: its runs and its presentation. kind: rows (default), validation or by_region."""

    caption: str | None = None
    kind: str = "rows"
    label: str | None = None
    method: Method = Method.tdp
    grid: Grid = Grid.auto
    precision: int = 3
    columns: list[str] = field(default_factory=list)
    rows: list[TableRow] = field(default_factory=list)
    regions: str = "*"  # by_region only: which regions, as a glob pattern
