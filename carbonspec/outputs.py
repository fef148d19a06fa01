"""Writing results: which template renders what, and where the files go.

Every file written here is a pure function of the inputs (no dates, no paths inside), so the same
inputs give byte-identical files.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from carbonspec import catalog, references, render
from carbonspec.schema import Format, Model
from carbonspec.tables import Table

# name -> (Markdown header, LaTeX header, LaTeX column spec, row field, cell style)
COLUMNS: dict[str, tuple[str, str, str, str, str]] = {
    "model": ("Model", "Model", "l", "label", "text"),
    "hardware": ("Hardware", "Hardware", "l", "hardware_label", "text"),
    "region": ("Region", "Region", "l", "region", "text"),
    "device_hours": ("GPU hours", "{GPU hours}", "S[table-format=9.0]", "device_hours", "count"),
    "intensity": (
        "gCO2eq/kWh",
        r"{\si{\gram\per\kilo\watt\hour}}",
        "S[table-format=4.1]",
        "carbon_intensity_g_per_kwh",
        "plain",
    ),
    "pue": ("PUE", "{PUE}", "S[table-format=1.2]", "pue", "plain"),
    "energy": ("Energy (kWh)", r"{Energy (\si{\kilo\watt\hour})}", "S", "energy_kwh", "sig"),
    "estimate": (
        "Estimated CO2eq (t)",
        r"{Estimated CO\textsubscript{2}eq (\si{\tonne})}",
        "S[table-format=5.5]",
        "emissions_t",
        "sig",
    ),
    "interval": ("Interval (t)", "{Interval (t)}", "l", "interval", "interval"),
    "actual": (  # the seed's word for a reported figure
        "Actual CO2eq (t)",
        r"{Actual CO\textsubscript{2}eq (\si{\tonne})}",
        "S[table-format=3.2]",
        "reported_emissions_t",
        "plain",
    ),
    "reported": (
        "Reported CO2eq (t)",
        r"{Reported CO\textsubscript{2}eq (\si{\tonne})}",
        "S[table-format=4.2]",
        "reported_emissions_t",
        "plain",
    ),
    "error": ("Error (%)", r"{Error (\si{\percent})}", "S[table-format=+3.1]", "error_pct", "pct"),
    "calculator": (
        "Calculator (t)",
        "{Calculator (t)}",
        "S[table-format=5.3]",
        "calculator_t",
        "sig",
    ),
    "calculator_error": (
        "Calc. error (%)",
        r"{Calc.\ error (\si{\percent})}",
        "S[table-format=+3.1]",
        "calculator_error_pct",
        "pct",
    ),
    "tdp": ("TDP method (t)", "{TDP method (t)}", "S[table-format=5.3]", "tdp_t", "sig"),
    "tdp_error": (
        "TDP error (%)",
        r"{TDP error (\si{\percent})}",
        "S[table-format=+3.1]",
        "tdp_error_pct",
        "pct",
    ),
    "covered": ("In interval", "{In interval}", "c", "covered", "text"),
}


def columns(table: Table) -> list[dict[str, str]]:
    unknown = [c for c in table.columns if c not in COLUMNS]
    if unknown:
        raise catalog.ConfigError(
            f"invalid table '{table.name}': unknown column(s) {', '.join(unknown)};"
            f" valid columns: {', '.join(COLUMNS)}"
        )
    keys = ("md_header", "tex_header", "tex_spec", "field", "style")
    return [dict(zip(keys, COLUMNS[c], strict=True), name=c) for c in table.columns]


def render_table(table: Table, fmt: str) -> str:
    template = {"markdown": "table.md.j2", "latex": "table.tex.j2"}[fmt]
    return render.render(template, t=table, columns=columns(table))


def table_csv(table: Table) -> str:
    cols = columns(table)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c["name"] for c in cols])
    for row in table.rows:
        writer.writerow([csv_value(row.get(c["field"])) for c in cols])
    return out.getvalue()


def csv_value(value: Any) -> Any:
    """Plain values as they are; an interval (low, high) as 'low-high'; a list joined by spaces."""
    if isinstance(value, tuple):
        return "-".join(render.plain(v) for v in value)
    if isinstance(value, list):
        return " ".join(map(str, value))
    return value


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


def table_files(t: Table) -> dict[str, str]:
    return {
        f"{t.name}.md": render_table(t, "markdown"),
        f"{t.name}.tex": render_table(t, "latex"),
        f"{t.name}.csv": table_csv(t),
        f"{t.name}.json": render.to_json(table_json(t)),
    }


def write_table(t: Table, folder: Path) -> dict[str, str]:
    """The table's .md, .tex, .csv and .json (and its figure, for sweeps) in a folder."""
    files = table_files(t)
    write_files(folder, files)
    if t.figure and t.rows:
        from carbonspec import plot  # matplotlib is slow to import: only when drawing

        plot.bar_chart(t.rows, folder / t.name, t.caption)
    return files


def emit_tables(tables: list[Table], fmt: Format, out_dir: Path, export_dir: str | None) -> None:
    """Print the tables in the asked format; write .md, .tex, .csv and .json for each."""
    files: dict[str, str] = {}
    for t in tables:
        for folder in filter(None, [out_dir, export_dir]):
            files |= write_table(t, Path(folder))

    if fmt is Format.bibtex:
        rows = [r for t in tables for r in t.rows]
        print(references.bibtex_for_rows(rows, [k for t in tables for k in t.cites]), end="")
        return
    if fmt is Format.json and len(tables) == 1:
        print(files[f"{tables[0].name}.json"], end="")
        return
    if fmt is Format.json:
        print(render.to_json([table_json(t) for t in tables]), end="")
        return
    ext = {Format.latex: "tex", Format.csv: "csv"}.get(fmt, "md")
    print("\n".join(files[f"{t.name}.{ext}"] for t in tables), end="")


def write_files(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


def emit_sweep_job(result: dict[str, Any], out_dir: Path) -> None:
    write_files(out_dir, {"result.json": render.to_json(result)})
    print(
        f"{result['model']} on {result['hardware']} in {result['region']}:"
        f" {render.sig(result['emissions_t'])} t CO2eq ({result['method']}, {result['grid']} grid)"
    )


def emit_estimate(result: dict[str, Any], model: Model, fmt: Format, out_dir: Path) -> None:
    write_files(out_dir, {"result.json": render.to_json(result)})
    if fmt is Format.json:
        print(render.to_json(result), end="")
    elif fmt is Format.latex:
        print(render.render("estimate.tex.j2", r=result, cite=references.cite_keys(result)), end="")
    elif fmt is Format.model_card:
        print(
            render.render(
                "model_card.yaml.j2", r=result, emissions_g=result["emissions_kg"] * 1000
            ),
            end="",
        )
    elif fmt is Format.bibtex:
        print(references.bibtex_for_rows([result]), end="")
    elif fmt is Format.csv:
        print(estimate_csv(result), end="")
    else:  # text; Markdown has nothing more to say about one estimate than the text
        print(
            render.render(
                "estimate.txt.j2",
                r=result,
                model_sources={"device_hours_source": model.device_hours_source},
                equivalents=references.equivalents(result["emissions_kg"]),
            ),
            end="",
        )


def write_job_error(out_dir: Path, message: str, overrides: list[str], kind: str = "error") -> None:
    """Record why a sweep job has no result; the sweep summary lists it."""
    record = render.to_json({"error": message, "overrides": list(overrides)})
    write_files(out_dir, {f"{kind}.json": record})
