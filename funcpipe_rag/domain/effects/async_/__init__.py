"""Async effects as data: the chapter's ``AsyncPlan`` API, where the course puts it.

``plan.py`` holds ``AsyncPlan`` and its combinators, ``concurrency.py``
``async_gather``, ``resilience.py`` the retry and timeout policies of
Core 4; later cores add ``stream.py`` and ``lifts.py`` beside them. The nodes
those combinators build (``_nodes.py``) and the loop that runs them (``_interpreter.py``) are
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
from funcpipe_rag.domain.effects.async_.resilience import (
    ResilienceEnv,
    ResilientMapper,
    ResilientPlan,
    RetryPolicy,
    TimeoutPolicy,
    async_with_resilience,
    resilient_mapper,
)

__all__ = [
    "AsyncPlan",
    "PlanNode",
    "ResilienceEnv",
    "ResilientMapper",
    "ResilientPlan",
    "RetryPolicy",
    "TimeoutPolicy",
    "async_bind",
    "async_from_result",
    "async_gather",
    "async_lift",
    "async_map",
    "async_pure",
    "async_with_resilience",
    "describe_plan",
    "resilient_mapper",
    "settle",
]
