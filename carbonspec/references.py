"""Citations: BibTeX entries for the keys an output cites, the keys its LaTeX uses, equivalents."""

from __future__ import annotations

import re
from typing import Any

from carbonspec import catalog
from carbonspec.render import latex_escape

FIELD_ORDER = (
    "author", "title", "journal", "booktitle", "howpublished", "institution",
    "volume", "number", "pages", "month", "year", "doi", "url", "note",
)  # fmt: skip
RAW_FIELDS = {"url", "doi"}  # set by \url{} / as identifiers: escaping would break them
MONTHS = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
# Words a bibliography style must not lowercase although only their first letter is a capital:
# names of models, systems and organisations that appear in the catalog's titles.
PROPER_NOUNS = {
    "Pathways", "Gopher", "Falcon", "Gemini", "Llama", "Transformer", "Transformers", "Evolved",
    "Switch", "Volcano", "Ember", "World", "Data", "Green", "Software", "Foundation", "Cloud",
    "Region", "Metadata", "Impact", "Electricity", "Maps", "Our",
}  # fmt: skip
_CITE = re.compile(r"\\cite[pt]?\*?(?:\[[^\]]*\])*\{([^}]*)\}")


def protect_title(title: str) -> str:
    """Braces around the words whose case a style must keep (BLOOM, GShard, PaLM, 176B, GPT-3),
    so that styles which lowercase titles print "BLOOM", not "bloom"."""
    words = []
    for word in title.split(" "):
        escaped = latex_escape(word)
        core = word.strip(":,.;!?()\"'")
        keep = (
            any(c.isupper() for c in core[1:])
            or (any(c.isdigit() for c in core) and any(c.isupper() for c in core))
            or core in PROPER_NOUNS
        )
        words.append(f"{{{escaped}}}" if keep and escaped else escaped)
    return " ".join(words)


def field_value(name: str, value: Any) -> str:
    text = str(value)
    if name in RAW_FIELDS:
        return text
    if name == "title":
        return protect_title(text)
    if name == "author":  # braces group a corporate author ({Our World in Data}): keep them
        return "".join(c if c in "{}" else latex_escape(c) for c in text)
    return latex_escape(text)


def bibtex_entry(paper: dict[str, Any]) -> str:
    """One entry: every field escaped for LaTeX (url and doi kept as they are)."""
    lines = [f"@{paper.get('type') or 'misc'}{{{paper['key']},"]
    for name in FIELD_ORDER:
        value = paper.get(name)
        if value is None:
            continue
        if name == "month" and str(value).lower()[:3] in MONTHS:
            lines.append(f"  month = {str(value).lower()[:3]},")  # a style's month macro
        else:
            lines.append(f"  {name} = {{{field_value(name, value)}}},")
    return "\n".join(lines) + "\n}\n"


def known_entries() -> dict[str, dict[str, Any]]:
    """Every citable entry by key: conf/references.yaml and each model's paper (the catalog
    caches the files, and forgets them when the user's config folders change)."""
    entries = {e["key"]: e for e in catalog.read_root("references").values()}
    for name in catalog.options("model"):
        paper = catalog.body("model", name).get("paper")
        if paper and paper.get("key"):
            entries.setdefault(paper["key"], paper)
    return entries


def cited_keys(*texts: str) -> list[str]:
    """The keys \\cite{}d in LaTeX texts, in order of first use, once each."""
    keys = [k.strip() for text in texts for group in _CITE.findall(text) for k in group.split(",")]
    return list(dict.fromkeys(k for k in keys if k))


def bibtex_for_keys(keys: list[str]) -> str:
    """The entries of exactly these keys, once each, in the order given."""
    entries = known_entries()
    missing = [k for k in keys if k not in entries]
    if missing:
        raise catalog.ConfigError(f"no BibTeX entry for cited key(s): {', '.join(missing)}")
    return "\n".join(bibtex_entry(entries[k]) for k in dict.fromkeys(keys))


def merge_bib(existing: str, new: str) -> str:
    """One .bib from two: every key once (the newer entry wins), sorted by key."""

    def split(text: str) -> dict[str, str]:
        blocks = re.split(r"\n(?=@)", text.strip()) if text.strip() else []
        return {re.match(r"@\w+\{([^,]+),", b).group(1): b.strip() + "\n" for b in blocks}  # type: ignore[union-attr]

    merged = split(existing) | split(new)
    return "\n".join(merged[k] for k in sorted(merged))


def data_reference(result: dict[str, Any]) -> str:
    """The reference key of the grid data an estimate used."""
    refs = catalog.read_root("references")
    if result["grid"] == "user":
        return refs["tool"]["key"]
    source = result.get("grid_source") or ""
    for entry in refs.values():
        if any(source.startswith(m) for m in entry.get("matches", [])):
            return entry["key"]
    return refs["tool"]["key"]


def cite_keys(result: dict[str, Any]) -> dict[str, str]:
    refs = catalog.read_root("references")
    return {
        "method": refs["method"]["key"],
        "tool": refs["tool"]["key"],
        "grid": data_reference(result),
        "host": refs["green_algorithms"]["key"],
        "codecarbon": refs["codecarbon"]["key"],
    }


def equivalents(emissions_kg: float) -> list[dict[str, Any]]:
    return [
        {"amount": emissions_kg / e["kg_co2_per_unit"], "unit": e["unit"], "source": e["source"]}
        for e in catalog.read_root("equivalents").values()
    ]
