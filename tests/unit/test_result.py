"""Ok, Err and ErrInfo: frozen, hashable, pattern-matchable values."""

from __future__ import annotations

import dataclasses

import pytest

from funcpipe_rag import Err, ErrInfo, Ok, Result, assert_never


def describe(result: Result[int, ErrInfo]) -> str:
    match result:
        case Ok(value=v):
            return f"ok {v}"
        case Err(error=e):
            return f"err {e.code}"
    assert_never(result)


def test_pattern_matching_on_both_variants() -> None:
    assert describe(Ok(3)) == "ok 3"
    assert describe(Err(ErrInfo("NOT_FOUND", "gone"))) == "err NOT_FOUND"


def test_variants_are_frozen_and_hashable() -> None:
    ok, err = Ok(1), Err(ErrInfo("DB", "m", path=("a", 0)))
    with pytest.raises(dataclasses.FrozenInstanceError):
        ok.value = 2  # type: ignore[misc]
    assert {ok, Ok(1), err, Err(ErrInfo("DB", "m", path=("a", 0)))} == {ok, err}
    assert Ok(1) != Err(1)


def test_err_info_from_exception_keeps_the_chain() -> None:
    try:
        try:
            raise KeyError("id")
        except KeyError as inner:
            raise ValueError("bad record") from inner
    except ValueError as exc:
        info = ErrInfo.from_exception(exc, code="VALIDATION", path=("users", 7))
    assert info.code == "VALIDATION"
    assert info.msg == "ValueError: bad record"
    assert info.path == ("users", 7)
    assert info.cause is not None and info.cause.msg.startswith("KeyError")


def test_err_info_at_prefixes_the_path() -> None:
    assert ErrInfo("VALIDATION", "m", path=("email",)).at("users", 3).path == ("users", 3, "email")


def test_unwrap_and_unwrap_or() -> None:
    assert Ok(2).unwrap() == 2 and Err(ErrInfo("DB", "m")).unwrap_or(5) == 5
    with pytest.raises(ValueError, match="unwrap"):
        Err(ErrInfo("DB", "m")).unwrap()


def test_assert_never_fails_loudly() -> None:
    with pytest.raises(AssertionError, match="unhandled"):
        assert_never("surprise")  # type: ignore[arg-type]


@pytest.mark.parametrize("variant", [Ok, Err])
def test_variants_cannot_be_subclassed(variant: type) -> None:
    """A Result is exactly an Ok or an Err: no subclass can forge equality or matching."""
    with pytest.raises(TypeError, match="cannot be subclassed"):
        type("Forged", (variant,), {"__eq__": lambda self, other: True})
