"""The boundary around the process that runs a submission.

Three boundaries, strongest first; :func:`choose` picks the best one that
works on this machine and every report names it:

``bubblewrap``
    Linux with ``bwrap`` and user namespaces. The child runs in new user,
    PID, network, IPC and UTS namespaces, in a new session, with no
    capabilities, and dies with the grader. It sees a read-only system
    (``/usr``, the Python installation and its packages), the
    ``funcpipe_rag`` package folder read-only (that folder only: the
    checkout around it holds ``tests/grading`` and ``solutions/``), a
    private ``/proc``, a private size-limited ``/tmp``, and one writable,
    size-limited scratch folder that the child fills with a copy of the
    submission. The real submission, the results path, the graded tests and
    ``solutions/`` are not there at all. Killing the sandbox kills its PID
    namespace: nothing it started survives.
``uid``
    The grader runs as root but user namespaces do not work (Gradescope's
    Docker image): the child runs as a dedicated unprivileged user
    (``funcpipe-sandbox``, created by the Gradescope ``setup.sh``), in its
    own session; at the end every process of that user is killed and its
    files in the shared temporary folders removed. Only one grading at a time
    uses the user (a lock file serialises them). What every user may read, the
    network, and the other exercises' processes of the same grading remain
    within its reach.
``limits only``
    Anywhere else (macOS, no ``bwrap``): a new session, a scratch copy and
    the resource limits, as before.

Under ``uid`` and ``limits only`` the child confines itself before any
learner code runs (:mod:`.confine`: Landlock where the kernel has it, and an
audit hook everywhere), so that it changes files in its scratch folder only:
the checkout, its virtual environment and the real submission may be
writable to its user, wherever they live.

In all three the environment is minimal (no variable of the grader's is
passed on) and the child sets hard limits equal to the soft ones for memory,
CPU time and file size, and a process-count limit where it applies.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import funcpipe_rag

Kind = Literal["bubblewrap", "uid", "limits only"]
KINDS: tuple[Kind, ...] = ("bubblewrap", "uid", "limits only")
SANDBOX_USER = "funcpipe-sandbox"
SCRATCH_MB = 64
"""Size of the child's scratch folder and of its ``/tmp`` under bubblewrap."""
FSIZE_MB = 16
"""Largest file the child may write."""
NPROC = 256
"""Processes (threads included) the child may add, where the limit applies."""
SNAPSHOT_MAX_FILES = 500
SNAPSHOT_MAX_BYTES = 16 * 1024 * 1024
IGNORED_PARTS = frozenset({"__pycache__", ".ipynb_checkpoints", ".git", ".hypothesis", ".mypy_cache"})


class SandboxError(Exception):
    """The boundary asked for cannot be set up here."""


@dataclass(frozen=True)
class Boundary:
    """The boundary in use: its kind, why it was chosen, and how the child is started."""

    kind: Kind
    reason: str = ""
    uid: int | None = None
    gid: int | None = None
    bwrap: str | None = None
    disable_userns: bool = False

    @property
    def label(self) -> str:
        return f"sandbox: {self.kind}"


# ---- the submission as the grader read it --------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """The regular files of one submission folder, read once, before any child starts."""

    files: dict[str, bytes] = field(default_factory=dict)
    skipped: tuple[str, ...] = ()

    def text(self, name: str) -> str | None:
        data = self.files.get(name)
        return None if data is None else data.decode("utf-8", errors="replace")

    def pack(self) -> bytes:
        """The files as one blob for :func:`unpack`: per file, name and content, each length-prefixed."""
        out = bytearray()
        for name, data in sorted(self.files.items()):
            encoded = name.encode("utf-8")
            out += len(encoded).to_bytes(4, "big") + encoded + len(data).to_bytes(8, "big") + data
        return bytes(out)


def snapshot(folder: Path) -> Snapshot:
    """Read ``folder``: regular files only (no symbolic links), within size limits."""
    files: dict[str, bytes] = {}
    skipped: list[str] = []
    total = 0
    if not folder.is_dir():
        return Snapshot()
    for root, dirs, names in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_PARTS)
        for name in sorted(names):
            path = Path(root) / name
            rel = path.relative_to(folder).as_posix()
            if name.endswith(".pyc"):
                continue
            try:
                fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
            except OSError:
                skipped.append(rel)  # a symbolic link, or unreadable: the child never sees it
                continue
            with os.fdopen(fd, "rb") as fh:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    skipped.append(rel)  # a pipe or a device: never read
                    continue
                data = fh.read(SNAPSHOT_MAX_BYTES + 1)
            total += len(data)
            if len(files) >= SNAPSHOT_MAX_FILES or total > SNAPSHOT_MAX_BYTES:
                raise SandboxError(
                    f"the submission folder {folder} holds more than {SNAPSHOT_MAX_FILES} files or "
                    f"{SNAPSHOT_MAX_BYTES // (1024 * 1024)} MB; submit only the exercise files"
                )
            files[rel] = data
    return Snapshot(files, tuple(skipped))


def unpack(data: bytes, folder: Path) -> None:
    """Write a :meth:`Snapshot.pack` blob into ``folder`` (in the child, before any learner code runs)."""
    at = 0
    while at < len(data):
        size = int.from_bytes(data[at:at + 4], "big")
        name = data[at + 4:at + 4 + size].decode("utf-8")
        at += 4 + size
        length = int.from_bytes(data[at:at + 8], "big")
        content = data[at + 8:at + 8 + length]
        at += 8 + length
        rel = Path(name)
        if rel.is_absolute() or ".." in rel.parts:
            raise ValueError(f"a file name that leaves the scratch folder: {name!r}")
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def snapshot_fd(data: bytes) -> int:
    """A readable descriptor holding ``data``: in memory where the system allows."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("funcpipe-submission", 0)
    else:  # pragma: no cover - macOS
        fd, name = tempfile.mkstemp(prefix="funcpipe-submission-")
        os.unlink(name)
    _write_all(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


# ---- choosing the boundary -------------------------------------------------------------------


def python() -> str:
    """The grader's own interpreter, as an absolute path (symbolic links kept: a venv needs them)."""
    return os.path.abspath(sys.executable)


def _python_paths() -> list[Path]:
    """What the child's Python needs to see, read-only: its installation, packages and ours."""
    found = {Path(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    found.add(Path(os.path.realpath(sys.executable)).parent.parent)
    for entry in sys.path:
        if entry and Path(entry).name in ("site-packages", "dist-packages") and Path(entry).is_dir():
            found.add(Path(entry))
    found.add(Path(funcpipe_rag.__file__).resolve().parent)
    resolved = sorted({Path(os.path.realpath(p)) for p in found if p.exists()}, key=lambda p: len(p.parts))
    kept: list[Path] = []
    for path in resolved:
        if path == Path("/") or any(path.is_relative_to(k) for k in kept):
            continue
        if path.is_relative_to("/usr"):
            continue  # /usr is bound as a whole
        kept.append(path)
    return kept


def bwrap_args(
    boundary: Boundary, *, hidden: Iterable[Path] = (), env: dict[str, str] | None = None
) -> list[str]:
    """The ``bwrap`` command line up to ``--`` (the child's command follows it)."""
    assert boundary.bwrap is not None
    args = [boundary.bwrap, "--unshare-all", "--unshare-user", "--die-with-parent", "--new-session",
            "--cap-drop", "ALL", "--clearenv"]
    if boundary.disable_userns:
        args.append("--disable-userns")
    if os.geteuid() == 0 and boundary.uid is None:  # as root with no user to run as: nobody inside
        args += ["--uid", "65534", "--gid", "65534"]
    for key, value in sorted((env or {}).items()):
        args += ["--setenv", key, value]
    # the private folders first, so a Python installed under /tmp is bound on top of them, not hidden
    args += ["--proc", "/proc", "--dev", "/dev",
             "--size", str(SCRATCH_MB * 1024 * 1024), "--tmpfs", "/tmp",
             "--size", str(SCRATCH_MB * 1024 * 1024), "--tmpfs", "/scratch"]
    args += ["--ro-bind", "/usr", "/usr"]
    for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / top
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for extra in ("/etc/ld.so.cache", "/etc/alternatives", "/etc/localtime"):
        args += ["--ro-bind-try", extra, extra]
    hidden = [Path(os.path.realpath(h)) for h in hidden]
    for path in _python_paths():
        clash = [h for h in hidden if h == path or h.is_relative_to(path)]
        if clash:
            raise SandboxError(
                f"the Python installation at {path} contains {clash[0]}, which the submission must not see"
            )
        args += ["--ro-bind", str(path), str(path)]
    args += ["--chdir", "/scratch"]
    return args


def _probe(cmd: list[str], **kwargs: object) -> str | None:
    """``None`` if ``cmd`` runs Python fine, else why not (one line)."""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
                              **kwargs)  # type: ignore[call-overload]
    except (OSError, subprocess.SubprocessError) as exc:
        return f"{type(exc).__name__}: {exc}"
    if proc.returncode != 0 or proc.stdout.strip() != "ok":
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        return lines[-1] if lines else f"exit status {proc.returncode}"
    return None


_PROBE_CODE = "import funcpipe_rag.grading.child; print('ok')"
_QUICK_PROBE = ["-I", "-S", "-c", "print('ok')"]  # can the sandbox start this Python at all?


def _try_bubblewrap() -> tuple[Boundary | None, str]:
    if not sys.platform.startswith("linux"):
        return None, "bubblewrap needs Linux"
    found = shutil.which("bwrap") or next((p for p in ("/usr/bin/bwrap",) if os.access(p, os.X_OK)), None)
    if found is None:
        return None, "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    why = ""
    # As root, bubblewrap runs as the dedicated user when it can: then the process-count limit
    # applies too (the kernel does not enforce it for root, not even inside a user namespace).
    users = [_dedicated_user(), None] if os.geteuid() == 0 else [None]
    for user in users:
        for disable in (True, False):
            boundary = Boundary("bubblewrap", bwrap=found, disable_userns=disable,
                                uid=user[0] if user else None, gid=user[1] if user else None)
            try:
                cmd = [*bwrap_args(boundary, env={"PATH": "/usr/bin:/bin"}), "--", python(), *_QUICK_PROBE]
            except SandboxError as exc:
                return None, str(exc)
            reason = _probe(cmd, **run_as(boundary))
            if reason is None:
                return boundary, ""
            why = reason
    return None, f"bubblewrap does not work here ({why})"


def _dedicated_user() -> tuple[int, int] | None:
    try:
        entry = pwd.getpwnam(sandbox_user())
    except KeyError:
        return None
    return None if entry.pw_uid == 0 else (entry.pw_uid, entry.pw_gid)


def run_as(boundary: Boundary) -> dict[str, Any]:
    """``subprocess`` keywords that start the child (or bubblewrap) as the boundary's user, if it has one."""
    if boundary.uid is None or boundary.gid is None:
        return {}
    return {"user": boundary.uid, "group": boundary.gid, "extra_groups": []}


def sandbox_user() -> str:
    return os.environ.get("FUNCPIPE_SANDBOX_USER", SANDBOX_USER)


def _try_uid() -> tuple[Boundary | None, str]:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None, "a dedicated user needs the grader to run as root"
    name = sandbox_user()
    user = _dedicated_user()
    if user is None:
        return None, (f"there is no unprivileged user {name!r} (Gradescope's setup.sh creates it: "
                      f"useradd --system {name})")
    boundary = Boundary("uid", uid=user[0], gid=user[1])
    reason = _probe([python(), "-c", _PROBE_CODE], cwd="/", env={"PATH": "/usr/bin:/bin"}, **run_as(boundary))
    if reason is not None:
        return None, f"the user {name!r} cannot run {python()} ({reason})"
    return boundary, ""


_chosen: dict[str, Boundary] = {}
_choosing = threading.Lock()


def choose(wanted: str | None = None) -> Boundary:
    """The boundary to use: ``wanted`` (``bubblewrap``, ``uid``, ``limits only``/``none``) or the best.

    The choice is probed once per process. A boundary asked for by name that
    does not work here raises :class:`SandboxError` saying why.
    """
    wanted = wanted or os.environ.get("FUNCPIPE_SANDBOX") or "auto"
    wanted = {"none": "limits only", "limits": "limits only"}.get(wanted, wanted)
    if wanted not in ("auto", *KINDS):
        raise SandboxError(f"unknown sandbox {wanted!r}; choose auto, bubblewrap, uid or none")
    with _choosing:
        if wanted in _chosen:
            return _chosen[wanted]
        reasons: list[str] = []
        chosen: Boundary | None = None
        for kind, attempt in (("bubblewrap", _try_bubblewrap), ("uid", _try_uid)):
            if wanted not in ("auto", kind):
                continue
            boundary, why = attempt()
            if boundary is not None:
                chosen = boundary
                break
            reasons.append(why)
            if wanted == kind:
                raise SandboxError(f"sandbox {kind} is not available: {why}")
        if chosen is None:
            chosen = Boundary("limits only", reason="; ".join(reasons))
        elif reasons:
            chosen = Boundary(chosen.kind, "; ".join(reasons), chosen.uid, chosen.gid, chosen.bwrap,
                              chosen.disable_userns)
        _chosen[wanted] = chosen
        return chosen


# ---- the child's environment and its end ------------------------------------------------------


def child_env(home: str, tmp: str) -> dict[str, str]:
    """The whole environment of the child: nothing of the grader's is passed on."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": tmp,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONSAFEPATH": "1",  # the scratch folder is not put first on sys.path
        "PYTHONHASHSEED": "0",
        "PYTHONNOUSERSITE": "1",
        "PYTHONUNBUFFERED": "1",
    }


def reachable_by(folder: Path, uid: int, gid: int) -> bool:
    """Whether ``uid``/``gid`` may enter ``folder``: every folder on its path lets them through."""
    path = Path(os.path.realpath(folder))
    for step in [*reversed(path.parents), path]:
        try:
            info = os.stat(step)
        except OSError:
            return False
        bit = stat.S_IXUSR if info.st_uid == uid else stat.S_IXGRP if info.st_gid == gid else stat.S_IXOTH
        if not info.st_mode & bit:
            return False
    return True


def processes_of(uid: int) -> list[int]:
    """Ids of the live processes owned by ``uid`` (Linux ``/proc``; zombies, already dead, are left out)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid != uid:
                continue
            with open(os.path.join(entry.path, "stat"), "rb") as fh:
                state = fh.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in (b"Z", b"X"):
            found.append(int(entry.name))
    return found


def count_processes(uid: int) -> int:
    try:
        return len(processes_of(uid))
    except OSError:
        return 0


def kill_user(uid: int) -> None:
    """Kill every process of ``uid``, again and again until none is left (forks race the first pass)."""
    for _ in range(100):
        pids = processes_of(uid)
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)


def remove_files_of(uid: int, places: Iterable[str] = ("/tmp", "/var/tmp", "/dev/shm")) -> None:
    """Remove what ``uid`` left in the shared temporary folders."""
    for place in places:
        with contextlib.suppress(OSError), os.scandir(place) as entries:
            for entry in entries:
                with contextlib.suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_uid != uid:
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        shutil.rmtree(entry.path, ignore_errors=True)
                    else:
                        os.unlink(entry.path)


@contextlib.contextmanager
def exclusive(boundary: Boundary) -> Iterator[None]:
    """Hold the dedicated user for one grading; afterwards, nothing of it is left."""
    if boundary.kind != "uid" or boundary.uid is None:
        yield
        return
    lock_path = Path(tempfile.gettempdir()) / f".funcpipe-grader-{boundary.uid}.lock"
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        kill_user(boundary.uid)
        yield
    finally:
        kill_user(boundary.uid)
        remove_files_of(boundary.uid)
        os.close(fd)


__all__ = [
    "KINDS",
    "Boundary",
    "SandboxError",
    "Snapshot",
    "bwrap_args",
    "child_env",
    "choose",
    "exclusive",
    "kill_user",
    "python",
    "reachable_by",
    "snapshot",
    "unpack",
]
