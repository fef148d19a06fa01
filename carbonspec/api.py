"""carbonspec from Python: the command line's estimates, tables and sweeps as typed objects.

    import carbonspec
    e = carbonspec.estimate(model="gpt3", region="aws-us-west-2", grid=2021)
    e.emissions_t, e.grid_zone, e.to_latex(width="column")
    carbonspec.table("validation").to_dataframe()
    carbonspec.sweep(model="gpt3", region="aws-*").figure()

One engine, one set of rules: every call goes through compose_run(), which turns the inputs
(model, region, hardware, grid, method, overrides, searchpath) into the typed Run the command
line would build, with the command line's checks (carbonspec.checks before composing, the schema
while typing, carbonspec.bounds when estimating) and its one-line messages. The Run is assembled
by carbonspec.runs.run_of(), the command line's own function, from one of two compositions
that give the same config:

- Hydra's compose API, which is what ``python -m carbonspec`` runs: about 150 ms a call. Used
  for a user's own config folders (``searchpath``), for overrides beyond ``key=value`` on a
  group's field or a top-level option (``+``/``~``, lists, mappings, interpolations, nested
  fields) and whenever the direct way meets anything unusual, an error included, so that an
  error is always the command line's own.
- carbonspec.catalog.compose(), the composer that mirrors Hydra's (tables, by-region and the
  command line's own typing use it too): the primary defaults list, each file's ``override
  /group: option``, ``# @package _global_`` files, the command line's values on top, each
  override's value parsed by Hydra's own OverridesParser and typed by OmegaConf against its
  field's schema: about a millisecond. tests/test_api.py proves it equal to the compose API,
  field by field, on hundreds of inputs, and tests/test_composition.py every packaged model.

Each call reads the config files in one catalog reading (carbonspec.catalog.reading): a file
edited between two calls is read afresh, by its content.

Calls are serialised by one lock: carbonspec's config reader keeps process-wide state (the
search path, parsed files) and Hydra's compose API a global instance, so calls from several
threads are safe but do not run in parallel. No Hydra state is left behind after a call.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from carbonspec import (
    app,
    catalog,
    checks,
    configfiles,
    core,
    outputs,
    references,
    render,
    runs,
    tables,
)
from carbonspec.configfiles import MISSING
from carbonspec.estimation import Run
from carbonspec.estimation import estimate as _estimate
from carbonspec.schema import Settings, Width

if TYPE_CHECKING:
    import pandas
    from matplotlib.figure import Figure
    from omegaconf import DictConfig

__all__ = [
    "CarbonspecError",
    "Estimate",
    "InvalidValue",
    "NotEstimable",
    "Table",
    "UnknownOption",
    "estimate",
    "sweep",
    "table",
]

_lock = catalog.LOCK
Engine = Literal["fast", "hydra"]
WIDTHS = tuple(w.value for w in Width)
# Options of the command line that write files or choose its output: an Estimate or a Table
# renders itself (to_json(), to_latex(), ...) and writes nothing.
COMMAND_LINE_ONLY = ("format", "export_dir", "hydra", "main_tables")


# -- errors ----------------------------------------------------------------------------------------


class CarbonspecError(ValueError):
    """Bad input: the one line the command line prints after ``carbonspec: error:``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownOption(CarbonspecError):
    """A model, region, hardware, table or key that does not exist (the message lists the valid
    ones, or the nearest)."""


class InvalidValue(CarbonspecError):
    """A value out of its range, of the wrong type, or that cannot apply here."""


class NotEstimable(CarbonspecError):
    """Nothing to estimate: no run length, no grid figure for the site, a custom site without
    its intensity (a sweep skips such a job)."""


def _error(err: BaseException) -> CarbonspecError:
    """An internal error as the API's, with the command line's one-line message."""
    if isinstance(err, CarbonspecError):
        return err
    text = app.message(err)
    if isinstance(err, core.NotEstimable):
        return NotEstimable(text)
    if text.startswith(("unknown ", "no ")) or " is not a config group" in text:
        return UnknownOption(text)
    return InvalidValue(text)


@contextmanager
def _translated() -> Iterator[None]:
    """Under the lock, in one reading of the config files; any failure as a CarbonspecError
    (never a traceback of internals)."""
    with _lock, catalog.reading():  # one view of the config files for the call
        try:
            yield
        except CarbonspecError:
            raise
        except Exception as err:  # noqa: BLE001 (the message says what it was)
            raise _error(err) from err


# -- the request and the one composition -----------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """What one estimate is asked for, as the command line would be given it."""

    model: str | None = None
    region: str | None = None
    hardware: str | None = None
    grid: str | None = None
    method: str | None = None
    overrides: tuple[str, ...] = ()
    searchpath: tuple[str, ...] = ()

    def argv(self) -> list[str]:
        """The command line's overrides for these inputs, in its order."""
        named = [
            f"{key}={value}"
            for key, value in (
                ("model", self.model),
                ("region", self.region),
                ("hardware", self.hardware),
                ("grid", self.grid),
                ("method", self.method),
            )
            if value is not None
        ]
        return [*named, *self.overrides]

    def folders(self) -> list[Path]:
        return [Path(p).expanduser().resolve() for p in self.searchpath]


@dataclass(frozen=True)
class Composed:
    """A request composed: the typed run, the top-level settings, the overrides as Hydra
    records them (``hydra.overrides.task``) and the keys they set."""

    run: Run
    settings: Settings
    overrides: tuple[str, ...]
    given: frozenset[str]


def compose_run(request: Request, engine: Engine | None = None) -> Composed:
    """The one way inputs become a typed Run: the command line's checks, then the composition
    (see the module's docstring for its two ways; ``engine`` forces one, for tests)."""
    argv = request.argv()
    folders = request.folders()
    use_folders(folders)
    refuse_command_line_only(argv)
    if engine == "hydra" or folders:
        checks.check(argv, multirun=False)
        return _compose_with_hydra(checks.with_schema_keys(argv), folders)
    _check_packaged(argv)
    argv = checks.with_schema_keys(argv)
    try:
        fast = _compose_with_catalog(argv)
    except catalog.Unsupported:
        if engine == "fast":
            raise
        fast = None  # a file only Hydra composes
    except (core.InputError, catalog.ConfigError, configfiles.ConfigFileError):
        raise  # the command line's own checks, with its words
    except Exception:  # noqa: BLE001 (the compose API gives the command line's own error)
        if engine == "fast":
            raise
        fast = None
    return fast if fast is not None else _compose_with_hydra(argv, folders)


def _check_packaged(argv: list[str]) -> None:
    """checks.check on overrides of the packaged configs: each override checked once in the
    process (a sweep repeats them), the whole line when a key is given twice."""
    keys = [arg.partition("=")[0].lstrip("+~") for arg in argv]
    if len(set(keys)) != len(keys):
        checks.check(argv, multirun=False)
    for arg in argv:
        _checked(arg)


@functools.lru_cache(maxsize=8192)
def _checked(arg: str) -> None:
    checks.check([arg], multirun=False)


def use_folders(folders: list[Path]) -> None:
    """Look config files up where Hydra will: the packaged conf/, then the user's folders
    (``hydra.searchpath``), as the command line does first."""
    catalog.use_search_path([catalog.CONF_DIR, *folders])


def refuse_command_line_only(argv: list[str]) -> None:
    for arg in argv:
        key = arg.partition("=")[0].lstrip("+~").split(".")[0].split("/")[0]
        if key in COMMAND_LINE_ONLY:
            raise InvalidValue(
                f"{arg}: an option of the command line; from Python, an Estimate or a Table"
                " renders itself (to_json(), to_latex(width=...), ...) and searchpath=[...]"
                " gives your config folders"
            )
        if key == "table":
            raise InvalidValue(f"{arg}: a table is carbonspec.table(name), not an estimate")


# -- composing with Hydra's compose API (what the command line runs) -------------------------------


@contextmanager
def hydra_config(argv: list[str], folders: list[Path]) -> Iterator[DictConfig]:
    """The config Hydra composes for these overrides, with HydraConfig set as in a run. Hydra's
    global state is as it was before once the block ends: none, or, when carbonspec is called
    from inside a Hydra app, that app's own."""
    from hydra import compose, initialize_config_module
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.hydra_config import HydraConfig

    app.make_sweeper_discoverable()  # before Hydra first looks for plugins, as the command line
    overrides = list(argv)
    if folders:
        overrides.append("hydra.searchpath=[" + ",".join(f"file://{f}" for f in folders) + "]")
    outer_hydra, outer_config = GlobalHydra.instance().hydra, HydraConfig.instance().cfg
    GlobalHydra.instance().clear()
    try:
        with initialize_config_module(version_base="1.3", config_module="carbonspec.conf"):
            cfg = compose("config", overrides=overrides, return_hydra_config=True)
            HydraConfig.instance().set_config(cfg)
            catalog.use_search_path(app.search_dirs(HydraConfig.get().runtime.config_sources))
            yield cfg
    finally:
        HydraConfig.instance().cfg = outer_config
        GlobalHydra.instance().hydra = outer_hydra


def _compose_with_hydra(argv: list[str], folders: list[Path]) -> Composed:
    from hydra.core.hydra_config import HydraConfig

    with hydra_config(argv, folders) as cfg:
        settings = app.settings_of(cfg)
        given = app.given_keys()
        app.refuse_what_cannot_apply(cfg, settings, given, HydraConfig.get().runtime.choices)
        if cfg.get("model") is None:
            raise InvalidValue(_NEEDS_MODEL)
        run = app.run_from_config(cfg, settings, given)
        task = tuple(str(o) for o in cfg.hydra.overrides.task)
    return Composed(run, settings, task, frozenset(given))


_NEEDS_MODEL = "an estimate needs a model: model=<name> (carbonspec.catalog.models() lists them)"


# -- composing directly, as Hydra composes (carbonspec.catalog.compose) ---------------------------


@dataclass(frozen=True)
class _Override:
    """One override as Hydra's OverridesParser reads it."""

    key: str
    value: Any
    plain: bool  # key=value or ++key=value (not +key, ~key)
    interpolates: bool


@functools.lru_cache(maxsize=4096)
def _parsed(line: str) -> _Override:
    override = checks.parse(line)
    return _Override(
        override.key_or_group,
        override.value(),
        not (override.is_add() or override.is_delete()),
        "${" in line.partition("=")[2],
    )


class _NotFast(Exception):
    """Something the direct composition leaves to Hydra's compose API."""


def _compose_with_catalog(argv: list[str]) -> Composed:
    groups = set(catalog.groups())
    given_choices: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for line in argv:
        o = _parsed(line)
        if not o.plain or o.interpolates or isinstance(o.value, dict | list):
            raise _NotFast(line)
        top, _, rest = o.key.partition(".")
        if top in groups and not rest:
            given_choices[top] = o.value
        elif top in groups and "." in rest:
            raise _NotFast(line)  # a nested field: Hydra merges it, lists included
        else:
            values[o.key] = o.value
    composition = catalog.compose(given_choices, values)
    chosen = composition.choices
    if chosen.get("model") is None:
        raise _NotFast("no model")
    given = frozenset(line.split("=", 1)[0].lstrip("+~") for line in argv)
    settings = _settings(composition)
    # it reads only .get("model") and .get("table") of the config
    asked = cast("DictConfig", {"model": chosen["model"], "table": None})
    app.refuse_what_cannot_apply(asked, settings, set(given), chosen)
    region = composition.node("region")
    run = runs.run_of(
        chosen,
        composition.typed,
        settings,
        given,
        intensity_missing=isinstance(region, dict) and region.get("carbon_intensity") == MISSING,
    )
    return Composed(run, settings, tuple(argv), given)


def _settings(composition: catalog.Composition) -> Settings:
    """The top-level options (method, grid, pue, latex.width) as composed, typed as the command
    line types them (app.settings_of); remembered by what set them (a file by its content, the
    command line by its key=value): a loop repeats a few of them."""
    every = composition.layers
    keys = [k for k in _SETTINGS if k in every]
    key = tuple([(k, layer.source, layer.digest) for k in keys for layer in every[k]])
    hit = _settings_memo.get(key)
    if hit is None:
        if len(_settings_memo) >= _SETTINGS_MAX:
            _settings_memo.clear()
        node = {k: composition.node(k) for k in keys}
        hit = _settings_memo[key] = app.settings_of(node)  # type: ignore[arg-type]
    return hit


_SETTINGS = tuple(Settings.__dataclass_fields__)
_SETTINGS_MAX = 256
_settings_memo: dict[tuple[Any, ...], Settings] = {}


# -- results ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """One estimate: the fields of ``python -m carbonspec model=... format=json`` as attributes
    (full precision; to_json() writes them as the command line does, 9 significant digits), and
    its renderings. ``to_dict()`` has every field."""

    model: str
    model_name: str
    hardware: str
    hardware_name: str
    hardware_short_name: str
    hardware_kind: str
    power_w: float
    power_kind: str
    power_source: str
    devices: float | None
    device_hours: float
    device_hours_basis: str
    device_hours_low: float | None
    device_hours_high: float | None
    run_hardware: str
    run_hardware_name: str
    run_device_hours: float | None
    device_hours_scale: float | None
    run_peak_tflops: float | None
    run_peak_precision: str | None
    peak_tflops: float | None
    peak_precision: str | None
    device_hours_note: str | None
    compute_flops: float | None
    compute_device_hours: float | None
    compute_precision: str | None
    compute_peak_tflops: float | None
    compute_mfu: float | None
    region: str
    region_name: str
    region_short_name: str
    region_place: str
    provider: str
    provider_name: str
    grid: str
    grid_scope: str
    grid_zone: str | None
    grid_basis: str | None
    grid_year: int | None
    training_year: int | None
    grid_source: str
    grid_note: str | None
    carbon_intensity_g_per_kwh: float
    intensity_kg_per_kwh_applied: float
    pue: float
    pue_source: str
    pue_year: int | None
    method: str
    energy_kwh: float
    emissions_kg: float
    emissions_t: float
    emissions_t_low: float | None
    emissions_t_high: float | None
    market_based_emissions_t: float | None
    market_claim_pct: float | None
    market_claim_source: str | None
    cleanest_region: str | None
    cleanest_region_emissions_t: float | None
    reported_emissions_t: float | None
    reported_basis: str | None
    reported_source: str | None
    error_pct: float | None
    paper_key: str | None
    embodied_emissions_t: float | None
    embodied_emissions_t_low: float | None
    embodied_emissions_t_high: float | None
    embodied_device_kg: float | None
    embodied_source: str | None
    embodied_scope: str | None
    embodied_lifetime_years: float | None
    embodied_utilisation: float | None
    embodied_server_kg: float | None
    embodied_devices_per_server: float | None
    total_emissions_t: float | None
    total_emissions_t_low: float | None
    total_emissions_t_high: float | None
    water_onsite_l: float | None
    water_offsite_l: float | None
    water_l: float | None
    water_l_low: float | None
    water_l_high: float | None
    wue_l_per_kwh: float | None
    wue_source: str | None
    ewif_l_per_kwh: float | None
    ewif_source: str | None
    water_kind: str | None
    overrides: tuple[str, ...]
    # the whole result (fields added to the engine later included) and the run behind it
    _result: dict[str, Any] = field(repr=False, compare=False)
    _run: Run = field(repr=False, compare=False)

    @classmethod
    def _of(cls, result: dict[str, Any], run: Run) -> Estimate:
        values = {k: v for k, v in result.items() if k in _ESTIMATE_FIELDS}
        values["overrides"] = tuple(result.get("overrides", ()))
        return cls(**values, _result=result, _run=run)

    def to_dict(self) -> dict[str, Any]:
        """Every field, as computed (a fresh copy)."""
        return {**self._result, "overrides": list(self.overrides)}

    def to_json(self) -> str:
        """What ``format=json`` prints: sorted keys, 9 significant digits, strict JSON."""
        return render.to_json(self.to_dict())

    def to_text(self) -> str:
        """What the command line prints: the derivation and the source of every input."""
        with _lock:
            return render.render(
                "estimate.txt.j2",
                r=self._result,
                model_sources={"device_hours_source": self._run.model.device_hours_source},
                equivalents=references.equivalents(self._result["emissions_kg"]),
            )

    def to_latex(self, width: str = "column") -> str:
        """What ``format=latex`` prints: a paragraph for a paper, citing its sources. A
        paragraph flows at any width: ``width`` (text, column or page) is checked, and the
        same text fits each."""
        _width(width)
        with _lock:
            return outputs.estimate_paragraph(self._result, self._run.model)

    def to_model_card(self) -> str:
        """What ``format=model_card`` prints: a Hugging Face model card."""
        with _lock:
            return outputs.model_card(self._result)

    def bibtex(self) -> str:
        """What ``format=bibtex`` prints: the BibTeX of what the paragraph cites."""
        with _lock:
            return references.bibtex_for_keys(references.cited_keys(self.to_latex()))

    def to_markdown(self) -> str:
        """A short Markdown summary (what a notebook shows)."""
        with _lock:
            return render.render("estimate.md.j2", r=self._result)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


_ESTIMATE_FIELDS = frozenset(f.name for f in dataclasses.fields(Estimate)) - {"_result", "_run"}


def _width(width: str) -> str:
    if width not in WIDTHS:
        raise InvalidValue(f"width={width} is not a choice: {', '.join(WIDTHS)}")
    return width


@dataclass(frozen=True)
class Table:
    """A table, as ``python -m carbonspec table=...`` makes it: rows (each the estimate's fields
    and the table's own: label, marks, ...), footnotes, summary; and its renderings."""

    name: str
    caption: str
    rows: list[dict[str, Any]]
    footnotes: list[dict[str, str]]
    summary: dict[str, Any]
    _table: tables.Table = field(repr=False, compare=False)

    @classmethod
    def _of(cls, table: tables.Table) -> Table:
        return cls(table.name, table.caption, table.rows, table.footnotes, table.summary, table)

    @property
    def outcomes(self) -> list[str]:
        """A sweep's failed and skipped jobs, one line each (empty for other tables)."""
        return list(self._table.outcomes)

    def to_markdown(self) -> str:
        """What ``format=markdown`` prints."""
        with _lock:
            return outputs.render_table(self._table, "markdown")

    def to_latex(self, width: str = "text") -> str:
        """What ``format=latex latex.width=...`` prints: booktabs and siunitx, sized for a
        one-column text block (text), a column of a two-column paper (column) or a page of it
        (page)."""
        with _lock:
            return outputs.latex_table(self._table, _width(width))

    def to_csv(self) -> str:
        with _lock:
            return outputs.table_csv(self._table)

    def to_json(self) -> str:
        """What ``format=json`` prints: {"table", "rows", "footnotes", "summary"}."""
        with _lock:
            return render.to_json(outputs.table_json(self._table))

    def bibtex(self) -> str:
        """The BibTeX of what the LaTeX table cites."""
        with _lock:
            tex = outputs.latex_table(self._table, "text")
            return references.bibtex_for_keys(references.cited_keys(tex))

    def to_records(self) -> list[dict[str, Any]]:
        """The rows as plain records, with numbers as JSON gives them (a fresh copy)."""
        records: list[dict[str, Any]] = render.tidy(self.rows)
        return records

    def to_dataframe(self) -> pandas.DataFrame:
        """The rows as a pandas DataFrame (pandas is optional: pip install pandas)."""
        try:
            import pandas
        except ImportError:
            raise CarbonspecError(
                "to_dataframe() needs pandas, which carbonspec does not install:"
                " pip install pandas (or use to_records())"
            ) from None
        return pandas.DataFrame.from_records(self.to_records())

    def figure(self, width: str = "text") -> Figure:
        """The sweep's figure (a matplotlib Figure, not written anywhere): emissions by what
        varied, greenest first, with intervals, ``width`` wide (latex.width: text, column or
        page); the same as the command line's summary.png."""
        if not self._table.figure or not self.rows:
            raise InvalidValue(
                f"table '{self.name}' has no figure: sweeps and by-region tables have one"
            )
        from carbonspec import figures, plot

        rows = [{k: r.get(k) for k in figures.FIELDS} for r in self.rows]
        return plot.draw(rows, self.caption, _width(width), " / ".join(self._table.varied))

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


# -- the public functions --------------------------------------------------------------------------


def estimate(
    model: str,
    region: str | None = None,
    grid: str | int | None = None,
    hardware: str | None = None,
    method: str | None = None,
    overrides: Sequence[str] = (),
    searchpath: Sequence[str | Path] = (),
) -> Estimate:
    """One estimate, as ``python -m carbonspec model=<model> region=... format=json`` gives it.

    ``region``, ``hardware``: another than the model's own (on other hardware the device-hours
    follow the work, see the README); ``grid``: auto, latest, calculator or a year; ``method``:
    tdp or calculator; ``overrides``: anything else the command line takes, as its strings
    (``"model.device_hours=1e6"``, ``"pue=1.1"``); ``searchpath``: your own config folders.
    Bad input raises CarbonspecError (UnknownOption, InvalidValue, NotEstimable) with the
    command line's message."""
    request = _request(model, region, grid, hardware, method, overrides, searchpath)
    with _translated():
        return _estimate_of(request)


def _request(
    model: str | None,
    region: str | None,
    grid: str | int | None,
    hardware: str | None,
    method: str | None,
    overrides: Sequence[str],
    searchpath: Sequence[str | Path],
) -> Request:
    if isinstance(overrides, str) or isinstance(searchpath, str | Path):
        raise InvalidValue("overrides and searchpath are lists: overrides=['pue=1.1']")
    return Request(
        model=model,
        region=region,
        hardware=hardware,
        grid=None if grid is None else str(grid),
        method=method,
        overrides=tuple(str(o) for o in overrides),
        searchpath=tuple(str(p) for p in searchpath),
    )


def _estimate_of(request: Request, engine: Engine | None = None) -> Estimate:
    return Estimate._of(*_result_of(request, engine))


def _result_of(request: Request, engine: Engine | None = None) -> tuple[dict[str, Any], Run]:
    """The estimate's fields (what format=json prints) and the run they are of."""
    if request.model is None:
        raise InvalidValue(_NEEDS_MODEL)
    composed = compose_run(request, engine)
    run = composed.run
    result = _estimate(run, catalog.provider_regions(run.provider_key))
    result["overrides"] = list(composed.overrides)
    return result, run


def table(
    name: str,
    *,
    model: str | None = None,
    hardware: str | None = None,
    regions: str | None = None,
    method: str | None = None,
    grid: str | int | None = None,
    pue: float | None = None,
    overrides: Sequence[str] = (),
    searchpath: Sequence[str | Path] = (),
) -> Table:
    """A table, as ``python -m carbonspec table=<name> ...`` makes it: a packaged one
    (seed_industry, validation, compute, footprint, by_region, ...) or one of your own
    (``searchpath``). ``method``, ``grid`` and ``pue`` recompute it (the caption says so);
    by_region takes ``model`` (and ``hardware``) and ``regions``, a pattern (``"aws-*"``)."""
    argv = [f"table={name}"]
    for key, value in (("model", model), ("hardware", hardware), ("table.regions", regions),
                       ("method", method), ("grid", grid), ("pue", pue)):  # fmt: skip
        if value is not None:
            argv.append(f"{key}={value}")
    request = _request(None, None, None, None, None, overrides, searchpath)
    argv += list(request.overrides)
    with _translated():
        folders = request.folders()
        use_folders(folders)
        refuse_command_line_only([a for a in argv if not a.startswith("table")])
        checks.check(argv, multirun=False)
        with hydra_config(checks.with_schema_keys(argv), folders) as cfg:
            from hydra.core.hydra_config import HydraConfig

            settings = app.settings_of(cfg)
            given = app.given_keys()
            chosen = HydraConfig.get().runtime.choices
            app.refuse_what_cannot_apply(cfg, settings, given, chosen)
            return Table._of(app.table_from_config(cfg, settings, given, chosen))


def sweep(
    model: str | Sequence[str],
    region: str | Sequence[str] | None = None,
    hardware: str | Sequence[str] | None = None,
    grid: str | int | Sequence[str | int] | None = None,
    method: str | Sequence[str] | None = None,
    overrides: Sequence[str] = (),
    searchpath: Sequence[str | Path] = (),
) -> Table:
    """Every combination of the values given, estimated in this process, summarised as
    ``python -m carbonspec -m ...`` summarises a sweep (greenest first, with ``figure()``).

    Each of model, region and hardware is a name, a list of names or a pattern (``"aws-*"``,
    as the command line's ``glob(aws-*)``); grid and method a value or a list. A job that fails
    or cannot be estimated is listed in ``outcomes`` and ``summary`` while every other job's
    row arrives, as on the command line."""
    base = _request(None, None, None, None, None, overrides, searchpath)
    with _translated():
        use_folders(base.folders())
        axes = {
            "model": _values("model", model),
            "region": _values("region", region),
            "hardware": _values("hardware", hardware),
            "grid": [None if g is None else str(g) for g in _listed(grid)],
            "method": _listed(method),
        }
        results: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        skipped: list[dict[str, Any]] = []
        for m, r, h, g, meth in itertools.product(*axes.values()):
            request = replace(base, model=m, region=r, hardware=h, grid=g, method=meth)
            try:
                results.append(_result_of(request)[0])
            except Exception as err:  # noqa: BLE001 (a job's failure is its record)
                error = _error(err)
                bucket = skipped if isinstance(error, NotEstimable) else failed
                line = checks.with_schema_keys(request.argv())
                bucket.append({"error": error.message, "overrides": line})
        from carbonspec.sweep_records import finite, outcome_lines

        good = [row for row in results if finite(row)]
        if not good:
            first = (failed or skipped)[0]
            raise (NotEstimable if not failed else InvalidValue)(
                f"no job of the sweep gave a result ({len(failed)} failed, {len(skipped)}"
                f" skipped); {' '.join(first['overrides'])}: {first['error']}"
            )
        summary = tables.summary_table(good, "summary", tables.sweep_caption(good))
        summary.summary = {"failed": failed, "skipped": skipped, "did_not_run": 0}
        summary.outcomes = outcome_lines(failed, skipped, 0)
        return Table._of(summary)


def _listed(value: Any) -> list[Any]:
    if value is None:
        return [None]
    if isinstance(value, str | int):
        return [value]
    return list(value)


def _values(group: str, value: str | Sequence[str] | None) -> list[str | None]:
    """A sweep's values for a group: names as given; a pattern, every option matching it."""
    out: list[str | None] = []
    for item in _listed(value):
        if item is not None and any(c in item for c in "*?["):
            matched = catalog.matching(group, item)
            if not matched:
                raise UnknownOption(
                    f"no {group} matches '{item}' (carbonspec.catalog.{group}s() lists them)"
                    if group != "hardware"
                    else f"no hardware matches '{item}' (carbonspec.catalog.hardware())"
                )
            out += matched
        else:
            out.append(item)
    return out
