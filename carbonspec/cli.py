"""The command's entry point: as light as can be, so that a command that will draw a figure
starts its drawing process before the heavy imports (Hydra, OmegaConf, Jinja) of carbonspec.app."""

from __future__ import annotations

import sys


def main() -> None:
    argv = sys.argv[1:]
    if {"-m", "--multirun", "table=by_region"} & set(argv):
        from carbonspec import figures

        figures.start_worker()
    from carbonspec.app import main as app_main

    app_main()
