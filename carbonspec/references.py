"""Citations: BibTeX entries for what an output cites, the keys its LaTeX uses, and equivalents."""

from __future__ import annotations

from typing import Any

from carbonspec import catalog

_FIELD_ORDER = (
    "author", "title", "journal", "booktitle", "howpublished", "institution",
    "volume", "number", "pages", "year", "url", "note",
)  # fmt: skip


def bibtex_entry(paper: dict[str, Any]) -> str:
    """One entry; braces around values keep capitals and survive any BibTeX style."""
    lines = [f"@{paper.get('type') or 'misc'}{{{paper['key']},"]
    for name in _FIELD_ORDER:
        value = paper.get(name)
        if value is not None:
            lines.append(f"  {name} = {{{value}}},")
    return "\n".join(lines) + "\n}\n"


def data_reference(result: dict[str, Any]) -> str:
    """The reference key of the grid data an estimate used."""
    refs = catalog.read_root("references")
    if result["grid"] == "calculator":
        return refs["calculator_data"]["key"]
    if result["grid"] == "user":
        return refs["tool"]["key"]
    if "Google Cloud region carbon" in (result.get("grid_source") or ""):
        return refs["google_grid"]["key"]
    return refs["latest_grid"]["key"]


def cite_keys(result: dict[str, Any]) -> dict[str, str]:
    refs = catalog.read_root("references")
    return {
        "method": refs["method"]["key"],
        "tool": refs["tool"]["key"],
        "grid": data_reference(result),
    }


def bibtex_for_rows(rows: list[dict[str, Any]], also: list[str] | None = None) -> str:
    """Every source the rows cite: method, tool, grid data and each model's paper, deduplicated,
    plus the keys in ``also`` (a table caption's)."""
    refs = catalog.read_root("references")
    by_key = {entry["key"]: entry for entry in refs.values()}
    wanted: list[str] = [refs["tool"]["key"], *(also or [])]
    for row in rows:
        if row["method"] == "calculator":
            wanted.append(refs["method"]["key"])
        wanted.append(data_reference(row))
        if row.get("paper_key"):
            paper = catalog.load("model", row["model"]).paper
            by_key[paper.key] = {k: getattr(paper, k) for k in paper.__dataclass_fields__}
            wanted.append(paper.key)
    return "\n".join(bibtex_entry(by_key[key]) for key in dict.fromkeys(wanted))


def equivalents(emissions_kg: float) -> list[dict[str, Any]]:
    return [
        {"amount": emissions_kg / e["kg_co2_per_unit"], "unit": e["unit"], "source": e["source"]}
        for e in catalog.read_root("equivalents").values()
    ]
