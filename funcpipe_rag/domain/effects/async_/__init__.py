"""Async effects as data: plans now, streams and policies in later cores."""

from funcpipe_rag.domain.effects.async_.gather import async_gather
from funcpipe_rag.domain.effects.async_.plan import (
    AsyncPlan,
    PlanNode,
    async_bind,
    async_from_result,
    async_lift,
    async_map,
    async_pure,
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
]
