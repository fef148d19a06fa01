"""Command-line overrides checked before Hydra composes anything: one clear line per problem.

Hydra would report most of these too, but over several lines or a traceback (an unknown region
is some 300 lines of choices). Each check here names the override, says what is wrong and, where
it can, what was meant. The sweeper runs the same checks on every job of a sweep, so a sweep never
dies on a job that cannot be composed.
"""

from __future__ import annotations

import difflib
import errno
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from carbonspec import bounds, catalog
from carbonspec.schema import Settings, TableSpec

# Each group's node and the schema of its fields; the table's own node is a TableSpec.
NODE_SCHEMAS: dict[str, type] = {**catalog.SCHEMAS, "table": TableSpec}
GROUPS = tuple(NODE_SCHEMAS)
SWEEP_SYNTAX = (",", "glob(", "range(", "choice(", "interval(")
OWN_KEYS = ("hydra", "list")  # Hydra's own options, and carbonspec's list=
MAX_DIGITS = 300  # an integer literal longer than this cannot be any number carbonspec takes


class OverrideError(ValueError):
    """An override that cannot be composed or makes no sense; the message is one line."""


def user_config_dirs(argv: list[str]) -> list[Path]:
    """The user's own config folders from hydra.searchpath=[...] or --config-dir."""
    dirs = []
    for i, arg in enumerate(argv):
        if arg.startswith(("hydra.searchpath=", "+hydra.searchpath=")):
            inner = arg.split("=", 1)[1].strip("[]")
            dirs += [Path(p.strip().removeprefix("file://")) for p in inner.split(",") if p.strip()]
        elif arg in ("--config-dir", "-cd") and i + 1 < len(argv):
            dirs.append(Path(argv[i + 1]))
        elif arg.startswith("--config-dir="):
            dirs.append(Path(arg.split("=", 1)[1]))
    return dirs


def suggest(name: str, valid: list[str]) -> str:
    starting = [v for v in valid if v.startswith(name)]
    close = (starting or difflib.get_close_matches(name, valid, n=3, cutoff=0.6))[:3]
    return f" Did you mean {' or '.join(close)}?" if close else ""


def check(argv: list[str], multirun: bool) -> None:
    """Raise OverrideError for the first override that cannot work."""
    seen: dict[str, str] = {}
    for arg in argv:
        if arg.startswith("-"):
            continue  # -m, --multirun, --config-dir and the like are Hydra's
        key, sep, value = arg.partition("=")
        key = key.lstrip("+~")
        if not sep:
            raise OverrideError(f"'{arg}' is not an option: write key=value (e.g. model=gpt3)")
        if key.split(".")[0] in OWN_KEYS or key.startswith("hydra/"):
            continue
        if key in seen:
            raise OverrideError(f"{key} is given twice ({seen[key]} and {arg}): give it once")
        seen[key] = arg
        sweep = any(s in value for s in SWEEP_SYNTAX) and not value.startswith(("[", "'", '"'))
        if sweep and not multirun:
            raise OverrideError(
                f"{arg}: a comma or glob() makes a sweep; add -m to sweep, or give one value"
                + (" (write numbers without thousands separators)" if "," in value else "")
            )
        if key in GROUPS:
            check_option(key, value, sweep)
        else:
            check_key(key)
            check_number_length(key, value)


def check_option(group: str, value: str, sweep: bool) -> None:
    if not value:
        raise OverrideError(f"{group}= needs a value")
    if value == "null":
        raise OverrideError(f"{group}=null is not a choice: leave {group}= out for none")
    if sweep:
        return  # each job is checked on its own by the sweeper
    valid = catalog.options(group)
    if value not in valid:
        shown = ", ".join(valid) if len(valid) <= 40 else f"{len(valid)} options (list={group})"
        raise OverrideError(f"unknown {group} '{value}'.{suggest(value, valid)} Valid: {shown}")
    path = catalog.path_of(group, value)
    try:
        catalog.read_plain(group, value)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        raise OverrideError(f"invalid YAML in {path}{where}: {problem_of(err)}") from None


def problem_of(err: yaml.YAMLError) -> str:
    return str(getattr(err, "problem", None) or err).splitlines()[0]


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
            valid = [f"{prefix}{f}" for f in sorted(fields)]
            hint = suggest(f"{prefix}{part}", valid)
            raise OverrideError(
                f"unknown option {prefix}{part}.{hint} Valid here: {', '.join(sorted(fields))}"
            )
        schema = fields[part]
        where = f"{where}.{part}" if where else part


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
        if sep and key.lstrip("+") == "export_dir" and value.startswith("~"):
            arg = f"{key}={os.path.expanduser(value)}"
        out.append(arg)
    return out


WRITTEN_DIRS = ("export_dir", "hydra.run.dir", "hydra.sweep.dir")
NO_RUN_FLAGS = ("--cfg", "-c", "--info", "-i", "--help", "-h", "--hydra-help", "--shell-completion")


def check_writable(argv: list[str]) -> None:
    """The folders the run will write to must be folders it can write in, checked before
    anything is written and without creating any of them; an export folder's references.bib
    must be BibTeX (carbonspec merges into it)."""
    given = set()
    for arg in argv:
        key, _, value = arg.partition("=")
        key = key.lstrip("+")
        if key not in WRITTEN_DIRS:
            continue
        given.add(key)
        if not value or value == "null":
            if key == "export_dir" and value == "":
                raise OverrideError("export_dir= needs a folder (or leave it out)")
            continue
        if "${" in value:
            continue  # resolved by Hydra
        path = Path(value).expanduser() if key == "export_dir" else Path(value)
        problem = cannot_write(path)
        if problem:
            raise OverrideError(f"{key}={value}: {problem}")
        if key == "export_dir":
            from carbonspec.references import read_bib_file  # only an export needs BibTeX

            read_bib_file(path / "references.bib")
    if any(a.split("=", 1)[0] in NO_RUN_FLAGS for a in argv):
        return  # Hydra prints and writes nothing
    default = "hydra.sweep.dir" if {"-m", "--multirun"} & set(argv) else "hydra.run.dir"
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
        where = "" if existing == path else f" in {os.path.abspath(existing)}"
        why = "" if err.errno == errno.ENOENT else f" ({err.strerror or type(err).__name__})"
        return f"cannot write{where}{why}"
    return None
