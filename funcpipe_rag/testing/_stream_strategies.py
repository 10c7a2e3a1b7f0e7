"""Hypothesis strategies for stream specifications (see :mod:`._stream_specs`)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from funcpipe_rag.testing._strategies import codes, pure_fns, small_ints
from funcpipe_rag.testing._stream_specs import (
    AndThen,
    FailIf,
    Hand,
    Held,
    Items,
    LiftItemAdd,
    Listed,
    Ret,
    RetAdd,
    Shifted,
    Span,
    StreamFnSpec,
    StreamSpec,
    ThenFn,
)

item_values: st.SearchStrategy[int | str] = st.one_of(small_ints, codes)
"""One item of a generated source: an int (``Ok``) or an error code (``Err``)."""


def item_lists(max_size: int = 6) -> st.SearchStrategy[tuple[int | str, ...]]:
    """Sources as data: ints and error codes, empty included."""
    return st.lists(item_values, max_size=max_size).map(tuple)


_simple_fns: st.SearchStrategy[Any] = st.one_of(
    st.builds(RetAdd, small_ints),
    st.builds(Span, st.integers(0, 3)),
    st.builds(FailIf, st.integers(2, 4), st.integers(0, 1), codes),
    st.builds(Hand, small_ints),
    st.builds(LiftItemAdd, small_ints),
)


def stream_fn_specs() -> st.SearchStrategy[StreamFnSpec]:
    """Functions ``int -> stream``: one item, none, several, ``Err`` items, hand-written, lifted, composed."""
    strategy: st.SearchStrategy[StreamFnSpec] = st.recursive(
        _simple_fns, lambda inner: st.builds(ThenFn, inner, inner), max_leaves=3
    )
    return strategy


def stream_specs(max_leaves: int = 4) -> st.SearchStrategy[StreamSpec]:
    """Streams of ``int`` with ``Err`` items among the ``Ok`` ones: sources, and_then, map."""
    leaves: st.SearchStrategy[Any] = st.one_of(
        st.builds(Items, item_lists()),
        st.builds(Listed, st.lists(small_ints, max_size=4).map(tuple)),
        st.builds(Ret, small_ints),
    )
    strategy: st.SearchStrategy[StreamSpec] = st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.builds(AndThen, inner, stream_fn_specs()),
            st.builds(Shifted, inner, small_ints),
            st.builds(Held, inner),
        ),
        max_leaves=max_leaves,
    )
    return strategy


def stream_inputs() -> dict[str, st.SearchStrategy[Any]]:
    """What the laws quantify over, for streams: values, streams, functions to streams, plain functions.

    The same kinds as for plans (:data:`funcpipe_rag.domain.effects.laws.Input`),
    drawn as stream specifications so the laws see several items, empty
    streams and ``Err`` items in the middle.
    """
    return {"value": small_ints, "plan": stream_specs(), "fn": stream_fn_specs(), "pure_fn": pure_fns()}
