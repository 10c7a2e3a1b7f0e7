"""Graded: exercise 3, the learner's own properties of a batch embedder (``ex03_properties.py``).

The learner's ``check_*`` functions must pass on correct batch embedders (the
library's and a plainly written one) and fail on each wrong one kept here (a
point per one caught). Every embedder reaches the learner's code behind the
same neutral maker, whose embedders count the batches awaited, under an id
drawn afresh for each grading: the only way to tell a correct one from a
wrong one is to test it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypedDict

from funcpipe_rag.grading.harness import before_import, graded, load, observer, require
from funcpipe_rag.grading.properties import (
    LearnerChecks,
    PropertyRun,
    RunCounter,
    learner_profile,
    run_property,
)
from funcpipe_rag.testing import WRONG_ADAPTERS

EXERCISE = "ex03_properties"
TITLE = "Write the properties of a batch embedder"
CHECKS = ("check_paired_by_index", "check_count_checked", "check_nothing_until_awaited")
CORRECT = {"library": "the library's HttpEmbedder", "reference": "a plainly written, correct embedder"}
WRONGS = {kind: WRONG_ADAPTERS[kind].mistake for kind in (
    "zip without a count", "sorted distinct texts", "eager embedder")}  # fmt: skip
LIKELY = {"zip without a count": "check_count_checked", "sorted distinct texts": "check_paired_by_index",
          "eager embedder": "check_nothing_until_awaited"}  # fmt: skip
"""The check most likely to catch a wrong embedder is run first (any check may catch it)."""
MIN_RUNS = 20
"""Batches each property must await on a correct embedder: generated examples, not a few fixed ones."""

# ---- next to the learner's code -------------------------------------------------------------

_MAKERS: dict[str, tuple[Any, RunCounter]] = {}


def neutral_maker(cls: Callable[..., Any]) -> tuple[Callable[..., Any], RunCounter]:
    """``cls(client, model_name)`` behind a neutral maker whose embedders count the batches awaited.

    The wrapper calls the inner method at once and awaits its result later, so an embedder that
    starts work when called still does, and one that waits to be awaited still waits.
    """
    counter = RunCounter()

    class Embedder:
        def __init__(self, client: Any, model_name: str) -> None:
            self._inner = cls(client, model_name)
            self.model_name = model_name

        def embed_batch(self, texts: Sequence[str]) -> Awaitable[Any]:
            return self._counted(self._inner.embed_batch(texts))

        def embed(self, text: str) -> Awaitable[Any]:
            return self._counted(self._inner.embed(text))

        @staticmethod
        async def _counted(pending: Awaitable[Any]) -> Any:
            counter.runs += 1
            return await pending

        def __repr__(self) -> str:
            return "embedder"

    def make(client: Any, model_name: str) -> Embedder:
        return Embedder(client, model_name)

    return make, counter


@observer
def build_makers(case: list[tuple[str, str]]) -> None:
    """Before the learner's file is imported: one neutral maker per (id, embedder)."""
    from funcpipe_rag.infra.adapters.embedding_client import HttpEmbedder
    from funcpipe_rag.testing import PlainEmbedder

    learner_profile()
    for ident, kind in case:
        cls = (HttpEmbedder if kind == "library" else PlainEmbedder if kind == "reference"
               else WRONG_ADAPTERS[kind].impl.embedder)  # fmt: skip
        _MAKERS[ident] = neutral_maker(cls)


class CheckCase(TypedDict):
    check: str
    impl: str


@observer
def run_check(case: CheckCase) -> PropertyRun:
    """Run one of the learner's checks against the embedder maker with this id."""
    check = require(load(EXERCISE), case["check"])
    make, counter = _MAKERS[case["impl"]]
    return run_property(check, make, counter)


# ---- the grader's side ------------------------------------------------------------------------

VERDICTS = LearnerChecks(run_check, CHECKS, CORRECT, WRONGS, likely=LIKELY, min_runs=MIN_RUNS)


@before_import
def neutral_makers() -> tuple[object, list[tuple[str, str]]]:
    """Every embedder under its id, in an order that says nothing."""
    return build_makers, VERDICTS.neutral_ids()


@graded(
    points=3,
    hint=(
        "Answer with an httpx.MockTransport; generate batches with Hypothesis (repeats, any order) and "
        "compare with what the contract allows, never with one embedder's exact numbers."
    ),
)
def test_properties_pass_on_correct() -> None:
    """Your three checks pass on the library's embedder and on a plain correct one, over generated batches."""
    VERDICTS.passes_on_correct()


@graded(
    points=1,
    hint=(
        "Let the service answer one vector too few or too many, and expect Err with code SERVICE."
    ),
)
def test_catches_zip_without_a_count() -> None:
    """Caught: an embedder that pairs with zip and never counts."""
    VERDICTS.caught("zip without a count")


@graded(
    points=1,
    hint=(
        "Draw texts with repeats and out of order, answer each with a vector that tells it apart, and "
        "compare the result with those vectors in the texts' order."
    ),
)
def test_catches_sorted_distinct_texts() -> None:
    """Caught: an embedder that sends the distinct texts sorted and keeps that order."""
    VERDICTS.caught("sorted distinct texts")


@graded(
    points=1,
    hint=(
        "Call embed_batch, then `await asyncio.sleep(0)` a few times before awaiting it, and count the "
        "requests the transport saw in between."
    ),
)
def test_catches_an_eager_embedder() -> None:
    """Caught: an embedder that starts its request as soon as it is called."""
    VERDICTS.caught("eager embedder")
