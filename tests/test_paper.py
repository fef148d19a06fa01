"""The LaTeX outputs in real paper layouts: a two-column paper (3.0 in columns) and a one-column
paper at NeurIPS width (5.5 in), each compiled pdflatex -> bibtex -> pdflatex x3.

A document fails on any error, any undefined citation or reference, any overfull box wider than
1 pt, any float too large for its page, a "Rerun" left in the log, and any BibTeX error or
warning. Page 1 of each is rendered to PNG with pdftoppm. tests/test_venues.py sets the outputs
in the venues' own layouts (ACL, ICML, NeurIPS, IEEE, ACM).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from carbonspec import catalog, latex, references
from carbonspec import hydra as callback

TABLES = [
    "seed_verification",
    "seed_industry",
    "seed_academia",
    "validation",
    "footprint",
    "compute",
]
PARAGRAPHS = ["gpt3", "bloom", "funsearch", "olmo2_13b"]  # OLMo 2: device-hours from compute
# paragraphs on other hardware: hours scaled by peak throughput; hours kept (no K80 figure)
WHAT_IFS = [("model=gpt3", "hardware=h100_sxm"), ("model=llama2_70b", "hardware=tesla_k80")]
HOSTILE = r"R&D_100% {x} ~#1 $y^2$ \foo 模型"
TWO_COLUMN = r"""\documentclass[twocolumn]{article}
\setlength{\textwidth}{6.25in}\setlength{\columnsep}{0.25in}
\setlength{\oddsidemargin}{0.125in}\setlength{\evensidemargin}{0.125in}
\setlength{\textheight}{9in}\setlength{\topmargin}{-0.5in}
"""
ONE_COLUMN = r"""\documentclass{article}
\setlength{\textwidth}{5.5in}\setlength{\oddsidemargin}{0.5in}
\setlength{\textheight}{9in}\setlength{\topmargin}{-0.5in}
\usepackage{natbib}
"""
STYLES = {"two": "plain", "one": "plainnat"}
REPO = Path(__file__).resolve().parents[1]
OWN_WORK = REPO / "docs" / "examples" / "own-work"  # the README's worked example
CODECARBON = REPO / "tests" / "data" / "codecarbon"
pytestmark = pytest.mark.slow


def export(cli, folder: Path, *args: str) -> None:
    result = cli(*args, "format=latex", f"export_dir={folder}")
    assert result.returncode == 0, result.stderr


def user_conf(root: Path) -> Path:
    """A user's own model and table whose texts hold every LaTeX special character and CJK."""
    conf = root / "userconf"
    (conf / "model").mkdir(parents=True)
    (conf / "table").mkdir(parents=True)
    (conf / "model" / "hostile.yaml").write_text(
        "# @package _global_\n"
        "defaults:\n  - override /hardware: h100_sxm\n  - override /region: country-fra\n"
        "model:\n"
        f"  name: {quote(HOSTILE)}\n"
        "  device_hours: 1000\n  device_hours_source: test\n"
        "  paper:\n    key: hostile2026\n    type: misc\n"
        "    author: 'Doe, Jane and O''Brien, Ann'\n"
        f"    title: {quote('A GShard & PaLM study: ' + HOSTILE)}\n    year: 2026\n"
        f"    howpublished: {quote('arXiv: ' + HOSTILE)}\n",
        encoding="utf-8",
    )
    (conf / "table" / "hostile.yaml").write_text(
        f"caption: {quote(HOSTILE)}\n"
        "columns: [model, hardware, region, device_hours, estimate]\n"
        "latex:\n  column: [model, device_hours, estimate]\n"
        "rows:\n  - model: hostile\n    assumptions: [" + quote(HOSTILE) + "]\n  - model: bloom\n",
        encoding="utf-8",
    )
    return conf


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@pytest.fixture(scope="module")
def bundles(tmp_path_factory, run_in):
    """Two export folders, each as a user builds it: tables, paragraphs, a 22-row by-region
    table and a hostile user table, at the widths of its paper."""
    root = tmp_path_factory.mktemp("paper")
    conf = user_conf(root)

    def cli(*args):
        return run_in(*args, cwd=root)

    folders = {"two": root / "two", "one": root / "one"}
    widths = {"two": ["column", "page"], "one": ["text"]}
    # every region (over 300 rows): a long table, split into floats in a two-column paper
    export(cli, folders["two"] / "all", "table=by_region", "model=gpt3", "latex.width=column")
    for doc, folder in folders.items():
        for width in widths[doc]:
            sub = folder / width
            for table in TABLES:
                export(cli, sub, f"table={table}", f"latex.width={width}")
            export(cli, sub, "table=by_region", "model=gpt3", "table.regions=aws-*",
                   f"latex.width={width}")  # fmt: skip
            export(cli, sub, f"hydra.searchpath=[file://{conf}]", "table=hostile",
                   f"latex.width={width}")  # fmt: skip
            # your own work: the README's project, codecarbon's runs, a callback's sweep
            export(cli, sub, f"hydra.searchpath=[file://{OWN_WORK / 'conf'}]", "table=my_project",
                   f"latex.width={width}")  # fmt: skip
            export(cli, sub, f"codecarbon={own_logs(root)}", f"latex.width={width}")
            own_sweep(root / f"sweep-{doc}-{width}", sub, width)
        for model in PARAGRAPHS:
            export(cli, folder / widths[doc][0], f"model={model}")
        for what_if in WHAT_IFS:
            export(cli, folder / widths[doc][0], *what_if)
        sweep_summary(run_in, root / f"sweep-{doc}", folder / widths[doc][0], widths[doc][0])
        export(cli, folder / widths[doc][0], f"hydra.searchpath=[file://{conf}]", "model=hostile")
        export(cli, folder / widths[doc][0], f"codecarbon={CODECARBON / 'multirank.csv'}",
               f"latex.width={widths[doc][0]}")  # fmt: skip
    return folders, widths


def own_logs(root: Path) -> Path:
    """A folder of codecarbon logs of two runs: a table, a total and a paragraph."""
    folder = root / "codecarbon-logs"
    if not folder.exists():
        folder.mkdir()
        shutil.copy(CODECARBON / "multirank.csv", folder / "multirank.csv")
        for f in (CODECARBON / "ranks_2x").glob("*.csv"):
            shutil.copy(f, folder / f.name)
    return folder


def own_sweep(copy: Path, into: Path, width: str) -> None:
    """The example sweep's summary and paragraph, as the callback writes them, into the paper."""
    shutil.copytree(OWN_WORK / "sweep", copy)
    files = callback.write_summary(copy, width)
    for name in ("carbon_summary.tex", "carbon_paragraph.tex"):
        (into / name).write_text(files[name])
    bib = into / "references.bib"
    bib.write_text(references.merge_bib(bib.read_text(), files["references.bib"]))


def sweep_summary(run_in, cwd: Path, into: Path, width: str) -> None:
    """A real 22-job sweep at the paper's width; its summary.tex goes into the paper."""
    cwd.mkdir()
    regions = catalog.matching("region", "aws-*")[:22]
    result = run_in("-m", "model=gpt3", "region=" + ",".join(regions), f"latex.width={width}",
                    cwd=cwd)  # fmt: skip
    assert result.returncode == 0, result.stderr
    [summary] = cwd.glob("outputs/sweeps/*/*/summary.tex")
    assert summary.read_text().count(r"\\") >= 22  # every job is a row
    shutil.copyfile(summary, into / "sweep_summary.tex")


def compile_doc(folder: Path, doc: str, subfolders: list[str]) -> tuple[str, Path]:
    """Build one document from the export folders; returns the combined log and the PDF."""
    bib = ""
    body = []
    for sub in subfolders:
        for tex in sorted((folder / sub).glob("*.tex")):
            if tex.name != "preview.tex":
                body.append(f"\\input{{{sub}/{tex.stem}}}\n\\par\\bigskip")
        bib = references.merge_bib(bib, (folder / sub / "references.bib").read_text())
    (folder / "references.bib").write_text(bib)  # one .bib, as exporting into one folder gives
    preamble = (TWO_COLUMN if doc == "two" else ONE_COLUMN) + "\n".join(latex.PREAMBLE)
    text = (
        f"{preamble}\n\\begin{{document}}\n"
        + "\n".join(body)
        + f"\n\\bibliographystyle{{{STYLES[doc]}}}\n\\bibliography{{references}}\n"
        "\\end{document}\n"
    )
    (folder / "paper.tex").write_text(text, encoding="utf-8")
    log = ""
    for step in ("pdflatex", "bibtex", "pdflatex", "pdflatex", "pdflatex"):
        cmd = [step, "paper"] if step == "bibtex" else [step, "-interaction=nonstopmode", "paper"]
        run = subprocess.run(cmd, cwd=folder, capture_output=True, text=True, timeout=600)
        if step == "bibtex":
            log += (folder / "paper.blg").read_text(errors="replace")
    log += (folder / "paper.log").read_text(errors="replace")
    assert run.returncode == 0, log[-3000:]
    return log, folder / "paper.pdf"


def problems(log: str) -> list[str]:
    found = [line for line in log.splitlines() if line.startswith("!")]
    found += re.findall(r"(?:Citation|Reference) `[^']*' on page \d+ undefined", log)
    found += [m for m in re.findall(r"Overfull \\hbox \((\d+\.?\d*)pt too wide\)[^\n]*", log)
              if float(m) > 1.0]  # fmt: skip
    found += re.findall(r"Overfull \\vbox[^\n]*|Float too large[^\n]*", log)
    found += re.findall(r"[^\n]*Rerun to get[^\n]*", log)
    found += [line for line in log.splitlines() if line.startswith("Warning--")]
    found += re.findall(r"There (?:was|were) \d+ error messages?", log)
    return found


@pytest.mark.parametrize("doc", ["two", "one"])
def test_outputs_compile_clean_in_a_real_paper(bundles, doc, pdflatex, poppler, tmp_path):
    folders, widths = bundles
    log, pdf = compile_doc(folders[doc], doc, widths[doc] + (["all"] if doc == "two" else []))
    assert problems(log) == []
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    for name in ("BLOOM", "GShard", "PaLM", "OPT"):
        assert name in text  # titles keep their capitals in the bibliography
    assert re.search(r"\+28\.0", text)  # the explicit plus of an error survives siunitx
    assert "1,082,990" in text  # one grouping style for tables and paragraphs
    png = tmp_path / f"{doc}-column"
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(png)],
                   check=True)  # fmt: skip
    assert list(tmp_path.glob(f"{doc}-column*.png"))


def test_preview_compiles_as_is(bundles, pdflatex):
    folders, widths = bundles
    folder = folders["one"] / "text"
    for step in ("pdflatex", "bibtex", "pdflatex", "pdflatex"):
        cmd = (
            [step, "preview"] if step == "bibtex" else [step, "-interaction=nonstopmode", "preview"]
        )
        subprocess.run(cmd, cwd=folder, capture_output=True, text=True, timeout=600)
    log = (folder / "preview.blg").read_text() + (folder / "preview.log").read_text()
    assert [p for p in problems(log) if "Overfull" not in p] == []
