"""Progress on stderr: jobs done out of the total and the time left.

tqdm draws it, because it is small, everywhere, and estimates the time left from the rate so far.
On a terminal it is one line that updates in place; when stderr is a file or a pipe (CI, a log),
tqdm's carriage returns would pile up into one long line, so plain lines are written instead,
about every tenth of the work.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from tqdm import tqdm

FORMAT = "{desc}: {n_fmt}/{total_fmt} [{elapsed}<{remaining}]"


class Progress:
    def __init__(self, total: int, desc: str, stream: TextIO | None = None) -> None:
        self.total, self.desc, self.done = total, desc, 0
        self.stream = stream or sys.stderr
        self.start = time.monotonic()
        self.bar = (
            tqdm(total=total, desc=desc, file=self.stream, bar_format=FORMAT, leave=False)
            if self.stream.isatty()
            else None
        )
        self.step = max(1, total // 10)
        self.next_line = self.step

    def update(self, n: int = 1) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        elif self.done >= self.next_line or self.done == self.total:
            elapsed = time.monotonic() - self.start
            meter = tqdm.format_meter(self.done, self.total, elapsed, bar_format=FORMAT,
                                      prefix=self.desc)  # fmt: skip
            print(meter, file=self.stream, flush=True)
            self.next_line = self.done + self.step

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
