"""The user pipeline: a description that does nothing until driven, then does exactly the eager thing."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from funcpipe_rag import run_plan
from funcpipe_rag.domain.user import async_user_pipeline, old_process, validate_user
from funcpipe_rag.result import Err, ErrInfo, Ok
from funcpipe_rag.testing import FakeDb, FakeHttp

text = st.text(st.characters(codec="ascii", exclude_categories=["Cc"]), max_size=12)
records = st.fixed_dictionaries(
    {"id": st.from_regex(r"[a-z0-9]{1,6}", fullmatch=True)},
    optional={"name": text, "email": st.one_of(text, st.emails())},
)
RATE_LIMIT = ErrInfo("RATE_LIMIT", "slow down")
ADA = {"id": "7", "name": "Ada", "email": "ada@example.org"}


def world(record: dict[str, Any], *, fetch_fails: bool, save_fails: bool) -> tuple[FakeHttp, FakeDb]:
    url = f"/users/{record['id']}"
    http = FakeHttp.with_users([record], failures={url: RATE_LIMIT} if fetch_fails else None)
    db = FakeDb(fail_with=ErrInfo("DB", "disk full") if save_fails else None)
    return http, db


@given(record=records, fetch_fails=st.booleans(), save_fails=st.booleans())
def test_plan_equals_the_eager_version(record: dict[str, Any], fetch_fails: bool, save_fails: bool) -> None:
    http_a, db_a = world(record, fetch_fails=fetch_fails, save_fails=save_fails)
    http_b, db_b = world(record, fetch_fails=fetch_fails, save_fails=save_fails)
    planned = run_plan(async_user_pipeline(record["id"], http_a, db_a))
    eager = asyncio.run(old_process(record["id"], http_b, db_b))
    assert planned == eager
    assert (http_a.calls, db_a.calls, db_a.rows) == (http_b.calls, db_b.calls, db_b.rows)


@given(record=records)
def test_building_calls_nothing_and_each_run_calls_once(record: dict[str, Any]) -> None:
    http, db = world(record, fetch_fails=False, save_fails=False)
    plan = async_user_pipeline(record["id"], http, db)
    assert http.calls == [] and db.calls == []
    first = run_plan(plan)
    second = run_plan(plan)
    assert first == second == validate_user(record)
    assert http.calls == [f"/users/{record['id']}"] * 2
    assert len(db.calls) == (2 if isinstance(first, Ok) else 0)


def test_a_failed_fetch_skips_validate_and_save() -> None:
    http, db = world(ADA, fetch_fails=True, save_fails=False)
    assert run_plan(async_user_pipeline("7", http, db)) == Err(RATE_LIMIT)
    assert db.calls == []


def test_an_invalid_record_is_never_saved() -> None:
    http, db = world({**ADA, "email": "not-an-email"}, fetch_fails=False, save_fails=False)
    result = run_plan(async_user_pipeline("7", http, db))
    assert isinstance(result, Err) and result.error.code == "VALIDATION" and result.error.path == ("email",)
    assert db.calls == []


def test_the_call_log_shows_effects_only_when_driven() -> None:
    log: list[str] = []
    http = FakeHttp.with_users([{"id": "1", "name": "Ada", "email": "ada@example.org"}], log=log)
    plan = async_user_pipeline("1", http, FakeDb(log=log))
    assert log == []
    run_plan(plan)
    assert log == ["http.get_json('/users/1')", "db.save_user('1')"]


def test_the_eager_version_acts_as_soon_as_it_is_awaited() -> None:
    log: list[str] = []
    http = FakeHttp.with_users([{"id": "1", "name": "Ada", "email": "ada@example.org"}], log=log)
    coro = old_process("1", http, FakeDb(log=log))
    asyncio.run(coro)
    assert log == ["http.get_json('/users/1')", "db.save_user('1')"]
