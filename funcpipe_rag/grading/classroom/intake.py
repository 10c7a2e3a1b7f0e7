"""Reading a class's submissions safely, one learner at a time.

``SUBMISSIONS`` (the folder an instructor exports from a learning platform)
holds one entry per learner: a folder laid out like ``exercises/`` (core
folders such as ``m08c01/``), or a ``.zip`` of one. The learner's id is the
entry's name (``alice`` for ``alice/`` and for ``alice.zip``); names starting
with a dot and ``__MACOSX`` are not learners. A single wrapping folder, as
platforms and archivers add (``alice.zip`` holding ``exercises/m08c01/...``),
is looked through, up to :data:`MAX_WRAPPING` deep.

:func:`read_entry` turns one entry into a :class:`Submission`: the files of
the cores it contains, read into memory within limits, and the hash of those
files; or a :class:`Refusal` saying in one line why it cannot be graded.
Nothing is written while reading, and nothing in ``SUBMISSIONS`` ever is:
:meth:`Submission.stage` writes the files into a private temporary folder,
which is what the grader reads.

The limits (a refusal names the one broken):

* a zip file: at most :data:`MAX_ZIP_BYTES` on disk, :data:`MAX_ENTRIES`
  entries, :data:`MAX_UNPACKED_BYTES` declared once unpacked, and no entry
  (nor the whole) that unpacks to more than :data:`MAX_RATIO` times its
  packed size when it is larger than :data:`RATIO_FLOOR` (a zip bomb); each
  file kept is read up to its declared size and must be exactly that long
  (the archive checks its CRC too);
* no name that leaves its folder (absolute, ``..``, a drive letter), no
  encrypted entry, no name twice;
* symbolic links, in a folder or a zip, are never followed nor extracted
  (the reason says they were skipped);
* the files kept (those under the cores' folders): at most
  :data:`MAX_FILE_BYTES` each, :data:`MAX_FILES` and
  :data:`MAX_TOTAL_BYTES` in all (the grader's own snapshot limits), sizes
  checked before anything is read;
* a ``.py`` file that is not UTF-8 text is kept (the grader reports what
  Python makes of it) and named in the reason.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from funcpipe_rag.grading.sandbox import IGNORED_PARTS, SNAPSHOT_MAX_BYTES, SNAPSHOT_MAX_FILES

MAX_FILE_BYTES = 1 << 20
"""Largest file a submission may hold under a core's folder (an exercise file is a few kB)."""
MAX_FILES = SNAPSHOT_MAX_FILES
MAX_TOTAL_BYTES = SNAPSHOT_MAX_BYTES
MAX_ZIP_BYTES = 64 << 20
"""Largest zip file opened at all."""
MAX_UNPACKED_BYTES = 64 << 20
"""Largest total a zip's entries may declare."""
MAX_ENTRIES = 5000
"""Entries looked at in one submission (a zip's members, or a folder's files and folders)."""
MAX_RATIO = 200
"""Unpacked size over packed size beyond which a large entry (or a whole zip) is a zip bomb."""
RATIO_FLOOR = 1 << 20
"""Entries (and zips) smaller than this are never called bombs, however well they compress."""
MAX_WRAPPING = 3
"""Wrapping folders looked through to find the cores' folders."""

NOT_LEARNERS = frozenset({"__MACOSX"})


class IntakeError(Exception):
    """The submission cannot be graded; the message is the gradebook's one-line reason."""

    def __init__(self, reason: str, status: Literal["rejected", "missing"] = "rejected") -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Entry:
    """One learner's entry in the submissions folder."""

    learner: str
    path: Path

    @property
    def source(self) -> str:
        """The entry's name, as the instructor sees it (``alice.zip``, ``bob/``)."""
        return self.path.name + ("/" if self.path.is_dir() and not self.path.is_symlink() else "")


@dataclass(frozen=True)
class Refusal:
    """An entry that will not be graded: ``rejected`` (unreadable or unsafe) or ``missing`` (no core)."""

    learner: str
    source: str
    status: Literal["rejected", "missing"]
    reason: str


@dataclass(frozen=True)
class Submission:
    """The files of one learner's cores, read and checked, ready to be staged and graded.

    ``files`` maps ``<core>/<path>`` to the bytes read; ``cores`` are the
    cores it holds, in the order asked for; ``warnings`` say what was left
    out or looks wrong (one short sentence each).
    """

    learner: str
    source: str
    cores: tuple[str, ...]
    files: dict[str, bytes]
    warnings: tuple[str, ...] = ()

    @property
    def digest(self) -> str:
        """SHA-256 over every file's name and content: equal for equal files, however they were packed."""
        h = hashlib.sha256()
        for name in sorted(self.files):
            h.update(name.encode("utf-8") + b"\0" + hashlib.sha256(self.files[name]).digest())
        return h.hexdigest()

    def stage(self, parent: Path) -> Path:
        """Write the files into a new private folder under ``parent``; return that folder."""
        folder = Path(tempfile.mkdtemp(prefix="submission-", dir=parent))
        root = folder.resolve()
        for name, data in sorted(self.files.items()):
            target = (folder / name).resolve()
            if root not in target.parents:  # names were checked on reading; this is the last line of defence
                raise IntakeError(f"{name} would be written outside the staging folder")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return folder


@dataclass(frozen=True)
class CoreLayout:
    """What ``<core>/`` of a submission should hold: the core's slug and its exercise files."""

    slug: str
    exercises: tuple[str, ...]

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(f"{e}.py" for e in self.exercises)


# ---- the entries of the submissions folder -------------------------------------------------------


def learner_id(path: Path, suffix: str = ".zip") -> str:
    """``alice`` for ``alice/`` and for ``alice.zip`` (or ``alice<suffix>``)."""
    return path.name[: -len(suffix)] if path.name.lower().endswith(suffix) else path.name


def list_entries(submissions: Path, suffix: str = ".zip") -> tuple[list[Entry], list[Refusal]]:
    """The learners' entries of ``submissions``, sorted by learner; refusals for ids claimed twice.

    An entry is a folder or a file; ``suffix`` is left out of a file's learner id.
    """
    by_id: dict[str, list[Path]] = {}
    for path in sorted(submissions.iterdir()):
        if path.name.startswith(".") or path.name in NOT_LEARNERS:
            continue
        by_id.setdefault(learner_id(path, suffix), []).append(path)
    entries: list[Entry] = []
    refusals: list[Refusal] = []
    for learner, paths in sorted(by_id.items()):
        if len(paths) == 1:
            entries.append(Entry(learner, paths[0]))
            continue
        names = " and ".join(p.name for p in paths)
        for path in paths:
            refusals.append(
                Refusal(
                    learner,
                    Entry(learner, path).source,
                    "rejected",
                    f"two submissions for {learner} ({names}): keep one",
                )
            )
    return entries, refusals


# ---- one entry as a tree of names ---------------------------------------------------------------


@dataclass
class _Node:
    """One regular file of an entry: its size as declared, and how to read it."""

    size: int
    read: object  # a zipfile.ZipInfo, or a Path


@dataclass
class _Tree:
    files: dict[str, _Node] = field(default_factory=dict)
    dirs: set[str] = field(default_factory=set)
    skipped: list[str] = field(default_factory=list)  # symbolic links and other non-files


def _clean_name(raw: str) -> str:
    """A member name as a relative POSIX path; :class:`IntakeError` if it leaves its folder."""
    name = raw.replace("\\", "/")
    path = PurePosixPath(name)
    if name.startswith("/") or (len(name) > 1 and name[1] == ":") or ".." in path.parts:
        raise IntakeError(f"the zip holds {raw!r}, a name that leaves its folder; it was not extracted")
    return "/".join(p for p in path.parts if p not in ("", "."))


def _mb(size: int) -> str:
    return f"{size / (1 << 20):.1f} MB"


def _zip_tree(path: Path) -> tuple[zipfile.ZipFile, _Tree]:
    size = path.stat().st_size
    if size > MAX_ZIP_BYTES:
        raise IntakeError(
            f"the zip is {_mb(size)}; the limit is {_mb(MAX_ZIP_BYTES)}: submit only the exercises"
        )
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise IntakeError(f"not a readable zip file ({exc})") from None
    try:
        members = archive.infolist()
        if len(members) > MAX_ENTRIES:
            raise IntakeError(f"the zip holds {len(members)} entries; the limit is {MAX_ENTRIES}")
        declared = sum(m.file_size for m in members)
        packed = sum(m.compress_size for m in members)
        if declared > MAX_UNPACKED_BYTES:
            raise IntakeError(f"the zip unpacks to {_mb(declared)}; the limit is {_mb(MAX_UNPACKED_BYTES)}")
        if declared > RATIO_FLOOR and declared > MAX_RATIO * max(packed, 1):
            raise IntakeError(
                f"the zip unpacks to {declared // max(packed, 1)} times its size: a zip bomb; "
                "it was not extracted"
            )
        tree = _Tree()
        for m in members:
            name = _clean_name(m.filename)
            mode = m.external_attr >> 16
            if m.flag_bits & 0x1:
                raise IntakeError(f"the zip's entry {name} is encrypted; submit an unencrypted zip")
            if not name:
                continue
            if m.is_dir():
                tree.dirs.add(name)
                continue
            kind = stat.S_IFMT(mode)  # 0 when the archiver recorded no type: a plain file
            if kind and kind != stat.S_IFREG:
                tree.skipped.append(name)
                continue
            if name in tree.files:
                raise IntakeError(f"the zip holds {name} twice")
            if m.file_size > RATIO_FLOOR and m.file_size > MAX_RATIO * max(m.compress_size, 1):
                raise IntakeError(
                    f"the zip's entry {name} unpacks to {m.file_size // max(m.compress_size, 1)} "
                    "times its size: a zip bomb; it was not extracted"
                )
            tree.files[name] = _Node(m.file_size, m)
            parts = name.split("/")
            tree.dirs.update("/".join(parts[:i]) for i in range(1, len(parts)))
    except BaseException:
        archive.close()
        raise
    return archive, tree


def _folder_tree(path: Path) -> _Tree:
    tree = _Tree()
    seen = 0
    for root, dirs, names in os.walk(path, followlinks=False):
        base = Path(root)
        rel_root = base.relative_to(path).as_posix()
        keep = []
        for d in sorted(dirs):
            rel = d if rel_root == "." else f"{rel_root}/{d}"
            if (base / d).is_symlink():
                tree.skipped.append(rel)
            elif d not in IGNORED_PARTS and not d.startswith("."):
                keep.append(d)
                tree.dirs.add(rel)
        dirs[:] = keep
        for name in sorted(names):
            seen += 1
            if seen > MAX_ENTRIES:
                raise IntakeError(
                    f"the folder holds more than {MAX_ENTRIES} files; submit only the exercises"
                )
            rel = name if rel_root == "." else f"{rel_root}/{name}"
            info = os.lstat(base / name)
            if not stat.S_ISREG(info.st_mode):
                tree.skipped.append(rel)
                continue
            tree.files[rel] = _Node(info.st_size, base / name)
    return tree


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> bytes:
    try:
        with archive.open(info) as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise IntakeError(f"the zip's entry {name} cannot be read ({exc})") from None
    if len(data) != info.file_size:
        raise IntakeError(f"the zip's entry {name} declares {info.file_size} bytes but holds {len(data)}")
    return data


def _read_file(path: Path, name: str) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise IntakeError(f"{name} cannot be read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IntakeError(f"{name} is not a regular file")
        data = fh.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise IntakeError(f"{name} grew past {_mb(MAX_FILE_BYTES)} while it was read")
    return data


# ---- finding the cores ------------------------------------------------------------------------


def _children(tree: _Tree, prefix: str) -> list[str]:
    """Folder names directly under ``prefix`` that could wrap a submission."""
    depth = prefix.count("/") + 1 if prefix else 0
    found = {d.split("/")[depth] for d in tree.dirs if d.startswith(prefix) and d.count("/") >= depth}
    return sorted(n for n in found if n not in NOT_LEARNERS and not n.startswith("."))


def _layouts_at(tree: _Tree, prefix: str, layouts: Iterable[CoreLayout]) -> dict[str, str]:
    """For each core present under ``prefix``: the prefix of its files (nested ``<core>/``, or flat)."""
    found: dict[str, str] = {}
    for layout in layouts:
        nested = f"{prefix}{layout.slug}/"
        if any(name.startswith(nested) and name.endswith(".py") for name in tree.files):
            found[layout.slug] = nested
        elif any(f"{prefix}{f}" in tree.files for f in layout.files):
            found[layout.slug] = prefix
    return found


def _find_cores(tree: _Tree, layouts: list[CoreLayout]) -> dict[str, str]:
    prefix = ""
    for _ in range(MAX_WRAPPING + 1):
        found = _layouts_at(tree, prefix, layouts)
        if found:
            return found
        children = _children(tree, prefix)
        if len(children) != 1:
            break
        prefix = f"{prefix}{children[0]}/"
    wanted = ", ".join(f"{layout.slug}/" for layout in layouts)
    shown = sorted(
        {
            n[len(prefix) :].split("/")[0] + ("/" if "/" in n[len(prefix) :] else "")
            for n in tree.files
            if n.startswith(prefix)
        }
    )
    where = f"{prefix} holds" if prefix else "it holds"
    listed = f"{', '.join(shown[:6])}{', ...' if len(shown) > 6 else ''}"
    holds = f"; {where} {listed}" if shown else f"; {prefix or 'it'} is empty"
    raise IntakeError(f"no core folder ({wanted}) found{holds}", status="missing")


def _kept(name: str, prefix: str, flat: bool) -> bool:
    rel = name[len(prefix) :]
    if flat and "/" in rel:
        return False
    parts = PurePosixPath(rel).parts
    return not any(p in IGNORED_PARTS or p.startswith(".") for p in parts) and not rel.endswith(".pyc")


def _utf8_problem(name: str, data: bytes) -> str | None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return f"{name} is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line})"
    return None


def _select(tree: _Tree, layouts: list[CoreLayout]) -> tuple[dict[str, str], list[tuple[str, str, _Node]]]:
    """The cores present, and (stored name, original name, node) of every file to keep."""
    cores = _find_cores(tree, layouts)
    chosen: list[tuple[str, str, _Node]] = []
    for core, prefix in cores.items():
        flat = not prefix.endswith(f"{core}/")
        for name in sorted(tree.files):
            if name.startswith(prefix) and _kept(name, prefix, flat):
                chosen.append((f"{core}/{name[len(prefix) :]}", name, tree.files[name]))
    if len(chosen) > MAX_FILES:
        raise IntakeError(f"the cores' folders hold {len(chosen)} files; the limit is {MAX_FILES}")
    for stored, _, node in chosen:
        if node.size > MAX_FILE_BYTES:
            raise IntakeError(
                f"{stored} is {_mb(node.size)}; a submission file may be at most "
                f"{_mb(MAX_FILE_BYTES)}: submit only the exercises"
            )
    total = sum(node.size for _, _, node in chosen)
    if total > MAX_TOTAL_BYTES:
        raise IntakeError(f"the cores' folders hold {_mb(total)}; the limit is {_mb(MAX_TOTAL_BYTES)}")
    return cores, chosen


def read_entry(entry: Entry, layouts: list[CoreLayout]) -> Submission:
    """Read one learner's entry: the files of the cores in ``layouts`` that it holds.

    Raises :class:`IntakeError` (with the gradebook's one-line reason) when
    the entry cannot be graded at all.
    """
    path = entry.path
    archive: zipfile.ZipFile | None = None
    if path.is_symlink():
        raise IntakeError("the entry is a symbolic link; it was not followed")
    if path.is_dir():
        tree = _folder_tree(path)
    elif path.is_file() and path.name.lower().endswith(".zip"):
        archive, tree = _zip_tree(path)
    else:
        raise IntakeError("neither a folder nor a .zip file")
    try:
        cores, chosen = _select(tree, layouts)
        files: dict[str, bytes] = {}
        warnings: list[str] = []
        for stored, original, node in chosen:
            if isinstance(node.read, zipfile.ZipInfo) and archive is not None:
                data = _read_member(archive, node.read, original)
            else:
                assert isinstance(node.read, Path)
                data = _read_file(node.read, original)
            files[stored] = data
            if stored.endswith(".py"):
                problem = _utf8_problem(stored, data)
                if problem:
                    warnings.append(problem)
    finally:
        if archive is not None:
            archive.close()
    if tree.skipped:
        shown = ", ".join(sorted(tree.skipped)[:3]) + (", ..." if len(tree.skipped) > 3 else "")
        warnings.append(f"skipped {len(tree.skipped)} symbolic link(s) or special file(s): {shown}")
    order = [layout.slug for layout in layouts if layout.slug in cores]
    return Submission(entry.learner, entry.source, tuple(order), files, tuple(warnings))


def read_all(entries: Iterable[Entry], layouts: list[CoreLayout]) -> Iterator[Submission | Refusal]:
    """:func:`read_entry` for each entry, a :class:`Refusal` where it fails (never raises for one entry)."""
    for entry in entries:
        try:
            yield read_entry(entry, layouts)
        except IntakeError as exc:
            yield Refusal(entry.learner, entry.source, exc.status, exc.reason)
        except OSError as exc:
            yield Refusal(entry.learner, entry.source, "rejected", f"cannot be read ({exc.strerror or exc})")


__all__ = [
    "MAX_ENTRIES",
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "MAX_RATIO",
    "MAX_TOTAL_BYTES",
    "MAX_UNPACKED_BYTES",
    "MAX_ZIP_BYTES",
    "CoreLayout",
    "Entry",
    "IntakeError",
    "Refusal",
    "Submission",
    "learner_id",
    "list_entries",
    "read_all",
    "read_entry",
]
