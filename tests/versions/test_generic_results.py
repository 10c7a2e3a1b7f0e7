"""``Ok[int](2)`` and ``Err[ErrInfo](...)`` on every supported Python.

What changed:

* 3.11 and 3.12: ``dataclass(frozen=True, slots=True)`` builds a new class
  for the slots, but the ``__setattr__`` it wrote still names the class it
  replaced. Calling a parametrised generic (``Ok[int](2)``) sets
  ``__orig_class__`` on the new instance and ignores only ``AttributeError``;
  that ``__setattr__`` raised ``TypeError`` instead, so the call failed.
* 3.13: the generated methods name the new class, and the call works.

The result types refuse every assignment themselves, so the call works on
all three while equality, hashing, immutability, pattern matching and
pickling stay what they were. ``.ci/run`` runs this file on each version.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import Any

import pytest

from funcpipe_rag.result.types import Err, ErrInfo, Ok

INFO = ErrInfo("NOT_FOUND", "no user 7", stage="fetch", path=("users", 7), ctx={"attempt": 2})


def _built() -> list[tuple[Any, Any]]:
    """Each value built through its parametrised alias, next to the same value built plainly."""
    return [
        (Ok[int](2), Ok(2)),
        (Ok[tuple[int, ...]]((1, 2)), Ok((1, 2))),
        (Err[ErrInfo](INFO), Err(INFO)),
        (Err[str]("boom"), Err("boom")),
    ]


def test_a_parametrised_alias_builds_the_same_value() -> None:
    for through_alias, plain in _built():
        assert type(through_alias) is type(plain)
        assert through_alias == plain
        assert hash(through_alias) == hash(plain)
        assert repr(through_alias) == repr(plain)


def test_equality_is_by_variant_and_payload() -> None:
    assert Ok[int](2) != Ok[int](3)
    assert Ok[int](2) != Err[int](2)
    assert len({Ok[int](2), Ok(2), Err[ErrInfo](INFO), Err(INFO)}) == 2


@pytest.mark.parametrize("name", ["value", "error", "anything_else", "__orig_class__"])
def test_neither_variant_can_be_changed(name: str) -> None:
    for value, _ in _built():
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, name, 1)
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(value, name)


def test_pattern_matching_sees_the_payload() -> None:
    def describe(result: Ok[int] | Err[ErrInfo]) -> str:
        match result:
            case Ok(v):
                return f"ok {v}"
            case Err(error=ErrInfo(code=code)):
                return f"err {code}"
        return "neither"

    assert describe(Ok[int](2)) == "ok 2"
    assert describe(Err[ErrInfo](INFO)) == "err NOT_FOUND"


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickling_and_copying_give_back_an_equal_value(protocol: int) -> None:
    for value, plain in _built():
        restored = pickle.loads(pickle.dumps(value, protocol=protocol))
        assert restored == plain and type(restored) is type(plain)
        assert copy.deepcopy(value) == plain
    assert dataclasses.replace(Ok[int](2), value=3) == Ok(3)


def test_the_variants_stay_final() -> None:
    with pytest.raises(TypeError, match="cannot be subclassed"):
        type("Forged", (Ok,), {})
