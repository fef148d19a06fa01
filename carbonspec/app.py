"""The Hydra layer: compose the config, turn it into typed inputs, dispatch, write the outputs.

python -m carbonspec                       # the seed paper's three tables
python -m carbonspec model=gpt3            # one estimate
python -m carbonspec table=seed_industry   # one table
python -m carbonspec -m model=gpt3 'region=glob(aws-*)'   # a sweep, summarised at the end
"""

from __future__ import annotations

import difflib
import os
import sys
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from carbonspec import catalog, outputs, tables
from carbonspec.core import InputError
from carbonspec.estimate import NoGridData, Run, estimate
from carbonspec.schema import GRID_WORDS, Hardware, Model, Provider, Region, Settings, Uncertainty


def settings_of(cfg: DictConfig) -> Settings:
    """The top-level options (method, grid, pue, format, ...), checked by their schema."""
    names = Settings.__dataclass_fields__
    settings = catalog.validate(Settings, {k: cfg[k] for k in names if k in cfg}, "")
    grid = settings.grid
    if grid not in GRID_WORDS and not (grid.isdigit() and 1990 <= int(grid) <= 2100):
        raise catalog.ConfigError(
            f"grid={grid} is not a choice: auto, calculator, latest or a year (grid=2021)"
        )
    return settings


def table_options(settings: Settings) -> tables.Options:
    """The table-level options the user set on the command line (a table keeps its own else)."""
    given = {o.split("=", 1)[0].lstrip("+~") for o in HydraConfig.get().overrides.task}
    return tables.Options(
        method=settings.method if "method" in given else None,
        grid=settings.grid if "grid" in given else None,
        pue=settings.pue,
    )


def run_from_config(cfg: DictConfig, settings: Settings) -> Run:
    """The composed config as a typed Run; bad fields fail here, naming themselves."""
    chosen = HydraConfig.get().runtime.choices
    if OmegaConf.is_missing(cfg.region, "carbon_intensity"):
        raise InputError(
            "region.carbon_intensity",
            None,
            f"is required for region={chosen['region']} (give region.carbon_intensity=<gCO2eq/kWh>,"
            " and optionally region.pue=<PUE>)",
        )
    return Run(
        model_key=chosen["model"],
        model=catalog.validate(Model, cfg.model, f"model '{chosen['model']}'"),
        hardware_key=chosen["hardware"],
        hardware=catalog.validate(Hardware, cfg.hardware, f"hardware '{chosen['hardware']}'"),
        region_key=chosen["region"],
        region=catalog.validate(Region, cfg.region, f"region '{chosen['region']}'"),
        provider_key=chosen["provider"],
        provider=catalog.validate(Provider, cfg.provider, f"provider '{chosen['provider']}'"),
        uncertainty=catalog.validate(Uncertainty, cfg.uncertainty, "uncertainty"),
        method=settings.method,
        grid=settings.grid,
        pue=settings.pue,
    )


def single_estimate(cfg: DictConfig, settings: Settings) -> tuple[Run, dict[str, Any]]:
    run = run_from_config(cfg, settings)
    alternatives = catalog.provider_regions(run.provider_key)
    return run, {**estimate(run, alternatives), "overrides": list(HydraConfig.get().overrides.task)}


def dispatch(cfg: DictConfig, out_dir: Path) -> None:
    settings = settings_of(cfg)
    fmt = settings.format
    if cfg.get("table") is not None:
        name = HydraConfig.get().runtime.choices["table"]
        result = tables.build(cfg, name, settings, table_options(settings))
        outputs.emit_tables([result], fmt, out_dir, settings.export_dir, settings.latex.width.value)
    elif cfg.get("model") is not None:
        run, result = single_estimate(cfg, settings)
        if HydraConfig.get().mode == RunMode.MULTIRUN:
            # In a sweep the summary is the output; each job says one line and keeps its JSON.
            outputs.emit_sweep_job(result, out_dir)
        else:
            outputs.emit_estimate(result, run.model, fmt, out_dir, settings.export_dir)
    else:
        options = table_options(settings)
        results = [tables.build_named(name, options) for name in settings.main_tables]
        outputs.emit_tables(results, fmt, out_dir, settings.export_dir, settings.latex.width.value)


@hydra.main(version_base="1.3", config_path="pkg://carbonspec.conf", config_name="config")
def hydra_main(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    out_dir = Path(hc.runtime.output_dir)
    # Tables read model and region files directly: let them see the user's folders too.
    catalog.use_search_path([Path(s.path) for s in hc.runtime.config_sources if s.schema == "file"])
    if hc.mode == RunMode.MULTIRUN and OmegaConf.is_missing(cfg.region, "carbon_intensity"):
        # glob(*) includes region=custom, which has no intensity until a user gives one:
        # not a failure of the sweep, just nothing to estimate.
        outputs.write_job_error(
            out_dir, "needs region.carbon_intensity", hc.overrides.task, "skipped"
        )
        return
    try:
        dispatch(cfg, out_dir)
    except NoGridData as err:
        if hc.mode != RunMode.MULTIRUN:
            print(f"carbonspec: error: {err}", file=sys.stderr)
            sys.exit(2)
        # a region whose data has a gap is not a failed job, just nothing to estimate
        outputs.write_job_error(out_dir, str(err), list(hc.overrides.task), "skipped")
    except Exception as err:
        if os.environ.get("CARBONSPEC_DEBUG"):
            raise
        expected = isinstance(err, InputError | catalog.ConfigError)
        message = (
            f"carbonspec: error: {err}"
            if expected
            else (
                f"carbonspec: internal error: {type(err).__name__}: {err} "
                "(set CARBONSPEC_DEBUG=1 for the traceback)"
            )
        )
        if hc.mode == RunMode.MULTIRUN:
            # A failed job must not end the sweep: record it for the summary and carry on.
            outputs.write_job_error(out_dir, str(err), list(hc.overrides.task))
            print(message, file=sys.stderr)
            return
        print(message, file=sys.stderr)
        sys.exit(2)


def make_sweeper_discoverable() -> None:
    """Let Hydra find carbonspec's sweeper in an editable install too.

    Hydra discovers plugins by walking the directories of the hydra_plugins namespace package; an
    editable install maps ours through an import hook that the walk does not see, so its real
    folder is added (a regular install already has it in site-packages).
    """
    import hydra_plugins
    import hydra_plugins.carbonspec_sweeper as sweeper_plugin

    folder = str(Path(sweeper_plugin.__file__).parents[1])
    if folder not in list(hydra_plugins.__path__):
        hydra_plugins.__path__.append(folder)


CHOOSABLE_GROUPS = ("model", "hardware", "region", "provider", "table")


def check_choices(argv: list[str]) -> str | None:
    """An unknown option in a plain ``group=name`` override, as one line with suggestions.

    Hydra would say it too, over some 300 lines for regions; sweeps (``a,b``, ``glob(...)``)
    and the user's own config folders are left to Hydra, which knows them.
    """
    if any(a.startswith(("hydra.searchpath", "--config-dir", "-cd", "--config-path", "-cp"))
           for a in argv):  # fmt: skip
        return None
    for arg in argv:
        group, _, name = arg.partition("=")
        if group in CHOOSABLE_GROUPS and not name:
            return f"{group}= needs a value"
        if group not in CHOOSABLE_GROUPS or any(c in name for c in ",()*?[]$"):
            continue
        valid = catalog.options(group)
        if name == "null":
            return f"{group}=null is not a choice: leave {group}= out for none"
        if name not in valid:
            starting = [v for v in valid if v.startswith(name)]
            close = (starting or difflib.get_close_matches(name, valid, n=3, cutoff=0.6))[:3]
            hint = f" Did you mean {' or '.join(close)}?" if close else ""
            return f"unknown {group} '{name}'.{hint} Valid {group} options: {', '.join(valid)}"
    return None


def main() -> None:
    problem = check_choices(sys.argv[1:])
    if problem:
        print(f"carbonspec: error: {problem}", file=sys.stderr)
        sys.exit(2)
    make_sweeper_discoverable()
    hydra_main()


if __name__ == "__main__":
    main()
