"""The export bundle (export_dir=...) loses nothing and corrupts nothing: parallel exports into one
folder merge, an existing references.bib is read by a BibTeX parser (refused if it is not BibTeX,
kept where it differs, followed where it is a link), files are written whole with the modes the
umask gives, a failed run removes only the folders it made, and whatever text a user's config
holds, the exported LaTeX and BibTeX compile."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import bibtexparser
import pytest

from carbonspec import catalog, outputs, references, render

MODELS = ["gpt3", "bloom", "llama2_70b", "opt_175b", "gopher", "palm_540b", "olmo2_7b",
          "falcon_180b"]  # fmt: skip


def bib_keys(path: Path) -> list[str]:
    library = bibtexparser.parse_string(path.read_text(encoding="utf-8"))
    assert library.failed_blocks == []
    return [entry.key for entry in library.entries]


def every_file(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def one_error_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert len(lines) == 1 and lines[0].startswith("carbonspec: error:"), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    return lines[0]


# --- parallel exports -------------------------------------------------------------------------


@pytest.mark.slow
def test_eight_exports_into_one_folder_at_once_keep_every_key_and_input(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CARBONSPEC_DEBUG"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "carbonspec", f"model={m}", "format=latex", "export_dir=exp"],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )  # fmt: skip
        for m in MODELS
    ]
    errors = [p.communicate(timeout=600)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * len(MODELS), errors
    folder = tmp_path / "exp"
    tex = {p.stem: p.read_text() for p in folder.glob("*.tex") if p.name != "preview.tex"}
    assert len(tex) == len(MODELS)
    cited = references.cited_keys(*tex.values())
    assert len(cited) > len(MODELS)  # each paper, the method, the grid data, carbonspec
    keys = bib_keys(folder / "references.bib")
    assert sorted(keys) == sorted(set(keys)) == sorted(cited)
    inputs = re.findall(r"\\input\{([^}]*)\}", (folder / "preview.tex").read_text())
    assert sorted(inputs) == sorted(tex)
    assert list(folder.glob(".*.tmp")) == []  # every write finished or left nothing


# --- an existing references.bib ---------------------------------------------------------------

UNREADABLE = {
    "truncated": ("@misc{mine,\n  title = {Mine},\n}\n\n@article{cut,\n  title = {Half an ent",
                  "line 5"),
    "binary": (bytes(range(256)) * 4, "not a BibTeX text file"),
    "key twice": ("@misc{a, title={1}}\n@misc{a, title={2}}\n", "'a' is given twice"),
    "same key to BibTeX": ("@misc{Brown, title={1}}\n@misc{brown, title={2}}\n", "same key"),
    "a folder": (None, "is a folder"),
}  # fmt: skip


@pytest.mark.parametrize("case", UNREADABLE, ids=list(UNREADABLE))
@pytest.mark.parametrize(
    "args", [["model=gpt3"], ["table=seed_academia"]], ids=["paragraph", "table"]
)
def test_a_references_bib_that_is_not_bibtex_is_refused_before_anything_is_written(
    case, args, cli, tmp_path
):
    content, said = UNREADABLE[case]
    folder = tmp_path / "paper"
    folder.mkdir()
    bib = folder / "references.bib"
    if content is None:
        bib.mkdir()
    else:
        bib.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = every_file(tmp_path)
    line = one_error_line(cli(*args, "format=latex", f"export_dir={folder}"))
    assert said in line and "references.bib" in line
    assert every_file(tmp_path) == before  # no .tex, no result.json, no lock, no run folder
    assert sorted(p.name for p in tmp_path.iterdir()) == ["paper"]


def test_the_bundle_itself_refuses_before_taking_the_lock(tmp_path):
    """For an export_dir that Hydra resolves (${...}), checked only when the run writes."""
    (tmp_path / "references.bib").write_text("@misc{x, title = {open\n")
    with pytest.raises(catalog.ConfigError, match="line 1"), outputs.exporting(str(tmp_path)):
        pass
    assert [p.name for p in tmp_path.iterdir()] == ["references.bib"]


def test_indented_entries_are_split_right_and_a_users_own_entry_is_kept(cli, tmp_path):
    folder = tmp_path / "paper"
    folder.mkdir()
    first = cli("model=gpt3", f"export_dir={folder}")
    assert first.returncode == 0, first.stderr
    bib = folder / "references.bib"
    # the user indents every line (an editor's reformatting) and rewrites one entry
    indented = "".join("    " + line if line.strip() else line for line in bib.open())
    mine = "  @misc{brown2020language,\n    title = {My own note on GPT-3},\n  }\n"
    indented = re.sub(r" *@inproceedings\{brown2020language,.*?\n *\}\n", mine, indented,
                      flags=re.S)  # fmt: skip
    bib.write_text(indented)
    second = cli("model=bloom", f"export_dir={folder}")  # does not cite brown2020language
    assert second.returncode == 0 and second.stderr == ""
    keys = bib_keys(bib)
    assert len(keys) == len(set(keys))  # carbonspec, cited by both, is there once
    third = cli("model=gpt3", f"export_dir={folder}")
    assert third.returncode == 0
    assert third.stderr.strip() == (
        "carbonspec: references.bib: kept your entry 'brown2020language'; carbonspec's differs"
        " (delete yours to take carbonspec's)"
    )
    keys = bib_keys(bib)
    assert len(keys) == len(set(keys))  # carbonspec, cited by both, is there once
    assert {"brown2020language", "luccioni2023estimating", "carbonspec"} <= set(keys)
    assert "My own note on GPT-3" in bib.read_text()


def test_comments_strings_and_preambles_come_through(cli, tmp_path):
    folder = tmp_path / "paper"
    folder.mkdir()
    bib = folder / "references.bib"
    bib.write_text(
        "% my references, by hand\n"
        "@string{jmlr = {Journal of Machine Learning Research}}\n"
        '@preamble{"\\providecommand{\\noop}[1]{}"}\n'
        "@article{mine2024, author = {Me, A.}, title = {Mine}, journal = jmlr, year = 2024}\n"
    )
    result = cli("model=gpt3", f"export_dir={folder}")
    assert result.returncode == 0 and result.stderr == ""
    text = bib.read_text()
    for kept in ("% my references, by hand", "@preamble{", "journal = jmlr",
                 "@string{jmlr = {Journal of Machine Learning Research}}"):  # fmt: skip
        assert kept in text
    assert text.index("@string") < text.index("@article{mine2024")  # a macro before its use
    assert {"mine2024", "brown2020language", "carbonspec"} <= set(bib_keys(bib))


def test_a_linked_references_bib_is_followed(cli, tmp_path):
    folder = tmp_path / "paper"
    shared = tmp_path / "shared"
    folder.mkdir()
    shared.mkdir()
    target = shared / "all.bib"
    target.write_text("@misc{mine, title = {Mine}}\n")
    target.chmod(0o640)
    (folder / "references.bib").symlink_to(target)
    result = cli("model=gpt3", f"export_dir={folder}")
    assert result.returncode == 0, result.stderr
    assert (folder / "references.bib").is_symlink()
    assert (folder / "references.bib").readlink() == target
    assert {"mine", "brown2020language"} <= set(bib_keys(target))
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in shared.iterdir()] == ["all.bib"]  # no temporary file left


def test_merge_keeps_the_existing_entry_and_names_it():
    existing = references.parse_bib(
        "@Misc{Carbonspec,\n  title = {My citation of it},\n}\n", "existing"
    )
    ours = references.parse_bib(references.bibtex_for_keys(["carbonspec", "shi2025environmental"]),
                                "carbonspec")  # fmt: skip
    text, kept = references.merge(existing, ours)
    assert kept == ["Carbonspec"]  # BibTeX compares keys without case
    assert [e.key for e in bibtexparser.parse_string(text).entries] == [
        "Carbonspec", "shi2025environmental",
    ]  # fmt: skip
    same, kept = references.merge(ours, ours)
    assert kept == [] and same == references.merge(references.Bib(), ours)[0]


# --- modes, links and folders -----------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_every_file_gets_the_mode_the_umask_gives(umask, cli, tmp_path):
    previous = os.umask(umask)
    try:
        runs = [
            ("model=gpt3", "format=json", "export_dir=paper"),
            ("table=seed_academia", "export_dir=paper"),
            ("table=seed_industry", "export_dir=paper"),  # regenerates: references.bib merged
            ("-m", "model=gpt3", "region=aws-us-east-1,aws-us-west-2"),  # records and summary
        ]
        for args in runs:
            result = cli(*args)
            assert result.returncode == 0, result.stderr
    finally:
        os.umask(previous)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"result.json", "references.bib", "preview.tex", "gpt3_microsoft-us.tex",
            "seed_academia.tex", "summary.md", "summary.json", "summary.png"} <= names  # fmt: skip
    wrong = {str(p.relative_to(tmp_path)): oct(stat.S_IMODE(p.stat().st_mode)) for p in files
             if stat.S_IMODE(p.stat().st_mode) != 0o666 & ~umask}  # fmt: skip
    assert wrong == {}


def test_an_existing_files_mode_is_kept(cli, tmp_path):
    previous = os.umask(0o022)
    try:
        assert cli("model=gpt3", "export_dir=paper").returncode == 0
        for name in ("references.bib", "gpt3_microsoft-us.tex"):
            (tmp_path / "paper" / name).chmod(0o664)
        assert cli("model=gpt3", "export_dir=paper").returncode == 0
    finally:
        os.umask(previous)
    for name in ("references.bib", "gpt3_microsoft-us.tex"):
        assert stat.S_IMODE((tmp_path / "paper" / name).stat().st_mode) == 0o664


def test_a_failed_run_leaves_the_users_empty_folders(cli, tmp_path):
    (tmp_path / "keep" / "mydir").mkdir(parents=True)
    one_error_line(cli("model=gpt3", "pue=5", "hydra.run.dir=keep/mydir"))
    assert (tmp_path / "keep" / "mydir").is_dir()
    assert list((tmp_path / "keep" / "mydir").iterdir()) == []  # Hydra's .hydra copy went
    # a folder the run made below a user's folder goes; the user's folder stays
    one_error_line(cli("model=gpt3", "pue=5", "hydra.run.dir=keep/new/deeper"))
    assert sorted(p.name for p in (tmp_path / "keep").iterdir()) == ["mydir"]
    # the default run folder: an empty outputs/ the user made stays, the run's folders go
    (tmp_path / "outputs").mkdir()
    one_error_line(cli("model=gpt3", "pue=5"))
    assert list((tmp_path / "outputs").iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep", "outputs"]


def test_a_failed_run_into_a_folder_with_the_users_files_touches_none(cli, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    one_error_line(cli("model=gpt3", "pue=5", f"hydra.run.dir={folder}"))
    assert (folder / "notes.txt").read_text() == "mine"


NOT_WRITABLE = [
    ("export_dir=/proc/carbonspec", "cannot write in /proc"),
    ("export_dir=afile/paper", "afile is a file"),
    ("export_dir=afile", "afile is a file"),
    ("hydra.run.dir=/proc/self", "cannot write"),
]


@pytest.mark.parametrize(("arg", "said"), NOT_WRITABLE)
def test_an_unwritable_folder_is_refused_before_anything_is_written(arg, said, cli, tmp_path):
    (tmp_path / "afile").write_text("x")
    line = one_error_line(cli("model=gpt3", arg))
    assert said in line
    assert [p.name for p in tmp_path.iterdir()] == ["afile"]


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_a_run_from_a_folder_it_cannot_write_in_is_refused(run_in):
    line = one_error_line(run_in("model=gpt3", cwd=Path("/proc")))
    assert "outputs/" in line and "hydra.run.dir=<folder>" in line
    sweep = one_error_line(run_in("-m", "model=gpt3", "region=aws-us-east-1,aws-us-west-2",
                                  cwd=Path("/proc")))  # fmt: skip
    assert "hydra.sweep.dir=<folder>" in sweep


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in any folder")
def test_a_read_only_export_dir_is_refused_before_anything_is_written(cli, tmp_path):
    folder = tmp_path / "paper"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        line = one_error_line(cli("table=seed_academia", f"export_dir={folder}"))
    finally:
        folder.chmod(0o755)
    assert "cannot write" in line
    assert [p.name for p in tmp_path.iterdir()] == ["paper"] and list(folder.iterdir()) == []


def test_a_tilde_in_export_dir_is_the_home_folder(cli, tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    result = cli("model=gpt3", "export_dir=~/papers")
    assert result.returncode == 0, result.stderr
    assert (home / "papers" / "gpt3_microsoft-us.tex").exists()
    assert not (tmp_path / "~").exists()


def test_writes_are_atomic_and_follow_links(tmp_path):
    target = tmp_path / "real.txt"
    target.write_text("old")
    (tmp_path / "link.txt").symlink_to(target)
    outputs.write_files(tmp_path, {"link.txt": "new", "fresh.txt": "made"})
    assert (tmp_path / "link.txt").is_symlink() and target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh.txt", "link.txt", "real.txt"]


# --- hostile text -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "latex"),
    [
        ("one\n\ntwo \r\n three", "one two three"),  # a blank line would end the paragraph
        ("bell\x07 and\x00 nul\ttab", "bell and nul tab"),  # TeX's invalid characters
        ("}{", r"\}\{"),
    ],
)
def test_latex_text_is_one_line_of_valid_characters(text, latex):
    assert render.latex_escape(text) == latex


def test_absurdly_long_text_is_cut_and_says_so():
    text = render.latex_escape("x" * 300_000)
    assert len(text) < render.MAX_TEXT + 100
    assert text.endswith(r"\ldots{} [cut: 300,000 characters]")


@pytest.mark.parametrize(
    ("value", "balanced"),
    [
        (r"a \} b", r"a \textbraceright{} b"),  # bibtex counts \} as a brace
        (r"a \{ b", r"a \textbraceleft{} b"),
        (r"\{z\}", r"\{z\}"),  # balanced: kept
        (r"\} \{", r"\textbraceright{} \textbraceleft{}"),
        ("{Our World in Data", "Our World in Data"),  # a bare brace alone is dropped
        (r"{A \} and {B}}", r"{A \textbraceright{} and {B}}"),
        ("x\n\ny", "x y"),
    ],
)
def test_bibtex_values_balance_their_braces(value, balanced):
    assert render.bibtex_value(value) == balanced


def test_a_bibtex_entry_of_hostile_text_parses(tmp_path):
    entry = references.bibtex_entry({
        "key": "odd", "type": "misc", "author": "Doe, Jane} and {Roe",
        "title": "Unbalanced } title {\n\nwith a blank line", "howpublished": "x" * 300_000,
    })  # fmt: skip
    library = bibtexparser.parse_string(entry)
    assert library.failed_blocks == [] and [e.key for e in library.entries] == ["odd"]
    assert "[cut: 300,000 characters]" in entry and "\n\n" not in entry


HOSTILE_TITLE = "An unbalanced } brace, a { stray one \\} and\n\na blank line: R&D_100% ~#1 $y^2$"
HOSTILE_CAPTION = "A caption over two paragraphs.\n\nThe second one } has a stray brace & 100%"


def hostile_conf(root: Path) -> Path:
    """A user's model and table whose texts break naive LaTeX or BibTeX."""
    import yaml

    conf = root / "userconf"
    (conf / "model").mkdir(parents=True)
    (conf / "table").mkdir(parents=True)
    model = {
        "defaults": [{"override /hardware": "h100_sxm"}, {"override /region": "country-fra"}],
        "model": {
            "name": "Giant " + "ModelName" * 33_334,  # 300,012 characters
            "device_hours": 1000, "device_hours_source": "test\x07 with a bell",
            "paper": {"key": "hostile2026", "type": "misc", "year": 2026,
                      "author": "Doe, Jane} and {Roe, Ann", "title": HOSTILE_TITLE,
                      "howpublished": "arXiv \\{ 2026 \\}} {"},
        },
    }  # fmt: skip
    text = "# @package _global_\n" + yaml.safe_dump(model, allow_unicode=True)
    (conf / "model" / "hostile.yaml").write_text(text, encoding="utf-8")
    table = {
        "caption": HOSTILE_CAPTION,
        "columns": ["model", "hardware", "region", "device_hours", "estimate"],
        "rows": [{"model": "hostile", "assumptions": ["a note\n\nover two paragraphs }"]},
                 {"model": "bloom"}],
    }  # fmt: skip
    (conf / "table" / "hostile.yaml").write_text(yaml.safe_dump(table), encoding="utf-8")
    return conf


@pytest.mark.slow
def test_hostile_text_compiles_with_pdflatex_and_bibtex(cli, tmp_path, pdflatex):
    conf = hostile_conf(tmp_path)
    folder = tmp_path / "paper"
    for args in (["model=hostile"], ["table=hostile"]):
        result = cli(f"hydra.searchpath=[file://{conf}]", *args, "format=latex",
                     f"export_dir={folder}")  # fmt: skip
        assert result.returncode == 0, result.stderr
    tex = (folder / "hostile_country-fra.tex").read_text()
    assert "[cut: 300,012 characters]" in tex  # the name is cut, and says so
    assert "hostile2026" in bib_keys(folder / "references.bib")
    log = ""
    for step in ("pdflatex", "bibtex", "pdflatex", "pdflatex"):
        cmd = (
            [step, "preview"] if step == "bibtex" else [step, "-interaction=nonstopmode", "preview"]
        )
        run = subprocess.run(cmd, cwd=folder, capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, (step, run.stdout[-3000:])
    log = (folder / "preview.blg").read_text() + (folder / "preview.log").read_text()
    errors = [line for line in log.splitlines() if line.startswith(("!", "Warning--"))]
    errors += re.findall(r"There (?:was|were) \d+ error messages?", log)
    errors += re.findall(r"(?:Citation|Reference) `[^']*' on page \d+ undefined", log)
    assert errors == []
    bbl = (folder / "preview.bbl").read_text()
    assert "An unbalanced" in bbl and r"\textbraceright" in bbl  # the title kept, its brace too
