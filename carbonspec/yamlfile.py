"""How carbonspec reads a YAML config file: the one place for the rules a file must meet.

Hydra composes config files with OmegaConf's YAML loader, which has no limits: a file of a few
lines whose aliases expand into billions of nodes runs until it is killed. carbonspec reads
every file a run will compose through ``load`` first (the catalog's parse point, and the
command-line checks before Hydra starts), so a file Hydra would choke on is refused here, in one
line naming the file and the line:

- at most ``MAX_BYTES`` bytes of UTF-8 text;
- at most ``MAX_NODES`` values once its aliases are expanded, and no alias inside itself;
- every key of a mapping given once (OmegaConf refuses duplicates too, with no file name);
- a mapping at the top (``key: value`` lines), never a list or a bare value.

Scalars are typed as OmegaConf types them, so that both readings of a file agree: ``5e2`` is the
number 500 (YAML 1.1 alone reads it as a string) and a date stays a string.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from omegaconf._utils import get_yaml_loader  # the loader Hydra composes config files with

MAX_BYTES = 1_000_000  # the largest packaged file is under 20 kB
MAX_NODES = 100_000  # every value, once aliases are expanded; a packaged file has under 2,000
RULES = "r2"  # names the rules above: data parsed under other rules is not reused
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlFileError(ValueError):
    """A config file carbonspec will not read; the message is one line naming the file."""


class Loader(_Base):  # type: ignore[misc,valid-type]
    """PyYAML's safe loader (the C one where installed) with OmegaConf's scalar types; the
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


def load(path: Path) -> dict[str, Any]:
    """A config file's data (an empty file is ``{}``); YamlFileError if it breaks a rule."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as err:
        raise YamlFileError(f"cannot read {path}: {err.strerror or type(err).__name__}") from None
    if len(data) > MAX_BYTES:
        raise YamlFileError(
            f"{path} is larger than {MAX_BYTES:,} bytes: a config file is a page of YAML, not"
            " data; split it or keep the data elsewhere"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise YamlFileError(
            f"{path}, line {line}: not UTF-8 text (byte 0x{data[err.start]:02x}); save the file"
            " as UTF-8"
        ) from None
    try:
        parsed = yaml.load(text, Loader=Loader)
    except _Refused as err:
        raise YamlFileError(f"{path}, line {err.line}: {err}") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = str(getattr(err, "problem", None) or err).splitlines()[0]
        raise YamlFileError(f"invalid YAML in {path}{where}: {problem}") from None
    except RecursionError:
        raise YamlFileError(f"{path}: nested too deeply to read") from None
    if parsed is None:
        return {}
    if not isinstance(parsed, dict):
        kind = "a list" if isinstance(parsed, list) else f"a single value ({parsed!r:.40})"
        raise YamlFileError(
            f"{path}, line 1: a config file must be a mapping of key: value lines, this one is"
            f" {kind}"
        )
    return parsed


def line_of(path: Path, key: str) -> int:
    """The line of a top-level key's value in a file ``load`` accepted (1 if not found)."""
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
