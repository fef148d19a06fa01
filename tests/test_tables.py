"""Table mechanics that the seed tables do not exercise."""

from carbonspec.tables import Footnotes


def test_footnote_marks_go_past_z_and_reuse_repeated_texts():
    notes = Footnotes()
    marks = [notes.mark(f"note {i}") for i in range(30)]
    assert marks[:3] == ["a", "b", "c"] and marks[25:28] == ["z", "aa", "ab"]
    assert notes.mark("note 1") == "b"
    assert len(notes.as_list()) == 30
