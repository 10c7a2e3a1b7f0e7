"""The pictures of the concurrency lessons (matplotlib, imported only when drawing)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from funcpipe_rag.testing import EmbedCall


class Timed(Protocol):
    """Anything that ran from ``started`` to ``ended`` (an ``EmbedCall``, a plan of a bounded map)."""

    @property
    def started(self) -> float: ...

    @property
    def ended(self) -> float: ...


def _pyplot() -> Any:
    # A first import may announce that it is building a font cache; keep that
    # message out of the notebook's compared output.
    logging.getLogger("matplotlib").setLevel(logging.ERROR)
    import matplotlib.pyplot as plt

    return plt


def in_flight_curve(timeline: Sequence[Timed]) -> tuple[list[float], list[int]]:
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


def plot_log_log_pair(
    lines: Mapping[str, tuple[Sequence[float], Sequence[float], Sequence[float]]],
    xlabel: str,
    ylabels: tuple[str, str],
    *,
    title: str = "",
) -> Figure:
    """Two log-log panels side by side: for each name, ``(xs, left ys, right ys)`` drawn as one line each."""
    plt = _pyplot()
    fig: Figure
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    for label, (xs, left_ys, right_ys) in lines.items():
        left.plot(xs, left_ys, marker="o", label=label)
        right.plot(xs, right_ys, marker="o", label=label)
    for ax, ylabel in ((left, ylabels[0]), (right, ylabels[1])):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    plt.close(fig)
    return fig
