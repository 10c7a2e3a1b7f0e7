"""Small helpers the notebooks call, so that the lesson cells stay short.

Everything here is shell-side teaching support (it drives plans, draws
pictures, runs Hypothesis); nothing in the library depends on it.

* :func:`drive` runs a plan to its ``Result`` from ordinary synchronous code,
  even inside a notebook whose event loop is already running. Hypothesis
  properties are synchronous functions, so the law cells use it.
* Plans and Kleisli functions described as data (``add(3)``,
  ``bind(fail('A'), lift_add(2))``) come from :mod:`funcpipe_rag.testing`,
  shared with the test suite and the grader, so the notebook checks the laws
  exactly as they are checked everywhere else.
* :func:`check_property` runs a ``@given`` property with a fixed seed and no
  example database and returns a short :class:`PropertyReport`.
* :func:`in_flight_curve`, :func:`plot_in_flight`, :func:`plot_speedup` and
  :func:`plot_chain_times` draw the pictures of the concurrency lessons.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hypothesis import Phase, settings

from funcpipe_rag.infra.adapters.async_runtime import run_plan
from funcpipe_rag.infra.adapters.fakes import EmbedCall
from funcpipe_rag.result import ErrInfo, Result
from funcpipe_rag.testing.specs import CLOSURE, PlanAlgebra, chain

if TYPE_CHECKING:
    from matplotlib.figure import Figure

Plan = Callable[[], Awaitable[Result[Any, ErrInfo]]]

__all__ = [
    "PropertyReport",
    "check_property",
    "deepest_closure_chain",
    "drive",
    "in_flight_curve",
    "notebook_profile",
    "plot_chain_times",
    "plot_in_flight",
    "plot_speedup",
    "time_chain",
]


# ---- driving a plan from synchronous code ------------------------------------------


def drive(plan: Plan) -> Result[Any, ErrInfo]:
    """Run ``plan`` to completion and return its ``Result`` (shell code only).

    Synchronous code such as a Hypothesis property can call it anywhere, also
    inside a notebook whose loop is already running (see ``run_plan``).
    Exceptions raised by the plan propagate.
    """
    return run_plan(plan)


# ---- running a property and reporting on it -----------------------------------------


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


_EXPLAINING = (Phase.explicit, Phase.generate, Phase.shrink)


def notebook_profile(max_examples: int = 100) -> settings:
    """Register and load reproducible Hypothesis settings for a notebook.

    Fixed seed (``derandomize=True``), no example database written to disk, no
    deadline (a busy machine is not a failure) and no "explain" phase, whose
    notes name source files. Call it *before* defining properties: ``@given``
    captures the settings in force when it decorates a test.
    """
    settings.register_profile(
        "funcpipe-notebook",
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=_EXPLAINING,
    )
    settings.load_profile("funcpipe-notebook")
    return settings.get_profile("funcpipe-notebook")


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


# ---- chains: how deep and how fast -------------------------------------------------


def deepest_closure_chain(lengths: Sequence[int]) -> tuple[int | None, int | None]:
    """Run closure chains of the given lengths (ascending) until one overflows.

    Returns ``(longest that ran, first that raised RecursionError)``; either is
    ``None`` if there was no such length.
    """
    ran: int | None = None
    for n in lengths:
        try:
            drive(chain(CLOSURE, n))
        except RecursionError:
            return ran, n
        ran = n
    return ran, None


async def time_chain(alg: PlanAlgebra, length: int, repeat: int = 3) -> float:
    """Best wall-clock seconds over ``repeat`` runs to build and run a chain of ``length``.

    Awaits the plan on the current loop, so it measures exactly what a shell would pay.
    """
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        await chain(alg, length)()
        best = min(best, time.perf_counter() - start)
    return best


# ---- pictures ------------------------------------------------------------------------


def _pyplot() -> Any:
    # A first import may announce that it is building a font cache; keep that
    # message out of the notebook's compared output.
    logging.getLogger("matplotlib").setLevel(logging.ERROR)
    import matplotlib.pyplot as plt

    return plt


def in_flight_curve(timeline: Sequence[EmbedCall]) -> tuple[list[float], list[int]]:
    """The number of calls in flight as a step function: change times and counts.

    Ends are processed before starts at the same instant, so a call that
    finishes exactly when the next one starts is not counted twice.
    """
    events = sorted([(c.started, 1) for c in timeline] + [(c.ended, -1) for c in timeline])
    times: list[float] = [0.0]
    counts: list[int] = [0]
    level = 0
    for t, delta in events:
        level += delta
        if times[-1] == t:
            counts[-1] = level
        else:
            times.append(t)
            counts.append(level)
    return times, counts


def plot_in_flight(timelines: Mapping[int, Sequence[EmbedCall]], *, title: str = "") -> Figure:
    """One panel per concurrency limit: calls in flight against (virtual) time."""
    plt = _pyplot()
    fig: Figure
    fig, axes = plt.subplots(len(timelines), 1, figsize=(8, 1.9 * len(timelines)), sharex=True)
    axes_list = list(axes) if len(timelines) > 1 else [axes]
    for ax, (limit, timeline) in zip(axes_list, timelines.items(), strict=True):
        times, counts = in_flight_curve(timeline)
        ax.step(times, counts, where="post", color="tab:blue")
        ax.fill_between(times, counts, step="post", alpha=0.25, color="tab:blue")
        ax.axhline(limit, color="tab:red", linestyle="--", linewidth=1)
        end = max((c.ended for c in timeline), default=0.0)
        ax.set_ylabel("in flight")
        ax.set_ylim(0, max(limit, max(counts)) * 1.6 + 0.5)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.text(0.99, 0.95, f"concurrency={limit}, done at {end:.2f} s", transform=ax.transAxes,
                ha="right", va="top")
    axes_list[-1].set_xlabel("virtual time (s)")
    if title:
        axes_list[0].set_title(title)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_speedup(limits: Sequence[int], speedups: Sequence[float]) -> Figure:
    """Speed-up over concurrency 1 against the concurrency limit, with the ideal line."""
    plt = _pyplot()
    fig: Figure
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.plot(limits, speedups, marker="o", label="measured (virtual clock)")
    ax.plot(limits, limits, linestyle=":", color="grey", label="ideal: speed-up = concurrency")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log", base=2)
    ax.set_xlabel("concurrency limit")
    ax.set_ylabel("speed-up over 1")
    ax.legend()
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_chain_times(
    closure: Mapping[int, float], library: Mapping[int, float], *, overflow_at: int | None = None
) -> Figure:
    """Seconds to build and run a chain against its length, for both implementations."""
    plt = _pyplot()
    fig: Figure
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    ax.plot(list(closure), list(closure.values()), marker="o", label="nested closures (chapter)")
    ax.plot(list(library), list(library.values()), marker="s", label="plan as data (library)")
    if overflow_at is not None:
        ax.axvline(overflow_at, color="tab:red", linestyle="--", linewidth=1)
        ax.text(overflow_at * 1.1, min(library.values()), "closures: RecursionError", color="tab:red")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("binds in the chain")
    ax.set_ylabel("seconds (build + run)")
    ax.legend()
    fig.tight_layout()
    plt.close(fig)
    return fig
