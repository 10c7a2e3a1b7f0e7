"""Reading a class's submissions: every way an entry can be broken or hostile is refused with one line.

Nothing here grades: these check :mod:`funcpipe_rag.grading.classroom.intake`
alone (what is read, what is refused and why, that nothing is written
outside the staging folder and nothing into the submissions).
"""

from __future__ import annotations

import hashlib
import stat
import zipfile
from pathlib import Path

import pytest

from funcpipe_rag.grading.classroom import intake
from funcpipe_rag.grading.classroom.intake import (
    CoreLayout,
    Entry,
    IntakeError,
    Refusal,
    Submission,
    list_entries,
    read_all,
    read_entry,
)

LAYOUTS = [
    CoreLayout("m08c01", ("ex01_primitives", "ex02_user_pipeline")),
    CoreLayout("m08c04", ("ex01_retry_policy",)),
]
EX01 = b"def async_pure(value):\n    return value\n"


def _zip(path: Path, members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _read(path: Path) -> Submission:
    return read_entry(Entry(intake.learner_id(path), path), LAYOUTS)


def _refused(path: Path) -> IntakeError:
    with pytest.raises(IntakeError) as caught:
        _read(path)
    return caught.value


def _patch_central(path: Path, offset: int, value: bytes) -> None:
    """Overwrite bytes of the (only) central directory header: a header that lies about its entry."""
    data = bytearray(path.read_bytes())
    at = data.index(b"PK\x01\x02")
    data[at + offset : at + offset + len(value)] = value
    path.write_bytes(bytes(data))


def test_a_folder_is_read_with_its_cores_in_course_order(tmp_path: Path) -> None:
    (tmp_path / "alice" / "m08c04").mkdir(parents=True)
    (tmp_path / "alice" / "m08c01").mkdir()
    (tmp_path / "alice" / "m08c04" / "ex01_retry_policy.py").write_text("x = 1\n")
    (tmp_path / "alice" / "m08c01" / "ex01_primitives.py").write_bytes(EX01)
    (tmp_path / "alice" / "m08c01" / "__pycache__").mkdir()
    (tmp_path / "alice" / "m08c01" / "__pycache__" / "ex01.cpython-311.pyc").write_bytes(b"\0")
    (tmp_path / "alice" / "notes.txt").write_text("not graded")
    sub = _read(tmp_path / "alice")
    assert sub.learner == "alice" and sub.source == "alice/"
    assert sub.cores == ("m08c01", "m08c04")
    assert sorted(sub.files) == ["m08c01/ex01_primitives.py", "m08c04/ex01_retry_policy.py"]
    assert sub.warnings == ()


def test_a_zip_of_the_same_files_has_the_same_digest_however_it_is_wrapped(tmp_path: Path) -> None:
    folder = tmp_path / "bob" / "m08c01"
    folder.mkdir(parents=True)
    (folder / "ex01_primitives.py").write_bytes(EX01)
    wrapped = _zip(
        tmp_path / "bob.zip",
        {"exercises/m08c01/ex01_primitives.py": EX01, "__MACOSX/._ex01_primitives.py": b"junk"},
    )
    flat = _zip(tmp_path / "carol.zip", {"ex01_primitives.py": EX01}, compression=zipfile.ZIP_STORED)
    digests = {_read(p).digest for p in (tmp_path / "bob", wrapped, flat)}
    assert len(digests) == 1
    assert _read(flat).files == {"m08c01/ex01_primitives.py": EX01}
    assert (
        _read(wrapped).digest
        != _read(_zip(tmp_path / "dan.zip", {"m08c01/ex01_primitives.py": EX01 + b"#"})).digest
    )


def test_no_core_folder_is_missing_and_says_what_is_there(tmp_path: Path) -> None:
    empty = _zip(tmp_path / "erin.zip", {"wrapper/readme.md": b"hello", "wrapper/code/main.py": b"x = 1"})
    error = _refused(empty)
    assert error.status == "missing"
    assert error.reason == "no core folder (m08c01/, m08c04/) found; wrapper/ holds code/, readme.md"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../escape.py", "a name that leaves its folder"),
        ("/etc/cron.d/evil", "a name that leaves its folder"),
        ("m08c01/../../evil.py", "a name that leaves its folder"),
        ("C:/evil.py", "a name that leaves its folder"),
        ("..\\..\\evil.py", "a name that leaves its folder"),
    ],
)
def test_names_that_leave_the_folder_are_refused(tmp_path: Path, name: str, expected: str) -> None:
    path = _zip(tmp_path / "mallory.zip", {"m08c01/ex01_primitives.py": EX01, name: b"print('owned')"})
    assert expected in _refused(path).reason


def test_a_corrupt_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    assert _refused(path).reason.startswith("not a readable zip file")
    good = _zip(tmp_path / "cut.zip", {"m08c01/ex01_primitives.py": EX01 * 50})
    good.write_bytes(good.read_bytes()[:-30])  # the central directory cut short
    assert _refused(good).reason.startswith("not a readable zip file")


def test_an_entry_that_decompresses_to_far_more_than_it_declares_is_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "liar.zip", {"m08c01/ex01_primitives.py": EX01 * 40})
    _patch_central(path, 24, (10).to_bytes(4, "little"))  # uncompressed size: 10 bytes
    reason = _refused(path).reason
    assert "m08c01/ex01_primitives.py" in reason and "cannot be read" in reason


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(tmp_path: Path) -> None:
    bomb = _zip(
        tmp_path / "bomb.zip", {"m08c01/ex01_primitives.py": EX01, "m08c01/zeros.bin": bytes(4 << 20)}
    )
    assert bomb.stat().st_size < 64 << 10
    assert "a zip bomb" in _refused(bomb).reason


def test_archive_limits_are_checked_on_what_the_zip_declares(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _zip(tmp_path / "many.zip", {f"m08c01/f{i}.py": b"x = 1\n" for i in range(12)})
    monkeypatch.setattr(intake, "MAX_ENTRIES", 10)
    assert _refused(path).reason == "the zip holds 12 entries; the limit is 10"
    monkeypatch.setattr(intake, "MAX_ENTRIES", 5000)
    monkeypatch.setattr(intake, "MAX_UNPACKED_BYTES", 50)
    assert _refused(path).reason.startswith("the zip unpacks to")
    monkeypatch.setattr(intake, "MAX_UNPACKED_BYTES", 64 << 20)
    monkeypatch.setattr(intake, "MAX_ZIP_BYTES", 100)
    assert _refused(path).reason.startswith("the zip is ")


def test_a_huge_file_is_refused_by_its_size_before_it_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "hugo" / "m08c01"
    folder.mkdir(parents=True)
    (folder / "ex01_primitives.py").write_bytes(EX01)
    with open(folder / "data.bin", "wb") as fh:
        fh.truncate(intake.MAX_FILE_BYTES + 1)  # sparse: nothing is really written
    assert _refused(tmp_path / "hugo").reason.startswith(
        "m08c01/data.bin is 1.0 MB; a submission file may be"
    )


def test_too_many_files_under_the_cores_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intake, "MAX_FILES", 3)
    path = _zip(tmp_path / "many.zip", {f"m08c01/f{i}.py": b"" for i in range(4)})
    assert _refused(path).reason == "the cores' folders hold 4 files; the limit is 3"


def test_encrypted_entries_and_duplicate_names_are_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "locked.zip", {"m08c01/ex01_primitives.py": EX01})
    _patch_central(path, 8, b"\x01\x00")  # general purpose flags: encrypted
    assert "is encrypted" in _refused(path).reason
    twice = tmp_path / "twice.zip"
    with zipfile.ZipFile(twice, "w") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr("m08c01/ex01_primitives.py", EX01)
        zf.writestr("m08c01/ex01_primitives.py", b"other")
    assert _refused(twice).reason == "the zip holds m08c01/ex01_primitives.py twice"


def test_symbolic_links_are_never_followed_nor_extracted(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the instructor's key")
    folder = tmp_path / "subs" / "sly" / "m08c01"
    folder.mkdir(parents=True)
    (folder / "ex01_primitives.py").write_bytes(EX01)
    (folder / "ex02_user_pipeline.py").symlink_to(secret)
    (folder / "more").symlink_to(tmp_path, target_is_directory=True)
    sub = _read(tmp_path / "subs" / "sly")
    assert sub.files == {"m08c01/ex01_primitives.py": EX01}
    assert sub.warnings == (
        "skipped 2 symbolic link(s) or special file(s): m08c01/ex02_user_pipeline.py, m08c01/more",
    )
    link = tmp_path / "link.zip"
    with zipfile.ZipFile(link, "w") as zf:
        zf.writestr("m08c01/ex01_primitives.py", EX01)
        info = zipfile.ZipInfo("m08c01/ex02_user_pipeline.py")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, str(secret))
    sub = _read(link)
    assert sub.files == {"m08c01/ex01_primitives.py": EX01}
    assert "skipped 1 symbolic link(s)" in sub.warnings[0]
    (tmp_path / "subs" / "pointer").symlink_to(tmp_path / "subs" / "sly")
    assert (
        _refused(tmp_path / "subs" / "pointer").reason == "the entry is a symbolic link; it was not followed"
    )


def test_a_file_that_is_not_utf8_is_kept_and_named(tmp_path: Path) -> None:
    path = _zip(tmp_path / "latin.zip", {"m08c01/ex01_primitives.py": b"x = 1\n# caf\xe9\n"})
    sub = _read(path)
    assert sub.files["m08c01/ex01_primitives.py"].endswith(b"\xe9\n")
    assert sub.warnings == ("m08c01/ex01_primitives.py is not UTF-8 text (byte 0xe9 on line 2)",)


def test_entries_learners_and_refusals_never_stop_the_reading(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    (subs / "alice" / "m08c01").mkdir(parents=True)
    (subs / "alice" / "m08c01" / "ex01_primitives.py").write_bytes(EX01)
    _zip(subs / "alice.zip", {"m08c01/ex01_primitives.py": EX01})
    (subs / "notes.txt").write_text("an instructor's note")
    (subs / ".DS_Store").write_bytes(b"\0")
    (subs / "__MACOSX").mkdir()
    (subs / "zed.zip").write_bytes(b"not a zip")
    (subs / "yan" / "m08c01").mkdir(parents=True)
    (subs / "yan" / "m08c01" / "ex01_primitives.py").write_bytes(EX01)
    entries, duplicates = list_entries(subs)
    assert [e.learner for e in entries] == ["notes.txt", "yan", "zed"]
    assert [(d.learner, d.source, d.reason) for d in duplicates] == [
        ("alice", "alice/", "two submissions for alice (alice and alice.zip): keep one"),
        ("alice", "alice.zip", "two submissions for alice (alice and alice.zip): keep one"),
    ]
    read = list(read_all(entries, LAYOUTS))
    assert [
        (r.learner, r.status, r.reason) if isinstance(r, Refusal) else (r.learner, "read") for r in read
    ] == [
        ("notes.txt", "rejected", "neither a folder nor a .zip file"),
        ("yan", "read"),
        ("zed", "rejected", "not a readable zip file (File is not a zip file)"),
    ]


def test_staging_writes_a_private_folder_and_nothing_else(tmp_path: Path) -> None:
    source = _zip(tmp_path / "subs.zip", {"m08c01/ex01_primitives.py": EX01, "m08c01/data/x.json": b"{}"})
    before = hashlib.sha256(source.read_bytes()).hexdigest()
    stage = tmp_path / "stage"
    stage.mkdir()
    folder = _read(source).stage(stage)
    assert folder.parent == stage and stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        "m08c01/data/x.json",
        "m08c01/ex01_primitives.py",
    ]
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before
    forged = Submission("x", "x.zip", ("m08c01",), {"m08c01/../../outside.py": b""})
    with pytest.raises(IntakeError, match="outside the staging folder"):
        forged.stage(stage)
    assert not (stage / "outside.py").exists() and not (tmp_path / "outside.py").exists()
