"""A synthetic class, built from the checkout: what the class-grading tests and ``make bench`` grade.

Each learner's entry is one *kind* of submission:

``solution``           a copy of ``solutions/`` (every available core), as a folder
``solution-zip``       the same, zipped under a wrapping ``exercises/`` folder
``stub``               the exercises as generated (afresh from ``solutions/``), untouched
``chaff:<core>/<exercise>/<name>``   the solutions with one exercise replaced by a kept chaff
``hostile:<case>``     one of the hostile submissions under ``tests/grading/hostile/``
``not-utf8``           the stubs, one of them saved as Latin-1 with a non-ASCII byte
``huge-file``          the stubs, and a data file past the size limit under the core's folder
``corrupt-zip``, ``zip-bomb``, ``escaping-zip``, ``no-core``   entries class grading must refuse

:func:`class_mix` lists the kinds of a class of a given size in a fixed,
realistic proportion (most learners submit something reasonable);
:func:`build_class` writes the entries.
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Iterable
from pathlib import Path

from funcpipe_rag import course
from funcpipe_rag.grading.classroom.intake import MAX_FILE_BYTES
from funcpipe_rag.grading.generate import exercise_text
from funcpipe_rag.grading.mutants import SOLUTIONS, list_chaffs, write_chaff, write_hostile

REFUSED_KINDS = ("corrupt-zip", "zip-bomb", "escaping-zip", "no-core", "huge-file")


def _solution_files(solutions: Path) -> dict[str, bytes]:
    """The solution file of every exercise of every available core, by ``<core>/<exercise>.py``."""
    found = {}
    for c in course.available():
        for e in c.exercises:
            path = solutions / c.slug / f"{e.slug}.py"
            if path.is_file():
                found[f"{c.slug}/{e.slug}.py"] = path.read_bytes()
    return found


def _stub_files(solutions: Path) -> dict[str, bytes]:
    return {rel: exercise_text(solutions / rel, rel).encode("utf-8") for rel in _solution_files(solutions)}


def _write(folder: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)


def _zip(target: Path, files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, data in sorted(files.items()):
            zf.writestr(rel, data)


def build_entry(kind: str, submissions: Path, learner: str, *, solutions: Path = SOLUTIONS) -> Path:
    """Write learner ``learner``'s entry of kind ``kind`` into ``submissions``; return it."""
    folder = submissions / learner
    if kind == "solution":
        _write(folder, _solution_files(solutions))
    elif kind == "solution-zip":
        folder = submissions / f"{learner}.zip"
        _zip(folder, {f"exercises/{rel}": data for rel, data in _solution_files(solutions).items()})
    elif kind == "stub":
        _write(folder, _stub_files(solutions))
    elif kind.startswith("chaff:"):
        core, exercise, name = kind.removeprefix("chaff:").split("/")
        _write(folder, _solution_files(solutions))
        write_chaff(core, exercise, name, folder / core, solutions=solutions)
    elif kind.startswith("hostile:"):
        write_hostile(kind.removeprefix("hostile:"), folder, solutions=solutions)
    elif kind == "not-utf8":
        stubs = _stub_files(solutions)
        first = next(iter(stubs))
        stubs[first] = b"# Jos\xe9's answer, saved as Latin-1\n" + stubs[first]
        _write(folder, stubs)
    elif kind == "corrupt-zip":
        folder = submissions / f"{learner}.zip"
        folder.write_bytes(b"PK\x03\x04 the first bytes of a zip, and nothing after")
    elif kind == "zip-bomb":
        folder = submissions / f"{learner}.zip"
        _zip(folder, {**_stub_files(solutions), "padding.bin": bytes(8 << 20)})
    elif kind == "escaping-zip":
        folder = submissions / f"{learner}.zip"
        _zip(folder, {**_stub_files(solutions), "../../../etc/cron.d/job": b"* * * * * root true\n"})
    elif kind == "huge-file":
        stubs = _stub_files(solutions)
        core = next(iter(stubs)).split("/")[0]
        # a data set left next to the answers: refused by its size, before a byte of it is read
        _write(folder, {**stubs, f"{core}/measurements.csv": b"0," * (MAX_FILE_BYTES // 2 + 1)})
    elif kind == "no-core":
        _write(folder, {"homework/answers.txt": b"I did it on paper\n"})
    else:
        raise ValueError(f"no kind of submission {kind!r}")
    return folder


def chaff_kinds() -> list[str]:
    """``chaff:<core>/<exercise>/<name>`` for every kept chaff of every available core."""
    cores = {c.slug for c in course.available()}
    return [f"chaff:{s.core}/{s.exercise}/{s.name}" for s in list_chaffs() if s.core in cores]


def class_mix(size: int, hostile: Iterable[str] = ()) -> list[str]:
    """The kinds of a class of ``size`` learners: per ten, four solutions (one zipped), two stubs, three
    chaffs and one hostile or refused entry, each list walked in turn."""
    chaffs = chaff_kinds() or ["stub"]
    odd = [f"hostile:{case}" for case in hostile]
    odd = [k for pair in zip(odd, [*REFUSED_KINDS, "not-utf8"] * len(odd), strict=False) for k in pair] or [
        *REFUSED_KINDS,
        "not-utf8",
    ]
    pattern = [
        "solution",
        "solution",
        "solution-zip",
        "solution",
        "stub",
        "stub",
        "chaff",
        "chaff",
        "chaff",
        "odd",
    ]
    kinds, next_chaff, next_odd = [], 0, 0
    for i in range(size):
        kind = pattern[i % len(pattern)]
        if kind == "chaff":
            kind, next_chaff = chaffs[next_chaff % len(chaffs)], next_chaff + 1
        elif kind == "odd":
            kind, next_odd = odd[next_odd % len(odd)], next_odd + 1
        kinds.append(kind)
    return kinds


def build_class(submissions: Path, kinds: list[str], *, solutions: Path = SOLUTIONS) -> dict[str, str]:
    """Write one entry per kind (learners ``learner000``, ``learner001``...); return learner → kind."""
    submissions.mkdir(parents=True, exist_ok=True)
    learners = {}
    for i, kind in enumerate(kinds):
        learner = f"learner{i:03d}"
        build_entry(kind, submissions, learner, solutions=solutions)
        learners[learner] = kind
    return learners


def unzip_all(submissions: Path, dest: Path) -> list[Path]:
    """Every entry as a folder under ``dest`` (zips extracted as ``unzip`` would; refused ones skipped).

    What an instructor without ``grade-class`` does before a loop over ``funcpipe grade``.
    """
    folders = []
    for entry in sorted(submissions.iterdir()):
        target = dest / entry.name.removesuffix(".zip")
        if entry.is_dir():
            shutil.copytree(entry, target)
        else:
            try:
                with zipfile.ZipFile(entry) as zf:
                    unpacked = sum(i.file_size for i in zf.infolist())
                    packed = sum(i.compress_size for i in zf.infolist())
                    if unpacked > 100 * max(packed, 1) or any(".." in n.split("/") for n in zf.namelist()):
                        continue  # a bomb, or names outside: nobody would extract it
                    zf.extractall(target)
            except zipfile.BadZipFile:
                continue
            wrapped = target / "exercises"
            if wrapped.is_dir():
                target = wrapped
        folders.append(target)
    return folders


__all__ = ["REFUSED_KINDS", "build_class", "build_entry", "chaff_kinds", "class_mix", "unzip_all"]
