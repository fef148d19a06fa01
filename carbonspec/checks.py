"""Command-line overrides checked before Hydra composes anything: one clear line per problem.

Hydra would report most of these too, but over several lines or a traceback (an unknown region
is some 300 lines of choices). Each check here names the override, says what is wrong and, where
it can, what was meant. The sweeper runs the same checks on every job of a sweep, so a sweep never
dies on a job that cannot be composed.
"""

from __future__ import annotations

import errno
import os
import sys
import tempfile
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, NoReturn

from hydra._internal.utils import get_args_parser  # Hydra's own flags, read as Hydra reads them
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.errors import HydraException

from carbonspec import bounds, catalog, configfiles
from carbonspec.schema import Settings, TableSpec

# Each group's node and the schema of its fields; the table's own node is a TableSpec.
NODE_SCHEMAS: dict[str, type] = {**catalog.SCHEMAS, "table": TableSpec}
GROUPS = tuple(NODE_SCHEMAS)
OWN_KEYS = ("hydra", "list")  # Hydra's own options, and carbonspec's list=
MAX_DIGITS = 300  # an integer literal longer than this cannot be any number carbonspec takes


class OverrideError(ValueError):
    """An override that cannot be composed or makes no sense; the message is one line."""


def config_search_dirs(argv: list[str]) -> list[Path]:
    """Where Hydra will look for config files, in its order: the packaged conf/, then the
    --config-dir folder, then the hydra.searchpath=[...] folders (Hydra adds --config-dir
    after its primary config's folder, and hydra.searchpath after both)."""
    first, last = [], []
    for i, arg in enumerate(argv):
        if arg.startswith(("hydra.searchpath=", "+hydra.searchpath=")):
            inner = arg.split("=", 1)[1].strip("[]")
            last += [Path(p.strip().removeprefix("file://")) for p in inner.split(",") if p.strip()]
        elif arg in ("--config-dir", "-cd") and i + 1 < len(argv):
            first.append(Path(argv[i + 1]))
        elif arg.startswith("--config-dir="):
            first.append(Path(arg.split("=", 1)[1]))
    return [catalog.CONF_DIR, *first, *last]


def suggest(name: str, valid: list[str]) -> str:
    return catalog.did_you_mean(name, valid)


@dataclass(frozen=True)
class CommandLine:
    """The command line as Hydra reads it: its flags, then its overrides."""

    overrides: list[str]
    multirun: bool = False
    config_name: str | None = None
    config_dir: str | None = None
    no_run: str | None = None  # --cfg, --info, --help...: Hydra prints, runs and writes nothing


def command_line(argv: list[str]) -> CommandLine:
    """Hydra's own reading of the command line (its argument parser), so that every flag of
    Hydra works as in any Hydra app; a line it cannot read is refused in one line."""
    parser = get_args_parser()

    def refuse(message: str) -> NoReturn:
        raise OverrideError(f"{message} (see --help; Hydra's flags go before the overrides)")

    parser.error = refuse  # type: ignore[method-assign]  # one line, not argparse's usage
    args = parser.parse_args(argv)
    no_run = next(
        (flag for flag, on in (("--help", args.help), ("--hydra-help", args.hydra_help),
         ("--cfg", args.cfg), ("--info", args.info),
         ("--shell-completion", args.shell_completion)) if on),
        None,
    )  # fmt: skip
    return CommandLine(
        overrides=list(args.overrides),
        multirun=bool(args.multirun),
        config_name=args.config_name,
        config_dir=args.config_dir,
        no_run=no_run,
    )


@cache
def _override_parser() -> OverridesParser:
    return OverridesParser.create()


# Hydra's grammar takes about half a millisecond per override: a Python sweep over every region
# checks and reads each region's override more than once. Callers only read the result.
@lru_cache(maxsize=4096)
def parse(override: str) -> Override:
    """One override as Hydra's grammar reads it (key=value, +key=value, ~key, sweeps, ${...})."""
    if "=" not in override and not override.startswith("~"):
        raise OverrideError(f"'{override}' is not an option: write key=value (e.g. model=gpt3)")
    try:
        (parsed,) = _override_parser().parse_overrides([override])
    except HydraException as err:
        lines = [
            line.strip()
            for line in str(err).splitlines()
            if line.strip() and not line.startswith(("Error parsing override", "See https"))
        ]
        why = f" ({lines[0][:80]})" if lines else ""
        raise OverrideError(
            f"'{override}' cannot be read{why}: write key=value (e.g. model=gpt3); quote a value"
            " with spaces or brackets"
        ) from None
    if not parsed.key_or_group:
        raise OverrideError(f"'{override}' names no option: write key=value (e.g. model=gpt3)")
    return parsed


def check(overrides: list[str], multirun: bool, config_name: str | None = None) -> None:
    """Raise OverrideError for the first override that cannot work; then read every config
    file the run will compose (see check_composed)."""
    for override in overrides:  # before Hydra's grammar, which cannot read such a number
        key, _, value = override.partition("=")
        check_number_length(key.lstrip("+~"), value)
    seen: dict[str, str] = {}
    chosen: dict[str, str] = {}
    for override in overrides:
        parsed = parse(override)
        key = parsed.key_or_group
        if key.split(".")[0] in OWN_KEYS or key.startswith("hydra/"):
            continue
        if key in seen:
            raise OverrideError(f"{key} is given twice ({seen[key]} and {override}): give it once")
        seen[key] = override
        if key == "table" and multirun:
            raise OverrideError("a table is one output, not a sweep: run it without -m")
        if parsed.is_delete():
            check_deletion(key, override)
            continue
        sweep = parsed.is_sweep_override()
        if sweep and not multirun:
            raise OverrideError(
                f"{override}: a comma or glob() makes a sweep; add -m to sweep, or give one value"
                + (" (write numbers without thousands separators)" if "," in override else "")
            )
        if key in GROUPS:
            value = None if sweep else parsed.value()
            check_option(key, value, sweep)
            if not sweep:
                chosen[key] = str(value)
        else:
            check_key(key)
    if multirun and "model" not in seen and config_name in (None, "config"):
        raise OverrideError(
            "a sweep estimates one model per job: add model=<name>, model=a,b or"
            " 'model=glob(*)' (the seed's tables are one run: leave out -m)"
        )
    check_composed(chosen, config_name or "config")


def check_deletion(key: str, override: str) -> None:
    """~model.devices leaves a field out (as if the config never set it); a group cannot be
    left out."""
    if key in GROUPS:
        raise OverrideError(
            f"{override}: the {key} group cannot be left out; choose another ({key}=<name>)"
        )
    check_key(key)


def check_option(group: str, value: Any, sweep: bool) -> None:
    if value == "":
        raise OverrideError(f"{group}= needs a value")
    if value is None and not sweep:
        raise OverrideError(f"{group}=null is not a choice: leave {group}= out for none")
    if sweep:
        return  # each job is checked on its own by the sweeper
    value = str(value)
    valid = catalog.options(group)
    if value not in valid:
        shown = ", ".join(valid) if len(valid) <= 40 else f"{len(valid)} options (list={group})"
        raise OverrideError(f"unknown {group} '{value}'.{suggest(value, valid)} Valid: {shown}")


# The groups that choose others in their defaults list, first: a table or model chooses
# hardware and region, a region its provider.
CHOOSERS = ("table", "model", "region")


def check_composed(chosen: dict[str, str], config_name: str = "config") -> None:
    """Read every config file Hydra will compose (the primary config, the options the command
    line chose, the options their defaults lists choose) through carbonspec.configfiles, so that a
    file Hydra's loader would choke on (an alias bomb, bytes that are not UTF-8, a list, a key
    given twice) is refused here, naming the file and line, before Hydra reads it."""
    try:
        root = catalog.read_root(config_name) if catalog.has_root(config_name) else {}
        final = {**catalog.defaults_of(root), **chosen}
        done: set[str] = set()
        for group in [*CHOOSERS, *sorted(set(NODE_SCHEMAS) - set(CHOOSERS))]:
            done.add(group)
            name = final.get(group)
            if name in (None, "null") or name not in catalog.options(group):
                continue  # none chosen, or an unknown name: check_option or Hydra says so
            check_shape(group, name)
            for inner, option in catalog.default_choices(group, name).items():
                if inner not in chosen and inner not in done:
                    final[inner] = option
    except configfiles.ConfigFileError as err:
        raise OverrideError(str(err)) from None


def check_key(key: str) -> None:
    """A key path must name a field: model.device_hours, region.pue, latex.width, pue, ..."""
    parts = key.split(".")
    top = parts[0]
    if top in NODE_SCHEMAS:
        schema: Any = NODE_SCHEMAS[top]
        rest = parts[1:]
        where = top
    else:
        schema, rest, where = Settings, parts, ""
    for part in rest:
        fields = fields_of(schema)
        if fields is None:
            return  # a free-form mapping (a table's region_values): anything goes
        if part not in fields:
            prefix = f"{where}." if where else ""
            names = sorted(fields) if prefix else sorted({*fields, *GROUPS})
            valid = [f"{prefix}{f}" for f in names]
            hint = suggest(f"{prefix}{part}", valid)
            raise OverrideError(
                f"unknown option {prefix}{part}.{hint} Valid here: {', '.join(names)}"
            )
        schema = fields[part]
        where = f"{where}.{part}" if where else part


def check_shape(group: str, name: str) -> None:
    """A group's file holds a mapping (its fields) and, if any, a defaults list: a list or a
    bare value where either belongs is refused with the file and line."""
    raw = catalog.read_plain(group, name)  # a file that cannot be read at all fails here
    path = catalog.path_of(group, name)
    for key, kind, shape in (("defaults", list, "a list (- override /hardware: h100_sxm)"),
                             (group, dict, "a mapping of key: value lines")):  # fmt: skip
        value = raw.get(key)
        if key in raw and value is not None and not isinstance(value, kind):
            found = "a list" if isinstance(value, list) else f"{type(value).__name__} {value!r:.30}"
            raise OverrideError(
                f"{path}, line {configfiles.line_of(path, key)}: {key} must be {shape}, not {found}"
            )


def check_number_length(key: str, value: str) -> None:
    """An integer of hundreds of digits is beyond any float (~1.8e308): Hydra's parser and
    OmegaConf fail on it (past 4,300 digits Python will not even read it). Refused here, naming
    the field and its range, and echoing only its first digits."""
    for item in value.split(","):
        digits = item.strip().lstrip("+-").replace("_", "")
        if len(digits) > MAX_DIGITS and digits.isdigit():
            bound = bounds.bound_of(key)
            rule = f"must be {bound.rule}" if bound else "takes no number this large"
            raise OverrideError(f"{key} {rule} (got {digits[:12]}... ({len(digits):,} digits))")


def fields_of(schema: Any) -> dict[str, Any] | None:
    """A dataclass's fields and their types (Optional unwrapped); None for anything else."""
    return catalog.field_types(catalog.non_optional(schema))


def with_schema_keys(argv: list[str]) -> list[str]:
    """Overrides of a schema field a config file leaves out (model.mfu on a model that sets no
    MFU) as Hydra's add-or-override, so that every field of the schema can be set as key=value."""
    out = []
    for arg in argv:
        key = arg.partition("=")[0]
        field = "=" in arg and "." in key and key.split(".")[0] in NODE_SCHEMAS
        out.append("++" + arg if field and not arg.startswith(("+", "~", "-")) else arg)
    return out


def with_home_expanded(argv: list[str]) -> list[str]:
    """export_dir=~/papers as the home folder's papers/ (a shell leaves ~ alone after = when
    quoted, and Hydra's grammar does not take a bare ~ in a value)."""
    out = []
    for arg in argv:
        key, sep, value = arg.partition("=")
        quote = value[:1] if value[:1] in ("'", '"') else ""
        if sep and key.lstrip("+") == "export_dir" and value[len(quote) :].startswith("~"):
            arg = f"{key}={quote}{os.path.expanduser(value[len(quote) :])}"
        out.append(arg)
    return out


WRITTEN_DIRS = ("export_dir", "hydra.run.dir", "hydra.sweep.dir")


def check_writable(line: CommandLine) -> None:
    """The folders the run will write to must be folders it can write in, checked before
    anything is written and without creating any of them; an export folder's references.bib
    must be BibTeX (carbonspec merges into it). Hydra's flags that only print write nothing:
    an export_dir given with them is said to be unused."""
    given = {}
    for override in line.overrides:
        if override.partition("=")[0].lstrip("+") in WRITTEN_DIRS:
            parsed = parse(override)  # as Hydra reads it: quotes removed, null is None
            value = parsed.value()
            given[parsed.key_or_group] = "null" if value is None else str(value)
    if line.no_run:
        if given.get("export_dir"):
            print(
                f"carbonspec: note: {line.no_run} prints and writes nothing; export_dir is not"
                " used",
                file=sys.stderr,
            )
        return
    for key, value in given.items():
        if not value or value == "null":
            if key == "export_dir" and value == "":
                raise OverrideError("export_dir= needs a folder (or leave it out)")
            continue
        if "${" in value:
            continue  # resolved by Hydra
        path = Path(value).expanduser() if key == "export_dir" else Path(value)
        problem = cannot_write(path)
        if problem:
            raise OverrideError(f"{key}={value}: {problem}; give a folder you can write in")
        if key == "export_dir":
            from carbonspec.references import read_bib_file  # only an export needs BibTeX

            read_bib_file(path / "references.bib")
    default = "hydra.sweep.dir" if line.multirun else "hydra.run.dir"
    if default not in given:
        problem = cannot_write(Path("outputs"))  # where config.yaml puts runs and sweeps
        if problem:
            raise OverrideError(
                f"the run's folder goes in outputs/: {problem}; run from a folder you can write"
                f" in, or give {default}=<folder>"
            )


def cannot_write(path: Path) -> str | None:
    """Why a folder cannot be written in (or made, with its parents), or None: tried on the
    folder, or the nearest one above it that exists, with a temporary file that leaves no trace."""
    existing = path
    while not existing.exists() and existing != existing.parent:
        if existing.is_symlink():
            return f"{existing} is a link to nothing"
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as err:
        where = f" in {os.path.abspath(existing)}"
        why = "" if err.errno == errno.ENOENT else f" ({err.strerror or type(err).__name__})"
        return f"cannot write{where}{why}"
    return None
