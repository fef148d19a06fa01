"""Read the packaged config groups directly, without composing a Hydra config.

Tables and the by-region fast path need dozens of models and hundreds of regions at once;
composing each through Hydra costs ~80 ms, while reading a YAML file costs well under 1 ms.
The files are the same ones Hydra composes, so both paths see the same facts.
"""

from __future__ import annotations

import atexit
import dataclasses
import difflib
import enum
import fnmatch
import os
import pickle
import re
import sys
import tempfile
import threading
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from carbonspec import bounds, core, yamlfile
from carbonspec import conf as _conf_package
from carbonspec.schema import (
    Compute,
    Embodied,
    Hardware,
    Model,
    Power,
    Provider,
    Region,
    Uncertainty,
    Water,
)

CONF_DIR = Path(_conf_package.__file__).parent
# Where config files are looked up, first match wins: a user's own folders (Hydra's searchpath
# or --config-dir), then the packaged conf/. See use_search_path().
_search_dirs: list[Path] = [CONF_DIR]
T = TypeVar("T")
SCHEMAS: dict[str, type] = {
    "hardware": Hardware,
    "provider": Provider,
    "region": Region,
    "model": Model,
    "uncertainty": Uncertainty,
    "embodied": Embodied,
    "water": Water,
    "compute": Compute,
    "power": Power,
}


class ParsedFiles:
    """YAML files as parsed data, kept between runs in a cache file.

    Parsing the catalog's few hundred YAML files takes longer than estimating every region; a
    file's parsed data is reused while its size and modification time stay the same. The cache
    lives in the user's cache folder ($XDG_CACHE_HOME or ~/.cache/carbonspec); where that cannot be
    written, files are simply parsed each time.
    """

    def __init__(self) -> None:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        self.path = base / "carbonspec" / f"parsed-{yaml.__version__}-{yamlfile.RULES}.pickle"
        self.entries: dict[str, tuple[int, int, Any]] | None = None
        self.changed = False

    def get(self, path: Path) -> dict[str, Any]:
        if self.entries is None:
            self.entries = self._load()
            atexit.register(self.save)
        stat = path.stat()
        key = str(path.resolve())
        hit = self.entries.get(key)
        if hit is not None and hit[:2] == (stat.st_mtime_ns, stat.st_size):
            return hit[2]  # read-only, like everything _read returns
        data = yamlfile.load(path)
        self.entries[key] = (stat.st_mtime_ns, stat.st_size, data)
        self.changed = True
        return data

    def _load(self) -> dict[str, tuple[int, int, Any]]:
        try:
            with open(self.path, "rb") as f:
                entries = pickle.load(f)
            return entries if isinstance(entries, dict) else {}
        except (OSError, pickle.PickleError, EOFError, AttributeError, ValueError):
            return {}

    def save(self) -> None:
        if not self.changed or self.entries is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.path.parent, delete=False) as tmp:
                pickle.dump(self.entries, tmp, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp.name, self.path)  # whole or not at all, also with runs in parallel
        except OSError:
            pass


parsed = ParsedFiles()


class ConfigError(ValueError):
    """A config file or an override does not fit its group's schema, or names nothing."""


def use_search_path(user_dirs: list[Path]) -> None:
    """Look in the user's own config folders before the packaged one (as Hydra does)."""
    global _search_dirs
    dirs = [*user_dirs, CONF_DIR]
    if dirs != _search_dirs:
        _search_dirs = dirs
        for cached in (options, _read, load_fast, provider_regions, read_root, primary_defaults):
            cached.cache_clear()


def is_packaged(group: str, name: str) -> bool:
    """Whether an option comes from carbonspec's own conf/ (not a user's folder)."""
    return path_of(group, name).parent.parent == CONF_DIR


def path_of(group: str, name: str) -> Path:
    """The file a group option is read from (the user's folders first)."""
    return _find(f"{group}/{name}.yaml")


def _find(relative: str) -> Path:
    for folder in _search_dirs:
        if (folder / relative).is_file():
            return folder / relative
    return CONF_DIR / relative


@cache
def options(group: str) -> list[str]:
    """Every option of a config group, sorted: what Hydra would offer for ``group=``."""
    return sorted({p.stem for folder in _search_dirs for p in (folder / group).glob("*.yaml")})


def matching(group: str, pattern: str) -> list[str]:
    """Options matching a shell-style pattern, like Hydra's ``glob()`` sweep."""
    return [name for name in options(group) if fnmatch.fnmatchcase(name, pattern)]


def require_option(group: str, name: str) -> None:
    valid = options(group)
    if name not in valid:
        shown = ", ".join(valid) if len(valid) <= 40 else f"{len(valid)} options (list={group})"
        raise ConfigError(f"unknown {group} '{name}'.{did_you_mean(name, valid)} Valid: {shown}")


def did_you_mean(name: str, valid: list[str]) -> str:
    """ " Did you mean a or b?" with the closest valid names, capitals aside; or ""."""
    lowered = {v.lower(): v for v in valid}
    key = str(name).lower()
    if key in lowered:
        close = [lowered[key]]
    else:
        close = [v for low, v in lowered.items() if key and low.startswith(key)]
        close = close or [lowered[m] for m in difflib.get_close_matches(key, lowered, 3, 0.6)]
    return f" Did you mean {' or '.join(close[:3])}?" if close else ""


@cache
def _read(group: str, name: str) -> dict[str, Any]:
    require_option(group, name)
    return parsed.get(_find(f"{group}/{name}.yaml"))


def body(group: str, name: str) -> dict[str, Any]:
    """The group's node: ``# @package _global_`` files keep it under the group's own key."""
    raw = _read(group, name)
    return raw[group] if group in raw and set(raw) <= {group, "defaults"} else raw


def default_choices(group: str, name: str) -> dict[str, str]:
    """The ``override /group: option`` entries of a config's defaults list."""
    chosen: dict[str, str] = {}
    entries = _read(group, name).get("defaults")
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict):
            for key, value in entry.items():
                chosen[key.removeprefix("override").strip().lstrip("/").split("@")[0]] = value
    return chosen


@cache
def _structured(schema: type) -> DictConfig:
    """The schema as an OmegaConf node, built once (merge copies it, never changes it)."""
    return OmegaConf.structured(schema)


def validate(schema: type[T], node: Any, where: str) -> T:
    """A config node as a typed object; unknown fields and wrong types fail naming the field."""
    try:
        merged = OmegaConf.merge(_structured(schema), node)
        return OmegaConf.to_object(merged)  # type: ignore[return-value]
    except OmegaConfBaseException as err:
        problem = shape_problem(schema, node, "")
        if problem:  # a list where a mapping belongs, or the other way round: say which
            raise ConfigError(f"invalid {where}: {problem}") from None
        key = getattr(err, "full_key", None) or ""
        reason = str(err).splitlines()[0]
        raise ConfigError(f"invalid {'.'.join(filter(None, [where, key]))}: {reason}") from None
    except OverflowError:  # an integer of hundreds of digits in a float field: name it
        data = OmegaConf.to_container(node) if isinstance(node, DictConfig) else node
        group = next((g for g, kind in SCHEMAS.items() if kind is schema), "")
        path, value = too_large(data, group) or (group, None)
        bound = bounds.bound_of(re.sub(r"\[\d+\]", "[]", path))
        rule = bound.rule if bound else "a number of at most 308 digits"
        raise ConfigError(
            f"invalid {where}: {path} must be {rule} (got {core.shown(value)})"
        ) from None


def shape_problem(kind: Any, value: Any, path: str) -> str | None:
    """Where config data has a list for a mapping, or a mapping or a bare value for a list,
    against a schema type: the field and what was found; None if the shapes fit."""
    kind = non_optional(kind)
    if value is None:
        return None
    is_list = isinstance(value, Sequence) and not isinstance(value, str)
    is_mapping = isinstance(value, Mapping)
    found = "a list" if is_list else "a mapping" if is_mapping else f"{value!r:.40}"
    if typing.get_origin(kind) is list:
        if not is_list:
            return f"{path or 'the file'} must be a list (- item lines), not {found}"
        (item,) = typing.get_args(kind)
        problems = (shape_problem(item, v, f"{path}[{i}]") for i, v in enumerate(value))
        return next((p for p in problems if p), None)
    fields = field_types(kind)
    if fields is None and typing.get_origin(kind) is not dict:
        return None
    if not is_mapping:
        return f"{path or 'the file'} must be a mapping of key: value lines, not {found}"
    inner = ((k, v) for k, v in value.items() if fields and k in fields)
    problems = (shape_problem(fields[k], v, f"{path}.{k}".lstrip(".")) for k, v in inner)
    return next((p for p in problems if p), None)


def too_large(data: Any, path: str) -> tuple[str, int] | None:
    """The first integer in plain config data that no float can hold, and where it is."""
    if isinstance(data, dict):
        items = [(f"{path}.{key}".lstrip("."), value) for key, value in data.items()]
    elif isinstance(data, list):
        items = [(f"{path}[{i}]", value) for i, value in enumerate(data)]
    else:
        return None
    for inner, value in items:
        if isinstance(value, int) and abs(value) > sys.float_info.max:
            return inner, value
        if found := too_large(value, inner):
            return found
    return None


def load(group: str, name: str) -> Any:
    """A config file as its typed object (Hardware, Region, ...), validated."""
    return validate(SCHEMAS[group], body(group, name), f"{group} '{name}'")


@cache
def load_fast(group: str, name: str) -> Any:
    """Like load(), for packaged files already validated by the test suite: ~50x faster, as
    it builds the typed object straight from the YAML, without OmegaConf."""
    return _build(SCHEMAS[group], body(group, name))


def _build(kind: Any, value: Any) -> Any:
    """``value`` (plain YAML data) as an object of type ``kind``: dataclasses, their nested
    dataclasses, lists of them and enums are built; other values are taken as they are."""
    if value is None:
        return None
    kind = non_optional(kind)
    if typing.get_origin(kind) is list:
        (item,) = typing.get_args(kind)
        return [_build(item, v) for v in value]
    fields = field_types(kind)
    if fields is not None:
        return kind(**{k: _build(fields[k], v) for k, v in value.items()})
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind(value)
    return value


def non_optional(kind: Any) -> Any:
    """``X`` for ``X | None``; any other type as it is (a union of several stays a union)."""
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(kind) if a is not type(None)]
        return inner[0] if len(inner) == 1 else kind
    return kind


@cache
def field_types(kind: Any) -> dict[str, Any] | None:
    """A dataclass's fields and their types; None for anything that is not a dataclass."""
    if not (isinstance(kind, type) and dataclasses.is_dataclass(kind)):
        return None
    return typing.get_type_hints(kind)


@dataclass(frozen=True)
class Choice:
    """Which hardware, region and provider a model config composes, by name."""

    hardware: str
    region: str
    provider: str


def model_choice(model: str) -> Choice:
    """A model's own choices, else the primary config's defaults (as Hydra would compose)."""
    chosen = {**primary_defaults(), **default_choices("model", model)}
    return Choice(chosen["hardware"], chosen["region"], region_provider(chosen["region"]))


@cache
def primary_defaults() -> dict[str, str]:
    """The group choices in conf/config.yaml's defaults list (hardware, region, ...)."""
    return defaults_of(read_root("config"))


def defaults_of(config: dict[str, Any]) -> dict[str, str]:
    """The plain ``group: option`` entries of a config's defaults list."""
    entries = config.get("defaults")
    entries = entries if isinstance(entries, list) else []
    return {k: v for e in entries if isinstance(e, dict) for k, v in e.items() if " " not in k}


def has_root(name: str) -> bool:
    """Whether a file ``<name>.yaml`` is at the top of a config folder (a primary config)."""
    return _find(f"{name}.yaml").is_file()


def region_provider(region: str) -> str:
    return default_choices("region", region).get("provider", "private")


def read_plain(group: str, name: str) -> dict[str, Any]:
    """A config file as plain data (tables are presentation specs, checked where they are used)."""
    return dict(_read(group, name))


@cache
def provider_regions(provider: str) -> list[tuple[str, Region]]:
    """A provider's regions (named <provider>-<code>), for the cleanest-region line; only a
    provider with a choice of regions has one."""
    names = matching("region", f"{provider}-*")
    return [(name, load_fast("region", name)) for name in names] if len(names) > 1 else []


@cache
def read_root(name: str) -> dict[str, Any]:
    """A file at the top of conf/ that is not a config group (references, equivalents)."""
    return yamlfile.load(_find(f"{name}.yaml"))


# -- Public listings: carbonspec.catalog.models(), regions(pattern), hardware() -------------------
# What the catalog holds, with display names, for Python users (the command line's list=). The
# rest of this module is carbonspec's internal config reader.

# carbonspec's config reading keeps process-wide state (the search path, parsed files): the
# public API (carbonspec.api) and these listings hold this lock while they use it.
LOCK = threading.RLock()


@dataclass(frozen=True)
class ModelEntry:
    name: str  # model=<name>
    display_name: str
    hardware: str  # the hardware its run used
    region: str  # where it ran (or the operator's stand-in site)
    provider: str


@dataclass(frozen=True)
class RegionEntry:
    name: str  # region=<name>
    display_name: str
    short_name: str
    provider: str
    country: str | None


@dataclass(frozen=True)
class HardwareEntry:
    name: str  # hardware=<name>
    display_name: str
    short_name: str
    kind: str  # gpu, tpu, cpu, ...
    power_w: float
    power_kind: str  # tdp or measured_average


def _in_folders(searchpath: Iterable[str | Path]) -> None:
    use_search_path([Path(p).expanduser().resolve() for p in searchpath])


def models(pattern: str = "*", searchpath: Iterable[str | Path] = ()) -> list[ModelEntry]:
    """Every model (matching a shell-style pattern), with its name and the run's hardware and
    site; ``searchpath`` adds your own config folders."""
    with LOCK:
        _in_folders(searchpath)
        entries = []
        for name in matching("model", pattern):
            choice = model_choice(name)
            label = str(body("model", name).get("name") or name)
            entries.append(ModelEntry(name, label, choice.hardware, choice.region, choice.provider))
        return entries


def regions(pattern: str = "*", searchpath: Iterable[str | Path] = ()) -> list[RegionEntry]:
    """Every region matching a shell-style pattern (``"aws-*"``), with its names and provider."""
    with LOCK:
        _in_folders(searchpath)
        entries = []
        for name in matching("region", pattern):
            node = body("region", name)
            display = str(node.get("display_name") or name)
            short = str(node.get("short_name") or display)
            country = node.get("country")
            entries.append(
                RegionEntry(name, display, short, region_provider(name), country and str(country))
            )
        return entries


def hardware(pattern: str = "*", searchpath: Iterable[str | Path] = ()) -> list[HardwareEntry]:
    """Every device (matching a shell-style pattern), with its names and power figure."""
    with LOCK:
        _in_folders(searchpath)
        entries = []
        for name in matching("hardware", pattern):
            node = body("hardware", name)
            display = str(node.get("name") or name)
            entries.append(
                HardwareEntry(
                    name,
                    display,
                    str(node.get("short_name") or display),
                    str(node.get("kind", "gpu")),
                    float(node["power_w"]),
                    str(node.get("power_kind", "")),
                )
            )
        return entries
