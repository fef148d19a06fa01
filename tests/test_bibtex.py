"""BibTeX that a paper can use: escaped fields, protected titles, real fields, one entry per key."""

import bibtexparser
import pytest

from carbonspec import references, render


def entry(**fields):
    return references.bibtex_entry({"key": "k", "type": "misc", **fields})


def test_every_special_character_is_escaped_except_in_url_and_doi():
    text = entry(
        title="A & B", howpublished="MODEL_CARD.md 100% $5 #1 ~x ^y {z}", note="a\\b",
        url="https://example.org/a_b%20c#d", doi="10.1000/x_y",
    )  # fmt: skip
    assert r"MODEL\_CARD.md 100\% \$5 \#1 \textasciitilde{}x \textasciicircum{}y \{z\}" in text
    assert r"a\textbackslash{}b" in text and r"A \& B" in text
    assert "url = {https://example.org/a_b%20c#d}" in text and "doi = {10.1000/x_y}" in text


@pytest.mark.parametrize(
    ("title", "kept"),
    [
        ("Estimating the Carbon Footprint of BLOOM, a 176B Parameter Language Model",
         ["{BLOOM,}", "{176B}"]),
        ("GShard: Scaling Giant Models", ["{GShard:}"]),
        ("PaLM: Scaling Language Modeling with Pathways", ["{PaLM:}", "{Pathways}"]),
        ("OPT: Open Pre-trained Transformer Language Models", ["{OPT:}", "{Transformer}"]),
    ],
)  # fmt: skip
def test_titles_keep_the_case_of_acronyms_and_names(title, kept):
    protected = references.protect_title(title)
    for word in kept:
        assert word in protected
    assert "{Estimating}" not in protected and "{Scaling}" not in protected  # styles may lower


def test_month_is_a_macro_and_the_year_is_written_once():
    text = entry(title="T", author="A, B", year=2025, month="feb", howpublished="Manuscript")
    assert "month = feb," in text and text.count("2025") == 1


def test_journal_articles_carry_volume_number_and_pages():
    bib = references.bibtex_for_keys(["luccioni2023estimating", "romeraparedes2024mathematical"])
    entries = {e.key: e for e in bibtexparser.parse_string(bib).entries}
    jmlr = entries["luccioni2023estimating"]
    assert (jmlr["journal"], jmlr["volume"], jmlr["number"], jmlr["pages"]) == (
        "Journal of Machine Learning Research", "24", "253", "1--15",
    )  # fmt: skip
    nature = entries["romeraparedes2024mathematical"]
    assert (nature["journal"], nature["volume"], nature["pages"]) == ("Nature", "625", "468--475")


def test_cited_keys_are_found_once_in_order():
    tex = r"A~\cite{b,a} and \cite{a} then \citep[p.~3]{c}"
    assert references.cited_keys(tex) == ["b", "a", "c"]


def test_merging_two_exports_keeps_one_entry_per_key():
    first = references.bibtex_for_keys(["carbonspec", "lacoste2019quantifying"])
    second = references.bibtex_for_keys(["carbonspec", "shi2025environmental"])
    merged = references.merge_bib(first, second)
    keys = [e.key for e in bibtexparser.parse_string(merged).entries]
    assert (
        keys
        == sorted(set(keys))
        == ["carbonspec", "lacoste2019quantifying", "shi2025environmental"]
    )


def test_an_unknown_cited_key_is_an_error_not_a_silent_gap():
    from carbonspec.catalog import ConfigError

    with pytest.raises(ConfigError, match="nokey"):
        references.bibtex_for_keys(["nokey"])


@pytest.mark.parametrize(
    ("text", "latex"),
    [
        ("Étienne Goffinet", r"{\'{E}}tienne Goffinet"),
        ("Rogozińska", r"Rogozi{\'{n}}ska"),
        ("Straße – Øre", r"Stra{\ss}e -- {\O}re"),
        ("文心", "[U+6587][U+5FC3]"),
        ("ąę", "{a}{e}"),  # an ogonek is not in pdflatex's default encoding: dropped
    ],
)
def test_non_ascii_text_is_written_so_pdflatex_sets_it(text, latex):
    assert render.latex_escape(text) == latex
