"""The Hydra layer: check the command line, compose the config, turn it into typed inputs,
dispatch, write the outputs.

python -m carbonspec                       # the seed paper's three tables
python -m carbonspec model=gpt3            # one estimate
python -m carbonspec table=seed_industry   # one table
python -m carbonspec -m model=gpt3 'region=glob(aws-*)'   # a sweep, summarised at the end
python -m carbonspec list=region 'aws-*'   # what the catalog holds
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException
from hydra.experimental.callback import Callback
from hydra.plugins.config_source import ConfigSource
from hydra.plugins.search_path_plugin import SearchPathPlugin
from hydra.plugins.sweeper import Sweeper
from hydra.types import RunMode
from hydra.utils import to_absolute_path
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from carbonspec import (
    bounds,
    catalog,
    checks,
    configfiles,
    figures,
    listing,
    outputs,
    runs,
    sweep_records,
    tables,
)
from carbonspec.core import InputError, NotEstimable
from carbonspec.estimation import Run, estimate
from carbonspec.schema import GRID_WORDS, Format, Settings

if TYPE_CHECKING:
    from carbonspec import ownwork

DEBUG = "CARBONSPEC_DEBUG"
TABLE_FORMATS = {Format.text, Format.markdown, Format.latex, Format.csv, Format.json, Format.bibtex}
ESTIMATE_FORMATS = {
    Format.text, Format.json, Format.latex, Format.csv, Format.model_card, Format.bibtex
}  # fmt: skip


def settings_of(cfg: DictConfig) -> Settings:
    """The top-level options (method, grid, pue, format, ...), checked by their schema."""
    names = Settings.__dataclass_fields__
    settings = catalog.validate(Settings, {k: cfg[k] for k in names if k in cfg}, "")
    check_grid("grid", settings.grid)
    bounds.check_setting("pue", settings.pue)
    bounds.check_setting("ranks_per_node", settings.ranks_per_node)
    if settings.export_dir:  # where the user ran the command, even with hydra.job.chdir=true
        settings = replace(settings, export_dir=to_absolute_path(settings.export_dir))
    return settings


def check_grid(key: str, grid: str) -> None:
    if grid not in GRID_WORDS and not (grid.isdigit() and 1990 <= int(grid) <= 2100):
        raise catalog.ConfigError(
            f"{key}={grid} is not a choice: auto, calculator, latest or a year ({key}=2021)"
        )


def given_keys() -> set[str]:
    """The keys the user set or left out (~key) on the command line (model, region.pue, ...)."""
    return {o.split("=", 1)[0].lstrip("+~") for o in HydraConfig.get().overrides.task}


def deleted_keys() -> set[str]:
    """The keys the user left out with Hydra's ~key."""
    return {o.split("=", 1)[0][1:] for o in HydraConfig.get().overrides.task if o[:1] == "~"}


def table_options(cfg: DictConfig, settings: Settings, given: set[str]) -> tables.Options:
    """The table-level options the user set on the command line (a table keeps its own else);
    table.method and table.grid mean the same as method and grid."""
    table = cfg.get("table") or {}
    method = settings.method if "method" in given else None
    grid = settings.grid if "grid" in given else None
    if "table.method" in given:
        method = catalog.validate(Settings, {"method": table.get("method")}, "table").method
    if "table.grid" in given:
        grid = str(table.get("grid"))
        check_grid("table.grid", grid)
    return tables.Options(method=method, grid=grid, pue=settings.pue)


def refuse_what_cannot_apply(
    cfg: DictConfig, settings: Settings, given: set[str], chosen: Mapping[str, Any]
) -> None:
    """An option that cannot apply to what was asked is refused, saying what to do instead.
    ``chosen``: the option of each config group (Hydra's runtime choices)."""
    groups = {k for k in given if k in ("model", "hardware", "region", "provider")}
    refuse_run_options(cfg, given, chosen)
    table = cfg.get("table")
    if table is not None:
        by_region = table.get("kind") == "by_region"
        refused = groups - ({"model", "hardware"} if by_region else set())
        if refused:
            what = ", ".join(sorted(f"{g}=" for g in refused))
            instead = (
                "table.regions=<pattern> chooses the regions"
                if by_region
                else "a table sets these per row in its config; run a model alone (model=...)"
            )
            raise catalog.ConfigError(f"{what} cannot apply to a table: {instead}")
        if settings.format not in TABLE_FORMATS:
            raise catalog.ConfigError(
                f"format={settings.format.value} is for one estimate; a table is "
                f"{'|'.join(sorted(f.value for f in TABLE_FORMATS))}"
            )
        return
    if cfg.get("model") is None:
        if groups:
            what = ", ".join(sorted(f"{g}=" for g in groups))
            raise catalog.ConfigError(f"{what} needs a model to estimate: add model=<name>")
        if settings.format not in TABLE_FORMATS:
            raise catalog.ConfigError(
                f"format={settings.format.value} is for one estimate (add model=<name>)"
            )
        return
    if settings.format not in ESTIMATE_FORMATS:
        raise catalog.ConfigError(
            f"format={settings.format.value} is for tables; one estimate is "
            f"{'|'.join(sorted(f.value for f in ESTIMATE_FORMATS))}"
        )


# The groups whose fields change a run: a table applies them only where it has one run to
# change (by_region spreads one run over every region); elsewhere they are refused.
RUN_GROUPS = ("model", "hardware", "region", "provider", "embodied", "water", "compute")


def refuse_run_options(cfg: DictConfig, given: set[str], chosen: Mapping[str, Any]) -> None:
    """A field of a run (model.device_hours, region.carbon_intensity, embodied.lifetime_years,
    ...) given where there is no one run to apply it to is refused, saying what would apply."""
    fields = sorted(k for k in given if k.partition(".")[0] in RUN_GROUPS and "." in k)
    if chosen.get("table") is None:
        table_fields = sorted(k for k in given if k.startswith("table."))
        if table_fields:
            raise catalog.ConfigError(f"{table_fields[0]} needs a table: add table=<name>")
        if fields and chosen.get("model") is None:
            raise catalog.ConfigError(
                f"{fields[0]} needs a run to apply to: add model=<name> (the seed's tables keep"
                " their own inputs)"
            )
        return
    table, name = cfg.table, chosen["table"]
    by_region = table.get("kind") == "by_region"
    if "table.regions" in given and not by_region:
        raise catalog.ConfigError(
            f"table.regions cannot apply to table={name}: it chooses the regions of"
            " table=by_region; this table lists its own rows"
        )
    rows = len(table.get("rows") or [])
    for key in fields:
        group, _, field = key.partition(".")
        if by_region:
            if group in ("region", "provider"):
                raise catalog.ConfigError(
                    f"{key} cannot apply to table=by_region: each row is a region with its own"
                    " figures; choose the regions with table.regions=<pattern>, or run one"
                    f" region (model=<name> region=<name> {key}=...)"
                )
            continue
        field = field.split(".")[0]
        if group == "model" and field in ("device_hours", "devices", "hours"):
            instead = f"set {field} per row in your own table (README: Your own table)"
        elif group in ("region", "hardware"):
            instead = (
                f"set {group}: per row in your own table, or run one model (model=<name> {key}=...)"
            )
        else:
            instead = (
                f"run one model (model=<name> {key}=...) or spread one over every region"
                f" (table=by_region model=<name> {key}=...)"
            )
        raise catalog.ConfigError(
            f"{key} cannot apply to table={name}: its {rows} rows each keep their own run; "
            + instead
        )


def run_from_config(cfg: DictConfig, settings: Settings, given: set[str]) -> Run:
    """The composed config as a typed Run (carbonspec.runs); bad fields fail here, naming
    themselves."""
    chosen = HydraConfig.get().runtime.choices
    files = composed(chosen)
    return runs.run_of(
        chosen,
        lambda group: typed(cfg, group, chosen[group], given, files),
        settings,
        given,
        deleted_keys(),
        intensity_missing=OmegaConf.is_missing(cfg.region, "carbon_intensity"),
    )


def composed(chosen: Any) -> catalog.Composition | None:
    """Which files set each group's keys in the config Hydra composed, from carbonspec's own
    composition of the same choices; None where a file uses a feature that composition does not
    mirror (every group is then validated from Hydra's config)."""
    try:
        return catalog.compose({group: chosen.get(group) for group in catalog.groups()})
    except catalog.ConfigError:
        return None


def typed(
    cfg: DictConfig,
    group: str,
    name: str,
    given: set[str],
    files: catalog.Composition | None = None,
) -> Any:
    """A composed group as its typed object. Straight from the packaged file where nothing
    else set any of its fields: not the command line, not another composed file (a model's
    ``# @package _global_`` file may set ``hardware.power_w``). The test suite checks every
    packaged file against its schema, and validating a sweep job's groups once more costs more
    than its estimate. Else validated from Hydra's config (its interpolations resolved there, in
    the whole config), so that a bad value or a user's own file fails naming the field."""
    untouched = files is not None and files.choices.get(group) == name and files.untouched(group)
    if untouched and not any(k.startswith(f"{group}.") for k in given):
        return files.typed(group)  # type: ignore[union-attr]
    where = f"{group} '{name}'"
    try:
        node = OmegaConf.to_container(cfg[group], resolve=True)
    except OmegaConfBaseException as err:
        raise catalog.ConfigError(f"invalid {where}: {str(err).splitlines()[0]}") from None
    return catalog.validate(catalog.SCHEMAS[group], node, where)


def dispatch(cfg: DictConfig, out_dir: Path, multirun: bool) -> None:
    settings = settings_of(cfg)
    given = given_keys()
    if settings.codecarbon is not None:
        codecarbon_input(cfg, settings, given, out_dir, multirun)
        return
    refuse_what_cannot_apply(cfg, settings, given, HydraConfig.get().runtime.choices)
    fmt, width = settings.format, settings.latex.width.value
    if cfg.get("table") is not None:
        if multirun:
            raise catalog.ConfigError("a table is one output, not a sweep: run it without -m")
        table = table_from_config(cfg, settings, given, HydraConfig.get().runtime.choices)
        outputs.emit_tables([table], fmt, out_dir, settings.export_dir, width)
        if cfg.table.get("kind") == "project":  # your own work: and its paragraph
            from carbonspec import project

            project.emit_paragraph(table, fmt, out_dir, settings.export_dir)
    elif cfg.get("model") is not None:
        run = run_from_config(cfg, settings, given)
        overrides = list(HydraConfig.get().overrides.task)
        result = estimate(run, catalog.provider_regions(run.provider_key)) | {
            "overrides": overrides
        }
        if multirun:  # in a sweep the summary is the output; each job keeps its record
            sweep_records.record(out_dir, "result", result)
        else:
            outputs.emit_estimate(result, run.model, fmt, out_dir, settings.export_dir)
    else:
        options = table_options(cfg, settings, given)
        results = [tables.build_named(name, options) for name in settings.main_tables]
        outputs.emit_tables(results, fmt, out_dir, settings.export_dir, width)


def table_from_config(
    cfg: DictConfig, settings: Settings, given: set[str], chosen: Mapping[str, Any]
) -> tables.Table:
    """The table as composed (the command line's and carbonspec.table's): a table of rows, one
    run in every region (by_region: the run as composed, overrides included), or a project."""
    node = OmegaConf.to_container(cfg.table, resolve=True)
    assert isinstance(node, dict)
    if node.get("kind") == "project":  # your own work: parts, subtotals and a paragraph
        from carbonspec import project  # imported when asked for: start-up stays short

        return project.project_table(node, chosen["table"], own_assumptions(cfg, settings))
    template = None
    if node.get("kind") == "by_region" and cfg.get("model") is not None:
        template = tables.Template(
            run_from_config(cfg, settings, given),
            {g: chosen[g] for g in ("model", "hardware") if g in given},
        )
    uncertainty = typed(cfg, "uncertainty", chosen["uncertainty"], given, composed(chosen))
    options = table_options(cfg, settings, given)
    return tables.build(node, chosen["table"], options, uncertainty, template)


def own_assumptions(cfg: DictConfig, settings: Settings) -> ownwork.Assumptions:
    """The assumptions of one's own work as composed (uncertainty, embodied, water, compute,
    power) and the method options."""
    from carbonspec import ownwork

    chosen, given = HydraConfig.get().runtime.choices, given_keys()
    files = composed(chosen)
    return ownwork.Assumptions(
        **{g: typed(cfg, g, chosen[g], given, files) for g in ("uncertainty", *runs.ASSUMPTIONS)},
        method=settings.method,
        grid=settings.grid,
        pue=settings.pue,
    )


def codecarbon_input(
    cfg: DictConfig, settings: Settings, given: set[str], out_dir: Path, multirun: bool
) -> None:
    """codecarbon=path: your own runs, as codecarbon logged them (carbonspec.ownwork)."""
    refused = sorted(k for k in given if k in ("model", "table", "provider"))
    if refused or multirun:
        what = ", ".join(f"{k}=" for k in refused) or "-m"
        raise catalog.ConfigError(
            f"{what} cannot apply to codecarbon=: the runs come from the file (hardware=,"
            " region=, pue= and power.scope= apply to all of them)"
        )
    from carbonspec import ownwork

    chosen = HydraConfig.get().runtime.choices
    a = own_assumptions(cfg, settings)
    a = replace(
        a,
        hardware=chosen["hardware"] if "hardware" in given else None,
        region=chosen["region"] if "region" in given else None,
    )
    ownwork.emit_codecarbon(
        Path(settings.codecarbon), settings.ranks_per_node, a, settings.format, out_dir,
        settings.export_dir, settings.latex.width.value,
    )  # fmt: skip


def message(err: BaseException) -> str:
    """An error in one line: what went wrong, naming the field; an unexpected one says so."""
    text = (str(err).strip().splitlines() or [type(err).__name__])[0]
    if isinstance(
        err, InputError | catalog.ConfigError | checks.OverrideError | configfiles.ConfigFileError
    ):
        return text
    if isinstance(
        err, HydraException | OmegaConfBaseException
    ):  # the command line, as Hydra read it
        # as the user typed it: carbonspec adds ++ to set a schema field a file leaves out
        return f"cannot compose the config: {text.replace('override ++', 'override ')}"
    return f"internal error: {type(err).__name__}: {text} (set {DEBUG}=1 for the traceback)"


def one_line(err: BaseException) -> str:
    return f"carbonspec: error: {message(err)}"


@hydra.main(version_base="1.3", config_path="pkg://carbonspec.conf", config_name="config")
def hydra_main(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    out_dir = Path(hc.runtime.output_dir)
    multirun = hc.mode == RunMode.MULTIRUN
    # Tables compose models and regions themselves: in the same folders, in the same order.
    catalog.use_search_path(search_dirs(hc.runtime.config_sources))
    try:
        with catalog.reading():  # one view of the config files for the whole run
            dispatch(cfg, out_dir, multirun)
    except Exception as err:
        if os.environ.get(DEBUG):
            raise
        if multirun:
            # One job's failure is its record; the sweep goes on and summarises the others.
            kind = "skipped" if isinstance(err, NotEstimable) else "error"
            sweep_records.failure(out_dir, message(err), hc.overrides.task, kind)
            return
        discard(out_dir)
        print(one_line(err), file=sys.stderr)
        sys.exit(2)


def search_dirs(sources: Any) -> list[Path]:
    """Hydra's config sources as folders, in Hydra's order; the packaged configs (served by
    Hydra or by carbonspec's config source) are conf/."""
    dirs = []
    for source in sources:
        if source.schema == "file":
            dirs.append(Path(source.path))
        elif source.path == "carbonspec.conf":
            dirs.append(catalog.CONF_DIR)
    return dirs


class RunFolders(Callback):
    """Notes, before Hydra makes a run's folder, which of its folders exist already (Hydra calls
    this from hydra.callbacks in config.yaml), so that a failed run removes only what it made."""

    existing: Path | None = None  # the deepest folder on the run folder's path that existed
    config_copy: Path | None = None  # Hydra's copy of the config (.hydra), if this run makes it

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        run_dir = Path(os.path.abspath(str(config.hydra.run.dir)))
        existing = run_dir
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        subdir = config.hydra.output_subdir
        copy = run_dir / str(subdir) if subdir is not None else None
        RunFolders.existing = existing
        RunFolders.config_copy = copy if copy is not None and not copy.exists() else None


def discard(run_dir: Path) -> None:
    """A run that failed leaves nothing behind that it made: Hydra's copy of the config, then
    the folders Hydra made for the run, as long as they are empty. A folder that existed before
    the run stays, whatever it holds; without RunFolders' note nothing is removed."""
    existing, copy = RunFolders.existing, RunFolders.config_copy
    RunFolders.existing = RunFolders.config_copy = None
    if existing is None or not run_dir.is_dir():
        return
    if {p.name for p in run_dir.iterdir()} - ({copy.name} if copy is not None else set()):
        return  # the run wrote something before it failed: keep it all
    if copy is not None:
        shutil.rmtree(copy, ignore_errors=True)
    folder = run_dir
    while folder != existing and folder.is_relative_to(existing):
        try:
            folder.rmdir()  # only an empty folder: anything written meanwhile stays
        except OSError:
            break
        folder = folder.parent


def make_sweeper_discoverable() -> None:
    """Let Hydra find carbonspec's plugins (its sweeper, its config source) in an editable
    install too.

    Hydra discovers plugins by walking the directories of the hydra_plugins namespace package; an
    editable install maps ours through an import hook that the walk does not see, so its real
    folder is added (a regular install already has it in site-packages). Where Hydra had already
    walked them in this process (a test that used the compose API first), they are registered
    through Hydra's public Plugins.register.
    """
    from hydra.core.plugins import Plugins

    import hydra_plugins
    import hydra_plugins.carbonspec_sweeper as sweeper_plugin
    from hydra_plugins.carbonspec_configs.config_source import (
        CarbonspecConfigSource,
        CarbonspecSearchPath,
    )
    from hydra_plugins.carbonspec_sweeper.sweeper import CarbonspecSweeper

    folder = str(Path(sweeper_plugin.__file__).parents[1])
    if folder not in list(hydra_plugins.__path__):
        hydra_plugins.__path__.append(folder)
    plugins = Plugins.instance()
    for plugin in (CarbonspecSweeper, CarbonspecConfigSource, CarbonspecSearchPath):
        kind = next(k for k in (Sweeper, ConfigSource, SearchPathPlugin) if issubclass(plugin, k))
        if plugin not in plugins.discover(kind):
            plugins.register(plugin)


def main() -> None:
    argv = sys.argv[1:]
    try:
        catalog.use_search_path(checks.config_search_dirs(argv))
        with catalog.reading(remember=False):  # each file read once for the checks
            if listing.requested(argv):
                print(listing.listing(argv), end="")
                return
            argv = checks.with_home_expanded(argv)
            line = checks.command_line(argv)  # Hydra's flags and grammar, then carbonspec's
            checks.check(line.overrides, line.multirun, line.config_name)
        checks.check_writable(line)
        sys.argv[1:] = checks.with_schema_keys(argv)
    except (checks.OverrideError, catalog.ConfigError, configfiles.ConfigFileError) as err:
        print(one_line(err), file=sys.stderr)
        sys.exit(2)
    # Hydra then raises what it cannot compose instead of printing a traceback: one line here.
    os.environ["HYDRA_FULL_ERROR"] = "1"
    make_sweeper_discoverable()
    if will_draw(argv):
        figures.start_worker()
    try:
        hydra_main()
    except KeyboardInterrupt:
        print("carbonspec: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as err:
        if os.environ.get(DEBUG):
            raise
        print(one_line(err), file=sys.stderr)
        sys.exit(2)
    finally:
        figures.stop_worker()


def will_draw(argv: list[str]) -> bool:
    """A sweep or a by-region table ends in a figure: worth starting its drawing process now."""
    if {"-m", "--multirun"} & set(argv):
        return True
    tables_asked = [a.split("=", 1)[1] for a in argv if a.startswith("table=")]
    return any(catalog.read_plain("table", t).get("kind") == "by_region" for t in tables_asked)


if __name__ == "__main__":
    main()
