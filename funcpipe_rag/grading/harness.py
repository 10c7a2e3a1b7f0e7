"""Writing graded tests: the grader judges what the learner's code *did*.

The learner's code runs in a separate, boxed process (the *child*); the
grader (the *parent*) never trusts a verdict from it, only facts. A graded
test therefore has three parts, all in one file
``tests/grading/<core>/test_<exercise>.py``:

* a **case strategy** (parent): Hypothesis generates plain-data cases;
* an **observer** (child): runs the learner's code on one case and returns
  plain facts — results, call logs, virtual timings — as a ``TypedDict``;
* a **judge** (parent): plain ``assert`` statements comparing the facts with
  what the trusted library says they should be. Each assertion message is
  what the learner reads, so it says in one sentence what went wrong.

Example::

    EXERCISE = "ex01_primitives"
    TITLE = "Build the primitives"

    class TwoRuns(TypedDict):
        first: object
        second: object

    @observer
    def pure_twice(case: object) -> TwoRuns:
        \"\"\"Child side: build async_pure(case) once and run it twice.\"\"\"
        pure = require(load(EXERCISE), "async_pure")
        plan = pure(case)
        return {"first": drive(plan), "second": drive(plan)}

    @graded(points=1, hint="async_pure(x) returns an inner `async def` that returns Ok(x).")
    @given(x=st.integers())
    def test_pure(x: int) -> None:
        \"\"\"async_pure(x) finishes with Ok(x), on every run.\"\"\"
        seen = observe(pure_twice, x)
        assert seen["first"] == Ok(x), f"async_pure({x!r}) finished with {seen['first']!r}"

How the file is used:

* The parent reads the file once, when grading starts, and keeps its text in
  memory; it imports it from that text. The child receives the same text
  *minus* everything only the parent needs: the ``@graded`` and
  ``@before_import`` functions, the ``hypothesis`` imports, and every
  top-level statement that uses them (so the child never imports
  Hypothesis unless the learner's code does). An ``@observer`` that needs a
  parent-only name is reported when the grader starts.
* :func:`observe` sends ``{seq, observer, case}`` to the child and returns
  the observer's result, decoded by :mod:`.codec` (exact types: an ``Ok``
  in an observation is a real ``Ok``). The result is checked against the
  observer's return annotation (a ``TypedDict`` of plain types); a result of
  the wrong shape means the grading was interfered with, and the exercise
  scores zero.
* An exception in the learner's code fails the test with one sentence naming
  the learner's file, line and function; Hypothesis then shrinks the case.
  ``NotImplementedError``, a missing name or an import failure fail the test
  at once (every case would fail the same way). A child that dies or runs
  out of time fails the test at once, without shrinking, and a fresh child
  runs the remaining tests.
* ``@graded(examples=N)`` sets Hypothesis's ``max_examples``; every other
  setting is the grader's (derandomized, no database, no deadline). Do not
  add ``@settings`` yourself.
* **Hints come in levels.** ``hint`` is one string (the first level) or a
  tuple of up to three, from the gentlest to the most exact::

      @graded(points=2, hint=(
          "An Err should stop the chain.",                       # a nudge
          "bind short-circuits: on Err(e) it never calls f.",    # the concept
          "The check: bind(lift(Err), f) finishes with that Err and f was never called.",  # exact
      ))

  The report shows the first level; ``funcpipe grade --watch`` shows one
  level further each time the same test fails again, and stays at the last.
* **Hidden tests.** ``@graded(hidden=True)`` marks a test that runs only in
  the instructor's grading (``funcpipe grade --hidden``, which the Gradescope
  autograder uses; Gradescope shows it after the due date). A learner's
  report counts the hidden tests of each exercise and their points, without
  running them, and ``funcpipe release`` leaves them out of the learner's
  copy. Hidden points still count in the exercise's ``points`` in the
  course registry.
* :func:`remember` keeps a value for the rest of one exercise's grading
  (the parent's module is shared by gradings running side by side, so a
  module-level cache would mix them up); :func:`submission_source` is the
  text of a learner's file as it was when grading started, for checks of
  the source itself.
* ``@before_import`` marks a parent function returning ``(observer, case)``
  that every fresh child runs before the learner's file is imported (for
  example to build the algebras a learner's properties are run against,
  under names the learner's code cannot map back).

In the child, observers use :func:`load`, :func:`require` and :func:`drive`;
the submission is imported lazily there, so a file that does not parse or
import fails the tests of its own exercise and nothing else.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])
C = TypeVar("C")
R = TypeVar("R")
T = TypeVar("T")

DEFAULT_EXAMPLES = 30


MAX_HINT_LEVELS = 3
"""A nudge, the concept, the exact check."""


@dataclass(frozen=True, slots=True)
class GradedMeta:
    """What the grader needs to know about one graded test.

    ``hint`` is the first level of ``hints`` (``""`` when there is none).
    """

    points: int
    hint: str
    clauses: tuple[str, ...]
    examples: int
    hints: tuple[str, ...] = ()
    hidden: bool = False


def hint_levels(hint: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The levels of a ``hint=`` argument: a string is the first level, empty strings are dropped."""
    levels = (hint,) if isinstance(hint, str) else tuple(hint)
    if not all(isinstance(level, str) for level in levels):
        raise TypeError(f"hint must be a string or a tuple of strings, got {hint!r}")
    if len(levels) > MAX_HINT_LEVELS:
        raise ValueError(f"at most {MAX_HINT_LEVELS} hint levels (nudge, concept, exact check), "
                         f"got {len(levels)}")
    return tuple(level for level in levels if level)


def grading_settings(examples: int = DEFAULT_EXAMPLES) -> Any:
    """The Hypothesis settings every graded property runs under (parent side)."""
    from hypothesis import HealthCheck

    from funcpipe_rag.testing import reproducible

    return reproducible(max_examples=examples, suppress_health_check=list(HealthCheck))


def graded(
    *,
    points: int,
    hint: str | tuple[str, ...] = "",
    clause: str | tuple[str, ...] = (),
    examples: int = DEFAULT_EXAMPLES,
    hidden: bool = False,
) -> Callable[[F], F]:
    """Mark a parent-side function as a graded test worth ``points``.

    ``hint`` is shown when it fails: one string, or up to three levels from a
    nudge to the exact check; ``clause`` names the contract clause(s) of the
    exercise it checks; ``examples`` is Hypothesis's ``max_examples`` when
    the test is a ``@given`` property (put ``@graded`` above ``@given``);
    ``hidden`` keeps the test to the instructor's grading (see the module
    docstring).
    """
    if points < 0:
        raise ValueError(f"points must not be negative, got {points}")
    if examples < 1:
        raise ValueError(f"examples must be positive, got {examples}")
    clauses = (clause,) if isinstance(clause, str) else tuple(clause)
    hints = hint_levels(hint)

    def mark(fn: F) -> F:
        test = fn
        if getattr(fn, "is_hypothesis_test", False):
            test = grading_settings(examples)(fn)
        meta = GradedMeta(points, hints[0] if hints else "", clauses, examples, hints, hidden)
        test.__graded__ = meta  # type: ignore[attr-defined]
        return test

    return mark


def meta_of(fn: object) -> GradedMeta | None:
    """The :class:`GradedMeta` of a graded test, or ``None`` for any other object."""
    found = getattr(fn, "__graded__", None)
    return found if isinstance(found, GradedMeta) else None


def observer(fn: F) -> F:
    """Mark a child-side function ``(case) -> facts`` that :func:`observe` can ask for."""
    fn.__observer__ = fn.__name__  # type: ignore[attr-defined]
    return fn


def observer_name(fn: object) -> str | None:
    found = getattr(fn, "__observer__", None)
    return found if isinstance(found, str) else None


def before_import(fn: F) -> F:
    """Mark a parent function ``() -> (observer, case)`` run in each fresh child before the import."""
    fn.__before_import__ = True  # type: ignore[attr-defined]
    return fn


def is_before_import(fn: object) -> bool:
    return getattr(fn, "__before_import__", False) is True


PARSING = threading.RLock()
"""Held around every ``ast.parse`` in the grader. On Python 3.11, ``ast.parse`` in two threads at
once can fail with ``SystemError: AST constructor recursion depth mismatch`` (CPython gh-106905),
and the grader judges exercises in threads (Hypothesis parses too, while it runs)."""

AST_RACE = "AST constructor recursion depth mismatch"


PARSE_ATTEMPTS = 40


def parse_python(text: str, filename: str = "<source>") -> ast.Module:
    """``ast.parse(text)``, one thread at a time, and again if another thread's parse upset it.

    Parses outside the grader (Hypothesis's, pytest's) do not take :data:`PARSING`. A retry
    right away can meet the same parse still under way, so each retry first gives the other
    threads a moment (a short sleep releases the GIL) to finish theirs.
    """
    for attempt in range(PARSE_ATTEMPTS):
        try:
            with PARSING:
                return ast.parse(text, filename)
        except SystemError as exc:  # a parse elsewhere (Hypothesis's) crossed this one: it is transient
            if AST_RACE not in str(exc) or attempt == PARSE_ATTEMPTS - 1:
                raise
        time.sleep(0.002 * (attempt + 1))
    raise AssertionError("unreachable")


# ---- what the parent offers a running graded test ----------------------------------------


class Session(Protocol):
    """The grader's side of one exercise being graded (implemented by the runner)."""

    def observe(self, name: str, case: object) -> Any: ...

    def remember(self, key: str, factory: Callable[[], T]) -> T: ...

    def source(self, exercise: str) -> str: ...


_local = threading.local()


class _Bound:
    def __init__(self, session: Session) -> None:
        self.session = session

    def __enter__(self) -> None:
        _local.session = self.session

    def __exit__(self, *exc: object) -> None:
        _local.session = None


def bound(session: Session) -> _Bound:
    """Make ``session`` the one :func:`observe` talks to, in this thread (used by the runner)."""
    return _Bound(session)


def _session() -> Session:
    session = getattr(_local, "session", None)
    if session is None:
        raise RuntimeError("observe() and remember() work only while the grader runs a graded test")
    return cast(Session, session)


def observe(obs: Callable[[C], R], case: C = None) -> R:  # type: ignore[assignment]
    """Run the observer ``obs`` on ``case`` next to the learner's code; return its facts."""
    name = observer_name(obs)
    if name is None:
        raise TypeError(f"{getattr(obs, '__name__', obs)!r} is not an @observer function")
    return cast(R, _session().observe(name, case))


def remember(key: str, factory: Callable[[], T]) -> T:
    """``factory()``, computed once per exercise being graded and kept under ``key``."""
    return _session().remember(key, factory)


def submission_source(exercise: str) -> str:
    """The text of the learner's ``<exercise>.py`` as it was when grading started."""
    return _session().source(exercise)


# ---- the child's side: the learner's submission -------------------------------------------


class SubmissionError(Exception):
    """The submission cannot be graded as it stands (does not parse, import, or define a name)."""


class _State:
    folder: Path | None = None
    modules: dict[str, ModuleType | SubmissionError] = {}  # noqa: RUF012  (one per child process)


def configure(folder: Path) -> None:
    """Grade the files in ``folder`` (the child's scratch copy of the submission)."""
    _State.folder = folder
    _State.modules = {}
    text = str(folder)
    if text not in sys.path:
        sys.path.append(text)  # last: a learner's file can never shadow the library


def submission_folder() -> Path:
    if _State.folder is None:
        raise SubmissionError("load() works only next to the learner's code, inside an @observer")
    return _State.folder


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
    """Run a plan to its result on a fresh event loop (the observer is the shell)."""
    if not callable(plan):
        raise AssertionError(
            f"expected a plan (a zero-argument callable), got {type(plan).__name__}; "
            "return the plan itself, not plan() or an awaited result"
        )

    from funcpipe_rag.infra.runtime import run_sync  # the library's one way to run a plan from sync code

    return run_sync(plan)


__all__ = [
    "GradedMeta",
    "SubmissionError",
    "before_import",
    "drive",
    "graded",
    "hint_levels",
    "load",
    "meta_of",
    "observe",
    "observer",
    "parse_python",
    "remember",
    "require",
    "submission_source",
]
