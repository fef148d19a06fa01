"""The package as installed: every config and template ships, and it runs from anywhere."""

import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_every_config_group_folder_is_packaged():
    packages = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]
    groups = {
        "carbonspec.conf." + ".".join(p.parent.relative_to(REPO / "conf").parts)
        for p in (REPO / "conf").rglob("*.yaml")
        if p.parent != REPO / "conf"
    }
    assert groups <= set(packages)


def test_the_imported_package_has_every_file(tmp_path):
    """From outside the repository (in CI: the non-editable install), all files are there."""
    code = (
        "import carbonspec.conf as c, carbonspec.templates as t, pathlib;"
        "print(pathlib.Path(c.__file__).parent); print(pathlib.Path(t.__file__).parent)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    conf, templates = (Path(line) for line in out.stdout.split())

    def files(root, pattern):
        return sorted(str(p.relative_to(root)) for p in root.rglob(pattern))

    assert files(conf, "*.yaml") == files(REPO / "conf", "*.yaml")
    assert files(templates, "*.j2") == files(REPO / "templates", "*.j2")


def test_readme_command_runs_in_the_repository_root(tmp_path):
    """`python -m carbonspec` in a checkout imports the checkout's package: it must work too."""
    out = subprocess.run(
        [sys.executable, "-m", "carbonspec", "table=seed_academia", f"hydra.run.dir={tmp_path}"],
        cwd=REPO, capture_output=True, text=True,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "0.00672" in out.stdout


def test_console_script_works_from_anywhere(tmp_path):
    script = Path(sys.executable).parent / "carbonspec"
    out = subprocess.run(
        [str(script), "model=gpt3", "method=calculator", "region=coreweave-ord1", "format=json"],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert '"emissions_t": 447.552' in out.stdout
