"""How a table is laid out in LaTeX at the width a paper gives it.

Three widths, as a user chooses them with ``latex.width``:

- ``text``: a one-column text block of 5.5 in (NeurIPS, ICLR, COLM); long tables are longtables;
- ``column``: one column of a two-column paper, 3.0 in (ACL, ICML, IEEE, ACM), ``\\footnotesize``;
- ``page``: a ``table*`` across both columns of a two-column paper, sized for 6.25 in (ACL's text
  block is the narrowest, 6.3 in; ICML's, IEEE's and ACM's are wider, and the table widens with
  them).

Fit comes from the columns each table config chooses for a width, the font size, ``\\tabcolsep``,
wrapped headers and wrapped text columns (``p{}`` sized from the other columns), never from
shrinking the table. In a two-column paper LaTeX cannot set a longtable, so a long table becomes
consecutive floats with the header repeated. Only packages of TeX Live's recommended set are used:
booktabs, siunitx, longtable, array and url.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from carbonspec.columns import Column


@dataclass(frozen=True)
class Width:
    name: str
    points: float  # the width of \linewidth in the target layout, in TeX points
    font: str
    digit_pt: float  # the width of one digit in that font
    char_pt: float  # the average width of a character of text
    tabcolsep_pt: float
    star: bool  # table* (spans both columns of a two-column paper)
    longtable: bool  # a long table may be a longtable (one-column papers only)


WIDTHS = {
    "text": Width("text", 397.48, r"\small", 4.78, 5.0, 4.0, False, True),
    "column": Width("column", 216.81, r"\footnotesize", 4.25, 4.5, 3.0, False, False),
    "page": Width("page", 451.69, r"\small", 4.78, 5.0, 3.0, True, False),
}
LINES_PER_FLOAT = 44  # lines of a float that, with caption, header and notes, fits 9 in
TOKEN_SAFETY = 1.15  # a word's estimated width is rough: leave room so it never overflows
ROOM = 0.97  # and the table as a whole keeps 3 % of the width spare
PREAMBLE = (
    r"\usepackage{booktabs,siunitx,longtable,array,url}",
    r"\sisetup{group-separator={,}, group-minimum-digits=4, group-digits=integer}",
)


@dataclass
class Layout:
    """What table.tex.j2 needs: the environment, the column spec and header, the row chunks."""

    width: Width
    colspec: str
    header: list[str]
    chunks: list[list[list[str]]]
    footer: list[str] | None
    notes: list[str]  # footnotes and abbreviations, already LaTeX

    @property
    def env(self) -> str:
        return "table*" if self.width.star else "table"


def table_format(cells: list[str]) -> str:
    """siunitx's table-format for bare numbers: sign, integer digits, decimal digits."""
    numbers = [c for c in cells if c and not c.startswith("{")]
    if not numbers:
        return "1.0"
    sign = "+" if any(c[0] in "+-" for c in numbers) else ""
    integer = max(len(c.lstrip("+-").split(".")[0]) for c in numbers)
    decimals = max((len(c.split(".")[1]) if "." in c else 0) for c in numbers)
    return f"{sign}{integer}.{decimals}"


def numeric_width(fmt: str, width: Width) -> float:
    """The points an S column of this table-format takes (digits, group commas, sign, point)."""
    sign = fmt.startswith("+")
    integer, decimals = (int(x) for x in fmt.lstrip("+").split("."))
    commas = (integer - 1) // 3 if integer >= 4 else 0
    # measured in Computer Modern: a comma or point is 0.55 of a digit, a plus sign 1.55
    narrow = commas + bool(decimals)
    return (integer + decimals + 1.55 * sign + 0.55 * narrow) * width.digit_pt


def header_width(lines: tuple[str, ...], width: Width) -> float:
    """Approximate width of a wrapped header: its longest line, LaTeX commands discounted."""
    return max(len(visible(line)) for line in lines) * width.char_pt


def visible(tex: str) -> str:
    """Roughly what a piece of LaTeX prints, for width estimates: commands dropped, a citation
    as [00], a grouped number with its commas, unbreakable spaces as non-space characters."""
    tex = re.sub(r"~?\\cite\{[^}]*\}", "_[00]", tex)  # a numbered citation, tied to its word
    tex = re.sub(
        r"\\textsuperscript\{([^}]*)\}", lambda m: m.group(1)[: len(m.group(1)) // 2 + 1], tex
    )
    tex = re.sub(r"\\num\{(\d+)\}", lambda m: f"{int(m.group(1)):,}", tex)
    tex = re.sub(r"\\numrange(?:\[[^\]]*\])?\{([^}]*)\}\{([^}]*)\}", r"\1-\2", tex)
    tex = tex.replace("$\\times$", "x").replace("\\,", "'").replace("\\ ", " ")
    out, i = [], 0
    while i < len(tex):
        if tex[i] == "\\":
            j = i + 1
            while j < len(tex) and tex[j].isalpha():
                j += 1
            name = tex[i + 1 : j]
            out.append(UNITS.get(name, ""))
            i = max(j, i + 2)
        elif tex[i] in "{}$":
            i += 1
        elif tex[i] == "~":
            out.append("_")
            i += 1
        else:
            out.append(tex[i])
            i += 1
    return "".join(out)


UNITS = {"gram": "g", "kilo": "k", "watt": "W", "hour": "h", "per": "/", "tonne": "t",
         "percent": "%"}  # fmt: skip


def layout(
    columns: list[Column],
    body: list[list[str]],
    footer: list[str] | None,
    notes: list[str],
    width: Width,
    long: bool,
) -> Layout:
    """Column specs sized for the width; header lines; rows split into floats where needed."""
    short = width.name == "column"
    specs: list[str | None] = []
    fixed = 0.0
    text_columns = []  # (index, natural width, narrowest width that fits its longest word)
    for i, column in enumerate(columns):
        lines = column.short if short else column.tex
        cells = [row[i] for row in body] + ([footer[i]] if footer else [])
        if column.numeric:
            fmt = table_format(cells)
            plus = ", retain-explicit-plus" if fmt.startswith("+") else ""
            specs.append(f"S[table-format={fmt}{plus}]")
            fixed += max(numeric_width(fmt, width), header_width(lines, width))
        elif column.style in ("year", "interval") or column.name == "covered":
            specs.append("l" if column.style == "interval" else "c")
            longest = max([len(visible(c)) for c in cells] or [1])
            fixed += max(longest * width.digit_pt * 1.1, header_width(lines, width))
        else:
            specs.append(None)  # a text column: wrapped, sized below
            texts = [visible(c) for c in cells] + list(lines)
            natural = max(len(t) for t in texts) * width.char_pt
            words = [w for t in texts for w in re.split(r"\s|(?<=-)", t)]  # TeX breaks after -
            word = max(map(len, words)) * width.char_pt * TOKEN_SAFETY
            text_columns.append((i, max(natural, word), word))
        fixed += 2 * width.tabcolsep_pt
    room = width.points * ROOM - fixed - 2 * width.tabcolsep_pt * len(text_columns)
    words = sum(word for _, _, word in text_columns)
    spare = room - words
    stretch = sum(natural - word for _, natural, word in text_columns) or 1.0
    for i, natural, word in text_columns:
        # too narrow for every longest word: shrink them alike (their estimate is generous)
        share = word + spare * (natural - word) / stretch if spare >= 0 else word * room / words
        fraction = min(share, natural) / width.points
        specs[i] = rf">{{\raggedright\arraybackslash}}p{{{fraction:.3f}\linewidth}}"
    header = [header_cell(col, width, spec) for col, spec in zip(columns, specs, strict=True)]
    widths = {i: float(spec.split("{")[-1].split(r"\linewidth")[0]) * width.points
              for i, spec in enumerate(specs) if spec and spec.startswith(">")}  # fmt: skip
    chunks = [body] if not long or width.longtable else floats(body, widths, notes, width)
    return Layout(width, " ".join(s or "l" for s in specs), header, chunks, footer, notes)


def lines_of(row: list[str], widths: dict[int, float], width: Width) -> int:
    """How many lines a row takes: its most wrapped text cell."""
    return max(
        [1] + [math.ceil(len(visible(row[i])) * width.char_pt / w) for i, w in widths.items()]
    )


def floats(
    body: list[list[str]], widths: dict[int, float], notes: list[str], width: Width
) -> list[list[list[str]]]:
    """A long table in a two-column paper: rows split into floats that each fit a page, the
    last one leaving room for the notes."""
    note_lines = sum(math.ceil(len(visible(n)) * width.char_pt / width.points) for n in notes)
    chunks: list[list[list[str]]] = [[]]
    used = 0
    for row in body:
        need = lines_of(row, widths, width)
        if chunks[-1] and used + need > LINES_PER_FLOAT:
            chunks.append([])
            used = 0
        chunks[-1].append(row)
        used += need
    if used + note_lines > LINES_PER_FLOAT and len(chunks[-1]) > 1:
        chunks.append(chunks[-1][len(chunks[-1]) // 2 :])  # notes need room: split the last
        chunks[-2] = chunks[-2][: len(chunks[-2]) - len(chunks[-1])]
    return chunks


def header_cell(column: Column, width: Width, spec: str) -> str:
    lines = column.short if width.name == "column" else column.tex
    if len(lines) == 1:
        text = lines[0]
    else:  # a stacked header needs no package: a one-column tabular inside the cell
        text = r"\begin{tabular}[b]{@{}c@{}}" + r"\\".join(lines) + r"\end{tabular}"
    return f"{{{text}}}" if spec.startswith("S") else text


def abbreviations(columns: list[Column], width: Width) -> list[str]:
    """What the abbreviated headers of this width stand for, once each, for the table's notes."""
    used = []
    for c in columns:
        lines = c.short if width.name == "column" else c.tex
        if c.abbreviation and c.abbreviation.split(":")[0] in " ".join(lines):
            used.append(c.abbreviation)
    return list(dict.fromkeys(used))
