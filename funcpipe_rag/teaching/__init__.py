"""Helpers the lessons call, so that notebook cells stay short, and the chapter's naive code.

* :func:`notebook_profile`, :func:`check_property`, :class:`PropertyReport`:
  run a Hypothesis property reproducibly and report on it in one line;
* :func:`deepest_closure_chain`, :func:`time_chain`: how deep and how fast
  chains of binds run;
* :func:`in_flight_curve`, :func:`plot_in_flight`, :func:`plot_speedup`,
  :func:`plot_chain_times`: the pictures of the concurrency lessons;
* ``closure_pure``, ``closure_bind``, ``closure_map``, ``closure_lift``: the
  chapter's nested-closure ``AsyncPlan``, kept for comparison.

Shell-side teaching support (it drives plans and draws); nothing in the
library depends on it. Each topic is a module of its own, so later cores add
theirs beside these.
"""

from typing import TYPE_CHECKING

from funcpipe_rag._lazy import on_first_use
from funcpipe_rag.teaching._chains import deepest_closure_chain, time_chain
from funcpipe_rag.teaching._closure_plan import (
    ClosurePlan,
    closure_bind,
    closure_lift,
    closure_map,
    closure_pure,
)
from funcpipe_rag.teaching._plots import in_flight_curve, plot_chain_times, plot_in_flight, plot_speedup

if TYPE_CHECKING:
    from funcpipe_rag.teaching._properties import PropertyReport, check_property, notebook_profile

# imports Hypothesis: only when a lesson first asks for it
__getattr__ = on_first_use(
    __name__, {"_properties": ("PropertyReport", "check_property", "notebook_profile")}
)

__all__ = [
    "ClosurePlan",
    "PropertyReport",
    "check_property",
    "closure_bind",
    "closure_lift",
    "closure_map",
    "closure_pure",
    "deepest_closure_chain",
    "in_flight_curve",
    "notebook_profile",
    "plot_chain_times",
    "plot_in_flight",
    "plot_speedup",
    "time_chain",
]
