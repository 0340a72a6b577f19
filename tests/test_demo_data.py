"""``maturasi demo-data`` never overwrites a file it did not write (issue 13)."""

import hashlib

from analysis.cli import main


def _h(p):
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_demo_data_leaves_identical_files_and_refuses_edited_ones(tmp_path, capsys):
    assert main(["demo-data", "--out", str(tmp_path)]) == 0
    panel, latest = tmp_path / "smartcity_panel.csv", tmp_path / "smartcity_2025.csv"
    before = _h(panel)
    assert main(["demo-data", "--out", str(tmp_path)]) == 0  # same bytes: nothing to do
    assert _h(panel) == before
    latest.write_text("my own edits\n")
    notes = tmp_path / "notes.txt"
    notes.write_text("keep me\n")
    capsys.readouterr()
    assert main(["demo-data", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "smartcity_2025.csv" in err[0] and "--force" in err[0]
    assert latest.read_text() == "my own edits\n" and notes.read_text() == "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "smartcity_2025.csv", "smartcity_panel.csv"]
    assert main(["demo-data", "--out", str(tmp_path), "--force"]) == 0
    assert latest.read_text() != "my own edits\n" and notes.read_text() == "keep me\n"


def test_demo_data_refuses_a_file_as_out(tmp_path, capsys):
    f = tmp_path / "x.csv"
    f.write_text("a\n")
    assert main(["demo-data", "--out", str(f)]) == 2
    assert f.read_text() == "a\n"
