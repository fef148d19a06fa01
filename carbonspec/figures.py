"""Drawing a sweep's figure without waiting for matplotlib.

Importing matplotlib and laying out text take longer than estimating every region, so a command
that will draw (a by-region table, a sweep) starts a worker process at once: it imports
matplotlib and warms its fonts while the main process composes the config and estimates; it gets
the rows as soon as they exist and draws while the main process writes the table's files. The
figure is the same either way (carbonspec.plot draws it); if no worker was started, or it failed,
the figure is drawn in-process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

FIELDS = ("region", "figure_label", "emissions_t", "emissions_t_low", "emissions_t_high")
_worker: subprocess.Popen | None = None


def start_worker() -> None:
    """Start the drawing process (once); it waits for one figure on its stdin."""
    global _worker
    if _worker is None:
        _worker = subprocess.Popen(
            [sys.executable, "-m", "carbonspec.plot"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip


class Drawing:
    """A figure being drawn: wait() returns when stem.png and stem.pdf are written."""

    def __init__(
        self, rows: list[dict[str, Any]], stem: Path, title: str, width: str = "text",
        axis: str = "",
    ) -> None:  # fmt: skip
        """``width`` is the latex.width the figure is drawn for; ``axis`` names its labels."""
        global _worker
        self.request = {"rows": [{k: r.get(k) for k in FIELDS} for r in rows], "stem": str(stem),
                        "title": title, "width": width, "axis": axis}  # fmt: skip
        self.worker, _worker = _worker, None
        if self.worker is not None:
            try:
                assert self.worker.stdin is not None
                self.worker.stdin.write(json.dumps(self.request) + "\n")  # one line: one figure
                self.worker.stdin.flush()
            except OSError:
                self.worker = None

    def wait(self) -> list[Path]:
        stem = Path(self.request["stem"])
        if self.worker is not None:
            try:
                answer, _ = self.worker.communicate(timeout=600)
                if self.worker.returncode == 0 and answer.strip() == "ok":
                    return [stem.with_suffix(".png"), stem.with_suffix(".pdf")]
            except (OSError, ValueError, subprocess.SubprocessError):
                self.worker.kill()
        from carbonspec import plot  # drawn here after all

        request = self.request
        return plot.bar_chart(
            request["rows"], stem, request["title"], width=request["width"], axis=request["axis"]
        )


def stop_worker() -> None:
    """A worker that got no figure to draw is told to go (its stdin closes)."""
    global _worker
    if _worker is not None:
        _worker.communicate("", timeout=60)
        _worker = None
