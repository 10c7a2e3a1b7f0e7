"""Helpers the lessons call, so that notebook cells stay short, and the chapter's naive code.

* :func:`notebook_profile`, :func:`check_property`, :class:`PropertyReport`:
  run a Hypothesis property reproducibly and report on it in one line;
* :func:`deepest_closure_chain`, :func:`time_chain`: how deep and how fast
  chains of binds run;
* :func:`in_flight_curve`, :func:`plot_in_flight`, :func:`plot_speedup`,
  :func:`plot_chain_times`: the pictures of the concurrency lessons;
* ``closure_pure``, ``closure_bind``, ``closure_map``, ``closure_lift``: the
  chapter's nested-closure ``AsyncPlan``, kept for comparison;
* streams (Core 2): :func:`overflow_depth` (stacks of growing depth until one
  overflows), :func:`counted_source`, :func:`footprint` and
  :func:`plot_footprints` (pulls and memory against a source's length), and
  ``nested_*``, the chapter's one-generator-per-combinator streams;
* the synchronous core (Core 7): :func:`largest_gap` and :func:`plot_gaps`
  (how long the event loop went without a turn while a step ran);
* ``course_with_resilience`` and the course's separate fakes
  (:class:`SeparateClock`, :class:`SeparateSleeper`, :func:`separate_timeout`,
  :func:`emit_rate_limited`), :func:`trace_table`, :func:`plot_trace`,
  :func:`plot_delays`: the Core 4 and 5 lessons;
* backpressure (Core 3): :func:`fan_out` and :func:`plot_fan_out` (tasks and
  memory of a fan-out against its size), :func:`timeline` and
  :func:`plot_timeline` (who is in flight when, in virtual time);
* :class:`LostAnswer` and :func:`append_visit`: the duplicate write of Core 8;
* batching (Core 9): :func:`measure_batching` (the batched RAG embeddings
  against the real service, per policy: :class:`BatchRun`) and
  :func:`plot_batching`.

Shell-side teaching support (it drives plans and draws); nothing in the
library depends on it. Each topic is a module of its own, so later cores add
theirs beside these.
"""

from typing import TYPE_CHECKING

from funcpipe_rag._lazy import on_first_use
from funcpipe_rag.teaching._adapters import LostAnswer, append_visit
from funcpipe_rag.teaching._backpressure import (
    FanOut,
    Span,
    fan_out,
    plot_fan_out,
    plot_timeline,
    timeline,
)
from funcpipe_rag.teaching._batching import BatchRun, measure_batching, plot_batching
from funcpipe_rag.teaching._chains import deepest_closure_chain, time_chain
from funcpipe_rag.teaching._closure_plan import (
    ClosurePlan,
    closure_bind,
    closure_lift,
    closure_map,
    closure_pure,
)
from funcpipe_rag.teaching._nested_streams import (
    nested_and_then,
    nested_from_list,
    nested_lift_item,
    nested_map,
    nested_map_action,
    nested_return,
    nested_using,
)
from funcpipe_rag.teaching._plots import in_flight_curve, plot_chain_times, plot_in_flight, plot_speedup
from funcpipe_rag.teaching._resilience import (
    SeparateClock,
    SeparateSleeper,
    course_with_resilience,
    emit_rate_limited,
    plot_delays,
    plot_trace,
    separate_timeout,
    trace_table,
)
from funcpipe_rag.teaching._responsiveness import largest_gap, plot_gaps
from funcpipe_rag.teaching._streams import (
    Counted,
    Footprint,
    counted_source,
    footprint,
    overflow_depth,
    plot_footprints,
)

if TYPE_CHECKING:
    from funcpipe_rag.teaching._properties import PropertyReport, check_property, notebook_profile

# imports Hypothesis: only when a lesson first asks for it
__getattr__ = on_first_use(
    __name__, {"_properties": ("PropertyReport", "check_property", "notebook_profile")}
)

__all__ = [
    "BatchRun",
    "ClosurePlan",
    "Counted",
    "FanOut",
    "Footprint",
    "LostAnswer",
    "PropertyReport",
    "SeparateClock",
    "SeparateSleeper",
    "Span",
    "append_visit",
    "check_property",
    "closure_bind",
    "closure_lift",
    "closure_map",
    "closure_pure",
    "counted_source",
    "course_with_resilience",
    "deepest_closure_chain",
    "emit_rate_limited",
    "fan_out",
    "footprint",
    "in_flight_curve",
    "largest_gap",
    "measure_batching",
    "nested_and_then",
    "nested_from_list",
    "nested_lift_item",
    "nested_map",
    "nested_map_action",
    "nested_return",
    "nested_using",
    "notebook_profile",
    "overflow_depth",
    "plot_batching",
    "plot_chain_times",
    "plot_delays",
    "plot_fan_out",
    "plot_footprints",
    "plot_gaps",
    "plot_in_flight",
    "plot_speedup",
    "plot_timeline",
    "plot_trace",
    "separate_timeout",
    "time_chain",
    "timeline",
    "trace_table",
]
