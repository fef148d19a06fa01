"""Writing results: which template renders what, and where the files go.

Every file written here is a pure function of the inputs (no dates, no paths inside), so the same
inputs give byte-identical files.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from carbonspec import figures, latex, references, render
from carbonspec.columns import Column, resolve
from carbonspec.schema import Format, Model
from carbonspec.tables import Table


def columns(table: Table, names: list[str] | None = None) -> list[Column]:
    return resolve(names or table.columns, table.name, table.rows)


def render_table(table: Table, fmt: str, width: str = "text") -> str:
    if fmt == "markdown":
        return render.render("table.md.j2", t=table, columns=columns(table))
    return latex_table(table, width)


def latex_table(table: Table, width_name: str) -> str:
    """The table as LaTeX for a paper of that width (see carbonspec.latex)."""
    width = latex.WIDTHS[width_name]
    cols = columns(table, table.latex_columns.get(width_name))
    body = render.table_cells(table, cols, "tex")
    footer = render.footer_cells(table, cols, "tex")
    if footer is not None and all(c in ("", "{}") for c in footer[1:]):
        footer = None  # none of this width's columns carries a footer value
    notes = [
        rf"\textsuperscript{{{f['mark']}}}~{render.latex_escape(f['text'])}"
        for f in table.footnotes
    ]
    notes += [render.latex_escape(line) for line in table.outcomes]
    abbreviations = latex.abbreviations(cols, width)
    if abbreviations:
        notes.append(render.latex_escape("; ".join(abbreviations) + "."))
    caption = render.latex_escape(table.caption)
    if table.cites:
        caption += f"~\\carbonspeccite{{{','.join(table.cites)}}}"
    layout = latex.layout(cols, body, footer, notes, width, table.long, caption)
    return render.render(
        "table.tex.j2",
        t=table,
        L=layout,
        caption=caption,
        long=table.long,
        preamble=latex.PACKAGES,
        macros=latex.CITE_MACROS,
        balance_guard=latex.BALANCE_GUARD,
    )


def table_csv(table: Table) -> str:
    """One row per run; an interval as two columns; a sweep's failed and skipped jobs as rows
    with their status."""
    cols = columns(table)
    header: list[str] = []
    for c in cols:
        header += [f"{c.name}_low", f"{c.name}_high"] if c.style == "interval" else [c.name]
    status = bool(table.outcomes)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header + (["status"] if status else []))
    for row in table.rows:
        cells: list[Any] = []
        for c in cols:
            value = row.get(c.field)
            if c.style == "interval":
                cells += [csv_value(v) for v in value] if value else ["", ""]
            else:
                cells.append(csv_value(value))
        writer.writerow(cells + (["ok"] if status else []))
    for line in table.outcomes:
        writer.writerow([""] * len(header) + [line])
    return out.getvalue()


def csv_value(value: Any) -> Any:
    """Plain values, tidy numbers; a list joined by spaces."""
    if isinstance(value, list | tuple):
        return " ".join(map(str, render.tidy(list(value))))
    return render.tidy(value)


def estimate_csv(result: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    keys = sorted(result)
    writer.writerow(keys)
    writer.writerow([csv_value(result[k]) for k in keys])
    return out.getvalue()


def table_json(table: Table) -> dict[str, Any]:
    return {
        "table": table.name,
        "rows": table.rows,
        "footnotes": table.footnotes,
        "summary": table.summary,
    }


def table_files(t: Table, width: str = "text") -> dict[str, str]:
    return {
        f"{t.name}.md": render_table(t, "markdown"),
        f"{t.name}.tex": render_table(t, "latex", width),
        f"{t.name}.csv": table_csv(t),
        f"{t.name}.json": render.to_json(table_json(t)),
    }


def write_table(
    t: Table, folder: Path, width: str = "text", drawn: Path | None = None
) -> dict[str, str]:
    """The table's .md, .tex, .csv and .json (and its figure, for sweeps) in a folder; a figure
    already drawn in another folder (``drawn``) is copied, not drawn again."""
    drawing = None
    if t.figure and t.rows and drawn is None:
        folder.mkdir(parents=True, exist_ok=True)
        drawing = figures.Drawing(t.rows, folder / t.name, t.caption)  # drawn meanwhile
    files = table_files(t, width)
    write_files(folder, files)
    if drawing is not None:
        drawing.wait()
    elif t.figure and t.rows and drawn is not None:
        for suffix in (".png", ".pdf"):
            shutil.copyfile(
                (drawn / t.name).with_suffix(suffix), (folder / t.name).with_suffix(suffix)
            )
    return files


def emit_tables(
    tables: list[Table], fmt: Format, out_dir: Path, export_dir: str | None, width: str
) -> None:
    """Print the tables in the asked format; write .md, .tex, .csv and .json for each, and in
    an export folder the paper bundle (references.bib, preview.tex)."""
    files: dict[str, str] = {}
    for t in tables:
        files |= write_table(t, out_dir, width)
    tex = [files[f"{t.name}.tex"] for t in tables]
    if export_dir:
        for t in tables:
            write_table(t, Path(export_dir), width, drawn=out_dir)
        write_bundle(Path(export_dir), tex)

    if fmt is Format.bibtex:
        print(references.bibtex_for_keys(references.cited_keys(*tex)), end="")
        return
    if fmt is Format.json and len(tables) == 1:
        print(files[f"{tables[0].name}.json"], end="")
        return
    if fmt is Format.json:
        print(render.to_json([table_json(t) for t in tables]), end="")
        return
    ext = {Format.latex: "tex", Format.csv: "csv"}.get(fmt, "md")
    print("\n".join(files[f"{t.name}.{ext}"] for t in tables), end="")


def write_bundle(folder: Path, tex: list[str]) -> None:
    """references.bib with exactly what the folder's .tex files cite (merged with what is there)
    and preview.tex, a plain article that \\inputs every .tex of the folder."""
    bib = folder / "references.bib"
    new = references.bibtex_for_keys(references.cited_keys(*tex))
    existing = bib.read_text(encoding="utf-8") if bib.exists() else ""
    inputs = sorted(p.stem for p in folder.glob("*.tex") if p.name != "preview.tex")
    write_files(
        folder,
        {
            "references.bib": references.merge_bib(existing, new),
            "preview.tex": render.render("preview.tex.j2", inputs=inputs, preamble=latex.PREAMBLE),
        },
    )


def write_files(folder: Path, files: dict[str, str]) -> None:
    """Each file written whole or not at all: a temporary file, then renamed over the target."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        target = folder / name
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=folder, prefix=f".{name}.", delete=False
        ) as tmp:
            tmp.write(text)
        os.replace(tmp.name, target)


def estimate_paragraph(result: dict[str, Any], model: Model) -> str:
    return render.render(
        "estimate.tex.j2",
        r=result,
        cite=references.cite_keys(result),
        activity=model.activity,
        preamble=latex.PACKAGES,
        macros=latex.CITE_MACROS,
    )


def model_card(result: dict[str, Any]) -> str:
    """A Hugging Face model card's front matter (co2_eq_emissions, in grams of operational
    CO2eq) written by a YAML library, so any name is quoted right; then the card's text."""
    devices = f"{render.thousands(result['devices'])} x " if result.get("devices") else ""
    basis = result["device_hours_basis"]
    hours = render.bare(render.device_hours(result["device_hours"], basis))
    block = {
        "co2_eq_emissions": {
            "emissions": round(result["emissions_kg"] * 1000),
            "source": (
                f"carbonspec estimate, method={result['method']}: {render.plain(result['power_w'])}"
                f" W x {hours} device-hours ({basis}) x PUE"
                f" {render.plain(result['pue'])} x"
                f" {render.plain(result['carbon_intensity_g_per_kwh'])} gCO2eq/kWh"
                f" ({result['grid_scope']} grid, {result['grid_year']})"
            ),
            "training_type": "pre-training",
            "geographical_location": result["region_name"],
            "hardware_used": f"{devices}{result['hardware_name']}",
        }
    }
    front = yaml.safe_dump(block, sort_keys=False, allow_unicode=True, width=1000)
    return render.render("model_card.md.j2", r=result, front_matter=front)


def emit_estimate(
    result: dict[str, Any], model: Model, fmt: Format, out_dir: Path, export_dir: str | None
) -> None:
    write_files(out_dir, {"result.json": render.to_json(result)})
    paragraph = estimate_paragraph(result, model)
    if export_dir:
        stem = f"{result['model']}_{result['region']}"
        write_files(
            Path(export_dir), {f"{stem}.tex": paragraph, f"{stem}.json": render.to_json(result)}
        )
        write_bundle(Path(export_dir), [paragraph])
    if fmt is Format.json:
        print(render.to_json(result), end="")
    elif fmt is Format.latex:
        print(paragraph, end="")
    elif fmt is Format.model_card:
        print(model_card(result), end="")
    elif fmt is Format.bibtex:
        print(references.bibtex_for_keys(references.cited_keys(paragraph)), end="")
    elif fmt is Format.csv:
        print(estimate_csv(result), end="")
    else:  # text
        print(
            render.render(
                "estimate.txt.j2",
                r=result,
                model_sources={"device_hours_source": model.device_hours_source},
                equivalents=references.equivalents(result["emissions_kg"]),
            ),
            end="",
        )
