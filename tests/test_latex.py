"""Every LaTeX output compiles with pdflatex, hostile names included."""

import dataclasses
import subprocess

import pytest

from carbonspec import latex, outputs, render, tables

HOSTILE = r"R&D_100% {test} ~#1 $x^2$ \foo"
TABLES = ["seed_verification", "seed_industry", "seed_academia"]
PREAMBLE = "\\documentclass{article}\n" + "\n".join(latex.PREAMBLE) + "\n"  # as the README says


def compile_latex(body: str, tmp_path, exe: str) -> None:
    (tmp_path / "doc.tex").write_text(f"{PREAMBLE}\\begin{{document}}\n{body}\n\\end{{document}}\n")
    result = subprocess.run(
        [exe, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]
    assert (tmp_path / "doc.pdf").exists()


def test_latex_escape_covers_every_special_character():
    assert render.latex_escape(HOSTILE) == (
        r"R\&D\_100\% \{test\} \textasciitilde{}\#1 \$x\textasciicircum{}2\$ \textbackslash{}foo"
    )


@pytest.mark.parametrize("name", TABLES)
def test_seed_tables_compile(name, tmp_path, pdflatex):
    compile_latex(outputs.render_table(tables.build_named(name), "latex"), tmp_path, pdflatex)


def test_hostile_names_render_and_compile(tmp_path, pdflatex):
    table = tables.build_named("seed_academia")
    rows = [dict(table.rows[0], label=HOSTILE, hardware_label=HOSTILE), *table.rows[1:]]
    hostile = dataclasses.replace(table, rows=rows, caption=HOSTILE)
    latex = outputs.render_table(hostile, "latex")
    assert r"R\&D\_100\%" in latex
    compile_latex(latex, tmp_path, pdflatex)


def test_estimate_paragraph_compiles(cli, tmp_path, pdflatex):
    result = cli("model=llama2_70b", "format=latex")
    assert result.returncode == 0, result.stderr
    assert "\\carbonspeccite{" in result.stdout
    compile_latex(result.stdout, tmp_path, pdflatex)
