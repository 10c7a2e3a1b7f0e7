"""Lesson helpers for Cores 4 and 5: the course's retry loop and fakes, traces as tables and pictures.

* :func:`course_with_resilience` — the course's retry loop (jitter after the
  cap, a late warning, ``MAX_RETRIES``, ``Retry-After`` ignored), run next to
  the library in the Core 4 lesson;
* :class:`SeparateClock`, :class:`SeparateSleeper`, :func:`separate_timeout`
  — the course's *separate* fakes: a clock that is a counter, a sleeper that
  records but does not move it, a timeout that never cancels. The Core 5
  lesson shows how they drift; :func:`emit_rate_limited` is the small rate
  limiter it runs on them;
* :func:`trace_table`, :func:`plot_trace`, :func:`plot_delays` — a trace as
  lines of text, as a timeline of attempts and backoffs, and a policy's
  delays by attempt.

Shell-side teaching support: nothing in the library depends on it.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from funcpipe_rag.domain.effects.async_.plan import AsyncPlan
from funcpipe_rag.domain.effects.async_.resilience import ResilienceEnv, TimeoutPolicy
from funcpipe_rag.teaching._plots import _pyplot
from funcpipe_rag.testing._resilience import CANCELLED, Trace
from funcpipe_rag.testing._wrong_resilience import COURSE_SLIPS, closure_with_resilience

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def course_with_resilience(
    step: AsyncPlan[Any], retry: Any, timeout: TimeoutPolicy | None = None, env: ResilienceEnv | None = None
) -> AsyncPlan[Any]:
    """The course's ``async_with_resilience``, mistakes included (``retry`` is any object with the fields)."""
    return closure_with_resilience(step, retry, timeout, env, slips=COURSE_SLIPS)


class SeparateClock:
    """The course's ``FakeClock``: a number that moves only when a test calls :meth:`advance`."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class SeparateSleeper:
    """The course's ``FakeSleeper``: records each sleep and returns at once — the clock does not move."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def separate_timeout(clock: SeparateClock) -> Callable[[float], contextlib.AbstractAsyncContextManager[None]]:
    """The course's fake timeout: it lets the block run to its end, then raises ``TimeoutError``
    if ``clock`` moved past the deadline meanwhile. It never cancels anything."""

    @contextlib.asynccontextmanager
    async def timeout(seconds: float) -> AsyncIterator[None]:
        deadline = clock() + seconds
        yield
        if clock() > deadline:
            raise TimeoutError

    return timeout


async def emit_rate_limited(
    items: Iterable[Any], per_second: float, clock: Callable[[], float], sleep: Callable[[float], Any]
) -> list[tuple[float, Any]]:
    """Emit ``items`` at most ``per_second`` per second: each is stamped with ``clock()``, then
    the limiter sleeps one interval. Returns ``[(time, item), ...]``."""
    emitted = []
    for item in items:
        emitted.append((clock(), item))
        await sleep(1 / per_second)
    return emitted


def trace_table(trace: Trace) -> str:
    """The attempts and backoffs of ``trace`` in time order, one line each (times in ms)."""
    rows: list[tuple[float, str]] = []
    for a in trace.attempts:
        rows.append((a.start, f"{a.start * 1000:9.1f} ms  attempt {a.attempt}: {a.outcome} "
                              f"after {(a.end - a.start) * 1000:.1f} ms"))
    for b in trace.backoffs:
        rows.append((b.start, f"{b.start * 1000:9.1f} ms  wait {b.seconds * 1000:.1f} ms"))
    return "\n".join(text for _, text in sorted(rows, key=lambda r: r[0]))


_COLOURS = {"ok": "tab:green", CANCELLED: "tab:red"}


def plot_trace(traces: Mapping[str, Trace], *, title: str = "") -> Figure:
    """One row per trace: attempts as bars (green ok, red cancelled, orange an ``Err``), waits hatched."""
    plt = _pyplot()
    fig: Figure
    fig, ax = plt.subplots(figsize=(9, 0.9 + 0.7 * len(traces)))
    for row, trace in enumerate(reversed(list(traces.values()))):
        for a in trace.attempts:
            ax.broken_barh([(a.start, max(a.end - a.start, 1e-9))], (row - 0.3, 0.6),
                           color=_COLOURS.get(a.outcome, "tab:orange"))
            ax.annotate(f"{a.attempt}", (a.start, row + 0.34), fontsize=7)
        for b in trace.backoffs:
            ax.broken_barh([(b.start, b.seconds)], (row - 0.15, 0.3), facecolor="none",
                           edgecolor="grey", hatch="///")
    ax.set_yticks(range(len(traces)), list(reversed(list(traces))))
    ax.set_xlabel("virtual seconds")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in ("tab:green", "tab:orange", "tab:red")]
    handles.append(plt.Rectangle((0, 0), 1, 1, facecolor="none", edgecolor="grey", hatch="///"))
    ax.legend(handles, ["attempt ok", "attempt failed", "attempt cancelled", "backoff"],
              loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=4, fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    plt.close(fig)  # the caller's cell shows the returned figure, once
    return fig


def plot_delays(series: Mapping[str, Sequence[Sequence[float]]], cap_ms: float, *, title: str = "") -> Figure:
    """Delays (ms) by attempt number: for each name, one list of delays per run; the cap dashed."""
    plt = _pyplot()
    fig: Figure
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for (name, runs), marker in zip(series.items(), "o^sx", strict=False):
        xs = [k + 1 for run in runs for k in range(len(run))]
        ys = [d for run in runs for d in run]
        ax.scatter(xs, ys, label=name, marker=marker, alpha=0.6)
    longest = max((len(run) for runs in series.values() for run in runs), default=0)
    ax.set_xticks(range(1, longest + 1))
    ax.axhline(cap_ms, linestyle="--", color="grey", label=f"cap {cap_ms:g} ms")
    ax.set_xlabel("after failed attempt")
    ax.set_ylabel("delay (ms)")
    ax.legend(fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    plt.close(fig)  # the caller's cell shows the returned figure, once
    return fig


__all__ = [
    "SeparateClock",
    "SeparateSleeper",
    "course_with_resilience",
    "emit_rate_limited",
    "plot_delays",
    "plot_trace",
    "separate_timeout",
    "trace_table",
]
