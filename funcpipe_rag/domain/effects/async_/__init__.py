"""Async effects as data: the chapter's API, where the course puts it.

``plan.py`` holds ``AsyncPlan`` and its combinators, ``concurrency.py``
``async_gather`` and the bounded stream map of Core 3
(``BackpressurePolicy``, ``async_gen_bounded_map``, ``async_gen_gather``),
``resilience.py`` the retry and timeout policies of Core 4, ``rate_limit.py``
the rate limits and fair merges of Core 6, ``stream.py`` ``AsyncGen`` and its
combinators (with the batching of Core 9: ``ChunkPolicy``,
``async_gen_chunk``), ``lifts.py`` the lifts of synchronous functions into
plans and streams. The nodes the combinators
build (``_nodes.py``, ``_stream_nodes.py``) and the loops that run them
(``_interpreter.py``, ``_stream_interpreter.py``) are internal;
``describe_plan`` renders a plan's nodes as a tree.
"""

from funcpipe_rag.domain.effects.async_._render import describe_plan
from funcpipe_rag.domain.effects.async_.concurrency import (
    BackpressurePolicy,
    async_gather,
    async_gen_bounded_map,
    async_gen_gather,
)
from funcpipe_rag.domain.effects.async_.lifts import (
    LIFT_ERROR_CODE,
    lift_sync,
    lift_sync_gen_with_executor,
    lift_sync_with_executor,
)
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
from funcpipe_rag.domain.effects.async_.rate_limit import (
    FairnessPolicy,
    RateLimitPolicy,
    TokenGate,
    async_gen_fair_merge,
    async_gen_rate_limited,
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
from funcpipe_rag.domain.effects.async_.stream import (
    AsyncGen,
    ChunkedGen,
    ChunkPolicy,
    Sleeper,
    StreamNode,
    StreamRun,
    async_gen_and_then,
    async_gen_chunk,
    async_gen_flat_map,
    async_gen_from_iter,
    async_gen_from_list,
    async_gen_map,
    async_gen_map_action,
    async_gen_return,
    async_gen_using,
    lift_async_item,
)

__all__ = [
    "LIFT_ERROR_CODE",
    "AsyncGen",
    "AsyncPlan",
    "BackpressurePolicy",
    "ChunkPolicy",
    "ChunkedGen",
    "FairnessPolicy",
    "PlanNode",
    "RateLimitPolicy",
    "ResilienceEnv",
    "ResilientMapper",
    "ResilientPlan",
    "RetryPolicy",
    "Sleeper",
    "StreamNode",
    "StreamRun",
    "TimeoutPolicy",
    "TokenGate",
    "async_bind",
    "async_from_result",
    "async_gather",
    "async_gen_and_then",
    "async_gen_bounded_map",
    "async_gen_chunk",
    "async_gen_fair_merge",
    "async_gen_flat_map",
    "async_gen_from_iter",
    "async_gen_from_list",
    "async_gen_gather",
    "async_gen_map",
    "async_gen_map_action",
    "async_gen_rate_limited",
    "async_gen_return",
    "async_gen_using",
    "async_lift",
    "async_map",
    "async_pure",
    "async_with_resilience",
    "describe_plan",
    "lift_async_item",
    "lift_sync",
    "lift_sync_gen_with_executor",
    "lift_sync_with_executor",
    "resilient_mapper",
    "settle",
]
