"""The sweep figure: a horizontal bar chart of emissions, greenest highlighted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display; set before pyplot is imported
import matplotlib.pyplot as plt  # noqa: E402

PAPER_WIDTH_IN = 6.5  # a one-column US-letter text block
BAR_HEIGHT_IN = 0.16


def varying_labels(rows: list[dict[str, Any]]) -> list[str]:
    """Name each bar by what the sweep varied (region, model, hardware, or several)."""
    keys = [k for k in ("region", "model", "hardware") if len({r[k] for r in rows}) > 1]
    return [" / ".join(str(r[k]) for k in keys or ["region"]) for r in rows]


def bar_chart(rows: list[dict[str, Any]], stem: Path, title: str) -> list[Path]:
    """Write stem.png and stem.pdf; rows are already sorted greenest first."""
    labels = varying_labels(rows)
    values = [r["emissions_t"] for r in rows]
    height = max(2.0, 1.0 + BAR_HEIGHT_IN * len(rows))
    fig, ax = plt.subplots(figsize=(PAPER_WIDTH_IN, height))
    colors = ["#1b7837" if i == 0 else "#8c8c8c" for i in range(len(rows))]
    ax.barh(range(len(rows)), values, color=colors, height=0.7)
    ax.set_yticks(range(len(rows)), labels, fontsize=7 if len(rows) > 30 else 9)
    ax.invert_yaxis()  # greenest on top
    ax.set_xlabel("Estimated emissions (t CO$_2$eq)")
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", linewidth=0.4, alpha=0.6)
    ax.set_axisbelow(True)
    if rows:
        ax.annotate(
            "greenest", (values[0], 0), xytext=(4, 0), textcoords="offset points",
            va="center", fontsize=8, color="#1b7837",
        )  # fmt: skip
    fig.tight_layout()
    written = [stem.with_suffix(".png"), stem.with_suffix(".pdf")]
    # No creation dates in the files, so the same sweep gives the same bytes.
    fig.savefig(written[0], dpi=200, metadata={"Software": None})
    fig.savefig(written[1], metadata={"CreationDate": None, "Creator": None, "Producer": None})
    plt.close(fig)
    return written
