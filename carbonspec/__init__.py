"""carbonspec: declarative carbon-footprint estimates for machine-learning training runs."""

from pathlib import Path as _Path

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
