"""Formatting only: number styles, escaping for LaTeX, Markdown and BibTeX, the Jinja environment.

Templates in templates/ decide the layout; the filters here decide how a number or a string is
written. Nothing here computes an estimate.
"""

from __future__ import annotations

import json
import re
import unicodedata
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from carbonspec import core
from carbonspec import templates as _templates_package
from carbonspec.columns import Column
from carbonspec.columns import value as column_value
from carbonspec.device_hours import BASIS_COMPUTE, BASIS_SCALED

ESTIMATED_DEVICE_HOURS = (BASIS_COMPUTE, BASIS_SCALED)

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
# Letters and signs beyond ASCII that pdflatex sets in its default (OT1) encoding, written as
# commands so that they work whatever the document's encoding.
_LATEX_LETTERS = {
    "ß": r"{\ss}", "æ": r"{\ae}", "Æ": r"{\AE}", "ø": r"{\o}", "Ø": r"{\O}", "œ": r"{\oe}",
    "Œ": r"{\OE}", "ł": r"{\l}", "Ł": r"{\L}", "ı": r"{\i}", "å": r"{\aa}", "Å": r"{\AA}",
    "–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''", "…": r"\ldots{}",
    "×": r"$\times$", "°": r"\textdegree{}", "€": r"\texteuro{}", "£": r"\pounds{}",
    "±": r"$\pm$", "µ": r"$\mu$", "§": r"\S{}", "¶": r"\P{}", "©": r"\textcopyright{}",
    "\u00a0": "~", "₂": r"\textsubscript{2}",
}  # fmt: skip
# Combining accents and the LaTeX accent command for each (OT1 has all of these).
_ACCENTS = {
    "\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0304": "=", "\u0306": "u",
    "\u0307": ".", "\u0308": '"', "\u030a": "r", "\u030b": "H", "\u030c": "v", "\u0327": "c",
}  # fmt: skip
_LATEX_RE = re.compile("|".join(re.escape(c) for c in _LATEX_SPECIALS))
# A line break with the spaces around it: in LaTeX a blank line ends the paragraph, which is an
# error inside a caption or a cell, and a line break would end a % comment early.
_LINE_BREAK = re.compile(r"\s*[\n\r\f\v\x1c-\x1e\x85\u2028\u2029]\s*")
# ASCII control characters (tab aside): TeX reads them as invalid characters.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f]")
# The longest text carbonspec sets in LaTeX or BibTeX, in characters of the text as given: far
# above any real name, title or caption, far below TeX's 200,000-character line buffer.
MAX_TEXT = 2000


def capped(text: object, limit: int = MAX_TEXT) -> str:
    """Text of at most ``limit`` characters; longer text is cut and says so, with its length
    (the cut text, within the limit, is not cut again)."""
    text = str(text)
    if len(text) <= limit:
        return text
    said = f"… [cut: {len(text):,} characters]"
    return text[: limit - len(said)] + said


def plain_line(text: object) -> str:
    """Text on one line: line breaks and blank lines folded into one space, tabs made spaces,
    other control characters dropped."""
    text = _LINE_BREAK.sub(" ", str(text))
    return _CONTROL.sub("", text.replace("\t", " "))


def latex_escape(text: object) -> str:
    """Text safe to typeset with pdflatex and no extra package, whatever it holds.

    Every LaTeX special character becomes its literal form; accented Latin letters become
    accent commands; a character pdflatex cannot set without a package (CJK, Cyrillic, emoji)
    is written as its code point, [U+4E2D], so the document still compiles. Line breaks and
    blank lines become one space and control characters are dropped; text longer than
    MAX_TEXT characters is cut and says so. JSON and CSV keep the text as it was given.
    """
    out = []
    for char in plain_line(capped(text)):
        if char in _LATEX_SPECIALS:
            out.append(_LATEX_SPECIALS[char])
        elif char.isascii():
            out.append(char)
        elif char in _LATEX_LETTERS:
            out.append(_LATEX_LETTERS[char])
        else:
            out.append(_accented(char))
    return "".join(out)


def _accented(char: str) -> str:
    base, *marks = unicodedata.normalize("NFD", char)
    if not base.isascii() or not base.isalpha() or not marks:
        return f"[U+{ord(char):04X}]"
    letter = r"{\i}" if base == "i" else base
    for mark in marks:  # an accent OT1 lacks (an ogonek) is dropped: transliterated
        if mark in _ACCENTS:
            letter = f"\\{_ACCENTS[mark]}{{{letter}}}"
    return "{" + letter + "}"


def bibtex_value(text: str) -> str:
    r"""A BibTeX field's escaped text with braces that balance both for bibtex, which counts
    every brace (\{ and \} too), and for LaTeX, which counts only bare ones: a bare brace
    without its partner is dropped; an escaped one without its partner becomes
    \textbraceleft{} or \textbraceright{}, which print the brace and count as none."""
    text = plain_line(text)
    kept = _balanced(text, escaped=False)
    return _balanced(kept, escaped=True)


def _balanced(text: str, escaped: bool) -> str:
    """Unmatched braces of one kind (bare, or escaped with a backslash) replaced."""
    out: list[str] = []
    opened: list[int] = []  # positions in out of braces not yet closed
    i = 0
    while i < len(text):
        is_escaped = text[i] == "\\" and text[i + 1 : i + 2] in ("{", "}")
        token = text[i : i + 2] if is_escaped else text[i]
        i += len(token)
        if is_escaped != escaped or token[-1] not in "{}":
            out.append(token)
        elif token[-1] == "{":
            opened.append(len(out))
            out.append(token)
        elif opened:
            opened.pop()
            out.append(token)
        else:
            out.append(r"\textbraceright{}" if escaped else "")
    for position in opened:
        out[position] = r"\textbraceleft{}" if escaped else ""
    return "".join(out)


def markdown_escape(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", r"\|").replace("\n", " ")


def escape(text: object, fmt: str) -> str:
    """Text for a Markdown ("md") or LaTeX ("tex") table."""
    return markdown_escape(text) if fmt == "md" else latex_escape(text)


def sig(value: float | None, digits: int = 3) -> str:
    """Significant figures as the seed prints them, with thousands separators: 2,619; 0.00672.
    A table's column keeps trailing zeros (4.90, 1.10), so its figures share their precision."""
    if value is None:
        return "n/a"
    return f"{core.round_significant(value, digits):,}"


def figure(value: float | None, digits: int = 4) -> str:
    """A computed or measured figure in a sentence: ``digits`` significant figures (never
    rounding into the integer digits), thousands separators, no trailing zeros: 1,204,128 kWh,
    770 kWh, 68.35 g/kWh, 1,168 g/kWh (not 770.000 or 1167.603)."""
    if value is None:
        return "n/a"
    text = sig(value, digits)
    return text.rstrip("0").rstrip(".") if "." in text else text


def grid_words(r: dict[str, Any]) -> str:
    """What a grid figure is, in a few words: "grid zone US-NW-BPAT, 2020", "national average,
    2021", "the calculator's figure, 2019", "given for the site" (no year where none is known)."""
    if r.get("grid") == "user" or r.get("grid_scope") == "site":
        return "given for the site" + (f", {r['grid_year']}" if r.get("grid_year") else "")
    kind = {
        "zone": f"grid zone {r.get('grid_zone')}",
        "country": "national average",
        "region": "the calculator's figure for the region",
    }.get(r.get("grid_scope") or "", "grid figure")
    return kind + (f", {r['grid_year']}" if r.get("grid_year") else "")


def thousands(value: float | None) -> str:
    """A count with thousands separators; keeps a fraction only where there is one."""
    if value is None:
        return "n/a"
    d = Decimal(repr(float(value)))
    return f"{d.to_integral_value():,}" if d == d.to_integral_value() else f"{d.normalize():,}"


def setting(value: Any) -> str:
    """A setting's value as text: a number with thousands separators and every digit it was
    given (1,000,000; 1.1), anything else as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return thousands(value)


def device_hours(value: float | None, basis: str | None = None) -> str:
    """Device-hours as printed: exact where published or derived from devices x hours; an
    estimate (from compute, or scaled to other hardware) to three significant figures (67,400,
    not 67,380.90425173505)."""
    return sig(value) if basis in ESTIMATED_DEVICE_HOURS else thousands(value)


def sci_tex(value: float | None) -> str:
    r"""A large count for LaTeX prose: \num{8.4e22}, which siunitx sets as 8.4 x 10^22."""
    return "n/a" if value is None else rf"\num{{{value:.3g}}}".replace("e+", "e")


def percent(value: float | None, places: int = 1) -> str:
    return "n/a" if value is None else f"{value:+.{places}f}%"


def litres(value: float | None, fmt: str = "text") -> str:
    """A volume of water as a reader says it: 2.3 million litres, 45,000 litres, 120 litres."""
    if value is None:
        return "n/a"
    if value >= 1e6:
        number, unit = f"{value / 1e6:.2g}", "million litres"
    elif value < 1:  # a short run's water: its first digits, not 0
        number, unit = f"{value:.2g}", "litres"
    else:
        number, unit = f"{float(f'{value:.2g}'):,.0f}", "litres"
    return f"\\num{{{bare(number)}}}~{unit}" if fmt == "tex" else f"{number} {unit}"


def sci(value: float | None) -> str:
    """A large count in scientific notation: 8.4e+22."""
    return "n/a" if value is None else f"{value:.3g}"


def plain(value: float | None) -> str:
    """A number as short as it can be written exactly (for derivations and siunitx cells)."""
    if value is None:
        return ""
    return f"{float(value):.10g}"


def bare(text: str) -> str:
    """A formatted number as siunitx takes it: no thousands separators."""
    return text.replace(",", "")


def num(value: float | None, digits: int | None = None) -> str:
    r"""A number for LaTeX prose, \num{} so that it is grouped as the document's tables are."""
    if value is None:
        return "n/a"
    return rf"\num{{{bare(sig(value, digits) if digits else plain(value))}}}"


def cell(value: Any, column: Column, fmt: str, digits: int = 3, row: dict | None = None) -> str:
    """One table cell in Markdown ("md") or LaTeX ("tex"); siunitx S columns take bare numbers."""
    style = column.style
    if style == "hardware":
        count = (row or {}).get("hardware_count")
        if value is None:
            return "n/a" if fmt == "md" else "--"
        name = escape(value, fmt)
        if not count:
            return name
        return f"{thousands(count)} × {name}" if fmt == "md" else rf"{num(count)}\,$\times$\,{name}"
    if value is None:
        return "n/a" if fmt == "md" else ("{--}" if column.numeric else "--")
    if style in ("text", "year"):
        return escape(value, fmt)
    if style == "swept":  # a value as a sweep's job set it: a number in the one number style
        return escape(setting(value), fmt)
    if style == "interval":
        low, high = value
        if fmt == "md":
            return f"{sig(low, digits)}–{sig(high, digits)}"
        return (
            rf"\numrange[range-phrase=--]{{{bare(sig(low, digits))}}}{{{bare(sig(high, digits))}}}"
        )
    if style == "sig":
        text = sig(value, digits)
    elif style == "kilo":  # litres as kilolitres (cubic metres)
        text = sig(value / 1000, digits)
    elif style == "count":
        text = thousands(value)
    elif style == "device_hours":  # exact where published, 3 figures where estimated
        text = device_hours(value, (row or {}).get("device_hours_basis"))
    elif style == "pct":
        text = f"{value:+.1f}"
    elif style == "mean_pct":
        text = f"{value:.1f}"
    else:
        text = plain(value)
    return text if fmt == "md" else bare(text)


def model_cell(row: dict[str, Any], fmt: str, text: str) -> str:
    """The first cell of a row: the label, its citation (LaTeX) and its footnote marks."""
    if fmt == "tex" and row.get("paper_key"):  # the citation macro of carbonspec.latex
        text += f"~\\carbonspeccite{{{row['paper_key']}}}"
    return marked(row, fmt, text)


def marked(row: dict[str, Any], fmt: str, text: str) -> str:
    """A cell with the row's footnote marks."""
    marks = ",".join(row.get("marks") or [])
    if marks:
        text += f" ({marks})" if fmt == "md" else f"\\textsuperscript{{{marks}}}"
    return text


def table_cells(table: Any, columns: list[Column], fmt: str) -> list[list[str]]:
    """The body of a table: one list of formatted cells per row, footnote marks on the label."""
    body = []
    for row in table.rows:
        cells = [cell(column_value(row, c), c, fmt, table.precision, row) for c in columns]
        if columns[0].name in ("model", "group"):  # a run's or a group's label
            cells[0] = model_cell(row, fmt, cells[0])
        elif not columns[0].numeric:  # a sweep's LaTeX starts with what it varied
            cells[0] = marked(row, fmt, cells[0])
        body.append(cells)
    return body


def footer_cells(table: Any, columns: list[Column], fmt: str) -> list[str] | None:
    """The bottom row (e.g. mean absolute errors), or None: a label and some columns' values."""
    if not table.footer:
        return None
    values = table.footer["values"]
    cells = []
    for c in columns:
        if c.name not in values:
            cells.append("" if fmt == "md" else ("{}" if c.numeric else ""))
            continue
        style = "mean_pct" if c.style == "pct" else c.style  # a mean of |errors| has no sign
        cells.append(cell(values[c.name], Column(**{**c.__dict__, "style": style}), fmt))
    cells[0] = escape(table.footer["label"], fmt)
    return cells


def pipe_table(table: Any, columns: list[Column]) -> str:
    """A Markdown pipe table, aligned for reading in a terminal too."""
    body = table_cells(table, columns, "md")
    footer = footer_cells(table, columns, "md")
    if footer:
        body.append(footer)
    align = ["right" if c.numeric else "left" for c in columns]
    headers = [c.header for c in columns]
    from tabulate import tabulate  # here: one estimate's start-up does not pay for it

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
        figure=figure,
        grid_words=grid_words,
        thousands=thousands,
        device_hours=device_hours,
        sci_tex=sci_tex,
        percent=percent,
        plain=plain,
        sci=sci,
        litres=litres,
        num=num,
        bare=bare,
        pipe_table=pipe_table,
        tojson=lambda v: json.dumps(v, indent=2, ensure_ascii=False),
    )
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


SIGNIFICANT = 9  # digits kept in JSON and CSV: more than any input has, fewer than float noise


def tidy(obj: Any) -> Any:
    """Numbers as the data support them: floats to 9 significant digits (4.902909999999999 is
    4.90291), whole numbers as integers (21504.0 is 21504); recursively in lists and dicts."""
    if isinstance(obj, bool) or obj is None:
        return obj
    if isinstance(obj, float):
        if obj.is_integer() and abs(obj) < 2**53:
            return int(obj)
        return float(f"{obj:.{SIGNIFICANT}g}")
    if isinstance(obj, dict):
        return {k: tidy(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [tidy(v) for v in obj]
    return obj


def to_json(obj: Any) -> str:
    """Stable, strict JSON: sorted keys, tidy numbers; NaN or infinity is an error, not output."""
    return (
        json.dumps(tidy(obj), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
    )
