"""Generated inputs that reach every path, measurably.

A property that draws "any record" may, in practice, almost never reach the
interesting branch (a valid user, say), and then passes on code that is wrong
there. So the strategies of a graded property are *stratified*: first a path
is picked (valid user / not found / invalid / save fails / …), then an
example that takes it. :class:`Strata` holds one strategy per path and
runs a property over each with an equal share of the examples;
:class:`PathLog` records, per example, the path the reference behaviour
actually took; :func:`measure` runs strata the way grading runs them and
returns the log, so a test can fail when a path gets less than its share::

    strata = Strata({"saved": valid_users(), "not found": missing_users()})
    strata.run(lambda path, case: check(case), max_examples=30)        # in the graded test
    log = measure(strata, classify, max_examples=30)                    # in the test of the strategies
    assert not log.starved(0.15), log.summary()

Nothing here knows about a particular core.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from funcpipe_rag.testing._profiles import reproducible

T = TypeVar("T")

MIN_SHARE = 0.15
"""The share of examples every path must get, unless a test asks for another."""


class PathLog:
    """Counts, per path, the examples that took it."""

    def __init__(self, paths: Sequence[str]) -> None:
        if not paths or len(set(paths)) != len(paths):
            raise ValueError(f"paths must be distinct and non-empty, got {list(paths)}")
        self.paths = tuple(paths)
        self.counts: Counter[str] = Counter({p: 0 for p in paths})

    def record(self, path: str) -> None:
        """One more example took ``path`` (which must be one of :attr:`paths`)."""
        if path not in self.counts:
            raise ValueError(f"unknown path {path!r}; the paths are {', '.join(self.paths)}")
        self.counts[path] += 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def shares(self) -> dict[str, float]:
        """Each path's share of the examples recorded (0 for all when nothing was recorded)."""
        total = self.total
        return {p: (self.counts[p] / total if total else 0.0) for p in self.paths}

    def starved(self, min_share: float = MIN_SHARE) -> list[str]:
        """The paths that got less than ``min_share`` of the examples."""
        return [p for p, share in self.shares().items() if share < min_share]

    def summary(self) -> str:
        """``saved 9/30 (30%), not found 7/30 (23%), …``"""
        total = self.total
        return ", ".join(f"{p} {self.counts[p]}/{total} ({share:.0%})" for p, share in self.shares().items())


class Strata(Generic[T]):
    """Strategies by path: each draws examples meant to take one path of the code under test.

    Hypothesis does not spread a ``sampled_from`` choice evenly over a few
    dozen examples (the first choice is the "simplest" and comes up most), so
    a property over strata runs once per path, each with an equal share of
    the examples: :meth:`per_path` says how many.
    """

    def __init__(self, cases: Mapping[str, st.SearchStrategy[T]]) -> None:
        if not cases:
            raise ValueError("Strata needs at least one path")
        self.cases = dict(cases)

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(self.cases)

    def per_path(self, max_examples: int) -> int:
        """Examples per path so that all paths together run about ``max_examples``."""
        return max(1, -(-max_examples // len(self.cases)))

    def run(
        self,
        body: Callable[[str, T], None],
        *,
        max_examples: int,
        config: settings | None = None,
        **extra: Any,
    ) -> None:
        """Run ``body(path, example)`` as a Hypothesis property, once per path (see :meth:`per_path`).

        ``config`` is the settings to start from (a grader's, say); ``extra``
        overrides them. Without ``config``: the workbook's reproducible
        settings. A failure is raised with the path in a note.
        """
        base = config if config is not None else reproducible()
        for path, strategy in self.cases.items():
            try:
                chosen = settings(base, max_examples=self.per_path(max_examples), **extra)
                self._property(path, strategy, body, chosen)()
            except BaseException as exc:
                exc.add_note(f"on the path {path!r}")
                raise

    @staticmethod
    def _property(
        path: str, strategy: st.SearchStrategy[T], body: Callable[[str, T], None], config: settings
    ) -> Callable[[], None]:
        @config
        @given(strategy)
        def prop(example: T) -> None:
            body(path, example)

        return prop


def measure(
    strata: Strata[T],
    classify: Callable[[T], str],
    *,
    max_examples: int,
    **extra: Any,
) -> PathLog:
    """Run ``strata`` as grading does and log the path each example *really* takes.

    ``classify`` names the path an example takes, usually by running the
    reference implementation on it; an example meant for one path that takes
    another counts for the other. Only the generate phase runs, so explicit
    ``@example`` cases never count towards a path's share.
    """
    log = PathLog(strata.paths)
    strata.run(
        lambda _path, example: log.record(classify(example)),
        max_examples=max_examples,
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
        **extra,
    )
    return log


__all__ = ["MIN_SHARE", "PathLog", "Strata", "measure", "ready_tests", "smallest_failure"]


def smallest_failure(
    cases: Strata[T], check: Callable[[T], None], *, max_examples: int
) -> tuple[T, str] | None:
    """Run ``check`` over ``cases``: ``None`` when it never fails, else the smallest failing example
    Hypothesis found and the first line of its ``AssertionError``."""
    failing: list[tuple[T, str]] = []

    def body(_path: str, example: T) -> None:
        try:
            check(example)
        except AssertionError as exc:
            text = str(exc).strip()
            failing.append((example, text.splitlines()[0] if text else "failed"))
            raise

    try:
        cases.run(
            body, max_examples=max_examples, report_multiple_bugs=False,
            suppress_health_check=list(HealthCheck),
            phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
        )  # fmt: skip
    except AssertionError:
        return failing[-1]  # Hypothesis replays the smallest failing example last
    return None


def ready_tests(
    names: Sequence[str], find: Callable[[str], tuple[Any, str] | None]
) -> dict[str, Callable[[], None]]:
    """One test per name, ready to call: it raises ``AssertionError`` naming the smallest failing
    example when ``find(name)`` returns one."""

    def make(name: str) -> Callable[[], None]:
        def test() -> None:
            found = find(name)
            if found is not None:
                example, what = found
                raise AssertionError(f"{name}: {what}\n  on {example!r}")

        test.__name__ = name.replace(" ", "_").replace("-", "_")
        return test

    return {name: make(name) for name in names}
