"""Graded: exercise 2, the user pipeline as a plan (``ex02_user_pipeline.py``)."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from funcpipe_rag.domain.user import old_process, user_url
from funcpipe_rag.domain.user_model import UserProfile
from funcpipe_rag.grading.harness import drive, load, points, require, source
from funcpipe_rag.isolation import check_source
from funcpipe_rag.result import Err, ErrInfo, Ok
from funcpipe_rag.testing import FakeDb, FakeHttp

EXERCISE = "ex02_user_pipeline"
TITLE = "The user pipeline as a plan"
EXAMPLES = 30

GOOD = {"id": "7", "name": "Ada", "email": "ada@example.org"}

names = st.sampled_from(["Ada", "  Grace ", "", "   ", "Alan"])
emails = st.sampled_from([None, "x@y.org", "no-at-sign", "a@b@c", "", "@host"])
ids = st.sampled_from(["1", "2", "u-3"])


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    record: dict[str, Any] = {"id": draw(ids), "name": draw(names)}
    email = draw(emails)
    if email is not None or draw(st.booleans()):
        record["email"] = email
    if draw(st.integers(0, 4)) == 0:
        del record["name"]
    return record


def _pipeline() -> Any:
    return require(load(EXERCISE), "user_pipeline")


def _eager(user_id: str, http: FakeHttp, db: FakeDb) -> Any:
    return asyncio.run(old_process(user_id, http, db))


@points(2, hint="Return async_bind(...) of helpers that use async_lift(lambda: ...); never await outside.")
def test_building_makes_no_calls() -> None:
    """Building the plan calls neither the HTTP client nor the database."""
    pipeline = _pipeline()
    http, db = FakeHttp.with_users([GOOD]), FakeDb()
    plan = pipeline("7", http, db)
    assert callable(plan), f"user_pipeline returned {type(plan).__name__}, not a plan (a callable)"
    assert http.calls == [], f"building the plan already called http.get_json({http.calls[0]!r})"
    assert db.calls == [], "building the plan already saved a user"
    got = drive(plan)
    assert got == Ok(UserProfile("7", "Ada", "ada@example.org")), f"driving the plan gave {got!r}"


@points(3, hint="Follow old_process: fetch user_url(id), validate_user, save, return the user.")
def test_matches_eager_version() -> None:
    """On generated users, driving the plan equals old_process: same result, same calls."""
    pipeline = _pipeline()

    @settings(max_examples=EXAMPLES)
    @given(record=records(), present=st.integers(0, 3), other=ids)
    @example(record=dict(GOOD), present=1, other="1")
    def prop(record: dict[str, Any], present: int, other: str) -> None:
        served = [record] if present else []
        ask = record["id"] if present != 3 else other  # mostly ask for the user that is served
        http1, db1 = FakeHttp({user_url(r["id"]): r for r in served}), FakeDb()
        http2, db2 = FakeHttp({user_url(r["id"]): r for r in served}), FakeDb()
        got = drive(pipeline(ask, http1, db1))
        want = _eager(ask, http2, db2)
        assert got == want, f"the plan finished with {got!r}; old_process gives {want!r}"
        assert http1.calls == http2.calls, f"the plan requested {http1.calls}; old_process {http2.calls}"
        assert db1.calls == db2.calls, f"the plan saved {db1.calls}; old_process saved {db2.calls}"

    prop()


@points(2, hint="Chain with async_bind so an Err skips the rest; validate_user's Err becomes the plan's Err.")
def test_failures_short_circuit() -> None:
    """An Err at fetch, validation or save ends the run there, unchanged."""
    pipeline = _pipeline()
    boom = ErrInfo("TRANSIENT", "service unavailable", path=("http",))
    http, db = FakeHttp(failures={user_url("7"): boom}), FakeDb()
    got = drive(pipeline("7", http, db))
    assert got == Err(boom), f"when the fetch fails the plan should finish with {Err(boom)!r}, got {got!r}"
    assert db.calls == [], "the fetch failed, yet the plan saved a user"

    http, db = FakeHttp.with_users([{"id": "7", "name": ""}]), FakeDb()
    got = drive(pipeline("7", http, db))
    assert isinstance(got, Err) and got.error.code == "VALIDATION", \
        f"an invalid record should finish with Err(VALIDATION ...), got {got!r}"
    assert db.calls == [], "validation failed, yet the plan saved the record"

    down = ErrInfo("DB", "disk full")
    http, db = FakeHttp.with_users([GOOD]), FakeDb(fail_with=down)
    got = drive(pipeline("7", http, db))
    assert got == Err(down), f"when the save fails the plan should finish with {Err(down)!r}, got {got!r}"


@points(1, hint="Each helper must create its coroutine inside a lambda, so every run gets a fresh one.")
def test_replayable() -> None:
    """Driving the same plan twice gives equal results and repeats every call."""
    pipeline = _pipeline()
    http, db = FakeHttp.with_users([GOOD]), FakeDb()
    plan = pipeline("7", http, db)
    first, second = drive(plan), drive(plan)
    assert first == second, f"the first run gave {first!r}, the second {second!r}"
    assert len(http.calls) == 2, f"two runs made {len(http.calls)} HTTP requests, expected 2"
    assert len(db.calls) == 2, f"two runs saved {len(db.calls)} times, expected 2"


@points(1, hint="Write three private helpers _fetch, _validate and _save, each returning a plan.")
def test_three_private_steps() -> None:
    """_fetch, _validate and _save each return a plan and call nothing when built."""
    sub = load(EXERCISE)
    fetch, validate, save = require(sub, "_fetch", "_validate", "_save")
    http, db = FakeHttp.with_users([GOOD]), FakeDb()
    plans = {
        "_fetch": fetch("7", http),
        "_validate": validate(dict(GOOD)),
        "_save": save(UserProfile("7", "A"), db),
    }
    for name, plan in plans.items():
        assert callable(plan), f"{name} returned {type(plan).__name__}, not a plan"
    assert not http.calls and not db.calls, "building a step's plan already performed it"
    got = drive(plans["_save"])
    assert got == Ok(UserProfile("7", "A")), f"_save's plan should finish with the user, got {got!r}"
    assert drive(plans["_fetch"]) == Ok(GOOD), "_fetch's plan should finish with the fetched record"


@points(1, hint="Core code returns plans: remove asyncio.run / create_task / perform_async / infra imports.")
def test_interpreter_isolation() -> None:
    """The file never drives a plan (checked on its source, after it works)."""
    pipeline = _pipeline()
    got = drive(pipeline("7", FakeHttp.with_users([GOOD]), FakeDb()))
    assert isinstance(got, Ok), f"the pipeline must work first; it gave {got!r}"
    found = check_source(source(EXERCISE), f"{EXERCISE}.py", allow_pragmas=False)
    assert not found, f"{found[0]} ({len(found)} place(s) in all)"
