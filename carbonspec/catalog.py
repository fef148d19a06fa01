"""Read and compose carbonspec's config groups without Hydra, exactly as Hydra composes them.

Tables and the by-region fast path need dozens of models and hundreds of regions at once, and
the Python API hundreds of estimates in a loop; composing each through Hydra costs ~80 ms, while
composing the same files here costs well under 1 ms. So that every path gives the same numbers
(the command line types its groups from here too), compose() is a small composer that
mirrors Hydra 1.3 for the features carbonspec's configs use, and refuses, in one line, a file
that uses anything else (tests/test_composition.py builds every packaged model both ways):

- the primary config's defaults list (conf/config.yaml: ``group: option`` entries and
  ``_self_``, whose place sets when the primary's own keys are merged; Hydra's own ``hydra/``
  groups are Hydra's business and skipped);
- a group option's file: merged under its group's key, or at the top with
  ``# @package _global_``, where it may also set keys of other groups (a model's
  ``hardware.power_w``); the groups listed after its own in the primary defaults list are
  merged after it, so their own files win there, as in Hydra;
- its defaults list: ``override /group: option`` entries, and ``_self_``. Hydra expands the
  primary list from its end, so such an override applies to the groups listed before its own,
  and the first one registered wins: the command line's, then the later group's (a model's
  region beats the primary's; a model's ``override /provider`` beats its region's);
- files are looked up in Hydra's search order: the packaged conf/, then the ``--config-dir``
  folder, then ``hydra.searchpath`` folders; the first that has the file wins (a user's file
  of the same name as a packaged one is not read, in Hydra as here).

Interpolations (``${...}``), other package headers, other defaults entries (optional, nested or
renamed groups, option lists) are refused, naming the file.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import fnmatch
import hashlib
import os
import re
import sys
import threading
import types
import typing
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache, wraps
from pathlib import Path
from typing import Any, TypeVar

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from carbonspec import bounds, configfiles, core
from carbonspec import conf as _conf_package
from carbonspec.configfiles import MISSING, Parsed
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
_CONF = str(CONF_DIR)
PRIMARY = "config"
SELF = "_self_"
COMMAND_LINE = "the command line"  # the owner of the values set on top of the files
# Where config files are looked up, first match wins, in Hydra's order: the packaged conf/,
# the --config-dir folder, hydra.searchpath folders. See use_search_path().
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
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")


class ConfigError(ValueError):
    """A config file or an override does not fit its group's schema, or names nothing."""


class Unsupported(ConfigError):
    """A config file uses a Hydra feature that compose() does not mirror."""


def use_search_path(dirs: list[Path]) -> None:
    """Look config files up in these folders, in this order (Hydra's: the packaged conf/, the
    --config-dir folder, hydra.searchpath folders); the packaged conf/ is added last if
    missing (an app whose own config folder replaces carbonspec's)."""
    global _search_dirs, _reading
    ordered = list(dict.fromkeys(d if isinstance(d, Path) else Path(d) for d in dirs))
    if CONF_DIR not in ordered:
        ordered.append(CONF_DIR)
    if ordered != _search_dirs:
        _search_dirs = ordered
        if _reading is not None:
            _reading = _Reading(_reading.remember)  # what was found in the old folders


# One reading of the configs ------------------------------------------------------------------
#
# Within ``with reading():`` (a command, a table) every config file of the search path is read
# once (a few milliseconds for the ~480 packaged files): what it finds is hashed into one
# fingerprint, and what carbonspec works out from the files (a group's options, a file's
# defaults list and layers, a typed object, a provider's regions) is remembered under that
# fingerprint; compositions, many and seldom asked for twice, only for the reading. The next
# reading reads the files again: if any byte of any file changed, or a file came or went, the
# fingerprint differs and everything is worked out afresh. Nothing is keyed on a file's time or
# size. A call made outside a reading reads just the files it needs, and remembers nothing.


class _Reading:
    def __init__(self, remember: bool) -> None:
        self.remember = remember
        self.files: dict[str, str] | None = None  # relative path -> the file Hydra would read
        self.raw: dict[str, tuple[str, bytes]] = {}  # file -> (hash, bytes)
        self.parsed: dict[str, Parsed] = {}
        self.memo: dict[tuple[Any, ...], Any] | None = None if remember else {}
        self.local: dict[tuple[Any, ...], Any] = {}  # compositions: worked out per reading


_reading: _Reading | None = None
# What was worked out, by fingerprint: the few latest sets of files, each up to a size
_remembered: OrderedDict[str, dict[tuple[Any, ...], Any]] = OrderedDict()
_REMEMBERED_SETS = 4
_REMEMBERED_RESULTS = 200_000


@contextmanager
def reading(remember: bool = True) -> Iterator[None]:
    """Within this block each config file is read from disk once (a command, a table: one
    consistent view of the files); outside it, every call reads the files again."""
    global _reading
    if _reading is not None:
        yield
        return
    _reading = _Reading(remember)
    try:
        yield
    finally:
        _reading = None


def _current() -> _Reading:
    assert _reading is not None, "within catalog.reading()"
    return _reading


def _all_files() -> dict[str, str]:
    """Every YAML file of the search path, at its top or in a group's folder, by its path
    relative to its folder (``region/x.yaml``, ``config.yaml``): the first folder that has it,
    as Hydra looks files up."""
    current = _current()
    if current.files is None:
        found: dict[str, str] = {}
        for folder in _search_dirs:
            for entry in _entries(str(folder)):
                if entry.is_dir() and not entry.name.startswith((".", "__")):
                    for inner in _entries(entry.path):
                        if inner.name.endswith(".yaml") and inner.is_file():
                            found.setdefault(f"{entry.name}/{inner.name}", inner.path)
                elif entry.name.endswith(".yaml") and entry.is_file():
                    found.setdefault(entry.name, entry.path)
        current.files = found
    return current.files


def _entries(folder: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=lambda entry: entry.name)
    except OSError:
        return []


def _raw(path: str) -> tuple[str, bytes]:
    current = _current()
    hit = current.raw.get(path)
    if hit is None:
        raw = configfiles.read_bytes(path)
        hit = current.raw[path] = (hashlib.sha256(raw).hexdigest(), raw)
    return hit


def _memo() -> dict[tuple[Any, ...], Any]:
    """What this reading's files give, remembered under their fingerprint."""
    current = _current()
    if current.memo is None:
        fingerprint = hashlib.sha256()
        for relative, path in sorted(_all_files().items()):
            fingerprint.update(f"{relative}\0{path}\0{_raw(path)[0]}\n".encode())
        key = fingerprint.hexdigest()
        if key not in _remembered or len(_remembered[key]) > _REMEMBERED_RESULTS:
            _remembered[key] = {}
            while len(_remembered) > _REMEMBERED_SETS:
                _remembered.popitem(last=False)
        _remembered.move_to_end(key)
        current.memo = _remembered[key]
    return current.memo


_ABSENT = object()  # not worked out yet (None is a result)


def _remembered_for_the_files(function: Callable[..., T]) -> Callable[..., T]:
    """Work ``function`` out once for a set of files: its result depends on them alone."""

    name = function.__name__

    @wraps(function)
    def remembered(*args: Any) -> T:
        current = _reading
        if current is None:
            with reading(remember=False):
                return remembered(*args)
        memo = current.memo if current.memo is not None else _memo()
        key = (name, *args)
        hit = memo.get(key, _ABSENT)
        if hit is _ABSENT:
            hit = memo[key] = function(*args)
        return hit  # type: ignore[no-any-return]

    return remembered


def _per_reading(function: Callable[..., T]) -> Callable[..., T]:
    """Work ``function`` out once per reading: compositions, which a later reading seldom asks
    for again (a sweep's next job, a by-region table's next model) and which are many."""

    name = function.__name__

    @wraps(function)
    def remembered(*args: Any) -> T:
        current = _reading
        if current is None:
            with reading(remember=False):
                return remembered(*args)
        key = (name, *args)
        hit = current.local.get(key, _ABSENT)
        if hit is _ABSENT:
            hit = current.local[key] = function(*args)
        return hit  # type: ignore[no-any-return]

    return remembered


def _parsed(path: Path | str) -> Parsed:
    path = str(path)
    if _reading is None:
        return configfiles.read(path)
    current = _current()
    hit = current.parsed.get(path)
    if hit is None:
        digest, raw = _raw(path)
        hit = current.parsed[path] = configfiles.memory.parsed(raw, path, digest)
    return hit


def _find(relative: str) -> str | None:
    """The file Hydra reads for a path relative to the search path (``config.yaml``)."""
    if _reading is not None and _reading.remember:
        return _all_files().get(relative)
    for folder in _search_dirs:
        if (folder / relative).is_file():
            return str(folder / relative)
    return None


@_remembered_for_the_files
def _files(group: str) -> dict[str, str]:
    """A group's options and the file each is read from: the first folder that has it."""
    if _current().remember:
        prefix = f"{group}/"
        return {
            relative[len(prefix) : -len(".yaml")]: path
            for relative, path in _all_files().items()
            if relative.startswith(prefix) and "/" not in relative[len(prefix) :]
        }
    found: dict[str, str] = {}
    for folder in _search_dirs:
        try:
            entries = os.scandir(folder / group)
        except OSError:
            continue
        with entries:
            for entry in entries:
                if entry.name.endswith(".yaml") and entry.is_file():
                    found.setdefault(entry.name[: -len(".yaml")], entry.path)
    return found


def _path(group: str, name: str) -> str | None:
    """The file a group option is read from: the first folder of the search path that has it."""
    if _reading is not None and _reading.remember:
        return _files(group).get(name)
    if "/" in name or not _NAME.fullmatch(name):
        return None  # not a file of the group's own folder
    return _find(f"{group}/{name}.yaml")


def path_of(group: str, name: str) -> Path:
    """The file a group option is read from (the first folder of the search path that has it)."""
    return Path(_path(group, name) or CONF_DIR / group / f"{name}.yaml")


def is_packaged(group: str, name: str) -> bool:
    """Whether an option comes from carbonspec's own conf/ (not a user's folder)."""
    return path_of(group, name).parent.parent == CONF_DIR


@_remembered_for_the_files
def options(group: str) -> list[str]:
    """Every option of a config group, sorted: what Hydra would offer for ``group=``."""
    return sorted(_files(group))


def matching(group: str, pattern: str) -> list[str]:
    """Options matching a shell-style pattern, like Hydra's ``glob()`` sweep."""
    return [name for name in options(group) if fnmatch.fnmatchcase(name, pattern)]


def require_option(group: str, name: str) -> None:
    if _path(group, name) is None:
        valid = options(group)
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


def _read(group: str, name: str) -> Parsed:
    require_option(group, name)
    return _parsed(path_of(group, name))


def read_plain(group: str, name: str) -> dict[str, Any]:
    """A config file as plain data (tables are presentation specs, checked where they are used)."""
    data = _read(group, name).data
    if not isinstance(data, dict):
        raise ConfigError(f"{path_of(group, name)}: a config file holds a mapping")
    return dict(data)


def body(group: str, name: str) -> dict[str, Any]:
    """The group's node as the option's own file gives it: a ``# @package _global_`` file's
    node under its group's key, any other file's whole content (its defaults list aside).
    Read as it is, also where compose() would refuse the file (listings, citations)."""
    parsed = _read(group, name)
    if parsed.package == "_global_":
        node = parsed.data.get(group)
        return node if isinstance(node, dict) else {}
    return {k: v for k, v in parsed.data.items() if k != "defaults"}


def read_root(name: str) -> dict[str, Any]:
    """A file at the top of conf/ that is not a config group (references, equivalents)."""
    path = _find(f"{name}.yaml")
    if path is None:
        raise ConfigError(f"no {name}.yaml in {', '.join(map(str, _search_dirs))}")
    return _parsed(path).data


def has_root(name: str) -> bool:
    """Whether a file ``<name>.yaml`` is at the top of a config folder (a primary config)."""
    return _find(f"{name}.yaml") is not None


def defaults_of(config: dict[str, Any]) -> dict[str, str]:
    """The plain ``group: option`` entries of a config's defaults list."""
    entries = config.get("defaults")
    entries = entries if isinstance(entries, list) else []
    return {k: v for e in entries if isinstance(e, dict) for k, v in e.items() if " " not in k}


def default_choices(group: str, name: str) -> dict[str, str]:
    """The ``override /group: option`` entries of an option's defaults list, read loosely (for
    reading every file a run will compose before Hydra does, carbonspec.checks; compose() reads
    them strictly, refusing what it does not mirror)."""
    chosen: dict[str, str] = {}
    entries = _read(group, name).data.get("defaults")
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict):
            for key, value in entry.items():
                chosen[key.removeprefix("override").strip().lstrip("/").split("@")[0]] = value
    return chosen


# Composition ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layer:
    """What one file (or the command line) sets under one top-level key, in merge order."""

    source: str
    digest: str | None = None  # the file's hash; the command line's key=value
    packaged_own: bool = False  # a group's own option file, from the packaged conf/
    node: Any = field(default=None, compare=False)


@dataclass(frozen=True)
class _Primary:
    where: str
    groups: tuple[tuple[str, str | None], ...]  # (group, default option), in order
    children: tuple[str, ...]  # the groups and _self_, in merge order
    overrides: tuple[tuple[str, str | None], ...]
    layers: tuple[tuple[str, Layer], ...]  # its own keys (Hydra's own hydra: aside)
    defaults: dict[str, str | None] = field(init=False, compare=False)
    backwards: tuple[tuple[str, str | None], ...] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "defaults", dict(self.groups))
        object.__setattr__(self, "backwards", self.groups[::-1])


@dataclass(frozen=True)
class _Option:
    group: str
    name: str
    where: str
    digest: str
    packaged: bool
    overrides: tuple[tuple[str, str | None], ...]
    contributions: tuple[tuple[str, Any], ...]  # (top-level key, node)
    layers: tuple[tuple[str, Layer], ...]  # the same, as layers
    keys: frozenset[str] = field(init=False, compare=False)  # the top-level keys it sets
    own: Any = field(init=False, compare=False)  # what it sets under its group's key, if any

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", frozenset(key for key, _ in self.contributions))
        object.__setattr__(self, "own", dict(self.contributions).get(self.group))


def _unsupported(where: str, what: str) -> Unsupported:
    return Unsupported(
        f"{where}: {what} is a Hydra feature carbonspec's config reader does not mirror"
        " (it reads `group: option`, `override /group: option` and `_self_` defaults,"
        " `# @package _global_` and plain values)"
    )


def _choice(where: str, value: Any) -> str | None:
    if value is None or (isinstance(value, str) and _NAME.fullmatch(value)):
        return value
    raise _unsupported(where, f"the option {value!r}")


@_remembered_for_the_files
def _primary() -> _Primary:
    path = _find(f"{PRIMARY}.yaml")
    if path is None:
        raise ConfigError(f"no {PRIMARY}.yaml in {', '.join(map(str, _search_dirs))}")
    return _primary_of(_parsed(path), path)


@lru_cache(maxsize=1024)  # by the file's content: its hash is part of ``parsed``
def _primary_of(parsed: Parsed, where: str) -> _Primary:
    data = parsed.data
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: a config file holds a mapping")
    groups: list[tuple[str, str | None]] = []
    children: list[str] = []
    overrides: list[tuple[str, str | None]] = []
    for entry in data.get("defaults") or []:
        if entry == SELF:
            children.append(SELF)
            continue
        if not (isinstance(entry, dict) and len(entry) == 1):
            raise _unsupported(where, f"the defaults entry {entry!r}")
        ((key, value),) = entry.items()
        override = key.startswith("override ")
        group = key.removeprefix("override ").strip().removeprefix("/")
        if group.startswith("hydra/"):
            continue  # Hydra's own config (its sweeper, its logging): not carbonspec's
        if not _NAME.fullmatch(group) or "." in group:
            raise _unsupported(where, f"the defaults entry {entry!r}")
        if override:
            overrides.append((group, _choice(where, value)))
        else:
            groups.append((group, _choice(where, value)))
            children.append(group)
    if SELF not in children:
        children.append(SELF)  # Hydra 1.1+ merges a primary config's own keys last
    content = {k: v for k, v in data.items() if k not in ("defaults", "hydra")}
    if parsed.interpolated & content.keys():
        raise _unsupported(where, "an interpolation (${...})")
    layers = tuple((k, Layer(where, parsed.digest, node=v)) for k, v in content.items())
    return _Primary(where, tuple(groups), tuple(children), tuple(overrides), layers)


@_remembered_for_the_files
def _option(group: str, name: str) -> _Option:
    """A group option's file as composition uses it."""
    require_option(group, name)
    path = _path(group, name)
    assert path is not None
    packaged = os.path.dirname(os.path.dirname(path)) == _CONF
    return _option_of(_parsed(path), group, name, path, packaged)


@lru_cache(maxsize=8192)  # by the file's content: its hash is part of ``parsed``
def _option_of(parsed: Parsed, group: str, name: str, where: str, packaged: bool) -> _Option:
    data = parsed.data
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: a config file holds a mapping")
    if parsed.package not in (None, "_group_", "_global_"):
        raise _unsupported(where, f"# @package {parsed.package}")
    overrides: list[tuple[str, str | None]] = []
    for entry in data.get("defaults") or []:
        if entry == SELF:
            continue  # its only child: where it stands changes nothing
        if isinstance(entry, dict) and len(entry) == 1:
            ((key, value),) = entry.items()
            target = key.removeprefix("override ").strip()
            if key.startswith("override ") and target.startswith("/"):
                target = target[1:]
                if _NAME.fullmatch(target) and "." not in target:
                    overrides.append((target, _choice(where, value)))
                    continue
        raise _unsupported(where, f"the defaults entry {entry!r}")
    if parsed.interpolated - {"defaults"}:
        raise _unsupported(where, "an interpolation (${...})")
    own = {k: v for k, v in data.items() if k != "defaults"}
    contributions = tuple(own.items()) if parsed.package == "_global_" else ((group, own),)
    layers = tuple(
        (key, Layer(where, parsed.digest, packaged and key == group, node=node))
        for key, node in contributions
    )
    return _Option(
        group, name, where, parsed.digest, packaged, tuple(overrides), contributions, layers
    )


@dataclass(frozen=True)
class Composition:
    """What Hydra would compose: the group choices, each chosen option's file, and what each
    file (and the command line) sets, in merge order."""

    choices: dict[str, str | None]
    files: dict[str, _Option]
    sources: tuple[tuple[tuple[str, Layer], ...], ...]
    owners: tuple[str, ...]  # whose each source is: a group, _self_ or the command line

    @cached_property
    def layers(self) -> dict[str, list[Layer]]:
        """Each top-level key's layers, in merge order (read-only)."""
        layers: dict[str, list[Layer]] = {}
        for source in self.sources:
            for key, layer in source:
                if key in layers:
                    layers[key].append(layer)
                else:
                    layers[key] = [layer]
        return layers

    def untouched(self, group: str) -> bool:
        """Whether the group's node is its own packaged file's, with nothing set on top."""
        option = self.files.get(group)
        if option is None or not option.packaged or group not in option.keys:
            return False
        return len(self.layers[group]) == 1  # its own file's (a file sets a key once)

    def node(self, key: str) -> Any:
        """The key's value as Hydra merges it (read-only: a file's own data where one file
        sets it all)."""
        layers = self.layers.get(key, ())
        if len(layers) == 1:
            return layers[0].node
        merged: Any = None
        for i, layer in enumerate(layers):
            merged = _copy(layer.node) if i == 0 else _merge(merged, layer.node)
        return merged

    def typed(self, group: str) -> Any:
        """The group as its typed object: straight from an untouched packaged file (its schema
        is checked by the test suite), with the command line's values of its plain fields
        converted one by one as OmegaConf converts them (validating the whole group costs more
        than an estimate); else validated, so that a bad value fails naming it."""
        if self.untouched(group):
            option = self.files[group]
            return _built(group, option.digest, option.own)
        changes = self._command_line_fields(group)
        if changes is not None:
            option = self.files[group]
            built = _built(group, option.digest, option.own)
            try:
                values = {k: _field_value(SCHEMAS[group], k, v) for k, v in changes.items()}
                return dataclasses.replace(built, **values)
            except (OmegaConfBaseException, ValueError, TypeError, OverflowError):
                pass  # validated whole below, so that the message names the field
        where = f"{group} '{self.choices.get(group)}'"
        return validate(SCHEMAS[group], self.node(group) or {}, where)

    def _command_line_fields(self, group: str) -> dict[str, Any] | None:
        """The command line's values for a group set by its own packaged file and nothing else,
        where each is a plain value of a plain field (a number, a string, an enum); else None."""
        option = self.files.get(group)
        if option is None or not option.packaged or group not in option.keys:
            return None
        setting = [
            (owner, layer)
            for owner, source in zip(self.owners, self.sources, strict=True)
            for key, layer in source
            if key == group
        ]
        if len(setting) != 2 or setting[0][0] != group or setting[1][0] != COMMAND_LINE:
            return None
        node = setting[1][1].node
        fields = field_types(SCHEMAS[group]) or {}
        if not isinstance(node, dict) or not all(
            key in fields
            and _plain_field(fields[key])
            and not isinstance(value, dict | list)
            and value != MISSING
            for key, value in node.items()
        ):
            return None
        return node

    def differs_from(self, other: Composition, apart_from: set[str]) -> list[str]:
        """The config groups, apart from these, whose choice or node differs between the two
        compositions. Quick where the same files set every other group and the files of these
        set nothing else; else key by key."""
        others = [group for group in SCHEMAS if group not in apart_from]
        differ = [g for g in others if self.choices.get(g) != other.choices.get(g)]
        same_others = self.owners == other.owners and all(
            mine is theirs or mine == theirs
            for mine, theirs, owner in zip(self.sources, other.sources, self.owners, strict=True)
            if owner not in apart_from
        )
        if same_others and all(
            composition.files[group].keys <= apart_from
            for composition in (self, other)
            for group in apart_from
            if group in composition.files
        ):
            return differ
        return differ + [
            g for g in others if g not in differ and self.layers.get(g) != other.layers.get(g)
        ]


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _merge(dest: Any, src: Any) -> Any:
    """OmegaConf.merge on plain data: mappings merge key by key, anything else replaces, and a
    mandatory value (???) keeps what was there."""
    if isinstance(src, str) and src == MISSING:
        return dest
    if not (isinstance(dest, dict) and isinstance(src, dict)):
        return _copy(src)
    merged = dict(dest)
    for key, value in src.items():
        if key in merged:
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = _copy(value)
    return merged


def compose(
    given: Mapping[str, str | None] | None = None, values: Mapping[str, Any] | None = None
) -> Composition:
    """The config Hydra composes for these group choices (``model=gpt3 region=...``: the
    command line's, or a table row's) and these key values (``region.pue=1.1``, as Hydra parsed
    them), set on top."""
    return _compose(tuple(sorted((given or {}).items())), _frozen(values))


def _frozen(values: Mapping[str, Any] | None) -> tuple[tuple[str, _Frozen], ...]:
    return tuple((k, _Frozen(v)) for k, v in sorted((values or {}).items()))


class _Frozen:
    """A value that can be part of a memo key: lists and mappings are compared by their repr."""

    def __init__(self, value: Any) -> None:
        self.value, self.text = value, repr(value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Frozen) and self.text == other.text

    def __hash__(self) -> int:
        return hash(self.text)


@_per_reading
def _expand(
    given: tuple[tuple[str, str | None], ...],
) -> tuple[dict[str, str | None], dict[str, _Option]]:
    """The group choices Hydra makes for these given choices, and each chosen option's file."""
    primary = _primary()
    memo = _memo()  # _option()'s, looked up here directly: this loop runs for every region
    chosen = dict(given)
    unknown = chosen.keys() - primary.defaults.keys()
    if unknown:
        raise ConfigError(f"{min(unknown)} is not a config group: {', '.join(primary.defaults)}")
    for group, name in primary.overrides:
        chosen.setdefault(group, name)
    choices: dict[str, str | None] = {}
    expanded: dict[str, _Option] = {}
    # Hydra expands the defaults list from its end: a later group's overrides reach the earlier
    # ones; the first registered wins (the command line's, then the later group's)
    for group, default in primary.backwards:
        name = chosen.get(group, default)
        choices[group] = name
        if name is None:
            continue
        option = memo.get(("_option", group, name)) or _option(group, name)
        expanded[group] = option
        for target, target_name in option.overrides:
            if target in chosen:
                continue
            if target in choices or target not in primary.defaults:
                raise ConfigError(
                    f"{option.where}: cannot override /{target}: it is not a group listed"
                    " before this one in the defaults list (a config overrides only those)"
                )
            chosen[target] = target_name
    return choices, expanded


@_per_reading
def _compose(
    given: tuple[tuple[str, str | None], ...], values: tuple[tuple[str, _Frozen], ...]
) -> Composition:
    primary = _primary()
    choices, expanded = _expand(given)
    owners = [child for child in primary.children if child == SELF or child in expanded]
    sources = [primary.layers if owner == SELF else expanded[owner].layers for owner in owners]
    if values:
        command_line = []
        for key, frozen in values:
            top, *path = key.split(".")
            node = frozen.value
            for part in reversed(path):
                node = {part: node}
            command_line.append((top, Layer(COMMAND_LINE, f"{key}={frozen.text}", node=node)))
        owners.append(COMMAND_LINE)
        sources.append(tuple(command_line))
    return Composition(choices, expanded, tuple(sources), tuple(owners))


def groups() -> list[str]:
    """The config groups of the primary config's defaults list, in order."""
    return [group for group, _ in _primary().groups]


@dataclass(frozen=True)
class Choice:
    """Which hardware, region and provider a model config composes, by name."""

    hardware: str
    region: str
    provider: str


def model_choice(model: str) -> Choice:
    """A model's own choices, else the primary config's defaults (as Hydra composes them). A
    user's model file that compose() does not mirror (only Hydra composes it) is read as its
    defaults list says, so that listings and a what-if's own hardware still name them."""
    try:
        choices = compose({"model": model}).choices
    except Unsupported:
        chosen = {**defaults_of(read_root(PRIMARY)), **default_choices("model", model)}
        region = str(chosen.get("region") or "")
        try:
            provider = region_provider(region)
        except Unsupported:
            provider = default_choices("region", region).get("provider") or chosen["provider"]
        return Choice(str(chosen.get("hardware") or ""), region, str(provider or ""))
    return Choice(choices["hardware"] or "", choices["region"] or "", choices["provider"] or "")


def region_provider(region: str) -> str:
    """A region's provider: the one its defaults list chooses (``override /provider: aws``),
    else the primary config's default, as Hydra composes ``region=<region>``."""
    return _expand((("region", region),))[0]["provider"] or ""


@_remembered_for_the_files
def _region_providers() -> dict[str, str]:
    return {name: region_provider(name) for name in options("region")}


def provider_regions(provider: str) -> list[tuple[str, Region]]:
    """A provider's regions (those whose defaults list chooses it), for the cleanest-region
    line; only a provider with a choice of regions has one. The primary config's default
    provider (``private``: on-premises, a site of one's own) offers none to choose from: the
    regions that keep it are countries and single sites. The same list object for the same
    files (estimate keeps its cleanest region per list)."""
    if _reading is None:
        with reading():
            return _provider_regions(provider)
    return _provider_regions(provider)


@_remembered_for_the_files
def _provider_regions(provider: str) -> list[tuple[str, Region]]:
    if provider == _primary().defaults.get("provider"):
        return []
    names = [name for name, chosen in _region_providers().items() if chosen == provider]
    return [(name, load_fast("region", name)) for name in names] if len(names) > 1 else []


# Typed objects -------------------------------------------------------------------------------


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


def _plain_field(kind: Any) -> bool:
    kind = non_optional(kind)
    return kind in (float, int, str, bool) or (
        isinstance(kind, type) and issubclass(kind, enum.Enum)
    )


def _field_value(schema: type, key: str, value: Any) -> Any:
    """A value for one plain field of a schema, converted and checked by OmegaConf exactly as
    for the whole schema (validate), at a fraction of the cost."""
    node = _field_node(schema, key)
    return getattr(OmegaConf.to_object(OmegaConf.merge(node, {key: value})), key)


@cache
def _field_node(schema: type, key: str) -> DictConfig:
    """One field of a schema as its own structured config."""
    kind = (field_types(schema) or {})[key]
    one = dataclasses.make_dataclass(
        schema.__name__, [(key, kind, dataclasses.field(default=MISSING))]
    )
    return OmegaConf.structured(one)


def load(group: str, name: str) -> Any:
    """A group option as Hydra composes it (``group=name``), typed and validated."""
    composition = compose({group: name})
    return validate(SCHEMAS[group], composition.node(group) or {}, f"{group} '{name}'")


def load_fast(group: str, name: str) -> Any:
    """Like load(): ~50x faster for an untouched packaged file (the test suite checks each one
    against its schema), as it builds the typed object straight from the YAML data."""
    return compose({group: name}).typed(group)


_BUILT_MAX = 8192
_built_memo: dict[tuple[str, str | None], Any] = {}


def _built(group: str, digest: str | None, node: Any) -> Any:
    """A packaged file's typed object, remembered by the file's content (shared: read-only)."""
    key = (group, digest)
    hit = _built_memo.get(key)
    if hit is None:
        if len(_built_memo) >= _BUILT_MAX:
            _built_memo.clear()
        hit = _built_memo[key] = _build(SCHEMAS[group], node)
    return hit


def _build(kind: Any, value: Any) -> Any:
    """``value`` (plain YAML data) as an object of type ``kind``, converted as OmegaConf's
    validation converts it: dataclasses, their nested dataclasses, lists of them and enums are
    built, integers become floats in float fields, a mandatory value (???) leaves the field's
    default; other values are taken as they are."""
    if value is None:
        return None
    kind = non_optional(kind)
    if typing.get_origin(kind) is list:
        (item,) = typing.get_args(kind)
        return [_build(item, v) for v in value]
    fields = field_types(kind)
    if fields is not None:
        return kind(**{k: _build(fields[k], v) for k, v in value.items() if v != MISSING})
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind(value)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is str and isinstance(value, int | float):
        return str(value)
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
    """The packaged conf/, then these folders (``hydra.searchpath``), in Hydra's order."""
    use_search_path([CONF_DIR, *(Path(p).expanduser().resolve() for p in searchpath)])


def models(pattern: str = "*", searchpath: Iterable[str | Path] = ()) -> list[ModelEntry]:
    """Every model (matching a shell-style pattern), with its name and the run's hardware and
    site; ``searchpath`` adds your own config folders."""
    with LOCK, reading():
        _in_folders(searchpath)
        entries = []
        for name in matching("model", pattern):
            choice = model_choice(name)
            label = str(body("model", name).get("name") or name)
            entries.append(ModelEntry(name, label, choice.hardware, choice.region, choice.provider))
        return entries


def regions(pattern: str = "*", searchpath: Iterable[str | Path] = ()) -> list[RegionEntry]:
    """Every region matching a shell-style pattern (``"aws-*"``), with its names and provider."""
    with LOCK, reading():
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
    with LOCK, reading():
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
