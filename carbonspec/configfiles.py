"""How carbonspec reads a YAML config file: one set of rules, and the parsed data remembered by
content.

Hydra composes config files with ``OmegaConf.load``: PyYAML's pure-Python safe loader with
OmegaConf's scalar types (``5e2`` is the number 500, where YAML 1.1 alone reads a string; a date
stays a string) and no limits. carbonspec reads every config file by these rules instead, on
PyYAML's C parser where it is installed (about ten times faster): its own composer
(carbonspec.catalog), the command-line checks before Hydra starts (carbonspec.checks), and Hydra
itself for the packaged configs (the config source in hydra_plugins/carbonspec_configs). So all
of them see the same data (tests/test_config_reading.py checks every packaged file against
OmegaConf's own reading), and a file Hydra's loader would choke on is refused first, in one
line naming the file and the line:

- at most ``MAX_BYTES`` bytes of UTF-8 text;
- at most ``MAX_NODES`` values once its aliases are expanded, and no alias inside itself;
- every key of a mapping given once (OmegaConf refuses duplicates too, with no file name);
- a mapping at the top (``key: value`` lines), never a list or a bare value;
- a ``# @package`` header read as Hydra reads it.

A file's parsed data is remembered under the hash of its bytes, never under its name, time or
size: a file edited in any way is parsed again. Between runs it is kept as JSON (data, never
code) in the user's cache folder, keyed on these rules' version (``RULES``) and the hash, signed
with a random key kept beside it, so that a cache file that is foreign, corrupt, edited, of
other rules or of another shape is ignored and rebuilt; see DiskCache. Both the memory and the
file are bounded.
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import json
import os
import re
import tempfile
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from omegaconf._utils import get_yaml_loader  # the loader Hydra composes config files with

MAX_BYTES = 1_000_000  # the largest packaged file is under 20 kB
MAX_NODES = 100_000  # every value, once aliases are expanded; a packaged file has under 2,000
# Names the rules of this module: data parsed under other rules is not reused (the disk cache's
# keys and format include it). Change it whenever what a file parses to, or refuses, changes.
RULES = "r3"
MISSING = "???"  # OmegaConf's mandatory value: merging it keeps what was there
CACHE_DIR_ENV = "CARBONSPEC_CACHE_DIR"  # the test suite points it at a folder of its own
# What a cache file was made by: these rules and PyYAML's version
CACHE_FORMAT = f"carbonspec parsed YAML {RULES}, PyYAML {yaml.__version__}"
_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ConfigFileError(ValueError):
    """A config file carbonspec will not read; the message is one line naming the file."""


class Loader(_Base):  # type: ignore[misc, valid-type]
    """PyYAML's safe loader (the C one where installed) with OmegaConf's scalar types
    (omegaconf._utils.get_yaml_loader's resolvers: floats without a dot, no timestamps); the
    document's node graph is checked before anything is built from it (see ``_check``)."""

    yaml_implicit_resolvers = {
        first: list(resolvers)
        for first, resolvers in get_yaml_loader().yaml_implicit_resolvers.items()
    }

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        _check(node)
        return self.construct_document(node)


@dataclass(frozen=True)
class Parsed:
    """One file's content: its hash, its ``# @package`` header and its data (shared: read-only).
    Two are equal when their bytes are. ``interpolated`` holds the top-level keys under which a
    value holds ``${...}``, which only Hydra resolves."""

    digest: str
    package: str | None
    data: dict[str, Any] = field(compare=False)
    interpolated: frozenset[str] = field(compare=False)


def cache_key(digest: str) -> str:
    """What a file's parsed data is remembered under: these rules and the hash of its bytes."""
    return f"{RULES}:{digest}"


# Reading ---------------------------------------------------------------------------------------


def read_bytes(path: Path | str) -> bytes:
    """A file's bytes, at most MAX_BYTES + 1 of them (parse refuses a larger file)."""
    try:
        with open(path, "rb", buffering=0) as f:
            # as much as the file holds (no 1 MB buffer for a file of a few hundred bytes)
            raw = f.read(min(os.fstat(f.fileno()).st_size, MAX_BYTES) + 1)
            while len(raw) <= MAX_BYTES:  # grown since, or a read cut short: read on
                more = f.read(MAX_BYTES + 1 - len(raw))
                if not more:
                    break
                raw += more
    except OSError as err:
        raise ConfigFileError(f"cannot read {path}: {err.strerror or type(err).__name__}") from None
    return raw


def read(path: Path | str) -> Parsed:
    """A config file as parsed data, read from disk now and parsed unless its very bytes were
    before (shared: read-only). ConfigFileError if it breaks a rule."""
    return memory.parsed(read_bytes(path), str(path))


def load(path: Path | str) -> dict[str, Any]:
    """A YAML file's data by the same rules, read and parsed now, not remembered, a fresh copy
    (a sweep's own multirun.yaml: each is read once). An empty file is ``{}``."""
    raw = read_bytes(path)
    return parse(raw, hashlib.sha256(raw).hexdigest(), str(path)).data


def parse(raw: bytes, digest: str, where: str) -> Parsed:
    """A file's bytes as data, as OmegaConf.load reads them (an empty file is an empty mapping),
    within the rules of this module; ``where`` names the file in an error."""
    if len(raw) > MAX_BYTES:
        raise ConfigFileError(
            f"{where} is larger than {MAX_BYTES:,} bytes: a config file is a page of YAML, not"
            " data; split it or keep the data elsewhere"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ConfigFileError(
            f"{where}, line {line}: not UTF-8 text (byte 0x{raw[err.start]:02x}); save the file"
            " as UTF-8"
        ) from None
    try:
        data = yaml.load(text, Loader=Loader)  # noqa: S506 (a safe loader)
    except _Refused as err:
        raise ConfigFileError(f"{where}, line {err.line}: {err}") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f", line {mark.line + 1}" if mark is not None else ""
        problem = str(getattr(err, "problem", None) or err).splitlines()[0]
        raise ConfigFileError(f"invalid YAML in {where}{at}: {problem}") from None
    except RecursionError:
        raise ConfigFileError(f"{where}: nested too deeply to read") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single value ({data!r:.40})"
        raise ConfigFileError(
            f"{where}, line 1: a config file must be a mapping of key: value lines, this one is"
            f" {kind}"
        )
    interpolated = frozenset(k for k, v in data.items() if _interpolates(v))
    return Parsed(digest, package_of(text, where), data, interpolated)


def line_of(path: Path, key: str) -> int:
    """The line of a top-level key's value in a file ``read`` accepted (1 if not found)."""
    node = yaml.compose(path.read_text(encoding="utf-8"), Loader=Loader)
    for key_node, value_node in node.value if isinstance(node, yaml.MappingNode) else []:
        if key_node.value == key:
            return value_node.start_mark.line + 1
    return 1


class _Refused(yaml.YAMLError):
    def __init__(self, message: str, node: yaml.Node) -> None:
        super().__init__(message)
        self.line = node.start_mark.line + 1


def _check(root: yaml.Node) -> None:
    """Duplicate keys, aliases inside themselves, and the size once aliases are expanded. An
    alias is the node it names (PyYAML shares it), so the expanded size is counted once per
    node and reused: linear in the file, whatever it would expand to."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise _Refused("the node anchored here holds an alias of itself", node)
        open_nodes.add(key)
        total = 1
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value != "<<":
                    if key_node.value in seen:
                        raise _Refused(
                            f"the key '{key_node.value:.60}' is given twice (also on line"
                            f" {seen[key_node.value]}): give it once",
                            key_node,
                        )
                    seen[key_node.value] = key_node.start_mark.line + 1
                total += size(key_node) + size(value_node)
        elif isinstance(node, yaml.SequenceNode):
            total += sum(size(item) for item in node.value)
        if total > MAX_NODES:
            raise _Refused(
                f"its aliases expand to more than {MAX_NODES:,} values: a config file cannot"
                " be this large",
                node,
            )
        open_nodes.discard(key)
        sizes[key] = total
        return total

    size(root)


def _interpolates(value: Any) -> bool:
    if isinstance(value, str):
        return "${" in value
    if isinstance(value, dict):
        return any(_interpolates(k) or _interpolates(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_interpolates(v) for v in value)
    return False


def package_of(text: str, where: str = "") -> str | None:
    """The ``# @package`` of a file's header, read as Hydra reads it
    (hydra.plugins.config_source.ConfigSource._get_header_dict): the comment lines at the top of
    the first 512 characters, each ``# @key value``."""
    package = None
    for line in text[:512].splitlines():
        line = line.strip()
        if not line:
            continue
        if not re.match("^\\s*#\\s*@", line):
            break
        parts = [part for part in line.lstrip("#").strip().split(" ") if part]
        if len(parts) != 2:
            raise ConfigFileError(f"{where}: expected a header '# @key value', got '{line}'")
        if parts[0] == "@package":
            package = parts[1]
    return package


# Remembering -----------------------------------------------------------------------------------


class Memory:
    """Parsed files by the hash of their bytes, the least recently used dropped first beyond
    ``max_files`` files or ``max_bytes`` bytes of source (a larger file is parsed each time it
    is read); behind it, the files parsed in earlier runs (``disk``). A file that breaks a rule
    is never remembered: it fails each time it is read."""

    def __init__(
        self, disk: DiskCache | None = None, max_files: int = 4096, max_bytes: int = 64 << 20
    ) -> None:
        self.disk = disk
        self.max_files, self.max_bytes = max_files, max_bytes
        self.entries: OrderedDict[str, tuple[int, Parsed]] = OrderedDict()
        self.size = 0

    def parsed(self, raw: bytes, where: str, digest: str | None = None) -> Parsed:
        """The file's data; ``digest``, the SHA-256 of ``raw``, where the caller has it."""
        digest = digest or hashlib.sha256(raw).hexdigest()
        key = cache_key(digest)
        hit = self.entries.get(key)
        if hit is not None:
            self.entries.move_to_end(key)
            return hit[1]
        result = self.disk.get(digest) if self.disk is not None else None
        if result is None:
            result = parse(raw, digest, where)
            if self.disk is not None:
                self.disk.put(result, len(raw))
        if len(raw) <= self.max_bytes // 10:
            self.entries[key] = (len(raw), result)
            self.size += len(raw)
            while len(self.entries) > self.max_files or self.size > self.max_bytes:
                self.size -= self.entries.popitem(last=False)[1][0]
        return result


class DiskCache:
    """Parsed files kept between runs: one JSON file, ``parsed.json``, in the cache folder.

    - Keyed on these rules' version and the SHA-256 of a file's bytes (``cache_key``), never on
      its name, time or size, so an edit is always seen; made by one version of these rules and
      of PyYAML (``CACHE_FORMAT``).
    - JSON, parsed as data: nothing in it can run code. Data that JSON would not give back
      exactly (a mapping with other keys than strings, a date) is not kept.
    - Signed: its first line holds an HMAC-SHA256 of the rest under a random key made on first
      use (``key``, readable by its owner only). A file not signed with that key (another
      user's or machine's, edited by hand, truncated, of another format or shape) is ignored
      entirely and rewritten. This guards against stale, foreign and corrupt files; whoever can
      read your key can write your cache, as they could write your configs.
    - Bounded: at most ``max_files`` entries and ``max_bytes`` bytes; entries this run did not
      use are dropped first, and a file whose data takes more than a tenth of that is not kept.
    - Written atomically, once, when the process ends, and only if it learnt something.
    """

    def __init__(self, folder: Path, max_files: int = 4096, max_bytes: int = 8 << 20) -> None:
        self.folder = folder
        self.path = folder / "parsed.json"
        self.max_files, self.max_bytes = max_files, max_bytes
        self.entries: dict[str, Any] | None = None
        self.used: set[str] = set()
        self.changed = False
        self._signing_key: bytes | None = None

    @classmethod
    def for_user(cls) -> DiskCache:
        """The cache folder: $CARBONSPEC_CACHE_DIR, else $XDG_CACHE_HOME/carbonspec, else
        ~/.cache/carbonspec."""
        folder = os.environ.get(CACHE_DIR_ENV)
        if folder:
            return cls(Path(folder))
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        return cls(Path(base) / "carbonspec")

    def get(self, digest: str) -> Parsed | None:
        if self.entries is None:
            self.entries = self._load()
            atexit.register(self.save)
        key = cache_key(digest)
        entry = self.entries.get(key)
        if not (
            isinstance(entry, list)
            and len(entry) == 3
            and (entry[0] is None or isinstance(entry[0], str))
            and isinstance(entry[1], list)
            and all(isinstance(k, str) for k in entry[1])
            and isinstance(entry[2], dict)
        ):
            return None
        self.used.add(key)
        return Parsed(digest, entry[0], entry[2], frozenset(entry[1]))

    def put(self, parsed: Parsed, size: int) -> None:
        if self.entries is None or size > self.max_bytes // 10 or not _exact_in_json(parsed.data):
            return
        key = cache_key(parsed.digest)
        self.entries[key] = [parsed.package, sorted(parsed.interpolated), parsed.data]
        self.used.add(key)
        self.changed = True

    def _key(self, create: bool) -> bytes | None:
        if self._signing_key is None:
            path = self.folder / "key"
            try:
                text = path.read_text(encoding="ascii").strip()
                if re.fullmatch("[0-9a-f]{64}", text):
                    self._signing_key = bytes.fromhex(text)
            except (OSError, ValueError):
                pass
            if self._signing_key is None and create:
                key = os.urandom(32)
                self._write(path, key.hex().encode("ascii"))
                self._signing_key = key
        return self._signing_key

    def _load(self) -> dict[str, Any]:
        try:
            key = self._key(create=False)
            if key is None:
                return {}
            with open(self.path, "rb") as f:
                header, _, payload = f.read().partition(b"\n")
            head = json.loads(header)
            mac = hmac.new(key, payload, hashlib.sha256).hexdigest()
            if not (
                isinstance(head, dict)
                and head.get("format") == CACHE_FORMAT
                and isinstance(head.get("mac"), str)
                and hmac.compare_digest(head["mac"], mac)
            ):
                return {}
            entries = json.loads(payload)
        except (OSError, ValueError):
            return {}
        return entries if isinstance(entries, dict) else {}

    def save(self) -> None:
        """Write the entries (those this run used last, so that they are dropped last)."""
        if not self.changed or self.entries is None:
            return
        order = [d for d in self.entries if d not in self.used] + [
            d for d in self.entries if d in self.used
        ]
        parts = [f"{json.dumps(d)}:{json.dumps(self.entries[d])}" for d in order]
        size = sum(len(p) + 1 for p in parts)
        first = 0
        while first < len(parts) and (len(parts) - first > self.max_files or size > self.max_bytes):
            size -= len(parts[first]) + 1
            first += 1
        payload = ("{" + ",".join(parts[first:]) + "}").encode("ascii")
        try:
            key = self._key(create=True)
            assert key is not None
            mac = hmac.new(key, payload, hashlib.sha256).hexdigest()
            header = json.dumps({"format": CACHE_FORMAT, "mac": mac}).encode("ascii")
            self._write(self.path, header + b"\n" + payload)
        except OSError:
            pass  # a cache folder that cannot be written: files are parsed each run
        self.changed = False

    def _write(self, path: Path, content: bytes) -> None:
        """Whole or not at all, also with runs in parallel; readable by the owner only."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(content)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _exact_in_json(value: Any) -> bool:
    """Whether JSON gives the value back as it is: str keys, JSON's scalars, lists, mappings."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _exact_in_json(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_exact_in_json(v) for v in value)
    return value is None or isinstance(value, str | int | float)


memory = Memory(DiskCache.for_user())
