"""Shared by the grader's own tests: where things are, and grading several folders at once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[2]
GRADING = ROOT / "tests" / "grading"

T = TypeVar("T")
R = TypeVar("R")


def in_parallel(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``[fn(x) for x in items]``, two at a time (each grading run is its own process)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(fn, items))
