"""Render how carbonspec's tables look in a two-column paper, for the README.

    python tools/paper_png.py            # writes docs/img/two-column.png

Exports the seed's Table 1 at latex.width=column and the validation table at latex.width=page
into one folder, sets them in a two-column article (3.0 in columns, natbib author-year
citations, the hardest case for a narrow column) with a paragraph, runs pdflatex -> bibtex ->
pdflatex x3, and renders page 1 to PNG with pdftoppm.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img" / "two-column.png"
DOC = r"""\documentclass[twocolumn]{article}
\setlength{\textwidth}{6.25in}\setlength{\columnsep}{0.25in}
\setlength{\oddsidemargin}{0.125in}\setlength{\evensidemargin}{0.125in}
\setlength{\textheight}{9in}\setlength{\topmargin}{-0.5in}
\usepackage[round]{natbib}
%s
\begin{document}
\section*{Carbon footprint}
\input{llama2_70b_meta-us}

\input{seed_verification}
\input{validation}
\bibliographystyle{plainnat}
\bibliography{references}
\end{document}
"""


def run(*args: str, cwd: Path) -> None:
    subprocess.run(args, cwd=cwd, check=True, capture_output=True)


def main() -> None:
    from carbonspec import latex

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cli = [sys.executable, "-m", "carbonspec"]
        run(
            *cli,
            "table=seed_verification",
            "latex.width=column",
            f"export_dir={folder}",
            cwd=folder,
        )
        run(*cli, "table=validation", "latex.width=page", f"export_dir={folder}", cwd=folder)
        run(*cli, "model=llama2_70b", f"export_dir={folder}", cwd=folder)
        (folder / "paper.tex").write_text(DOC % "\n".join(latex.PREAMBLE), encoding="utf-8")
        for step in ("pdflatex", "bibtex", "pdflatex", "pdflatex", "pdflatex"):
            args = (
                [step, "paper"] if step == "bibtex" else [step, "-interaction=nonstopmode", "paper"]
            )
            subprocess.run(args, cwd=folder, capture_output=True)
        page_one = ("-f", "1", "-l", "1", "-singlefile")
        run("pdftoppm", "-png", "-r", "90", *page_one, "paper.pdf", "page", cwd=folder)
        OUT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / "page.png", OUT)
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
