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

import sys as _sys
import types as _types
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


# carbonspec.estimate and carbonspec.sweep are also the names of two of carbonspec's own modules
# (the engine's estimate.py, the command line's sweep.py), which Python sets on the package when
# they are imported. Asked for on the package, each is both: called, the public function
# (carbonspec.api.estimate, carbonspec.api.sweep); otherwise the module, whose attributes it
# passes through. The modules themselves are left as they are (sys.modules, pickling).
_CALLABLE_MODULES = ("estimate", "sweep")


class _ModuleAndFunction:
    def __init__(self, module: _types.ModuleType) -> None:
        object.__setattr__(self, "_module", module)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from carbonspec import api

        return getattr(api, self._module.__name__.rpartition(".")[2])(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name == "_module":  # not set yet (a copy being made)
            raise AttributeError(name)
        return getattr(self._module, name)

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        """Pickled as the module it stands for (a sweep's joblib workers get app's globals)."""
        import importlib

        return importlib.import_module, (self._module.__name__,)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._module, name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._module, name)

    def __dir__(self) -> list[str]:
        return dir(self._module)

    def __repr__(self) -> str:
        return f"<carbonspec.api function and module {self._module.__name__!r}>"


_both: dict[str, _ModuleAndFunction] = {}


class _Package(_types.ModuleType):
    def __reduce__(self) -> tuple[Any, tuple[str]]:
        import importlib

        return importlib.import_module, (self.__name__,)

    def __getattribute__(self, name: str) -> Any:
        value = super().__getattribute__(name)
        if name in _CALLABLE_MODULES and type(value) is _types.ModuleType:
            both = _both.get(name)
            if both is None or both._module is not value:
                both = _both[name] = _ModuleAndFunction(value)
            return both
        return value


def __getattr__(name: str) -> Any:
    """carbonspec.table, carbonspec.catalog, ...: imported when first asked for."""
    import importlib

    if name in _CALLABLE_MODULES or name == "catalog":
        return importlib.import_module(f"carbonspec.{name}")
    if name in _API:
        return getattr(importlib.import_module("carbonspec.api"), name)
    raise AttributeError(f"module 'carbonspec' has no attribute '{name}'")


_sys.modules[__name__].__class__ = _Package
