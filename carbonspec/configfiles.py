"""Config files as parsed data: read the way OmegaConf reads them, remembered by content.

Hydra reads every config file with ``OmegaConf.load``: PyYAML's pure-Python safe loader with
OmegaConf's rules (``1e6`` is a float, dates stay strings, a key given twice is an error). Here the
same rules run on PyYAML's C parser where it is installed, about ten times faster, so that
carbonspec's own reader (carbonspec.catalog) and Hydra's (through the config source in
hydra_plugins/carbonspec_configs) see exactly the same data; tests/test_config_reading.py checks
the two against each other on every packaged file.

A file's parsed data is remembered under the hash of its bytes, never under its name, time or
size: a file edited in any way is parsed again. Between runs it is kept as JSON (data, never
code) in the user's cache folder, signed with a random key kept beside it, so that a cache file
that is foreign, corrupt, edited or of another shape is ignored and rebuilt; see DiskCache.
Both the memory and the file are bounded.
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

_SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FLOAT = "tag:yaml.org,2002:float"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
MISSING = "???"  # OmegaConf's mandatory value: merging it keeps what was there
CACHE_DIR_ENV = "CARBONSPEC_CACHE_DIR"  # the test suite points it at a folder of its own
# What a cache entry was made by: these rules (their version) and PyYAML's
CACHE_FORMAT = f"carbonspec parsed YAML 1, PyYAML {yaml.__version__}"


class Loader(_SafeLoader):  # type: ignore[misc, valid-type]
    """PyYAML's safe loader with OmegaConf's YAML rules (omegaconf._utils.get_yaml_loader, 2.3):
    a duplicate key fails, floats need no dot (``1e6``), timestamps stay strings."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = set()
        for key_node, _ in node.value:
            if key_node.tag != yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG:
                continue
            if key_node.value in keys:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {key_node.value}",
                    key_node.start_mark,
                )
            keys.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


Loader.add_implicit_resolver(
    _FLOAT,
    re.compile(
        """^(?:
         [-+]?[0-9]+(?:_[0-9]+)*\\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?[0-9]+(?:_[0-9]+)*(?:[eE][-+]?[0-9]+)
        |\\.[0-9]+(?:_[0-9]+)*(?:[eE][-+][0-9]+)?
        |[-+]?[0-9]+(?:_[0-9]+)*(?::[0-5]?[0-9])+\\.[0-9_]*
        |[-+]?\\.(?:inf|Inf|INF)
        |\\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)
Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in Loader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Parsed:
    """One file's content: its hash, its ``# @package`` header and its data (shared: read-only).
    Two are equal when their bytes are. ``interpolated`` holds the top-level keys under which a
    value holds ``${...}``, which only Hydra resolves."""

    digest: str
    package: str | None
    data: Any = field(compare=False)
    interpolated: frozenset[str] = field(compare=False)


class Memory:
    """Parsed files by the hash of their bytes, the least recently used dropped first beyond
    ``max_files`` files or ``max_bytes`` bytes of source (a larger file is parsed each time it
    is read); behind it, the files parsed in earlier runs (``disk``)."""

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
        hit = self.entries.get(digest)
        if hit is not None:
            self.entries.move_to_end(digest)
            return hit[1]
        result = self.disk.get(digest) if self.disk is not None else None
        if result is None:
            result = parse(raw, digest, where)
            if self.disk is not None:
                self.disk.put(result, len(raw))
        if len(raw) <= self.max_bytes // 10:
            self.entries[digest] = (len(raw), result)
            self.size += len(raw)
            while len(self.entries) > self.max_files or self.size > self.max_bytes:
                self.size -= self.entries.popitem(last=False)[1][0]
        return result


class DiskCache:
    """Parsed files kept between runs: one JSON file, ``parsed.json``, in the cache folder.

    - Keyed on the SHA-256 of a file's bytes, never on its name, time or size, so an edit is
      always seen; made by one version of these rules and of PyYAML (``CACHE_FORMAT``).
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
        entry = self.entries.get(digest)
        if not (
            isinstance(entry, list)
            and len(entry) == 3
            and (entry[0] is None or isinstance(entry[0], str))
            and isinstance(entry[1], list)
            and all(isinstance(k, str) for k in entry[1])
            and isinstance(entry[2], dict | list | str)
        ):
            return None
        self.used.add(digest)
        return Parsed(digest, entry[0], entry[2], frozenset(entry[1]))

    def put(self, parsed: Parsed, size: int) -> None:
        if self.entries is None or size > self.max_bytes // 10 or not _exact_in_json(parsed.data):
            return
        self.entries[parsed.digest] = [parsed.package, sorted(parsed.interpolated), parsed.data]
        self.used.add(parsed.digest)
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


def parse(raw: bytes, digest: str, where: str) -> Parsed:
    """A file's bytes as data, as OmegaConf.load reads them (an empty file is an empty mapping)."""
    text = raw.decode("utf-8")
    data = yaml.load(text, Loader=Loader)  # noqa: S506 (a safe loader)
    if data is None:
        data = {}
    if not isinstance(data, dict | list | str):
        raise yaml.YAMLError(f"{where}: a config file holds a mapping, not {type(data).__name__}")
    interpolated = (
        frozenset(k for k, v in data.items() if _interpolates(v))
        if isinstance(data, dict)
        else frozenset({""})
        if _interpolates(data)
        else frozenset()
    )
    return Parsed(digest, package_of(text, where), data, interpolated)


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
            raise yaml.YAMLError(f"{where}: expected a header '# @key value', got '{line}'")
        if parts[0] == "@package":
            package = parts[1]
    return package


memory = Memory(DiskCache.for_user())


def read(path: Path | str) -> Parsed:
    """A file as parsed data, read from disk now and parsed unless its very bytes were before."""
    with open(path, "rb", buffering=0) as f:
        raw = f.readall()
    return memory.parsed(raw, str(path))
