"""funcpipe_rag: the library behind the Module 8 workbook, Async FuncPipe & Backpressure.

Everything a lesson or an exercise types is imported from here::

    from funcpipe_rag import Ok, Err, ErrInfo, ErrorCode, async_pure, async_bind, perform_async

* results: ``Result = Ok | Err``, ``ErrInfo(code, msg, stage=None, path=(),
  cause=None, ctx=None)``, the closed taxonomy ``ErrorCode``, ``assert_never``;
* ``AsyncPlan`` and its combinators: ``async_pure``, ``async_from_result``,
  ``async_lift``, ``async_bind``, ``async_map``, ``async_gather``, ``settle``,
  and ``describe_plan`` (a plan's nodes as a tree: a plan is data you can read);
* retry and timeout policies as data: ``RetryPolicy``, ``TimeoutPolicy``,
  ``ResilienceEnv``, ``async_with_resilience``, ``resilient_mapper``;
* rate limits and fair merges of streams (Core 6): ``RateLimitPolicy``,
  ``async_gen_rate_limited``, ``FairnessPolicy``, ``async_gen_fair_merge``, and
  ``TokenGate`` (one bucket shared by calls that are not a stream);
* ``AsyncGen`` (streams) and theirs: ``async_gen_return``,
  ``async_gen_from_list``, ``async_gen_from_iter``, ``async_gen_map``,
  ``async_gen_map_action``, ``async_gen_and_then`` (``async_gen_flat_map``),
  ``lift_async_item``, ``async_gen_using``;
* bounded concurrency and backpressure on streams: ``BackpressurePolicy``,
  ``async_gen_bounded_map``, ``async_gen_gather`` (merge);
* batching of streams by size and age: ``ChunkPolicy``, ``async_gen_chunk``;
* the lifts of the synchronous core: ``lift_sync``,
  ``lift_sync_with_executor``, ``lift_sync_gen_with_executor``;
* the capability protocols the core depends on: ``HttpClientCap``, ``DbCap``,
  ``EmbeddingCap``, ``ChunkStoreCap``;
* the shell's drivers: ``perform_async`` (in async code), ``run_plan`` (a plan
  from synchronous code, also inside a running loop), ``run_sync``, and for
  streams ``stream_items`` (always closes the run), ``collect_stream``,
  ``run_stream``;
* the Module 7 recap: ``IOPlan``, ``io_pure``, ``io_from_result``,
  ``io_delay``, ``io_bind``, ``io_map`` and its driver ``perform``.

The chapter's module paths work too (``funcpipe_rag.domain.effects.async_``,
``funcpipe_rag.result.types``, ``funcpipe_rag.infra.adapters.async_runtime``).
Test material (fakes, virtual time, generated plans, laws) is in
:mod:`funcpipe_rag.testing`, lesson helpers in :mod:`funcpipe_rag.teaching`,
the course's map in :mod:`funcpipe_rag.course`, the grader in
:mod:`funcpipe_rag.grading`. A module whose name starts with ``_`` is
internal and may change without notice.

The pure core (:mod:`funcpipe_rag.domain`, :mod:`funcpipe_rag.rag`) never
imports the shell (:mod:`funcpipe_rag.infra`); only the shell drives plans.
"""

from funcpipe_rag.domain.effects.async_ import (
    AsyncGen,
    AsyncPlan,
    BackpressurePolicy,
    ChunkPolicy,
    FairnessPolicy,
    RateLimitPolicy,
    ResilienceEnv,
    RetryPolicy,
    TimeoutPolicy,
    TokenGate,
    async_bind,
    async_from_result,
    async_gather,
    async_gen_and_then,
    async_gen_bounded_map,
    async_gen_chunk,
    async_gen_fair_merge,
    async_gen_flat_map,
    async_gen_from_iter,
    async_gen_from_list,
    async_gen_gather,
    async_gen_map,
    async_gen_map_action,
    async_gen_rate_limited,
    async_gen_return,
    async_gen_using,
    async_lift,
    async_map,
    async_pure,
    async_with_resilience,
    describe_plan,
    lift_async_item,
    lift_sync,
    lift_sync_gen_with_executor,
    lift_sync_with_executor,
    resilient_mapper,
    settle,
)
from funcpipe_rag.domain.effects.io_plan import IOPlan, io_bind, io_delay, io_from_result, io_map, io_pure
from funcpipe_rag.domain.errors import ErrorCode
from funcpipe_rag.domain.ports import ChunkStoreCap, DbCap, EmbeddingCap, HttpClientCap
from funcpipe_rag.infra.runtime import (
    collect_stream,
    perform,
    perform_async,
    run_plan,
    run_stream,
    run_sync,
    stream_items,
)
from funcpipe_rag.result import Err, ErrInfo, Ok, Result, assert_never

__all__ = [
    "AsyncGen",
    "AsyncPlan",
    "BackpressurePolicy",
    "ChunkPolicy",
    "ChunkStoreCap",
    "DbCap",
    "EmbeddingCap",
    "Err",
    "ErrInfo",
    "ErrorCode",
    "FairnessPolicy",
    "HttpClientCap",
    "IOPlan",
    "Ok",
    "RateLimitPolicy",
    "ResilienceEnv",
    "Result",
    "RetryPolicy",
    "TimeoutPolicy",
    "TokenGate",
    "assert_never",
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
    "collect_stream",
    "describe_plan",
    "io_bind",
    "io_delay",
    "io_from_result",
    "io_map",
    "io_pure",
    "lift_async_item",
    "lift_sync",
    "lift_sync_gen_with_executor",
    "lift_sync_with_executor",
    "perform",
    "perform_async",
    "resilient_mapper",
    "run_plan",
    "run_stream",
    "run_sync",
    "settle",
    "stream_items",
]
__version__ = "0.8.0"
