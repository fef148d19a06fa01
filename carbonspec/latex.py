"""How a table is laid out in LaTeX at the width a paper gives it.

Three widths, as a user chooses them with ``latex.width``:

- ``text``: a one-column text block of 5.5 in (NeurIPS, ICLR, COLM); long tables are longtables;
- ``column``: one column of a two-column paper, 3.0 in or wider (ACL 7.7 cm, ICML 3.25 in, ACM
  3.33 in, IEEE 3.5 in), ``\\footnotesize``;
- ``page``: a ``table*`` across both columns of a two-column paper, sized for 6.25 in (ACL's text
  block is the narrowest, 6.3 in; ICML's, IEEE's and ACM's are wider, and the table widens with
  them).

The same file must fit every venue of its width, and venues differ: ``\\footnotesize`` is 8 pt in
a 10 pt article and in IEEEtran, 7 pt in acmart's sigconf, but 9 pt in an 11 pt article and in
ACL's and ICML's styles; citations print as [12] or as (Romera-Paredes et al., 2024). So a table
is measured for the largest case its width meets: the fonts at their largest size and widest
face (Computer Modern; Times and Libertine are narrower), citations in author-year form, the
narrowest column and the shortest text height. Widths come from the font's metrics (below), in em
so that they scale with the venue's size; heights from lines of that font's leading; a cell wraps
as raggedright TeX wraps it.

Fit comes from the columns each table config chooses for a width, the font size (one step down
when the columns' longest words do not fit side by side), ``\\tabcolsep``, wrapped headers and
wrapped text columns, never from shrinking the table. Text columns take their natural width when
they fit; otherwise they are ``tabularx`` X columns, to which LaTeX itself gives what the other
columns leave of the line. In a narrow column a row's citation would wrap its label over two or
three lines in author-year styles, so there each row's source moves to a note under the table.
In a two-column paper LaTeX cannot set a longtable, so a table taller than a float may be becomes
consecutive floats with the header repeated, balanced in height, the notes in the last (and
beyond it if they are long). Only packages of TeX Live's base and recommended sets are used:
booktabs, siunitx, longtable, array, tabularx and url.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from carbonspec.columns import Column


@dataclass(frozen=True)
class Width:
    name: str
    points: float  # the narrowest \linewidth of this width's venues, in TeX points
    font: str  # the size command the table is set in
    font_pt: float  # the em of that command's font at its largest in those venues
    leading_pt: float  # and its baselineskip
    tabcolsep_pt: float
    star: bool  # table* (spans both columns of a two-column paper)
    longtable: bool  # a long table may be a longtable (one-column papers only)
    # one size down, (command, em, baselineskip), for a table whose columns' longest words do
    # not fit side by side at the usual size
    smaller: tuple[str, float, float] | None = None


FOOTNOTESIZE = (r"\footnotesize", 9.25, 11.0)
SCRIPTSIZE = (r"\scriptsize", 8.5, 9.5)  # 8 pt on 9.5 in an 11 pt article (cmr8's em: 8.5 pt)
WIDTHS = {
    # \small: 10 pt on 12 pt in an 11 pt article (9 pt in NeurIPS's and 10 pt articles)
    "text": Width("text", 397.48, r"\small", 10.0, 12.0, 4.0, False, True, FOOTNOTESIZE),
    # \footnotesize: 9 pt on 11 pt in an 11 pt article (Computer Modern 9 pt, whose em is
    # 9.25 pt); ACL and ICML set it 9 on 10; a 10 pt article and IEEE 8 pt, acmart sigconf 7 pt.
    # 3.0 in is the narrowest column (ACL 7.7 cm).
    "column": Width("column", 216.81, *FOOTNOTESIZE, 3.0, False, False, SCRIPTSIZE),
    # \small across a 6.25 in text block (ACL 6.3 in; ICML 6.75 in, IEEE 7.16 in, ACM 7.0 in)
    "page": Width("page", 451.69, r"\small", 10.0, 12.0, 3.0, True, False, FOOTNOTESIZE),
}
NOTE_PT, NOTE_LEADING = 9.0, 11.0  # the notes under a table: \footnotesize at its largest
CAPTION_PT, CAPTION_LEADING = 10.95, 13.6  # a caption in an 11 pt article's \normalsize
# The tallest a float is made, caption and notes included. The shortest text height of the
# venues is acmart sigconf's 626 pt (ICML and NeurIPS 650, IEEE 672, ACL 705); a default
# 11 pt article has 541. Heights are estimated at the largest fonts, so real floats are lower.
FLOAT_PT = 530.0
WORD_SAFETY = 1.05  # kerning and a bold or italic letter: a word may be a little wider
ROOM = 0.98  # and the table as a whole keeps 2 % of the width spare

# The citation macros every LaTeX output uses and defines (\providecommand: the first definition
# wins, so a paper may define its own). Under natbib \carbonspeccite is \citep, parenthetical in
# author-year styles, "(Brown et al., 2020)", and [3] in numbered ones; without natbib (IEEEtran,
# plain LaTeX) it is \cite. \carbonspecciteyear follows a name already in the text: "carbonspec
# (2026)" in author-year styles, "carbonspec [4]" in numbered ones.
CITE_MACROS = (
    r"\makeatletter",
    r"\providecommand\carbonspeccite[1]{\ifdefined\citep\citep{#1}\else\cite{#1}\fi}",
    r"\providecommand\carbonspecciteyear[1]{\ifdefined\NAT@numbersfalse"
    r"\expandafter\carbonspec@natyear\else\expandafter\cite\fi{#1}}",
    r"\providecommand\carbonspec@natyear[1]{\ifNAT@numbers\citep{#1}\else\citeyearpar{#1}\fi}",
    r"\makeatother",
)
PACKAGES = (
    r"\usepackage{booktabs,siunitx,longtable,array,tabularx,url}",
    r"\sisetup{group-separator={,}, group-minimum-digits=4, group-digits=integer}",
)
PREAMBLE = (*PACKAGES, *CITE_MACROS)  # what a paper's preamble needs for every output
# acmart (sigconf) balances the columns of the last page with the balance package, which stacks
# the floats still waiting at the end of the document into one column of twice the height and
# pushes rows off the page. A two-column table file makes \balance do nothing while floats wait.
BALANCE_GUARD = (
    r"\makeatletter\ifdefined\balance\ifdefined\carbonspec@balance\else",
    r"\global\let\carbonspec@balance\balance",
    r"\gdef\balance{\ifx\@deferlist\@empty\ifx\@dbldeferlist\@empty\carbonspec@balance\fi\fi}",
    r"\fi\fi\makeatother",
)
ROW_CITE = re.compile(r"~\\carbonspeccite\{([^}]*)\}")  # a row's citation, as render writes it

# Widths of Computer Modern Roman (TeX Live's cmr8.tfm, cmr9.tfm and cmr10.tfm, read with tftopl),
# in units of the font's size, the largest of the three sizes for each printable ASCII character
# (the smaller sizes are the wider for their size). As em (TeX's em is the font's quad, 8.5 pt
# for cmr8 at 8 pt) they overstate a little; Times, which most venues use, is narrower. A
# character not listed counts as wide as an "M". tests/test_venues.py checks them against
# widths measured by LaTeX.
_CM_EM = dict(
    zip(
        " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
        "abcdefghijklmnopqrstuvwxyz{|}~",
        (
            0.354, 0.295, 0.531, 0.885, 0.531, 0.885, 0.826, 0.295, 0.413, 0.413, 0.531, 0.826,
            0.295, 0.354, 0.295, 0.531, 0.531, 0.531, 0.531, 0.531, 0.531, 0.531, 0.531, 0.531,
            0.531, 0.531, 0.295, 0.295, 0.295, 0.826, 0.502, 0.502, 0.826, 0.796, 0.752, 0.767,
            0.811, 0.723, 0.693, 0.834, 0.796, 0.383, 0.545, 0.825, 0.664, 0.973, 0.796, 0.826,
            0.723, 0.826, 0.782, 0.590, 0.767, 0.796, 0.796, 1.091, 0.796, 0.796, 0.649, 0.295,
            0.531, 0.295, 0.531, 0.295, 0.295, 0.531, 0.590, 0.472, 0.590, 0.472, 0.325, 0.531,
            0.590, 0.295, 0.325, 0.561, 0.295, 0.885, 0.590, 0.531, 0.590, 0.561, 0.414, 0.419,
            0.413, 0.590, 0.561, 0.767, 0.561, 0.561, 0.472, 0.531, 1.063, 0.531, 0.531,
        ),
        strict=True,
    )
)  # fmt: skip
_M_EM = 0.973


def text_em(text: str) -> float:
    """How wide a piece of plain text is, in em of its font."""
    return sum(_CM_EM.get(c, _M_EM) for c in text)


def lines_of(text: str, width_em: float) -> int:
    """How many lines raggedright TeX needs for this text in a box this wide (in em): it breaks
    at spaces and after hyphens; a word wider than the box takes lines of its own."""
    lines, used = 1, 0.0
    space = _CM_EM[" "]
    for word in re.split(r"(?<=-)|\s+", text.strip()):
        if not word:
            continue
        w = text_em(word)
        if used and used + space + w > width_em:
            lines, used = lines + 1, 0.0
        if w > width_em:
            lines += int(w // width_em)
            w %= width_em
        used += (space if used else 0.0) + w
    return lines


@dataclass
class Chunk:
    """One float of a table: some rows (the footer row with the last of them), some notes."""

    rows: list[list[str]]
    footer: bool = False
    notes: list[str] = field(default_factory=list)
    tabular: bool = True  # the float holds the table (its header at least): not notes alone


@dataclass
class Layout:
    """What table.tex.j2 needs: the environment, the column spec and header, the floats."""

    width: Width
    colspec: str
    header: list[str]
    chunks: list[Chunk]
    footer: list[str] | None
    notes: list[str]  # footnotes, abbreviations and sources, already LaTeX
    two_column: bool  # set in a two-column paper: the balance guard goes into the file
    tabularx: bool = False  # X columns: LaTeX measures the others and gives them the rest

    @property
    def tabular(self) -> str:
        return "tabularx" if self.tabularx else "tabular"

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


def numeric_width(fmt: str) -> float:
    """The em an S column of this table-format takes: digits, group commas, the decimal point
    and a sign (siunitx sets a math minus, as wide as a plus)."""
    sign = fmt.startswith("+")
    integer, decimals = (int(x) for x in fmt.lstrip("+").split("."))
    commas = (integer - 1) // 3 if integer >= 4 else 0
    return text_em("0" * (integer + decimals) + "," * commas + "." * bool(decimals) + "+" * sign)


def header_width(lines: tuple[str, ...]) -> float:
    """The width of a wrapped header, in em: its widest line."""
    return max(text_em(visible(line)) for line in lines)


def visible(tex: str) -> str:
    """Roughly what a piece of LaTeX prints, for measuring it: commands dropped, a citation in
    its longest (author-year) form, a grouped number with its commas, a superscript at about
    half width, unbreakable spaces as non-space characters."""
    tex = re.sub(
        r"~?\\(?:carbonspeccite(?:year)?|cite[pt]?)\{([^}]*)\}",
        lambda m: "~" + cite_text(m.group(1)),
        tex,
    )
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
            out.append(UNITS.get(name, "" if name else tex[j : j + 1]))
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
         "percent": "%", "textasciitilde": "~", "textasciicircum": "^",
         "textbackslash": "\\"}  # fmt: skip


def cite_text(keys: str) -> str:
    """The longest way a style prints a citation of these keys: natbib's author-year form."""
    from carbonspec import references  # the catalog's entries; latex itself only measures

    return references.author_year([k.strip() for k in keys.split(",") if k.strip()])


def layout(
    columns: list[Column],
    body: list[list[str]],
    footer: list[str] | None,
    notes: list[str],
    width: Width,
    long: bool,
    caption: str = "",
) -> Layout:
    """Column specs sized for the width; header lines; rows split into floats where needed.

    Every width is in em of the table's font, so the table scales with whatever size the venue
    gives \\footnotesize or \\small. Text columns take their natural width when all of them fit
    at the largest font on the narrowest line; otherwise LaTeX gives them what the other columns
    leave of the line (tabularx; in a longtable a \\dimexpr of \\linewidth), in shares sized
    here, so they fill every venue's line and never overrun it."""
    short = width.name == "column"
    if short and columns and columns[0].name == "model":
        body, sources = move_citations(body)
        notes = notes + sources
    specs: list[str | None] = []
    fixed = 0.0  # em taken by the numeric and short columns
    texts: dict[int, tuple[float, float]] = {}  # text column -> (natural em, longest word em)
    for i, column in enumerate(columns):
        lines = column.short if short else column.tex
        cells = [row[i] for row in body] + ([footer[i]] if footer else [])
        if column.numeric:
            fmt = table_format(cells)
            plus = ", retain-explicit-plus" if fmt.startswith("+") else ""
            specs.append(f"S[table-format={fmt}{plus}]")
            fixed += max(numeric_width(fmt), header_width(lines))
        elif column.style in ("year", "interval") or column.name == "covered":
            specs.append("l" if column.style == "interval" else "c")
            longest = max([text_em(visible(c)) for c in cells] or [0.0])
            fixed += max(longest, header_width(lines))
        else:
            specs.append(None)  # a text column: wrapped, sized below
            shown = [visible(c) for c in cells] + list(lines)
            natural = max(text_em(t) for t in shown) * WORD_SAFETY
            words = [w for t in shown for w in re.split(r"\s|(?<=-)", t)]  # TeX breaks after -
            word = max(text_em(w) for w in words) * WORD_SAFETY
            texts[i] = (max(natural, word), word)
    seps = 2 * len(columns)  # \tabcolsep on both sides of every column

    def room_at(w: Width) -> float:  # the em left for text columns, largest font, narrowest line
        return (w.points * ROOM - seps * w.tabcolsep_pt) / w.font_pt - fixed

    words = sum(word for _, word in texts.values())
    if room_at(width) < words and width.smaller:  # too many columns: one size down
        font, em, leading = width.smaller
        width = replace(width, font=font, font_pt=em, leading_pt=leading, smaller=None)
    room = room_at(width)
    widths = fit(texts, room)
    natural = {i for i, w in widths.items() if w >= texts[i][0] - 1e-9}
    free = {i: w for i, w in widths.items() if i not in natural}
    in_float = not (long and width.longtable)
    taken = fixed + sum(widths[i] for i in natural)
    ragged = r"\raggedright\arraybackslash"
    for i, w in widths.items():
        if i in natural:
            specs[i] = rf">{{{ragged}}}p{{{w:.2f}em}}"
        elif in_float:  # tabularx gives X columns what the others leave, in these shares
            share = len(free) * w / sum(free.values())
            hsize = rf"\hsize={share:.3f}\hsize" if len(free) > 1 else ""
            specs[i] = rf">{{{ragged}{hsize}}}X"
        else:  # a longtable: the same reckoning by hand, a share of what the line leaves
            share = round(1000 * w / (room + fixed - taken))
            scale = f"*{share}/1000" if share < 1000 else ""
            box = rf"\dimexpr({ROOM}\linewidth-{taken:.2f}em-{seps}\tabcolsep){scale}\relax"
            specs[i] = rf">{{{ragged}}}p{{{box}}}"
    header = [header_cell(col, width, spec) for col, spec in zip(columns, specs, strict=True)]
    if long and width.longtable:
        chunks = [Chunk(body, footer=footer is not None, notes=notes)]
    else:
        heights = Heights(width, widths, columns, caption)
        chunks = floats(body, footer, notes, heights)
    two_column = width.name in ("column", "page")
    return Layout(
        width,
        " ".join(s or "l" for s in specs),
        header,
        chunks,
        footer,
        notes,
        two_column,
        tabularx=bool(free) and in_float,
    )


def fit(texts: dict[int, tuple[float, float]], room: float) -> dict[int, float]:
    """Widths for the text columns in this much room (em): their natural widths if they fit;
    else each its longest word and a share of the rest as wide as it lacks; if even the words
    do not fit, the words shrunk alike (their estimate is generous)."""
    if not texts:
        return {}
    if sum(n for n, _ in texts.values()) <= room:
        return {i: n for i, (n, _) in texts.items()}
    words = sum(w for _, w in texts.values())
    if words >= room:
        return {i: w * room / words for i, (_, w) in texts.items()}
    lacking = sum(n - w for n, w in texts.values())
    return {i: w + (room - words) * (n - w) / lacking for i, (n, w) in texts.items()}


def move_citations(body: list[list[str]]) -> tuple[list[list[str]], list[str]]:
    """In a narrow column, each row's citation leaves its label for one note under the table:
    "Sources: BLOOM [4]; Llama 2 7B, Llama 2 13B [9]", rows citing one work named together."""
    rows, cited = [], {}  # keys -> labels, in order of first citation
    for row in body:
        label = row[0]
        found = ROW_CITE.search(label)
        if found:
            label = ROW_CITE.sub("", label)
            name = re.sub(r"\\textsuperscript\{[^}]*\}", "", label)
            cited.setdefault(found.group(1), []).append(name)
        rows.append([label, *row[1:]])
    if not cited:
        return body, []
    parts = [f"{', '.join(names)}~\\carbonspeccite{{{keys}}}" for keys, names in cited.items()]
    return rows, [f"Sources: {'; '.join(parts)}."]


@dataclass
class Heights:
    """The height of each part of a float at the largest fonts of its width, in points."""

    width: Width
    text_widths: dict[int, float]  # em
    columns: list[Column]
    caption: str

    def row(self, row: list[str]) -> float:
        lines = [lines_of(visible(row[i]), w) for i, w in self.text_widths.items()]
        return max([1, *lines]) * self.width.leading_pt

    def header(self) -> float:
        short = self.width.name == "column"
        lines = max(len(c.short if short else c.tex) for c in self.columns)
        # booktabs: \toprule, \midrule and \bottomrule with their separations, about 1.6 lines
        return (lines + 1.6) * self.width.leading_pt

    def first(self) -> float:
        """The caption ("Table 12: ..."), with the skip between it and the table."""
        text = "Table 12: " + visible(self.caption)
        return lines_of(text, self.width.points / CAPTION_PT) * CAPTION_LEADING + 10.0

    def later(self) -> float:
        """The line "Table 12 (continued)" above a later float."""
        return CAPTION_LEADING + 3.0

    def note(self, note: str) -> float:
        return lines_of(visible(note), self.width.points / NOTE_PT) * NOTE_LEADING


def floats(
    body: list[list[str]], footer: list[str] | None, notes: list[str], heights: Heights
) -> list[Chunk]:
    """Rows and notes in as few floats as keep each under FLOAT_PT, as even in height as that
    number allows. A float holds rows, then notes; the footer row stays with the last row, and
    notes that do not fit under the last rows go on in floats of their own."""
    rows = [([r], heights.row(r)) for r in body]
    if footer is not None and rows:  # the footer row and the last row are never parted
        last, h = rows.pop()
        rows.append((last, h + heights.row(footer) + 0.6 * heights.width.leading_pt))
    notes_h = [heights.note(n) for n in notes]
    smallskip = 3.0

    def pack(limit: float) -> list[tuple[list[list[str]], list[str]]]:
        chunks: list[tuple[list[list[str]], list[str]]] = [([], [])]
        used = heights.first()
        for group, h in rows:
            need = h + (0.0 if chunks[-1][0] else heights.header())
            if chunks[-1][0] and used + need > limit:
                chunks.append(([], []))
                used, need = heights.later(), h + heights.header()
            chunks[-1][0].extend(group)
            used += need
        for note, h in zip(notes, notes_h, strict=True):
            need = h + (0.0 if chunks[-1][1] else smallskip)
            if (chunks[-1][0] or chunks[-1][1]) and used + need > limit:
                chunks.append(([], []))
                used, need = heights.later(), h + smallskip
            chunks[-1][1].append(note)
            used += need
        return chunks

    fewest = len(pack(FLOAT_PT))
    low, high = 0.0, FLOAT_PT  # the lowest limit that needs no more floats: even heights
    for _ in range(24):
        middle = (low + high) / 2
        low, high = (low, middle) if len(pack(middle)) <= fewest else (middle, high)
    chunks = pack(high)
    last_rows = max(i for i, (r, _) in enumerate(chunks) if r) if body else -1
    return [
        Chunk(r, footer is not None and i == last_rows, n, tabular=bool(r) or i == 0)
        for i, (r, n) in enumerate(chunks)
    ]


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
