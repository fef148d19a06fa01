"""The sweep figure: emissions by what the sweep varied, greenest first, with their intervals.

Up to 40 rows, every row is a bar with its interval and its value. Beyond that (every region is
about 340) the figure is an overview that fits a page: the 12 cleanest, the 12 dirtiest and,
between them, one band for the rest with its range and median; the table's CSV and JSON hold
every row. A log scale is used when the values span more than a factor of 100, so that the
smallest bar stays visible; a row at zero is marked, not left blank.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from statistics import median
from typing import Any

from matplotlib.figure import Figure

from carbonspec.core import round_significant

PAPER_WIDTH_IN = 6.5  # a one-column US-letter text block
ROW_IN = 0.22
MAX_ROWS = 40  # above this, an overview
SHOWN_EACH_END = 12
LOG_SPAN = 100.0
LABEL_CHAR_IN = 0.058  # a 7 pt character, for the room the labels need
GREEN, GREY, BAND = "#1b7837", "#8c8c8c", "#d9d9d9"


def shown_rows(rows: list[dict[str, Any]]) -> tuple[list[dict | None], dict | None]:
    """The rows drawn (None marks where the band of the others goes) and that band."""
    if len(rows) <= MAX_ROWS:
        return list(rows), None
    middle = rows[SHOWN_EACH_END:-SHOWN_EACH_END]
    values = [r["emissions_t"] for r in middle]
    band = {"count": len(middle), "low": min(values), "high": max(values), "median": median(values)}
    return [*rows[:SHOWN_EACH_END], None, *rows[-SHOWN_EACH_END:]], band


def bar_chart(
    rows: list[dict[str, Any]], stem: Path, title: str, parallel: bool = False
) -> list[Path]:
    """Write stem.png and stem.pdf; rows are already sorted greenest first. ``parallel`` saves
    the two files in two processes where the system can fork (the figure worker does)."""
    fig = draw(rows, title)
    written = [stem.with_suffix(".png"), stem.with_suffix(".pdf")]
    child = os.fork() if parallel and hasattr(os, "fork") else None
    if child == 0:  # the forked copy writes the PDF and leaves
        save_pdf(fig, written[1])
        os._exit(0)
    # No dates in the files, so the same sweep gives the same bytes.
    fig.savefig(written[0], dpi=100, metadata={"Software": None})
    if child is None:
        save_pdf(fig, written[1])
    elif os.waitpid(child, 0)[1] != 0:
        save_pdf(fig, written[1])  # the copy failed: write it here
    return written


def draw(rows: list[dict[str, Any]], title: str) -> Figure:
    """The figure, not written anywhere; rows are already sorted greenest first."""
    shown, band = shown_rows(rows)
    values = [r["emissions_t"] for r in rows]
    positive = [v for v in values if v > 0]
    log = bool(positive) and max(positive) / min(positive) > LOG_SPAN
    floor = min(positive) / 2 if log else 0.0  # where a zero bar is drawn on a log axis

    height = min(12.0, 1.3 + ROW_IN * len(shown))
    fig = Figure(figsize=(PAPER_WIDTH_IN, height))
    longest = max((len(short(r.get("figure_label") or "")) for r in shown if r), default=10)
    left = min(0.5, 0.06 + longest * LABEL_CHAR_IN / PAPER_WIDTH_IN)  # room for the labels
    ax = fig.add_axes((left, 0.55 / height, 0.9 - left, 1 - 1.15 / height))
    wrapped = "\n".join(textwrap.wrap(title, 80))
    fig.suptitle(wrapped, fontsize=9, y=1 - 0.1 / height, va="top")
    labels, positions = [], []
    rightmost = 0.0
    for y, row in enumerate(shown):
        positions.append(y)
        if row is None:
            assert band is not None
            ax.barh(y, band["high"] - band["low"], left=band["low"], height=0.7, color=BAND)
            ax.plot([band["median"]], [y], marker="|", color="black", markersize=9)
            labels.append(f"{band['count']} others (median {sig(band['median'])} t)")
            continue
        value = row["emissions_t"]
        color = GREEN if row is rows[0] else GREY
        start = floor if log else 0.0
        ax.barh(y, max(value - start, 0.0), left=start, height=0.7, color=color)
        end = max(value, floor)
        if row.get("emissions_t_low") is not None:
            low, high = row["emissions_t_low"], row["emissions_t_high"]
            ax.plot([max(low, floor) if log else low, high], [y, y], color="black", linewidth=0.8)
            end = max(end, high)
        marker = "zero" if value == 0 else sig(value)
        # the value beside the end of the bar or of its interval, so no line crosses it
        ax.annotate(marker, (end, y), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=6.5)  # fmt: skip
        rightmost = max(rightmost, end)
        labels.append(short(row.get("figure_label") or row.get("region", "")))
    ax.set_yticks(positions, labels, fontsize=7)
    ax.set_ylim(len(shown) - 0.5, -0.5)  # greenest on top
    if log:
        ax.set_xscale("log")
    # room for the rightmost value's label, which autoscaling does not count
    ax.set_xlim(right=rightmost * (2.0 if log else 1.12) if rightmost > 0 else None)
    ax.set_xlabel("Estimated emissions (t CO$_2$eq)" + (", log scale" if log else ""), fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(axis="x", linewidth=0.4, alpha=0.6)
    ax.set_axisbelow(True)
    return fig


def short(label: str, most: int = 44) -> str:
    """A bar's label, cut to fit beside the chart (the table has it whole)."""
    return label if len(label) <= most else label[: most - 1] + "…"


def save_pdf(fig: Figure, path: Path) -> None:
    fig.savefig(path, metadata={"CreationDate": None, "Creator": None, "Producer": None})


def sig(value: float) -> str:
    """Three significant figures with thousands separators, as the tables print them."""
    return f"{round_significant(value):,}"


def serve() -> None:
    """The figure worker (carbonspec.figures): warm up, then draw the one figure asked on stdin."""
    import io
    import json
    import sys

    warm = Figure(figsize=(1, 1))
    warm.add_subplot().barh([0], [1])
    warm.text(0.5, 0.5, "warm 1,234 t", fontsize=7)
    warm.savefig(io.BytesIO(), format="png", dpi=100)
    warm.savefig(io.BytesIO(), format="pdf")
    text = sys.stdin.readline()
    if not text.strip():
        return  # told to go: no figure after all
    request = json.loads(text)
    bar_chart(request["rows"], Path(request["stem"]), request["title"], parallel=True)
    print("ok")


if __name__ == "__main__":
    serve()
