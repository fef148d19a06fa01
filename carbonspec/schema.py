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


GRID_WORDS = ("auto", "calculator", "latest")  # or a year, grid=2021


class Format(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"
    latex = "latex"
    csv = "csv"
    model_card = "model_card"
    bibtex = "bibtex"


class Width(StrEnum):
    text = "text"  # one column of text, 5.5 in (NeurIPS, ICLR, COLM)
    column = "column"  # one column of a two-column paper, 3.0 in (ACL, ICML, IEEE, ACM)
    page = "page"  # across a two-column page, 7.0 in (table*)


@dataclass
class Latex:
    width: Width = Width.text


@dataclass
class Settings:
    """The top-level options of conf/config.yaml."""

    method: Method = Method.tdp
    grid: str = "auto"  # auto | calculator | latest | a year (2021)
    pue: float | None = None
    format: Format = Format.text
    export_dir: str | None = None
    latex: Latex = field(default_factory=Latex)
    main_tables: list[str] = field(default_factory=list)
    codecarbon: str | None = None  # codecarbon=path/to/emissions.csv (or a folder of them)
    ranks_per_node: int | None = None  # codecarbon: count each node once per this many rows


@dataclass
class Hardware:
    name: str
    power_w: float
    power_kind: PowerKind
    power_source: str
    kind: str = "gpu"
    short_name: str | None = None  # for table cells ("A100 80GB"), as the seed paper writes it
    calculator_name: str | None = None  # the device's label in the calculator, where it has one
    calculator_power_w: float | None = None
    calculator_power_source: str | None = None
    tdp_w: float | None = None
    tdp_source: str | None = None
    power_low_w: float | None = None
    power_high_w: float | None = None
    power_range_source: str | None = None
    # peak dense throughput (no sparsity), TFLOPS, by precision: for device-hours from compute
    peak_tflops_bf16: float | None = None
    peak_tflops_fp16: float | None = None
    peak_tflops_fp8: float | None = None
    peak_tflops_source: str | None = None
    # manufacturing footprint of one device (cradle to gate), kg CO2eq; the scope says what it
    # covers (the accelerator alone, or its share of a board or server)
    embodied_kg: float | None = None
    embodied_scope: str | None = None
    embodied_source: str | None = None
    # where power_w and its range are the average, lowest and highest of measured runs: the
    # runs (carbonspec.evaluation re-derives the figures without a run it evaluates)
    power_observations: list[Observation] = field(default_factory=list)


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
    wue: float | None = None  # fleet on-site water usage effectiveness, L/kWh (consumption)
    wue_source: str | None = None
    wue_year: int | None = None
    # the runs (model keys) whose own reports `pue` was read from: evaluating one of them with
    # it would check the report against itself
    pue_from_reports: list[str] = field(default_factory=list)
    # the operator's own PUE disclosures by year (sustainability reports, datacenter pages),
    # independent of any compared run's report: what an evaluation uses in place of `pue`
    pue_disclosures: list[YearValue] = field(default_factory=list)


class GridKind(StrEnum):
    """What a year's grid figure is: only a measured full year is the year's average."""

    measured = "measured"  # the average over that calendar year, as published
    partial = "partial"  # an average over part of the year only (the data set ends mid-year)
    projected = "projected"  # not that year's data: a later row repeating an earlier year's


@dataclass
class GridYear:
    """One year's grid intensity for a region: its zone's (or its country's) annual average."""

    year: int
    g_per_kwh: float
    source: str
    scope: str = "zone"  # zone (the region's own grid zone) | country | site
    basis: str = "consumption"  # consumption (imports counted) | production (generation only)
    zone: str | None = None
    production_g_per_kwh: float | None = None
    # a partial or projected figure is labelled in every output and never stands in for a
    # measured year (grid=latest is the latest measured year); kind_note says why, briefly
    kind: GridKind = GridKind.measured
    kind_note: str | None = None


@dataclass
class YearValue:
    """A figure a provider published for one year (a region's PUE or WUE)."""

    year: int
    value: float
    source: str
    from_reports: list[str] = field(default_factory=list)  # runs whose own reports gave it


@dataclass
class Observation:
    """One published figure a default is derived from: its value, where it was read, and the
    run it describes (a model key; null for a run not in the catalog, which then names its
    organization, so that an evaluation can leave the operator's figures out too)."""

    value: float
    source: str
    run: str | None = None
    organization: str | None = None


@dataclass
class Region:
    name: str
    display_name: str
    carbon_intensity: float | None = None  # the calculator's figure, or a site's own single one
    carbon_intensity_source: str | None = None
    short_name: str | None = None  # for table cells ("AWS us-east-1", "France")
    place: str | None = None  # for prose ("in the United States")
    country: str | None = None
    iso3: str | None = None
    state: str | None = None
    city: str | None = None
    in_calculator: bool = False
    requires_input: bool = False
    unavailable: str | None = None  # why no estimate can be offered here (a gap in the data)
    carbon_intensity_year: int | None = None
    carbon_intensity_basis: str = "location"
    zone_source: str | None = None
    grid_years: list[GridYear] = field(default_factory=list)
    offset_ratio: float | None = None
    offset_ratio_source: str | None = None
    pue: float | None = None
    pue_source: str | None = None
    pue_years: list[YearValue] = field(default_factory=list)
    wue_years: list[YearValue] = field(default_factory=list)
    pue_from_reports: list[str] = field(default_factory=list)  # runs whose reports gave `pue`


@dataclass
class Paper:
    key: str
    title: str
    author: str
    year: int
    type: str = "misc"
    journal: str | None = None
    booktitle: str | None = None
    editor: str | None = None
    series: str | None = None
    howpublished: str | None = None
    institution: str | None = None
    publisher: str | None = None
    address: str | None = None
    volume: str | None = None
    number: str | None = None
    pages: str | None = None
    month: str | None = None
    issn: str | None = None
    doi: str | None = None
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
    # how the report computed its figure: operator_formula (TDP x hours x PUE x a grid factor,
    # carbonspec's own formula), measured (metered power or energy), calculator (the ML CO2
    # calculator) or life_cycle (a life-cycle study); see carbonspec.evaluation.METHOD_CLASSES
    method_class: str | None = None
    method_class_source: str | None = None


@dataclass
class Reported(ReportedFigure):
    alternatives: list[ReportedFigure] = field(default_factory=list)
    choice: str | None = None


@dataclass
class PublishedFootprint:
    """What a study published beyond operational CO2 for a run: embodied carbon, water."""

    source: str
    assumptions: str  # what the study assumed (lifetime, WUE, water intensity, energy)
    embodied_t: float | None = None
    water_onsite_l: float | None = None
    water_l: float | None = None  # on-site and off-site, consumption


@dataclass
class Model:
    name: str
    organization: str | None = None
    paper: Paper | None = None
    devices: float | None = None
    devices_source: str | None = None
    device_hours: float | None = None
    device_hours_source: str | None = None
    # published (printed by the developer, or its device count x its training time), derived
    # (computed from other figures: FLOPs, iteration times) or assumed (someone's assumption)
    device_hours_kind: str | None = None
    device_hours_kind_source: str | None = None
    hours: float | None = None
    hours_source: str | None = None
    site: str | None = None
    site_source: str | None = None
    training_year: int | None = None  # the year most of the run took place in (grid=auto)
    training_period: str | None = None
    training_year_source: str | None = None
    activity: str = "training"  # what the device-hours did: training, or e.g. "sampling"
    # the compute, for device-hours where none are published (and as a check where they are)
    parameters: float | None = None
    active_parameters: float | None = None  # per token, for mixture-of-experts models
    active_parameters_source: str | None = None
    parameters_source: str | None = None
    tokens: float | None = None
    tokens_source: str | None = None
    flops: float | None = None  # training FLOPs, where published (else 6 x active x tokens)
    flops_source: str | None = None
    precision: str | None = None  # bf16 | fp16 | fp8: which peak throughput applies
    precision_source: str | None = None
    mfu: float | None = None  # model FLOPs utilisation over the whole run, if known
    mfu_source: str | None = None
    reported: Reported | None = None
    published_footprint: PublishedFootprint | None = None
    notes: str | None = None
    # the run's energy where it was measured (a meter, nvidia-smi, a cluster's accounting,
    # codecarbon): used instead of power x device-hours; energy_scope says what it covers
    # (accelerators | server | facility: PUE is applied only where the facility is not in it)
    energy_kwh: float | None = None
    energy_kwh_source: str | None = None
    energy_scope: str | None = None
    energy_spread: float | None = None  # the measurement's +/- share, where its source gives one
    energy_spread_source: str | None = None
    # the servers the accelerators sat in (an entry of conf/power/default.yaml hosts), for
    # power.scope=server
    host: str | None = None
    host_source: str | None = None


@dataclass
class Host:
    """A server's parts besides its accelerators, for each accelerator's share of the host."""

    key: str
    name: str
    devices: int  # accelerators per server
    devices_source: str
    cpu: str
    cpu_count: int
    cpu_tdp_w: float
    cpu_source: str
    cpu_tdp_source: str
    memory_gb: float
    memory_source: str
    system_max_w: float | None = None  # the whole system's rated maximum input power
    system_max_source: str | None = None
    notes: str | None = None


@dataclass
class Power:
    """What a run's power counts (conf/power/): the accelerators alone, or the whole server."""

    scope: str  # accelerator | server
    scope_source: str
    memory_w_per_gb: float  # host memory's power per GB installed (Green Algorithms)
    memory_w_per_gb_source: str
    memory_w_per_gb_low: float
    memory_w_per_gb_low_source: str
    measured_spread: float  # +/- share of a measured energy whose source states none
    measured_spread_source: str
    hosts: list[Host] = field(default_factory=list)
    by_hardware: dict[str, str] = field(default_factory=dict)  # hardware -> host, by default
    by_hardware_source: str | None = None
    host: str | None = None  # power.host=<key>: this host for the run, whatever the model says
    host_w: float | None = None  # power.host_w=<W>: the host's share per accelerator, measured
    host_w_source: str | None = None


@dataclass
class Embodied:
    """Amortising the hardware's manufacturing footprint over a run (conf/embodied/)."""

    lifetime_years: float
    lifetime_years_source: str
    lifetime_low_years: float
    lifetime_high_years: float
    lifetime_range_source: str
    utilisation: float
    utilisation_source: str
    utilisation_low: float
    utilisation_high: float
    utilisation_range_source: str
    server_kg: float
    server_kg_source: str
    devices_per_server: float
    devices_per_server_source: str
    default_device_kg: float
    default_device_kg_source: str
    default_device_low_kg: float
    default_device_high_kg: float
    default_device_range_source: str


@dataclass
class WaterIntensity:
    where: str  # ISO3 country code, or ISO3/State for a US state (USA/Texas)
    l_per_kwh: float
    source: str


@dataclass
class Water:
    """On-site (cooling) and off-site (electricity generation) water, consumption (conf/water/)."""

    kind: str
    kind_source: str
    default_wue: float
    default_wue_source: str
    wue_low: float
    wue_high: float
    wue_range_source: str
    ewif: list[WaterIntensity]
    ewif_default: float
    ewif_default_source: str
    ewif_low: float
    ewif_high: float
    ewif_range_source: str


@dataclass
class Compute:
    """Training FLOPs to device-hours (conf/compute/)."""

    precision: str
    precision_source: str
    mfu: float
    mfu_source: str
    mfu_low: float
    mfu_high: float
    mfu_range_source: str
    # the published runs mfu, mfu_low and mfu_high are derived from, and the rule
    mfu_observations: list[Observation] = field(default_factory=list)
    whole_run_factor_observations: list[Observation] = field(default_factory=list)
    mfu_rule: str | None = None


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
    # measured power / TDP in published runs: what the power factors are derived from
    tdp_power_low_observations: list[Observation] = field(default_factory=list)
    tdp_power_high_observations: list[Observation] = field(default_factory=list)
    tdp_power_rule: str | None = None


@dataclass
class SeedRow:
    """What the seed paper printed for a row, and why carbonspec differs where it does."""

    estimate: str | None = None
    reported: str | None = None
    devices: float | None = None  # the device count the seed prints in its Hardware column
    devices_note: str | None = None  # why it differs from the primary source, if it does
    erratum: str | None = None
    reported_erratum: str | None = None
    primary_differs: list[str] = field(default_factory=list)


@dataclass
class TableRow:
    """One run of a table: a model, and the assumptions applied on top of its facts."""

    model: str
    label: str | None = None
    hardware: str | None = None
    # The row's hardware stands in for the run's own (the seed ran H100 runs as an A100): the
    # run's device-hours are kept. Otherwise they follow the work to the row's hardware.
    hardware_stand_in: bool = False
    hardware_label: str | None = None
    region: str | None = None
    region_values: dict[str, float] = field(default_factory=dict)
    device_hours: float | None = None
    devices: float | None = None
    hours: float | None = None
    method: Method | None = None
    grid: str | None = None
    assumptions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    exclude: str | None = None  # validation: why this run is shown but not compared
    seed: SeedRow | None = None
    # footprint: comparisons whose inputs are the study's own (embodied, water): they
    # reproduce its arithmetic rather than test carbonspec
    reproduces: list[str] = field(default_factory=list)
    study_wue: float | None = None  # footprint: the on-site WUE the study states (compared on it)
    study_wue_source: str | None = None


@dataclass
class ProjectPart:
    """One part of a project (kind: project): a model config, a measured energy, a codecarbon
    file or folder, or the folder of a sweep the CarbonFootprint callback recorded."""

    label: str
    stage: str = "final"  # final | development | failed | evaluation
    model: str | None = None
    energy_kwh: float | None = None
    energy_kwh_source: str | None = None
    energy_scope: str | None = None
    codecarbon: str | None = None
    sweep: str | None = None
    hardware: str | None = None
    region: str | None = None
    devices: float | None = None
    hours: float | None = None
    device_hours: float | None = None
    training_year: int | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class TableSpec:
    """A table: its runs and its presentation. kind: rows (default), validation, footprint,
    compute or by_region."""

    caption: str | None = None
    kind: str = "rows"
    label: str | None = None
    method: Method = Method.tdp
    grid: str = "auto"
    precision: int = 3
    columns: list[str] = field(default_factory=list)
    # The columns LaTeX shows at a width (text, column, page), where they differ from `columns`
    latex: dict[str, list[str]] = field(default_factory=dict)
    long: bool | None = None  # breaks across pages (default: validation tables do)
    rows: list[TableRow] = field(default_factory=list)
    regions: str = "*"  # by_region only: which regions, as a glob pattern
    parts: list[ProjectPart] = field(default_factory=list)  # project only: what it is made of
