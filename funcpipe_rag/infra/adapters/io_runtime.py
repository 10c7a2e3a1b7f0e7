"""The interpreter for synchronous ``IOPlan`` descriptions (shell only)."""

from __future__ import annotations

from typing import TypeVar

from funcpipe_rag.domain.effects.io_plan import IOPlan
from funcpipe_rag.result import ErrInfo, Result

A = TypeVar("A")


def perform(plan: IOPlan[A]) -> Result[A, ErrInfo]:
    """Run ``plan`` now and return its result."""
    return plan()
