"""Citations: BibTeX entries for the keys an output cites, the keys its LaTeX uses, equivalents."""

from __future__ import annotations

import re
from typing import Any

from carbonspec import catalog
from carbonspec.render import latex_escape

FIELD_ORDER = (
    "author", "title", "journal", "booktitle", "editor", "series", "volume", "number", "pages",
    "howpublished", "institution", "publisher", "address", "month", "year", "issn", "doi", "url",
    "note",
)  # fmt: skip
RAW_FIELDS = {"url", "doi", "issn"}  # set by \url{} / as identifiers: escaping would break them
MONTHS = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
# Names that a bibliography style must not lowercase although only their first letter is a
# capital: models, systems, data sets and organisations named in the catalog's titles. A name
# of several words is protected as a whole and only there ("Foundation" in "Green Software
# Foundation", not in "Open Foundation Language Models").
PROPER_NAMES = (
    "Our World in Data", "Green Software Foundation", "Cloud Region Metadata", "Electricity Maps",
    "ML CO2 Impact", "Switch Transformers", "Evolved Transformer", "Pathways", "Gopher", "Falcon",
    "Gemini", "Llama", "Volcano", "Nemotron", "Transformers", "Transformer", "Ember",
)  # fmt: skip
_NAME_RE = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, PROPER_NAMES)) + r")(?!\w)")
# Every way an output cites: its own macros (see carbonspec.latex) and the standard commands;
# keys hold no backslash or #, so the macros' own definitions (\citep{#1}) are not citations.
_CITE = re.compile(r"\\(?:carbonspeccite(?:year)?|cite[pt]?)\*?(?:\[[^\]]*\])*\{([^}\\#]*)\}")


def protect_title(title: str) -> str:
    """Braces around the names and acronyms whose case a style must keep (BLOOM, GShard, PaLM,
    176B, GPT-3, Green Software Foundation), so that styles which set titles in sentence case
    print "LLaMA: open and efficient foundation language models", not "llama: ..." and not
    "... Foundation ...". Ordinary words, hyphenated or not ("Open-Domain"), stay unbraced."""
    parts = []
    for i, chunk in enumerate(_NAME_RE.split(title)):
        if i % 2:  # a proper name, possibly of several words: one group
            parts.append(f"{{{latex_escape(chunk)}}}")
            continue
        words = []
        for word in chunk.split(" "):
            escaped = latex_escape(word)
            words.append(f"{{{escaped}}}" if escaped and keeps_case(word) else escaped)
        parts.append(" ".join(words))
    return "".join(parts)


def keeps_case(word: str) -> bool:
    """A word a style must not recase: one of its hyphen-separated parts is an acronym (OPT,
    LLMs, GPT), has a capital after its first letter (GShard, DeepSeek) or mixes capitals and
    digits (176B, V3)."""
    for part in re.split(r"[-/]", word.strip(":,.;!?()\"'")):
        if any(c.isupper() for c in part[1:]):
            return True
        if any(c.isupper() for c in part) and any(c.isdigit() for c in part):
            return True
    return False


def field_value(name: str, value: Any) -> str:
    text = str(value)
    if name in RAW_FIELDS:
        return text
    if name == "title":
        return protect_title(text)
    if name in ("author", "editor"):  # braces group a corporate author ({Our World in Data})
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


def author_year(keys: list[str]) -> str:
    """A citation as natbib's author-year styles print it, "(Brown et al., 2020a; Shi, 2025a)",
    with the letter a year may get: the longest form a citation takes, to measure the room it
    needs. A key not in the catalog reads as a long name."""
    entries = known_entries()
    parts = [
        f"{short_authors(str(entries[k]['author']))}, {entries[k].get('year', 2026)}a"
        if k in entries
        else "Someone-Else et al., 2026a"
        for k in keys
    ]
    return "(" + "; ".join(parts) + ")"


def short_authors(author: str) -> str:
    """Doe; Doe and Roe; Doe et al. (three authors or more, or "and others")."""
    names = [n.strip() for n in re.split(r"\s+and\s+", author) if n.strip()]

    def last(name: str) -> str:
        if name.startswith("{"):
            return name.strip("{}")
        return name.split(",")[0].strip() if "," in name else name.split()[-1]

    if len(names) >= 3 or names[-1] == "others":
        return f"{last(names[0])} et al."
    return " and ".join(last(n) for n in names)


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
    }


def equivalents(emissions_kg: float) -> list[dict[str, Any]]:
    return [
        {"amount": emissions_kg / e["kg_co2_per_unit"], "unit": e["unit"], "source": e["source"]}
        for e in catalog.read_root("equivalents").values()
    ]
