"""What the catalog holds: python -m carbonspec list=<group> ['<pattern>'].

carbonspec list=model              every model, its name, hardware and site
carbonspec list=region 'aws-*'     regions matching a pattern, grouped by provider
carbonspec list                    every group and how many options it has
"""

from __future__ import annotations

import fnmatch
from itertools import groupby

from carbonspec import catalog

GROUPS = ("model", "hardware", "region", "provider", "table")
OWN = ("list=", "hydra.searchpath=", "+hydra.searchpath=", "-")  # what list takes
CONFIG_DIR_FLAGS = ("-cd", "--config-dir")


def requested(argv: list[str]) -> bool:
    return any(a == "list" or a.startswith("list=") for a in argv)


def listing(argv: list[str]) -> str:
    group = next((a.split("=", 1)[1] for a in argv if a.startswith("list=")), "")
    words = [a for i, a in enumerate(argv) if not (i and argv[i - 1] in CONFIG_DIR_FLAGS)]
    unused = [a for a in words if "=" in a and not a.startswith(OWN)]
    if unused:  # an option is applied or refused, never ignored
        key = unused[0].split("=", 1)[0]
        raise catalog.ConfigError(
            f"{key} cannot apply to list: list shows what the catalog holds and writes nothing;"
            f" leave {key} out"
        )
    patterns = [a for a in words if "=" not in a and a != "list" and not a.startswith("-")]
    pattern = patterns[0] if patterns else "*"
    if not group:
        lines = [f"{g:<9} {len(catalog.options(g)):>4} options: list={g}" for g in GROUPS]
        return "\n".join(lines) + "\n"
    if group not in GROUPS:
        raise catalog.ConfigError(f"list={group} is not a group: {', '.join(GROUPS)}")
    names = [n for n in catalog.options(group) if fnmatch.fnmatchcase(n, pattern)]
    if not names:
        raise catalog.ConfigError(f"no {group} matches '{pattern}' (list={group} shows them all)")
    return {"region": regions, "model": models}.get(group, plain)(group, names)


def plain(group: str, names: list[str]) -> str:
    lines = []
    for name in names:
        data = catalog.read_plain(group, name)
        label = data.get("name") or data.get("caption") or data.get("kind", "")
        lines.append(f"  {name:<28} {label}")
    return f"{group} ({len(names)}):\n" + "\n".join(lines) + "\n"


def models(group: str, names: list[str]) -> str:
    lines = []
    for name in names:
        body = catalog.body("model", name)
        choice = catalog.model_choice(name)
        lines.append(f"  {name:<22} {body.get('name', '')}  [{choice.hardware}, {choice.region}]")
    return f"model ({len(names)}):\n" + "\n".join(lines) + "\n"


def regions(group: str, names: list[str]) -> str:
    """Regions grouped by provider (country-* and operator sites apart), with counts."""
    out = []

    def family(name: str) -> str:
        return name.split("-", 1)[0]

    for prefix, members in groupby(names, key=family):
        members = list(members)
        out.append(f"{prefix} ({len(members)}):")
        for name in members:
            body = catalog.body("region", name)
            out.append(f"  {name:<28} {body.get('short_name') or body.get('display_name', '')}")
    return "\n".join(out) + "\n"
