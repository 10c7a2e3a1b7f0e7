"""What a graded test may use: points, hints, and the learner's submission.

Graded tests live in ``tests/grading/<core>/test_<exercise>.py``. Each module
names the exercise file it grades and its title::

    EXERCISE = "ex01_primitives"
    TITLE = "Build the primitives"

    @points(2, hint="Build the Err branch so that it never calls f.")
    def test_err_short_circuit() -> None:
        \"\"\"An Err skips every later step.\"\"\"
        sub = load(EXERCISE)
        bind = require(sub, "async_bind")
        ...

A test passes by returning and fails by raising; its assertion messages are
what the learner reads, so each says in one sentence what went wrong.
Submissions are imported lazily by :func:`load`, inside the test, so a
submission that does not parse or import fails the tests of its own exercise
and nothing else.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class TestMeta:
    """What the grader needs to know about one graded test."""

    points: int
    hint: str


def points(n: int, *, hint: str = "") -> Callable[[F], F]:
    """Mark a function as a graded test worth ``n`` points, with a hint shown on failure."""
    if n < 0:
        raise ValueError(f"points must not be negative, got {n}")

    def mark(fn: F) -> F:
        fn.__grading__ = TestMeta(n, hint)  # type: ignore[attr-defined]
        return fn

    return mark


def meta_of(fn: object) -> TestMeta | None:
    """The :class:`TestMeta` of a graded test, or ``None`` for any other object."""
    found = getattr(fn, "__grading__", None)
    return found if isinstance(found, TestMeta) else None


class SubmissionError(Exception):
    """The submission cannot be graded as it stands (does not parse, import, or define a name)."""


class _State:
    folder: Path | None = None
    sources: dict[str, str] = {}  # noqa: RUF012  (one process-wide snapshot)
    modules: dict[str, ModuleType | SubmissionError] = {}  # noqa: RUF012


def configure(folder: Path) -> None:
    """Grade the files in ``folder``; snapshot their text before any learner code runs."""
    _State.folder = folder
    _State.modules = {}
    _State.sources = {}
    for file in sorted(folder.glob("*.py")):
        try:
            _State.sources[file.stem] = file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
    text = str(folder)
    if text not in sys.path:
        sys.path.append(text)  # last: a learner's file can never shadow the library


def submission_folder() -> Path:
    if _State.folder is None:
        raise SubmissionError("no submission folder was configured")
    return _State.folder


def source(exercise: str) -> str:
    """The text of ``<exercise>.py`` as it was before any submitted code ran."""
    if exercise not in _State.sources:
        raise SubmissionError(f"the submission has no file {exercise}.py")
    return _State.sources[exercise]


def _describe_import_error(exercise: str, exc: BaseException) -> SubmissionError:
    name = f"{exercise}.py"
    if isinstance(exc, SyntaxError):
        return SubmissionError(f"{name} does not parse: line {exc.lineno}: {exc.msg}")
    if isinstance(exc, SystemExit):
        return SubmissionError(f"{name} calls sys.exit({exc.code!r}) while it is imported")
    if isinstance(exc, NotImplementedError):
        return SubmissionError(f"{name} raises NotImplementedError while it is imported: {exc}")
    line = ""
    tb = exc.__traceback__
    while tb is not None:
        if Path(tb.tb_frame.f_code.co_filename).name == name:
            line = f" (line {tb.tb_lineno})"
        tb = tb.tb_next
    return SubmissionError(f"{name} fails to import{line}: {type(exc).__name__}: {exc}")


def load(exercise: str) -> ModuleType:
    """Import the submitted ``<exercise>.py`` once; raise :class:`SubmissionError` if it cannot be."""
    cached = _State.modules.get(exercise)
    if isinstance(cached, ModuleType):
        return cached
    if isinstance(cached, SubmissionError):
        raise SubmissionError(str(cached))
    path = submission_folder() / f"{exercise}.py"
    if not path.is_file():
        error = SubmissionError(f"the submission has no file {exercise}.py")
        _State.modules[exercise] = error
        raise error
    spec = importlib.util.spec_from_file_location(exercise, path)
    if spec is None or spec.loader is None:
        error = SubmissionError(f"{exercise}.py cannot be loaded as a Python module")
        _State.modules[exercise] = error
        raise error
    module = importlib.util.module_from_spec(spec)
    sys.modules[exercise] = module
    try:
        spec.loader.exec_module(module)
    except MemoryError:
        raise
    except BaseException as exc:
        sys.modules.pop(exercise, None)
        error = _describe_import_error(exercise, exc)
        _State.modules[exercise] = error
        raise error from None
    _State.modules[exercise] = module
    return module


def require(module: ModuleType, *names: str) -> Any:
    """The attributes ``names`` of ``module`` (one value, or a tuple for several)."""
    found = []
    for name in names:
        value = getattr(module, name, None)
        if value is None:
            raise SubmissionError(f"{module.__name__}.py does not define {name}")
        if not callable(value):
            kind = type(value).__name__
            raise SubmissionError(f"{module.__name__}.{name} should be a function, got {kind}")
        found.append(value)
    return found[0] if len(found) == 1 else tuple(found)


def drive(plan: Callable[[], Awaitable[T]]) -> T:
    """Run a plan to its result on a fresh event loop (the graded test is the shell)."""
    if not callable(plan):
        raise AssertionError(
            f"expected a plan (a zero-argument callable), got {type(plan).__name__}; "
            "return the plan itself, not plan() or an awaited result"
        )

    async def main() -> T:
        return await plan()

    return asyncio.run(main())


def reset() -> None:
    """Forget every imported submission module (used between grading runs in one process)."""
    for name, mod in list(_State.modules.items()):
        if isinstance(mod, ModuleType):
            sys.modules.pop(name, None)
    _State.modules = {}


def load_test_module(path: Path, name: str) -> ModuleType:
    """Import the graded-test file at ``path`` as module ``name`` (registered in ``sys.modules``).

    Errors raised while the file runs propagate; ``ImportError`` if it cannot be loaded at all.
    """
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load graded tests from {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
