"""carbonspec: declarative carbon-footprint estimates for machine-learning training runs.

From Python (see carbonspec.api and the README's "From Python"):

    import carbonspec
    carbonspec.estimate(model="gpt3", region="aws-us-west-2").emissions_t
    carbonspec.table("validation").to_dataframe()
    carbonspec.sweep(model="gpt3", region="aws-*").figure()
    carbonspec.catalog.models(), carbonspec.catalog.regions("aws-*"), carbonspec.catalog.hardware()

The public names are imported on first use, so that ``import carbonspec`` (and the command
line's start-up) stays light.
"""

from pathlib import Path as _Path
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# In a source checkout, conf/ and templates/ sit beside this package, not inside it (an install
# maps them in: see pyproject.toml). When Python imports carbonspec from the checkout itself, as
# `python -m carbonspec` does in the repository's root, let carbonspec.conf and
# carbonspec.templates resolve to those folders.
_checkout = _Path(__file__).resolve().parent.parent
if (
    not (_Path(__file__).parent / "conf").is_dir()
    and (_checkout / "conf" / "__init__.py").is_file()
):
    __path__.append(str(_checkout))  # noqa: F821 (a package's __path__)

if TYPE_CHECKING:
    from carbonspec import catalog
    from carbonspec.api import (
        CarbonspecError,
        Estimate,
        InvalidValue,
        NotEstimable,
        Table,
        UnknownOption,
        estimate,
        sweep,
        table,
    )

__all__ = [
    "CarbonspecError",
    "Estimate",
    "InvalidValue",
    "NotEstimable",
    "Table",
    "UnknownOption",
    "__version__",
    "catalog",
    "estimate",
    "sweep",
    "table",
]
_API = set(__all__) - {"__version__", "catalog"}


def __getattr__(name: str) -> Any:
    """carbonspec.table, carbonspec.catalog, ...: imported when first asked for."""
    import importlib

    if name == "catalog":
        return importlib.import_module("carbonspec.catalog")
    if name in _API:
        return getattr(importlib.import_module("carbonspec.api"), name)
    raise AttributeError(f"module 'carbonspec' has no attribute '{name}'")
