"""Async effects as data: the chapter's ``AsyncPlan`` API, where the course puts it.

``plan.py`` holds ``AsyncPlan`` and its combinators, ``concurrency.py``
``async_gather``; later cores add ``stream.py``, ``resilience.py`` and
``lifts.py`` beside them. The nodes those combinators build
(``_nodes.py``) and the loop that runs them (``_interpreter.py``) are
internal; ``describe_plan`` renders a plan's nodes as a tree.
"""

from funcpipe_rag.domain.effects.async_._render import describe_plan
from funcpipe_rag.domain.effects.async_.concurrency import async_gather
from funcpipe_rag.domain.effects.async_.plan import (
    AsyncPlan,
    PlanNode,
    async_bind,
    async_from_result,
    async_lift,
    async_map,
    async_pure,
    settle,
)

__all__ = [
    "AsyncPlan",
    "PlanNode",
    "async_bind",
    "async_from_result",
    "async_gather",
    "async_lift",
    "async_map",
    "async_pure",
    "describe_plan",
    "settle",
]
