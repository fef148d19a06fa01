import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """carbonspec as a user runs it: a new process, from a directory of the user's choosing."""
    return subprocess.run(
        [sys.executable, "-m", "carbonspec", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "HYDRA_FULL_ERROR": ""},
        timeout=120,
    )


@pytest.fixture
def cli(tmp_path):
    return lambda *args: run_cli(*args, cwd=tmp_path)


@pytest.fixture
def pdflatex() -> str:
    """pdflatex, or a skip; never a skip in CI, where .ci/run installs TeX Live."""
    exe = shutil.which("pdflatex")
    if exe is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdflatex is missing in CI: .ci/run must install TeX Live")
        pytest.skip("pdflatex not installed")
    return exe


@pytest.fixture(scope="session")
def run_in():
    """run_cli itself, for tests that choose their own directory."""
    return run_cli
