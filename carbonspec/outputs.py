"""Writing results: which template renders what, and where the files go.

Every file written here is a pure function of the inputs (no dates, no paths inside), so the same
inputs give byte-identical files.
"""

from __future__ import annotations

import csv
import io
import os
import secrets
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from carbonspec import figures, latex, references, render
from carbonspec.catalog import ConfigError
from carbonspec.columns import Column, resolve
from carbonspec.columns import value as column_value
from carbonspec.schema import Format, Model
from carbonspec.tables import Table

LOCK = ".carbonspec.lock"  # in an export folder: exports into it take turns
LOCK_WAIT_S = 600


def columns(table: Table, names: list[str] | None = None) -> list[Column]:
    return resolve(names or table.columns, table.name, table.rows)


def render_table(table: Table, fmt: str, width: str = "text") -> str:
    if fmt == "markdown":
        text = render.render("table.md.j2", t=table, columns=columns(table))
    else:
        text = latex_table(table, width)
    # a table's parts (an evaluation's statistics) follow it in the same file
    return "\n".join([text, *(render_table(part, fmt, width) for part in table.parts)])


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
            value = column_value(row, c)
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
    already drawn (``drawn``, its .png and .pdf without the suffix) is copied, not drawn again."""
    drawing = None
    if t.figure and t.rows and drawn is None:
        folder.mkdir(parents=True, exist_ok=True)
        # drawn meanwhile, as wide as the LaTeX, its labels named by what the sweep varied
        drawing = figures.Drawing(t.rows, folder / t.name, t.caption, width, " / ".join(t.varied))
    files = table_files(t, width)
    write_files(folder, files)
    if drawing is not None:
        drawing.wait()
    elif t.figure and t.rows and drawn is not None:
        for suffix in (".png", ".pdf"):
            figure = drawn.with_suffix(suffix)
            write_atomic((folder / t.name).with_suffix(suffix), figure.read_bytes())
    return files


def emit_tables(
    tables: list[Table], fmt: Format, out_dir: Path, export_dir: str | None, width: str
) -> None:
    """Print the tables in the asked format; write .md, .tex, .csv and .json for each, and in
    an export folder the paper bundle (references.bib, preview.tex)."""
    files: dict[str, str] = {}
    with exporting(export_dir) as bundle:  # an export that cannot be made stops here
        for t in tables:
            files |= write_table(t, out_dir, width)
        tex = [files[f"{t.name}.tex"] for t in tables]
        if bundle is not None:
            for t in tables:
                write_table(t, bundle.folder, width, drawn=out_dir / t.name)
            bundle.finish(tex)

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


def export_table(t: Table, export_dir: str, width: str, drawn: Path) -> dict[str, str]:
    """A table already written elsewhere (a sweep's summary, its figure at ``drawn``) exported
    into a paper's folder: its files, references.bib and preview.tex, merged with what the
    folder holds, as every export does."""
    with exporting(export_dir) as bundle:
        assert bundle is not None
        files = write_table(t, bundle.folder, width, drawn=drawn)
        bundle.finish([files[f"{t.name}.tex"]])
    return files


def export_folder(export_dir: str) -> Path:
    """The export folder as the user means it: ~ is their home folder."""
    return Path(export_dir).expanduser()


@dataclass
class Bundle:
    """An export folder while this process holds its lock, with the references.bib it held."""

    folder: Path
    bib: references.Bib

    def write(self, files: dict[str, str]) -> None:
        write_files(self.folder, files)

    def finish(self, tex: list[str]) -> None:
        """references.bib: what was there, plus the entries these .tex files cite (a differing
        entry the folder already had is kept, and said so); preview.tex, a plain article that
        \\inputs every .tex of the folder."""
        cited = references.bibtex_for_keys(references.cited_keys(*tex))
        text, kept = references.merge(self.bib, references.parse_bib(cited, "carbonspec"))
        inputs = sorted(p.stem for p in self.folder.glob("*.tex") if p.name != "preview.tex")
        preview = render.render("preview.tex.j2", inputs=inputs, preamble=latex.PREAMBLE)
        self.write({"references.bib": text, "preview.tex": preview})
        if kept:
            keys = ", ".join(f"'{k}'" for k in kept)
            print(
                f"carbonspec: references.bib: kept your {'entry' if len(kept) == 1 else 'entries'}"
                f" {keys}; carbonspec's {'differs' if len(kept) == 1 else 'differ'}"
                " (delete yours to take carbonspec's)",
                file=sys.stderr,
            )


@contextmanager
def exporting(export_dir: str | None) -> Iterator[Bundle | None]:
    """The export folder, held: concurrent carbonspec runs exporting into one folder take turns
    (a lock file, .carbonspec.lock, that the system releases if a process dies), so each one
    merges references.bib and preview.tex with what the others wrote. Its references.bib is
    read first: one that is not BibTeX is refused before anything is written."""
    if not export_dir:
        yield None
        return
    folder = export_folder(export_dir)
    references.read_bib_file(folder / "references.bib")  # refused here, nothing written yet
    # Imported here: only an export takes the lock, and a plain estimate should not pay for it.
    from filelock import FileLock, Timeout

    lock = FileLock(folder / LOCK, timeout=LOCK_WAIT_S)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except OSError as err:
        raise ConfigError(f"export_dir={export_dir}: cannot write there ({err.strerror})") from None
    except Timeout:
        raise ConfigError(
            f"export_dir={export_dir}: another carbonspec run has held {LOCK} for"
            f" {LOCK_WAIT_S // 60} minutes; try again when it has finished"
        ) from None
    try:
        yield Bundle(folder, references.read_bib_file(folder / "references.bib"))
    finally:
        lock.release()


def write_files(folder: Path, files: dict[str, str]) -> None:
    """Each file written whole or not at all (see write_atomic)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        write_atomic(folder / name, text.encode("utf-8"))


def write_atomic(path: Path, data: bytes) -> None:
    """A file written whole or not at all: a temporary file beside it, then renamed over it.

    The temporary file is created as any new file is (mode 0666 less the umask: 0644 under
    umask 022, 0600 under 077), and a file that was already there keeps its mode. A symbolic
    link is followed: its target is replaced and the link stays a link.
    """
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as f:
            f.write(data)
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


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
    hardware_used = f"{devices}{result['hardware_name']}"
    if result["run_hardware"] != result["hardware"]:  # a what-if: not the hardware used
        used = f"{devices}{result['run_hardware_name']}"
        hardware_used = f"{result['hardware_name']} (what-if; the run used {used})"
    basis = result["device_hours_basis"]
    hours = render.bare(render.device_hours(result["device_hours"], basis))
    grid = (
        f"{render.plain(result['carbon_intensity_g_per_kwh'])} gCO2eq/kWh"
        f" ({render.grid_words(result)})"
    )
    if result.get("energy_basis") == "measured":
        pue = (
            "" if result["energy_scope"] == "facility" else f" x PUE {render.plain(result['pue'])}"
        )
        kwh = render.plain(result["energy_measured_kwh"])
        source = (
            f"carbonspec estimate from a measured energy: {kwh} kWh ({result['energy_scope']})"
            f"{pue} x {grid}"
        )
    else:
        power = render.plain(result["power_w"])
        if result.get("power_scope") == "server":
            power += f" (with the host's share of {render.plain(round(result['host_w'], 1))} W)"
        source = (
            f"carbonspec estimate, method={result['method']}: {power}"
            f" W x {hours} device-hours ({basis}) x PUE {render.plain(result['pue'])} x {grid}"
        )
    block = {
        "co2_eq_emissions": {
            "emissions": round(result["emissions_kg"] * 1000),
            "source": source,
            "training_type": "pre-training",
            "geographical_location": result["region_name"],
            "hardware_used": hardware_used,
        }
    }
    front = yaml.safe_dump(block, sort_keys=False, allow_unicode=True, width=1000)
    return render.render("model_card.md.j2", r=result, front_matter=front)


def emit_estimate(
    result: dict[str, Any], model: Model, fmt: Format, out_dir: Path, export_dir: str | None
) -> None:
    # the LaTeX paragraph only where it is printed or exported: its template costs a compile
    paragraph = (
        estimate_paragraph(result, model)
        if export_dir is not None or fmt in (Format.latex, Format.bibtex)
        else ""
    )
    with exporting(export_dir) as bundle:  # an export that cannot be made stops here
        write_files(out_dir, {"result.json": render.to_json(result)})
        if bundle is not None:
            stem = f"{result['model']}_{result['region']}"
            if result["run_hardware"] != result["hardware"]:  # a what-if keeps the run's own file
                stem = f"{result['model']}_{result['hardware']}_{result['region']}"
            bundle.write({f"{stem}.tex": paragraph, f"{stem}.json": render.to_json(result)})
            bundle.finish([paragraph])
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
        print(estimate_text(result, model), end="")


def estimate_text(result: dict[str, Any], model: Model) -> str:
    return render.render(
        "estimate.txt.j2",
        r=result,
        model_sources={"device_hours_source": model.device_hours_source},
        equivalents=references.equivalents(result["emissions_kg"]),
    )
