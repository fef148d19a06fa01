"""Citations: BibTeX entries for the keys an output cites, the keys its LaTeX uses, equivalents."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carbonspec import catalog, render
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
    """One entry: every field escaped for LaTeX (url and doi kept as they are) and safe for
    bibtex (see render.bibtex_value)."""
    lines = [f"@{paper.get('type') or 'misc'}{{{paper['key']},"]
    for name in FIELD_ORDER:
        value = paper.get(name)
        if value is None:
            continue
        if name == "month" and str(value).lower()[:3] in MONTHS:
            lines.append(f"  month = {str(value).lower()[:3]},")  # a style's month macro
        else:
            # capped, folded onto one line and with balanced braces, whatever the text is
            text = render.bibtex_value(field_value(name, render.capped(value)))
            lines.append(f"  {name} = {{{text}}},")
    return "\n".join(lines) + "\n}\n"


def known_entries() -> dict[str, dict[str, Any]]:
    """Every citable entry by key: conf/references.yaml and each model's paper (in the user's
    config folders too), read in one catalog reading."""
    with catalog.reading():
        entries = {e["key"]: e for e in catalog.read_root("references").values()}
        for name in catalog.options("model"):
            try:
                paper = catalog.body("model", name).get("paper")
            except (ValueError, OSError):  # a user's file that cannot be read cites nothing here
                continue  # (it is refused, with its file and line, wherever it is estimated)
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


@dataclass
class Bib:
    """A parsed .bib file: each block as its own text, as the file had it. Entries by key (with
    their content, to compare), and the blocks that are not entries (comments, @string,
    @preamble) in the file's order."""

    entries: dict[str, str] = field(default_factory=dict)
    content: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    crossrefs: set[str] = field(default_factory=set)  # keys other entries cross-reference
    other: list[str] = field(default_factory=list)


def parse_bib(text: str, name: str) -> Bib:
    """A .bib text read by a real BibTeX parser (bibtexparser); any block it cannot read, or a
    key given twice (BibTeX compares keys without case), is refused, naming the line."""
    # Imported here: only an export reads BibTeX, and a plain estimate should not pay for it.
    import bibtexparser
    from bibtexparser import model

    # The parser logs each failure over several lines; the one line raised below says it.
    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)
    library = bibtexparser.parse_string(text)
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        head = (block.raw or "").strip().splitlines()[0][:40] if (block.raw or "").strip() else ""
        if isinstance(block, model.DuplicateBlockKeyBlock):
            reason = f"the key '{block.key}' is given twice"
        else:
            reason = f"cannot parse '{head}'"
        raise catalog.ConfigError(f"{name}, line {line}: {reason}; fix it or move the file away")
    bib = Bib()
    seen: dict[str, str] = {}
    for block in library.blocks:
        raw = (block.raw or "").strip()
        if not isinstance(block, model.Entry):
            if raw:
                bib.other.append(raw)
            continue
        folded = block.key.casefold()
        if folded in seen:
            raise catalog.ConfigError(
                f"{name}, line {(block.start_line or 0) + 1}: the keys '{seen[folded]}' and "
                f"'{block.key}' are the same key to BibTeX; fix it or move the file away"
            )
        seen[folded] = block.key
        bib.entries[block.key] = raw
        fields = {f.key.lower(): " ".join(str(f.value).split()) for f in block.fields}
        bib.content[block.key] = (block.entry_type.lower(), tuple(sorted(fields.items())))
        if "crossref" in fields:
            bib.crossrefs.add(fields["crossref"].casefold())
    return bib


def read_bib_file(path: Path) -> Bib:
    """An export folder's references.bib, parsed (empty if there is none); a file that is not
    BibTeX text is refused in one line, before anything is written."""
    if path.is_dir():
        raise catalog.ConfigError(f"{path} is a folder, not a BibTeX file: move it away")
    if not path.exists():  # none yet (or a link to a file still to be made)
        return Bib()
    try:
        data = path.read_bytes()
    except OSError as err:
        raise catalog.ConfigError(f"{path}: cannot be read ({err.strerror})") from None
    try:
        if b"\0" in data:
            raise UnicodeDecodeError("utf-8", data, data.index(b"\0"), len(data), "NUL byte")
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise catalog.ConfigError(
            f"{path} is not a BibTeX text file (binary, or not UTF-8): move it away or convert it"
        ) from None
    return parse_bib(text, str(path))


def merge(existing: Bib, new: Bib) -> tuple[str, list[str]]:
    """One .bib from an existing file and carbonspec's entries, and the keys whose existing
    entry differs from carbonspec's. Every key once; an existing entry is kept as written (a
    user's own entry under a key carbonspec also uses wins, and is reported); comments, @string
    and @preamble first, in their order, then the entries sorted by key (an entry that others
    cross-reference after them, as BibTeX requires)."""
    entries = dict(existing.entries)
    by_fold = {key.casefold(): key for key in entries}
    conflicts = []
    for key, text in new.entries.items():
        mine = by_fold.get(key.casefold())
        if mine is None:
            entries[key] = text
        elif existing.content[mine] != new.content[key]:
            conflicts.append(mine)
    crossrefs = existing.crossrefs | new.crossrefs
    order = sorted(entries, key=lambda k: (k.casefold() in crossrefs, k))
    other = existing.other + [b for b in new.other if b not in existing.other]
    return "\n".join(b + "\n" for b in [*other, *(entries[k] for k in order)]), conflicts


def merge_bib(existing: str, new: str) -> str:
    """One .bib from two texts (see merge)."""
    return merge(parse_bib(existing, "first .bib"), parse_bib(new, "second .bib"))[0]


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
