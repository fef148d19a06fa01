"""Not a test module: code a user writes, type-checked by `mypy --strict` in CI (.ci/run), so
that the public API's types hold where they are used, not only where they are declared."""

from __future__ import annotations

import carbonspec
from carbonspec.api import Estimate, Table

e: Estimate = carbonspec.estimate(
    model="gpt3", region="aws-us-west-2", grid=2021, overrides=["model.device_hours=1e6"]
)
central: float = e.emissions_t
low: float | None = e.emissions_t_low
zone: str | None = e.grid_zone
year: int | None = e.grid_year
texts: list[str] = [e.to_json(), e.to_latex(width="column"), e.to_model_card(), e.bibtex()]

t: Table = carbonspec.table("seed_industry", method="tdp")
records: list[dict[str, object]] = t.to_records()
shown: str = t.to_markdown() + t.to_latex(width="page") + t.to_csv()

s: Table = carbonspec.sweep(model="gpt3", region="aws-*", hardware=["a100_sxm4_80gb", "h100_sxm"])
width_in: float = float(s.figure().get_figwidth())

names: list[str] = [m.name for m in carbonspec.catalog.models()]
regions: list[str] = [r.display_name for r in carbonspec.catalog.regions("gcp-*")]
power: list[float] = [h.power_w for h in carbonspec.catalog.hardware()]

try:
    carbonspec.estimate(model="no_such_model")
except carbonspec.UnknownOption as err:
    message: str = err.message
