"""Formatting only: number styles, LaTeX escaping and the Jinja environment.

Templates in templates/ decide the layout; the filters here decide how a number or a string is
written. Nothing here computes an estimate.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from tabulate import tabulate

from carbonspec import core
from carbonspec import templates as _templates_package

TEMPLATE_DIR = Path(_templates_package.__file__).parent

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_LATEX_RE = re.compile("|".join(re.escape(c) for c in _LATEX_SPECIALS))


def latex_escape(text: object) -> str:
    """Text safe to typeset: every LaTeX special character becomes its literal form."""
    return _LATEX_RE.sub(lambda m: _LATEX_SPECIALS[m.group()], str(text))


def markdown_escape(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", r"\|").replace("\n", " ")


def escape(text: object, fmt: str) -> str:
    """Text for a Markdown ("md") or LaTeX ("tex") table."""
    return markdown_escape(text) if fmt == "md" else latex_escape(text)


def sig(value: float | None, digits: int = 3) -> str:
    """Significant figures as the seed prints them, with thousands separators: 2,619; 0.00672."""
    if value is None:
        return "n/a"
    return f"{core.round_significant(value, digits):,}"


def thousands(value: float | None) -> str:
    """A count with thousands separators; keeps a fraction only where there is one."""
    if value is None:
        return "n/a"
    d = Decimal(repr(float(value)))
    return f"{d.to_integral_value():,}" if d == d.to_integral_value() else f"{d.normalize():,}"


def percent(value: float | None, places: int = 1) -> str:
    return "n/a" if value is None else f"{value:+.{places}f}%"


def plain(value: float | None) -> str:
    """A number as short as it can be written exactly (for derivations and siunitx cells)."""
    if value is None:
        return ""
    return f"{float(value):.10g}"


def cell(value: Any, style: str, fmt: str, digits: int = 3) -> str:
    """One table cell in Markdown ("md") or LaTeX ("tex"); siunitx S columns take bare numbers."""
    if value is None:
        return "n/a" if fmt == "md" else "{--}"
    if style == "text":
        return escape(value, fmt)
    if style == "interval":
        low, high = value
        dash = "-" if fmt == "md" else "--"
        return f"{sig(low, digits)}{dash}{sig(high, digits)}"
    if style == "sig":
        text = sig(value, digits)
    elif style == "count":
        text = thousands(value)
    elif style == "pct":
        text = f"{value:+.1f}"
    elif style == "mean_pct":
        text = f"{value:.1f}"
    else:
        text = plain(value)
    return text if fmt == "md" else text.replace(",", "")


def table_cells(table: Any, columns: list[dict[str, str]], fmt: str) -> list[list[str]]:
    """The body of a table: one list of formatted cells per row, footnote marks on the label."""
    body = []
    for row in table.rows:
        cells = [cell(row.get(c["field"]), c["style"], fmt, table.precision) for c in columns]
        if fmt == "tex" and row.get("paper_key"):
            cells[0] += f"~\\cite{{{row['paper_key']}}}"
        if row.get("marks"):
            marks = ",".join(row["marks"])
            cells[0] += f" ({marks})" if fmt == "md" else f"\\textsuperscript{{{marks}}}"
        body.append(cells)
    return body


def footer_cells(table: Any, columns: list[dict[str, str]], fmt: str) -> list[str] | None:
    """The bottom row (e.g. mean absolute errors), or None: a label and some columns' values."""
    if not table.footer:
        return None
    values = table.footer["values"]

    def style(c: dict[str, str]) -> str:
        return "mean_pct" if c["style"] == "pct" else c["style"]  # a mean of |errors| has no sign

    cells = [cell(values[c["name"]], style(c), fmt) if c["name"] in values else "" for c in columns]
    cells[0] = escape(table.footer["label"], fmt)
    return [c if c or fmt == "md" else "{}" for c in cells]


def pipe_table(table: Any, columns: list[dict[str, str]]) -> str:
    """A Markdown pipe table, aligned for reading in a terminal too."""
    body = table_cells(table, columns, "md")
    footer = footer_cells(table, columns, "md")
    if footer:
        body.append(footer)
    align = ["left" if c["style"] in ("text", "interval") else "right" for c in columns]
    headers = [c["md_header"] for c in columns]
    return tabulate(body, headers=headers, tablefmt="pipe", colalign=align, disable_numparse=True)


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(
        latex=latex_escape,
        md=markdown_escape,
        sig=sig,
        thousands=thousands,
        percent=percent,
        plain=plain,
        cells=table_cells,
        footer=footer_cells,
        pipe_table=pipe_table,
        tojson=lambda v: json.dumps(v, indent=2, ensure_ascii=False),
    )
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def to_json(obj: Any) -> str:
    """Stable JSON: sorted keys, so the same inputs give byte-identical files."""
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
