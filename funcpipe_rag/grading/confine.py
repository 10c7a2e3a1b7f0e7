"""Writes only in the scratch folder: the child's own confinement where bubblewrap is not used.

Under the ``uid`` and ``limits only`` boundaries the child runs as an ordinary
process of the machine, and the checkout, its virtual environment and the
real submission may all be writable to that user (in a CI clone under
``/tmp``, they are). Before any learner code runs, :func:`confine` restricts
the child itself, in two layers:

``landlock``
    Linux 5.13 and later: the kernel refuses every change to the file system
    outside the scratch folder (writing, truncating, creating, removing,
    renaming, linking), for this process and every process it starts. No
    privilege is needed and the restriction cannot be lifted.
``audit hook``
    Everywhere (also where Landlock is missing, such as macOS): a
    :func:`sys.addaudithook` hook, which cannot be removed, refuses the same
    changes outside the scratch folder, and refuses starting processes,
    signalling other processes, symbolic and hard links and ``ctypes``
    (through which a foreign function could bypass the hook). A hook guards
    Python code only; it is the second layer, not a boundary of its own.

Reading stays possible everywhere the user may read; only bubblewrap hides
files. Nothing here is used under bubblewrap, whose whole file system
outside the scratch folder is already read-only.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

# ---- landlock -----------------------------------------------------------------------------------

_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446  # the same on every architecture
_RULE_PATH_BENEATH = 1
_CREATE_RULESET_VERSION = 1
_PR_SET_NO_NEW_PRIVS = 38
_WRITE_FILE = 1 << 1
_REMOVE_DIR, _REMOVE_FILE = 1 << 4, 1 << 5
_MAKE = sum(1 << bit for bit in range(6, 13))  # char, dir, reg, sock, fifo, block, sym
_REFER = 1 << 13  # ABI 2: renaming or linking across folders
_TRUNCATE = 1 << 14  # ABI 3


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _changes(abi: int) -> int:
    """Every kind of change to the file system this Landlock ABI can refuse."""
    rights = _WRITE_FILE | _REMOVE_DIR | _REMOVE_FILE | _MAKE
    if abi >= 2:
        rights |= _REFER
    if abi >= 3:
        rights |= _TRUNCATE
    return rights


def landlock(writable: Sequence[str], files: Sequence[str] = ()) -> str | None:
    """Let this process (and its children) change the file system only under ``writable``.

    ``files`` may be written but not replaced (``/dev/null``). Returns ``None``
    when the kernel enforces it, else why not.
    """
    if not sys.platform.startswith("linux"):
        return "Landlock needs Linux"
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        syscall = libc.syscall
        syscall.restype = ctypes.c_long
        abi = syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION))
        if abi < 1:
            return f"Landlock is not available here ({os.strerror(ctypes.get_errno())})"
        handled = _changes(abi)
        attr = ctypes.c_uint64(handled)  # struct landlock_ruleset_attr, its first field only
        ruleset = syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(8), ctypes.c_uint32(0))
        if ruleset < 0:
            return f"cannot create a Landlock ruleset ({os.strerror(ctypes.get_errno())})"
        try:
            rules = [(path, handled) for path in writable]
            rules += [(path, handled & (_WRITE_FILE | _TRUNCATE)) for path in files]
            for path, rights in rules:
                try:
                    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue  # not there: nothing to allow
                try:
                    rule = _PathBeneath(rights, fd)
                    if syscall(_SYS_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), 0) < 0:
                        return f"cannot allow {path} in Landlock ({os.strerror(ctypes.get_errno())})"
                finally:
                    os.close(fd)
            if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
                return f"cannot set no_new_privs ({os.strerror(ctypes.get_errno())})"
            if syscall(_SYS_RESTRICT_SELF, ruleset, 0) < 0:
                return f"cannot enforce Landlock ({os.strerror(ctypes.get_errno())})"
        finally:
            os.close(ruleset)
    except (OSError, AttributeError) as exc:
        return f"Landlock cannot be set up: {exc}"
    return None


# ---- the audit hook -----------------------------------------------------------------------------

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_PATH_EVENTS = {  # event -> positions of (path, dir_fd) pairs among its arguments
    "os.remove": ((0, 1),), "os.rmdir": ((0, 1),), "os.mkdir": ((0, 2),), "os.chmod": ((0, 2),),
    "os.chown": ((0, 3),), "os.utime": ((0, 3),), "os.truncate": ((0, None),),
    "os.rename": ((0, 2), (1, 3)), "os.setxattr": ((0, None),), "os.removexattr": ((0, None),),
    "os.chflags": ((0, None),), "os.lchflags": ((0, None),), "shutil.rmtree": ((0, 1),),
}
_REFUSED = frozenset({
    "os.link", "os.symlink", "os.exec", "os.posix_spawn", "os.spawn", "os.system", "os.fork", "os.forkpty",
    "os.startfile", "subprocess.Popen", "pty.spawn", "os.killpg",
})


class Refused(PermissionError):
    """What the audit hook raises: the grader's sandbox does not allow this."""


def _folder_of(fd: int) -> str | None:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        pass
    try:
        import fcntl

        get_path = getattr(fcntl, "F_GETPATH", None)  # macOS
        if get_path is not None:
            return bytes(fcntl.fcntl(fd, get_path, bytes(1024))).split(b"\0", 1)[0].decode()
    except (OSError, ValueError, UnicodeDecodeError):
        pass
    return None


def _where(path: Any, dir_fd: Any) -> str | None:
    """The absolute path ``path`` (relative to ``dir_fd`` when given) names, its folder resolved."""
    if isinstance(path, int):
        return None  # an open descriptor: it was checked when it was opened
    try:
        text = os.fsdecode(os.fspath(path))
    except TypeError:
        return ""  # something no check understands: refused
    if not os.path.isabs(text) and isinstance(dir_fd, int) and dir_fd >= 0:
        folder = _folder_of(dir_fd)
        if folder is None:
            return ""
        text = os.path.join(folder, text)
    text = os.path.abspath(text)
    head, tail = os.path.split(text)
    return os.path.join(os.path.realpath(head), tail)


def audit_hook(writable: Iterable[str], files: Iterable[str] = ()) -> Callable[[str, tuple[Any, ...]], None]:
    """The hook for :func:`confine` (separate, so it can be tested without installing it for good)."""
    roots = tuple(os.path.realpath(w) for w in writable)
    exact = frozenset(files)
    own = os.getpid()

    def inside(where: str) -> bool:
        return where in exact or any(where == root or where.startswith(root + os.sep) for root in roots)

    def allowed(where: str | None) -> bool:
        # the name itself and, if it is a symbolic link, what it leads to: both inside
        return where is None or (inside(where) and inside(os.path.realpath(where)))

    def refuse(what: str, where: object = None) -> None:
        raise Refused(errno.EACCES, f"the grader's sandbox does not allow {what}; your code may write only "
                      "in its own folder", where if isinstance(where, str) else None)

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "open":
            path, mode, flags = (*args, None, None, None)[:3]
            writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & _WRITE_FLAGS)
            if writes and not allowed(_where(path, None)):
                refuse("writing there", path)
        elif event in _PATH_EVENTS:
            for at, fd_at in _PATH_EVENTS[event]:
                dir_fd = args[fd_at] if fd_at is not None and fd_at < len(args) else None
                if not allowed(_where(args[at], dir_fd)):
                    refuse(f"{event}() there", args[at])
        elif event in _REFUSED:
            refuse(f"{event}()")
        elif event == "os.kill" and args and args[0] != own:
            refuse("signalling another process")
        elif event.startswith("ctypes."):
            refuse("ctypes")
        elif event == "sqlite3.connect" and args and args[0] not in (":memory:", b":memory:", ""):
            if not allowed(_where(args[0], None)):
                refuse("a database there", args[0])
        elif event == "dbm.open" and len(args) > 1 and args[1] != "r" and not allowed(_where(args[0], None)):
            refuse("a database there", args[0])

    return hook


def confine(folder: str) -> str:
    """Restrict this process to changing ``folder`` only; return which layers hold (for the report's log)."""
    writable = [folder]
    why = landlock(writable, files=[os.devnull])
    sys.addaudithook(audit_hook(writable, files=[os.devnull]))
    return "landlock and audit hook" if why is None else f"audit hook only ({why})"


__all__ = ["Refused", "audit_hook", "confine", "landlock"]
