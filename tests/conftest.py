import atexit
import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# The suite's own cache folder, never the user's: set before carbonspec is imported, and
# inherited by every process a test starts (see carbonspec.configfiles.DiskCache).
CACHE_DIR = tempfile.mkdtemp(prefix="carbonspec-test-cache-")
os.environ["CARBONSPEC_CACHE_DIR"] = CACHE_DIR
atexit.register(shutil.rmtree, CACHE_DIR, ignore_errors=True)


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """carbonspec as a user runs it: a new process, from a directory of the user's choosing.
    For what only a process shows: the console script, parallel runs, signals."""
    return subprocess.run(
        [sys.executable, "-m", "carbonspec", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k not in ("CARBONSPEC_DEBUG",)},
        timeout=600,
    )


def run_here(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The same command line run in this process (Hydra is set up afresh on every call): three
    times faster than a new process, which keeps the suite short on a busy machine."""
    from carbonspec import cli

    out, err = io.StringIO(), io.StringIO()
    code = 0
    previous_argv, previous_cwd = sys.argv, Path.cwd()
    sys.argv = ["carbonspec", *args]
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            cli.main()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    finally:
        sys.argv = previous_argv
        os.chdir(previous_cwd)
    return subprocess.CompletedProcess(["carbonspec", *args], code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli(tmp_path):
    return lambda *args: run_here(*args, cwd=tmp_path)


def system_tool(name: str, package: str) -> str:
    """A program the tests need from the system, or a skip; never a skip in CI, where .ci/run
    installs it."""
    exe = shutil.which(name)
    if exe is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is missing in CI: .ci/run must install {package}")
        pytest.skip(f"{name} not installed ({package})")
    return exe


@pytest.fixture
def pdflatex() -> str:
    return system_tool("pdflatex", "TeX Live")


@pytest.fixture
def poppler() -> None:
    """pdftotext and pdftoppm, to read and look at the compiled PDFs."""
    system_tool("pdftotext", "poppler-utils")
    system_tool("pdftoppm", "poppler-utils")


@pytest.fixture(scope="session")
def run_in():
    """run_here itself, for tests that choose their own directory."""
    return run_here


@pytest.fixture(scope="session")
def process():
    """run_cli itself: a real process."""
    return run_cli
