"""Table mechanics that the seed tables do not exercise."""

import pytest

from carbonspec.tables import Footnotes


def test_footnote_marks_go_past_z_and_reuse_repeated_texts():
    notes = Footnotes()
    marks = [notes.mark(f"note {i}") for i in range(30)]
    assert marks[:3] == ["a", "b", "c"] and marks[25:28] == ["z", "aa", "ab"]
    assert notes.mark("note 1") == "b"
    assert len(notes.as_list()) == 30


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("caption: x\ncolums: [model]\nrows:\n  - model: gpt3\n", "colums"),
        (
            "caption: x\ncolumns: [model]\nrows:\n  - model: gpt3\n    devicehours: 5\n",
            "devicehours",
        ),
        ("caption: x\ncolumns: [model, estimat]\nrows:\n  - model: gpt3\n", "estimat"),
        ("caption: x\ncolumns: [model]\nrows:\n  - model: gpt5\n", "unknown model 'gpt5'"),
        ("columns: [model]\nrows:\n  - model: gpt3\n", "caption is missing"),
    ],
)
def test_a_broken_table_config_fails_in_one_line(cli, tmp_path, text, message):
    (tmp_path / "conf" / "table").mkdir(parents=True)
    (tmp_path / "conf" / "table" / "broken.yaml").write_text(text)
    result = cli(f"hydra.searchpath=[file://{tmp_path / 'conf'}]", "table=broken")
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
