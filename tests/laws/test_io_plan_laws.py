"""IOPlan (Module 7) beyond its laws (tests/laws/test_laws.py): purity, and io_delay's boundary."""

from __future__ import annotations

from funcpipe_rag import Err, ErrorCode, Ok, perform
from funcpipe_rag.domain.effects.io_plan import io_bind, io_delay


def test_building_an_io_plan_performs_nothing() -> None:
    calls: list[int] = []
    plan = io_bind(io_delay(lambda: calls.append(1)), lambda _: io_delay(lambda: calls.append(2)))
    assert calls == []
    assert perform(plan) == Ok(None)
    assert calls == [1, 2]


def test_io_delay_turns_an_exception_into_err() -> None:
    result = perform(io_delay(lambda: 1 // 0, code=ErrorCode.VALIDATION))
    assert isinstance(result, Err)
    assert result.error.code == "VALIDATION"
    assert "ZeroDivisionError" in result.error.msg
