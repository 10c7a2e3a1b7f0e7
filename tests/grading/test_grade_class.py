"""``funcpipe grade-class`` grades a small synthetic class for real, is interrupted, and resumes.

The class: the solutions (a folder, and a zipped copy under a wrapping
folder), the untouched stubs, a kept chaff, a hostile submission, a file
that is not UTF-8, and entries that must never be graded (a corrupt zip, a
zip bomb, a zip that reaches outside its folder, a folder with no core, a
data file past the size limit).
Everything runs behind the same boundary as ``funcpipe grade``, one
submission at a time, on Core 1.

Checked: the run stops after the first learner and keeps that record; the
next run grades only the rest; a third grades nothing; after one learner
changes a file, a fourth grades that learner alone; the gradebook, the
per-learner reports, the Gradescope export, the summary page and the
similarity report say what they should; the submissions folder is never
written and no staging folder is left. Ctrl-C on the command itself ends it
with status 130, every worker gone, and a gradebook saying who is pending.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from grading_support import GRADING, ROOT

from funcpipe_rag import course
from funcpipe_rag.grading.classroom import Outcome, Record, Settings, grade_class, write_outputs
from funcpipe_rag.grading.classroom.outputs import Written
from funcpipe_rag.grading.classroom.synthetic import build_entry
from funcpipe_rag.grading.mutants import list_chaffs, load_chaff

CORE = course.available()[0].slug
EXERCISES = [e.slug for e in course.core(CORE).exercises]
CHAFF = next(s.name for s in list_chaffs(CORE) if s.exercise == EXERCISES[0])
CAUGHT_BY = load_chaff(CORE, EXERCISES[0], CHAFF).catches
MAX = {e.slug: e.points for e in course.core(CORE).exercises}
GRADED = ["ada", "ben", "cat", "dan", "eve", "fay"]
REFUSED = {
    "gus": ("rejected", "not a readable zip file"),
    "hal": ("rejected", "a zip bomb"),
    "ivy": ("missing", f"no core folder ({CORE}/"),
    "jon": ("rejected", "leaves its folder"),
    "kim": ("rejected", f"{CORE}/measurements.csv is 1.0 MB; a submission file may be at most"),
}


CLASS = {  # learner: the kind of submission (funcpipe_rag.grading.classroom.synthetic)
    "ada": "solution",
    "ben": "solution-zip",
    "cat": "stub",
    "dan": f"chaff:{CORE}/{EXERCISES[0]}/{CHAFF}",
    "eve": "hostile:forges_the_channel",
    "fay": "not-utf8",
    "gus": "corrupt-zip",
    "hal": "zip-bomb",
    "ivy": "no-core",
    "jon": "escaping-zip",
    "kim": "huge-file",
}


def build_class(subs: Path) -> None:
    """The synthetic class (see the module docstring)."""
    for learner, kind in CLASS.items():
        build_entry(kind, subs, learner)


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture(scope="module")
def private_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A temporary folder of this module's own, for the grader and its workers (to see what is left in it)."""
    place = tmp_path_factory.mktemp("tmp")
    saved = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"], tempfile.tempdir = str(place), str(place)
    yield place
    if saved[0] is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = saved[0]
    tempfile.tempdir = saved[1]


class Stop(KeyboardInterrupt):
    """Ctrl-C, at a moment the test chooses: right after the first record is written."""


@dataclass(frozen=True)
class Graded:
    """The class, and what four runs of grade-class did with it (the first one interrupted, the last
    after one learner changed a file)."""

    subs: Path
    out: Path
    before: dict[str, str]
    first: Outcome
    partial: Written
    seen: list[Record]
    on_disk: list[str]
    second: Outcome
    third: Outcome
    written: Written
    kept: dict[str, bytes]
    after_third: dict[str, bytes]
    untouched: bool
    fourth: Outcome
    edited: dict[str, str]


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory: pytest.TempPathFactory, private_tmp: Path) -> Graded:
    subs = tmp_path_factory.mktemp("submissions")
    out = tmp_path_factory.mktemp("graded")
    build_class(subs)
    before = _snapshot(subs)
    settings = Settings(selectors=(CORE,), jobs=1)
    seen: list[Record] = []

    def stop_after_first(record: Record) -> None:
        seen.append(record)
        raise Stop

    first = grade_class(subs, out, settings, progress=False, log=lambda _: None, after_each=stop_after_first)
    partial = write_outputs(out, first.records, first.cores)
    on_disk = sorted(p.stem for p in (out / "results").glob("*.json"))
    second = grade_class(subs, out, settings, progress=False, log=lambda _: None)
    kept = {p.name: p.read_bytes() for p in (out / "results").glob("*.json")}
    third = grade_class(subs, out, settings, progress=False, log=lambda _: None)
    after_third = {p.name: p.read_bytes() for p in (out / "results").glob("*.json")}
    written = write_outputs(out, third.records, third.cores)
    untouched = _snapshot(subs) == before
    answer = next((subs / "cat" / CORE).glob("*.py"))
    answer.write_text(answer.read_text() + "\n# started on the first exercise, to be continued\n")
    edited = _snapshot(subs)
    fourth = grade_class(subs, out, settings, progress=False, log=lambda _: None)
    return Graded(
        subs, out, before, first, partial, seen, on_disk, second, third, written, kept, after_third,
        untouched, fourth, edited,
    )


def test_an_interrupted_run_keeps_what_it_finished(graded_class: Graded) -> None:
    first, seen = graded_class.first, graded_class.seen
    assert first.interrupted and first.graded == 1
    assert [r.learner for r in seen] == ["ada"]
    statuses = {r.learner: r.status for r in first.records}
    assert statuses == {
        "ada": "graded",
        **{n: "pending" for n in GRADED[1:]},
        **{n: s for n, (s, _) in REFUSED.items()},
    }
    assert graded_class.on_disk == sorted(["ada", *REFUSED])  # pending learners have no record yet
    rows = {r.learner: r for r in graded_class.partial.rows}
    assert rows["ben"].points is None and "interrupted" in rows["ben"].reason


def test_the_next_run_grades_only_the_rest_and_then_nothing(graded_class: Graded) -> None:
    second, third = graded_class.second, graded_class.third
    assert not second.interrupted and (second.reused, second.graded) == (1, 5)
    assert (third.reused, third.graded) == (6, 0)
    assert graded_class.after_third == graded_class.kept


def test_a_changed_submission_alone_is_graded_again(graded_class: Graded) -> None:
    third, fourth = graded_class.third, graded_class.fourth
    assert (fourth.reused, fourth.graded) == (5, 1)
    before, after = ({r.learner: r for r in o.records} for o in (third, fourth))
    assert after["cat"].key != before["cat"].key and after["cat"].status == "graded"
    assert {n: r.key for n, r in after.items() if n != "cat"} == {
        n: r.key for n, r in before.items() if n != "cat"
    }


def test_the_gradebook_scores_every_learner_and_says_why(graded_class: Graded) -> None:
    out = graded_class.out
    lines = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text())))
    book = {row["learner"]: row for row in lines}
    assert sorted(book) == sorted([*GRADED, *REFUSED])
    total = str(sum(MAX.values()))
    assert (book["ada"]["status"], book["ada"]["points"], book["ada"]["max_points"]) == (
        "graded",
        total,
        total,
    )
    assert book["ben"]["points"] == total and book["ben"]["source"] == "ben.zip"
    assert book["cat"]["points"] == "0"
    first = f"{CORE}/{EXERCISES[0]} (max {MAX[EXERCISES[0]]})"
    assert 0 < int(book["dan"][first]) < MAX[EXERCISES[0]]  # a chaff loses some points, not all
    assert int(book["dan"]["points"]) == int(book["dan"][first]) + int(total) - MAX[EXERCISES[0]]
    assert book["eve"]["points"] == "0"  # forged replies earn nothing
    assert book["fay"]["status"] == "graded" and book["fay"][first] == "0"
    assert book["fay"]["reason"] == f"{CORE}/{EXERCISES[0]}.py is not UTF-8 text (byte 0xe9 on line 1)"
    for learner, (status, reason) in REFUSED.items():
        assert book[learner]["status"] == status and reason in book[learner]["reason"], book[learner]
        assert book[learner]["points"] == "0"
    report = json.loads((out / "reports" / "dan.json").read_text())
    assert report["submission"] == "dan" and report["sandbox"] and report["cores"][0]["name"] == CORE
    failing = {t["name"] for e in report["cores"][0]["exercises"] for t in e["tests"] if not t["passed"]}
    assert set(CAUGHT_BY) <= failing  # the tests the chaff is kept for
    gradescope = json.loads((out / "gradescope" / "dan" / "results.json").read_text())
    assert gradescope["score"] == float(book["dan"]["points"]) and len(gradescope["tests"]) == len(
        [t for e in report["cores"][0]["exercises"] for t in e["tests"]]
    )


def test_the_summary_shows_what_the_class_got_wrong(graded_class: Graded) -> None:
    out = graded_class.out
    summary = json.loads((out / "summary.json").read_text())
    assert summary["statuses"] == {"graded": 6, "missing": 1, "rejected": 4}
    rates = {t["test_id"]: (t["failed"], t["graded"]) for t in summary["tests"]}
    # the chaff's test fails for the chaff, the stubs, the hostile and the unreadable file; not the solutions
    assert rates[f"{CORE}/{EXERCISES[0]}::{CAUGHT_BY[0]}"] == (4, 6)
    assert all(graded == 6 for failed, graded in rates.values())
    assert any("not implemented yet" in m["pattern"] for m in summary["messages"])
    assert summary["hints"] and all(h["shown"] >= 1 for h in summary["hints"])
    page = (out / "summary.html").read_text()
    assert page.count("<svg") == 2 and "<script" not in page and CAUGHT_BY[0] in page


def test_similar_submissions_are_flagged_not_scored(graded_class: Graded) -> None:
    out = graded_class.out
    pairs = json.loads((out / "similarity.json").read_text())["pairs"]
    flagged = {(p["exercise"], p["a"], p["b"]) for p in pairs}
    for exercise in EXERCISES:
        assert (f"{CORE}/{exercise}", "ada", "ben") in flagged  # the zipped copy of the same answers
    assert (f"{CORE}/{EXERCISES[0]}", "ada", "dan") in flagged  # one edit away from the solution
    stubs = {"cat", "eve", "fay"}  # nothing of their own beyond the stub
    assert not any(stubs & {a, b} for _, a, b in flagged)
    assert "ada" in (out / "similarity.html").read_text()
    assert graded_class.written.similar_pairs == len(pairs)


def test_the_submissions_are_never_written_and_nothing_is_left(
    graded_class: Graded, private_tmp: Path
) -> None:
    assert graded_class.untouched and _snapshot(graded_class.subs) == graded_class.edited
    assert not list(private_tmp.glob("funcpipe-class-*")), "a staging folder was left behind"
    assert not (graded_class.out / "etc").exists()


def _left_in_group(pgid: int) -> list[str]:
    """Live processes of the process group ``pgid`` (the command's workers share its group)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
                found.append(entry.name)
    return found


def test_ctrl_c_stops_the_command_and_keeps_a_gradebook(tmp_path: Path, private_tmp: Path) -> None:
    subs = tmp_path / "subs"
    build_entry("solution", subs, "ada")
    build_entry("stub", subs, "cat")
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "funcpipe_rag.cli",
        "grade-class",
        str(subs),
        "--out",
        str(out),
        "--core",
        CORE,
        "--jobs",
        "2",
        "--quiet",
        "--tests",
        str(GRADING),
    ]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, cwd=ROOT
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("grading 2 submission(s), 2 at a time"), first
        assert str(proc.pid) in _left_in_group(proc.pid)  # the check below sees the command's group
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the command and its workers
        stdout, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, stderr
    assert "interrupted: run the same command again" in stdout
    assert not _left_in_group(proc.pid), "a worker outlived the command"
    book = {row["learner"]: row for row in csv.DictReader(io.StringIO((out / "gradebook.csv").read_text()))}
    assert sorted(book) == ["ada", "cat"]
    assert {row["status"] for row in book.values()} <= {"graded", "pending"}
    assert not list(private_tmp.glob("funcpipe-class-*"))
