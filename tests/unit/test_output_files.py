"""Writing a file the user named: whole or not at all, through links, errors in words."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from viveka_pos.files import OutputFileError, write_file


@pytest.mark.skipif(os.name == "nt", reason="making a link on Windows needs administrator rights")
def test_writes_through_a_link_and_keeps_it(tmp_path: Path) -> None:
    target = tmp_path / "real.pdf"
    target.write_bytes(b"old")
    target.chmod(0o640)
    link = tmp_path / "link.pdf"
    link.symlink_to(target)
    assert write_file(link, b"new") == target
    assert link.is_symlink() and target.read_bytes() == b"new"
    assert oct(target.stat().st_mode & 0o777) == oct(0o640)  # the owner's choice kept
    chained = tmp_path / "chain.pdf"
    chained.symlink_to(link)
    write_file(chained, b"newer")
    assert chained.is_symlink() and link.is_symlink() and target.read_bytes() == b"newer"


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "items.csv"
    target.write_bytes(b"old")

    def fails(handle: object) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(
        OutputFileError,
        match=r"items.csv cannot be written \(the disk is "
        r"full\); nothing was written",
    ):
        write_file(target, fails)
    assert target.read_bytes() == b"old"
    assert sorted(os.listdir(tmp_path)) == ["items.csv"]


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("", "No file name was given"),
        (".", "is a folder: give a file name, e.g. x.csv"),
        ("missing/x.csv", "missing: no such folder"),
        ("a-file/x.csv", "a-file: is not a folder"),
        pytest.param(
            "n" * 300 + ".csv",
            "the name is too long",
            marks=pytest.mark.skipif(
                os.name == "nt", reason="Windows says a 300-letter name's folder does not exist"
            ),
        ),
    ],
)
def test_path_problems_are_one_line_naming_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, words: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(OutputFileError) as caught:
        write_file(name, b"data", example="x.csv")
    assert words in str(caught.value) and "\n" not in str(caught.value)
    assert isinstance(caught.value, OSError)
    assert sorted(os.listdir(tmp_path)) == ["a-file"]
