"""Running a Hypothesis property in a notebook: reproducible settings and a short report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import settings

from funcpipe_rag.testing._profiles import use_profile


@dataclass(frozen=True)
class PropertyReport:
    """What running a property found: examples tried, how many passed, the failure."""

    name: str
    tried: int
    passed: int
    failure: str | None

    @property
    def ok(self) -> bool:
        return self.failure is None

    def __str__(self) -> str:
        if self.failure is None:
            return f"{self.name}: passed — {self.passed} of {self.tried} examples"
        # How many examples came before the failure depends on the Hypothesis
        # version; the shrunk counterexample does not, so only it is printed.
        return f"{self.name}: FAILED\n  smallest counterexample: {self.failure}"


def notebook_profile(max_examples: int = 100) -> settings:
    """Load the workbook's reproducible Hypothesis settings for a notebook (see ``funcpipe_rag.testing``).

    Fixed seed, no example database written to disk, no deadline, no
    "explain" phase. Call it *before* defining properties: ``@given`` captures
    the settings in force when it decorates a test.
    """
    return use_profile("funcpipe-notebook", max_examples=max_examples)


def check_property(test: Any, *, name: str | None = None) -> PropertyReport:
    """Run the Hypothesis property ``test`` (decorated with ``@given``) and report.

    Counts the examples tried and passed. A failing property is reported, not
    raised: Hypothesis replays the smallest failing example last, and the
    report shows its arguments (with their ``repr``) and the error message.
    """
    inner = test.hypothesis.inner_test
    counts = {"tried": 0, "passed": 0}
    last_failure: dict[str, str] = {}

    def counting(*args: Any, **kwargs: Any) -> Any:
        counts["tried"] += 1
        try:
            out = inner(*args, **kwargs)
        except BaseException as exc:
            shown = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            last_failure["args"] = ", ".join(shown)
            last_failure["error"] = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
            raise
        counts["passed"] += 1
        return out

    test.hypothesis.inner_test = counting
    label = name or test.__name__.replace("_", " ")
    failure: str | None = None
    try:
        test()
    except Exception as exc:  # a failing property is the report's subject, not an error
        if last_failure:
            failure = f"{last_failure['args']}  ({last_failure['error']})"
        else:
            failure = f"{type(exc).__name__}: {exc}"
    finally:
        test.hypothesis.inner_test = inner
    return PropertyReport(label, counts["tried"], counts["passed"], failure)
