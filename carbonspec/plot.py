"""The sweep figure: emissions by what the sweep varied, greenest first, with their intervals.

Made for a paper: the figure is exactly as wide as the LaTeX it goes with (``latex.width``: the
widths of carbonspec.latex), so it is set at its natural size and its text stays at the size it
was drawn, 7 pt and above; fonts are embedded whole as TrueType (Type 42), never as Type 3
bitmaps that publishers' checks (IEEE PDF eXpress) refuse; a vector PDF goes beside a 300 dpi
PNG. A long label is wrapped onto up to three lines, measured in the font it is drawn in, so the
bars keep their share of the width.

Rows that fit a page's height (at most 40) are each a bar with its interval and its value.
Beyond that (every region is about 340) the figure is an overview: the 12 cleanest, the 12
dirtiest and, between them, one band for the rest with its range and median; the table's CSV
and JSON hold every row. A log scale is used when the values span more than a factor of 100, so
that the smallest bar stays visible; a row at zero is marked, not left blank.
"""

from __future__ import annotations

import math
import os
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from statistics import median
from typing import Any

from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

from carbonspec.core import round_significant
from carbonspec.latex import WIDTHS

TEX_PT_PER_IN = 72.27  # LaTeX's points, as carbonspec.latex measures widths
PT_PER_IN = 72.0  # PostScript (PDF) points, as matplotlib lays out text
TEXT_PT = 7.0  # labels and values: readable at the figure's final size
TITLE_PT = 8.0
MAX_HEIGHT_IN = 8.0  # with its caption, a figure fits a page's text block (about 9 in)
MAX_ROWS = 40  # above this, or above what fits MAX_HEIGHT_IN, an overview
SHOWN_EACH_END = 12
LOG_SPAN = 100.0
LABEL_SHARE = {"column": 0.40, "text": 0.32, "page": 0.30}  # of the width, at most, for labels
LABEL_LINES = 3
ROW_IN = 0.17  # a row of one line of label
LINE_IN = TEXT_PT * 1.2 / 72.0  # each further line of its label
BAR_IN = 0.12  # every bar's thickness
DPI = 300
GREEN, GREY, BAND = "#1b7837", "#8c8c8c", "#d9d9d9"
# Fonts embedded whole as TrueType (Type 42), in the PDF and in PostScript.
EMBEDDED_FONTS = {"pdf.fonttype": 42, "ps.fonttype": 42}


def width_in(width: str) -> float:
    """The figure's width in inches for a latex.width (text, column, page)."""
    return WIDTHS[width].points / TEX_PT_PER_IN


def shown_rows(
    rows: list[dict[str, Any]], most: int = MAX_ROWS
) -> tuple[list[dict | None], dict | None]:
    """The rows drawn (None marks where the band of the others goes) and that band."""
    if len(rows) <= most:
        return list(rows), None
    middle = rows[SHOWN_EACH_END:-SHOWN_EACH_END]
    values = [r["emissions_t"] for r in middle]
    band = {"count": len(middle), "low": min(values), "high": max(values), "median": median(values)}
    return [*rows[:SHOWN_EACH_END], None, *rows[-SHOWN_EACH_END:]], band


@cache
def _measure() -> TextToPath:
    return TextToPath()


def text_width_pt(text: str, size: float = TEXT_PT) -> float:
    """How wide a line of text is drawn, in points, in the figure's font."""
    width, _, _ = _measure().get_text_width_height_descent(
        text, FontProperties(size=size), ismath=False
    )
    return width


def wrapped(text: str, most_pt: float, size: float = TEXT_PT, lines: int = LABEL_LINES) -> str:
    """Text on as few lines as fit ``most_pt`` points each (at most ``lines``; what is left
    after the last is cut with an ellipsis): a long label wraps instead of pushing the plot."""
    if text_width_pt(text, size) <= most_pt:
        return text
    for chars in range(len(text), 0, -1):
        parts = textwrap.wrap(text, chars, break_on_hyphens=True)
        if all(text_width_pt(p, size) <= most_pt for p in parts):
            break
    if len(parts) > lines:
        last = " ".join(parts[lines - 1 :])
        while last and text_width_pt(last + "…", size) > most_pt:
            last = last[:-1]
        parts = [*parts[: lines - 1], last.rstrip() + "…"]
    return "\n".join(parts)


def sig(value: float) -> str:
    """Three significant figures with thousands separators, as the tables print them."""
    return f"{round_significant(value):,}"


def bar_chart(
    rows: list[dict[str, Any]],
    stem: Path,
    title: str,
    parallel: bool = False,
    width: str = "text",
    axis: str = "",
) -> list[Path]:
    """Write stem.png and stem.pdf, ``width`` (latex.width) wide; rows are already sorted
    greenest first and carry their ``figure_label``; ``axis`` names what the labels are (the
    keys the sweep varied). ``parallel`` saves the two files in two processes where the system
    can fork (the figure worker does)."""
    fig = draw(rows, title, width, axis)
    written = [stem.with_suffix(".png"), stem.with_suffix(".pdf")]
    child = os.fork() if parallel and hasattr(os, "fork") else None
    if child == 0:  # the forked copy writes the PDF and leaves
        save_pdf(fig, written[1])
        os._exit(0)
    save_png(fig, written[0])
    if child is None:
        save_pdf(fig, written[1])
    elif os.waitpid(child, 0)[1] != 0:
        save_pdf(fig, written[1])  # the copy failed: write it here
    return written


def draw(rows: list[dict[str, Any]], title: str, width: str = "text", axis: str = "") -> Figure:
    """The figure, laid out in inches from measured text: labels, rows, title and axis. The
    y axis is in inches too, so that a label wrapped onto more lines gets a taller row while
    every bar keeps one thickness."""
    fig_w = width_in(width)
    label_most = LABEL_SHARE.get(width, 0.32) * fig_w * PT_PER_IN

    def label(row: dict | None, band: dict | None) -> str:
        if row is None:
            assert band is not None
            # no break between a number and its unit
            text = f"{band['count']} others (median {sig(band['median'])}\u00a0t)"
        else:
            text = str(row.get("figure_label") or row.get("region", ""))
        return wrapped(text, label_most)

    def heights(labels: list[str]) -> list[float]:
        return [ROW_IN + t.count("\n") * LINE_IN for t in labels]

    title_text = wrapped(title, fig_w * PT_PER_IN - 12, TITLE_PT, lines=4)
    top_in = 0.16 + (title_text.count("\n") + 1) * TITLE_PT * 1.25 / PT_PER_IN + 0.06
    top_in += 0.16 if axis else 0.0
    bottom_in = 0.4  # the x tick labels and the axis label
    # every row drawn, if they fit a page; else the overview
    shown, band = shown_rows(rows)
    labels = [label(r, band) for r in shown]
    if band is None and top_in + bottom_in + sum(heights(labels)) > MAX_HEIGHT_IN:
        shown, band = shown_rows(rows, most=0)
        labels = [label(r, band) for r in shown]
    rows_in = heights(labels)
    centres = [sum(rows_in[:i]) + h / 2 for i, h in enumerate(rows_in)]
    plot_h = sum(rows_in)
    height = top_in + bottom_in + plot_h

    values = [r["emissions_t"] for r in rows]
    positive = [v for v in values if v > 0]
    log = bool(positive) and max(positive) / min(positive) > LOG_SPAN
    floor = min(positive) / 2 if log else 0.0  # where a zero bar is drawn on a log axis

    fig = Figure(figsize=(fig_w, height))
    left_in = max(text_width_pt(line) for t in labels for line in t.split("\n")) / PT_PER_IN
    left_in += 0.12  # the tick, its pad and a margin
    right_in = 0.2  # a tick label at the right end is centred on it
    plot_w = fig_w - left_in - right_in
    ax = fig.add_axes((left_in / fig_w, bottom_in / height, plot_w / fig_w, plot_h / height))
    fig.text(0.5, 1 - 0.1 / height, title_text, fontsize=TITLE_PT, ha="center", va="top")
    if axis:  # what the labels name, as a table's header names its column
        ax.annotate(axis, (0, 1), xycoords="axes fraction", xytext=(-4, 3),
                    textcoords="offset points", ha="right", va="bottom", fontsize=TEXT_PT,
                    fontweight="bold")  # fmt: skip

    ends = []  # (y, where the bar or its interval ends, the value's text)
    for y, row in zip(centres, shown, strict=True):
        if row is None:
            assert band is not None
            ax.barh(y, band["high"] - band["low"], left=band["low"], height=BAR_IN, color=BAND)
            ax.plot([band["median"]], [y], marker="|", color="black", markersize=8)
            continue
        value = row["emissions_t"]
        color = GREEN if row is rows[0] else GREY
        start = floor if log else 0.0
        ax.barh(y, max(value - start, 0.0), left=start, height=BAR_IN, color=color)
        end = max(value, floor)
        if row.get("emissions_t_low") is not None:
            low, high = row["emissions_t_low"], row["emissions_t_high"]
            ax.plot([max(low, floor) if log else low, high], [y, y], color="black", linewidth=0.8)
            end = max(end, high)
        ends.append((y, end, "zero" if value == 0 else sig(value)))
    ax.set_yticks(centres, labels, fontsize=TEXT_PT)
    ax.set_ylim(plot_h, 0)  # greenest on top
    set_x_range(ax, ends, band, plot_w * PT_PER_IN, log, floor)
    # as many ticks as their labels leave room for; on a log scale, powers of ten (10⁶) where
    # the numbers written out (1,000,000) would leave out some decades
    low, high = ax.get_xlim()
    form = tick
    room = max(2, int(plot_w * PT_PER_IN / (text_width_pt(form(high)) + 10)))
    if log:
        if math.log10(high) - math.log10(low) > room:
            form = power_of_ten
            room = max(2, int(plot_w * PT_PER_IN / (text_width_pt(form(high)) + 10)))
        ax.xaxis.set_major_locator(LogLocator(numticks=room))
        ax.xaxis.set_minor_locator(NullLocator())
    else:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=room))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: form(x)))
    for y, end, text in ends:
        # the value beside the end of the bar or of its interval, so no line crosses it
        ax.annotate(text, (end, y), xytext=(3, 0), textcoords="offset points", va="center",
                    fontsize=TEXT_PT)  # fmt: skip
    xlabel = "Estimated emissions (t CO₂eq)" + (", log scale" if log else "")
    ax.set_xlabel(xlabel, fontsize=TEXT_PT, labelpad=2)
    # centred under the bars, moved left as far as it must to stay inside the figure
    spill = max((text_width_pt(xlabel) / PT_PER_IN - plot_w) / 2 - right_in + 0.03, 0.0)
    ax.xaxis.set_label_coords(0.5 - spill / plot_w, -0.2 / plot_h)
    ax.tick_params(axis="both", labelsize=TEXT_PT, length=2.5, pad=2)
    ax.grid(axis="x", linewidth=0.4, alpha=0.6)
    ax.set_axisbelow(True)
    return fig


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_ten(x: float) -> str:
    """A decade as 10 with a superscript (plain text: no math fonts in the file)."""
    return "10" + str(round(math.log10(x))).translate(SUPERSCRIPT) if x > 0 else "0"


def tick(x: float) -> str:
    """An x tick as the values are written (1,000; 0.01), not as a power of ten."""
    if x <= 0:
        return "0"
    return f"{x:,.0f}" if x >= 1 else f"{x:.10f}".rstrip("0")


def set_x_range(
    ax: Any, ends: list[tuple[int, float, str]], band: dict | None, plot_pt: float, log: bool,
    floor: float,
) -> None:  # fmt: skip
    """An x range that leaves room for every value's text beside its bar (autoscaling counts
    the bars, not the text): each end plus its text's share of the plot's width must fit."""
    rightmost = max([e for _, e, _ in ends] + ([band["high"]] if band else []), default=0.0)
    if rightmost <= 0:
        return
    if log:
        ax.set_xscale("log")
        lowest = floor / 1.5
        scale = math.log10
    else:
        lowest = 0.0
        scale = float  # type: ignore[assignment]
    x0 = scale(lowest)
    needed = scale(rightmost) + (scale(rightmost) - x0) * 0.02
    for _, end, text in ends:
        share = min((text_width_pt(text) + 6) / plot_pt, 0.6)
        needed = max(needed, x0 + (scale(end) - x0) / (1 - share))
    ax.set_xlim(lowest if log else 0.0, 10**needed if log else needed)


@contextmanager
def embedded_fonts() -> Iterator[None]:
    with rc_context(EMBEDDED_FONTS):
        yield


def save_png(fig: Figure, path: Path) -> None:
    # No dates in the files, so the same sweep gives the same bytes.
    with embedded_fonts():
        fig.savefig(path, dpi=DPI, metadata={"Software": None})


def save_pdf(fig: Figure, path: Path) -> None:
    with embedded_fonts():
        fig.savefig(path, metadata={"CreationDate": None, "Creator": None, "Producer": None})


def serve() -> None:
    """The figure worker (carbonspec.figures): warm up, then draw the one figure asked on stdin."""
    import io
    import json
    import sys

    warm = Figure(figsize=(1, 1))
    warm.add_subplot().barh([0], [1])
    warm.text(0.5, 0.5, "warm 1,234 t CO₂eq", fontsize=TEXT_PT)
    text_width_pt("warm")
    warm.savefig(io.BytesIO(), format="png", dpi=DPI)
    with embedded_fonts():
        warm.savefig(io.BytesIO(), format="pdf")
    text = sys.stdin.readline()
    if not text.strip():
        return  # told to go: no figure after all
    request = json.loads(text)
    bar_chart(
        request["rows"],
        Path(request["stem"]),
        request["title"],
        parallel=True,
        width=request.get("width", "text"),
        axis=request.get("axis", ""),
    )
    print("ok")


if __name__ == "__main__":
    serve()
