"""Graded: exercise 2, the user pipeline as a plan (``ex02_user_pipeline.py``).

Observers drive the learner's pipeline against in-memory fakes and report
the result and every call the fakes saw; the graded tests compare that with
the chapter's eager ``old_process`` run by the grader on its own fakes.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal, TypedDict

from hypothesis import example, given
from hypothesis import strategies as st

from funcpipe_rag.domain.user import old_process, user_url
from funcpipe_rag.domain.user_model import UserProfile
from funcpipe_rag.grading.harness import (
    PARSING,
    drive,
    graded,
    load,
    observe,
    observer,
    require,
    submission_source,
)
from funcpipe_rag.isolation import check_source
from funcpipe_rag.result import Err, ErrInfo, Ok
from funcpipe_rag.testing import FakeDb, FakeHttp

EXERCISE = "ex02_user_pipeline"
TITLE = "The user pipeline as a plan"
EXAMPLES = 30

GOOD = {"id": "7", "name": "Ada", "email": "ada@example.org"}
BOOM = ErrInfo("TRANSIENT", "service unavailable", path=("http",))
DOWN = ErrInfo("DB", "disk full")

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


# ---- next to the learner's code -------------------------------------------------------------


def _pipeline() -> Any:
    return require(load(EXERCISE), "user_pipeline")


class Built(TypedDict):
    is_plan: bool
    plan_type: str
    http_when_built: list[str]
    saves_when_built: int
    result: object


@observer
def build_then_drive(case: None) -> Built:
    """Build the plan for user 7 (served), look at the fakes, then drive it."""
    http, db = FakeHttp.with_users([GOOD]), FakeDb()
    plan = _pipeline()("7", http, db)
    seen_http, saves = list(http.calls), len(db.calls)
    result = drive(plan) if callable(plan) else None
    return {"is_plan": callable(plan), "plan_type": type(plan).__name__, "http_when_built": seen_http,
            "saves_when_built": saves, "result": result}


class Served(TypedDict):
    ask: str
    served: list[dict[str, object]]


class Run(TypedDict):
    result: object
    http_calls: list[object]
    saved: list[object]


@observer
def drive_against(case: Served) -> Run:
    """Drive the pipeline for ``ask`` against a fake serving ``served``; report every call."""
    http = FakeHttp({user_url(str(r["id"])): r for r in case["served"]})
    db = FakeDb()
    result = drive(_pipeline()(case["ask"], http, db))
    return {"result": result, "http_calls": list(http.calls), "saved": list(db.calls)}


class Failed(TypedDict):
    result: object
    saved: int


@observer
def failure_at(case: Literal["fetch", "validation", "save"]) -> Failed:
    """Drive the pipeline with one step failing."""
    if case == "fetch":
        http, db = FakeHttp(failures={user_url("7"): BOOM}), FakeDb()
    elif case == "validation":
        http, db = FakeHttp.with_users([{"id": "7", "name": ""}]), FakeDb()
    else:
        http, db = FakeHttp.with_users([GOOD]), FakeDb(fail_with=DOWN)
    result = drive(_pipeline()("7", http, db))
    return {"result": result, "saved": len(db.calls)}


class Twice(TypedDict):
    first: object
    second: object
    requests: int
    saves: int


@observer
def drive_twice(case: None) -> Twice:
    """Drive one plan twice."""
    http, db = FakeHttp.with_users([GOOD]), FakeDb()
    plan = _pipeline()("7", http, db)
    first, second = drive(plan), drive(plan)
    return {"first": first, "second": second, "requests": len(http.calls), "saves": len(db.calls)}


class Steps(TypedDict):
    plan_types: dict[str, str]
    calls_when_built: int
    saved: object
    fetched: object


@observer
def private_steps(case: None) -> Steps:
    """Build _fetch, _validate and _save; drive _save's and _fetch's plans."""
    fetch, validate, save = require(load(EXERCISE), "_fetch", "_validate", "_save")
    http, db = FakeHttp.with_users([GOOD]), FakeDb()
    plans = {
        "_fetch": fetch("7", http),
        "_validate": validate(dict(GOOD)),
        "_save": save(UserProfile("7", "A"), db),
    }
    types = {name: ("plan" if callable(plan) else type(plan).__name__) for name, plan in plans.items()}
    built = len(http.calls) + len(db.calls)
    saved = drive(plans["_save"]) if callable(plans["_save"]) else None
    fetched = drive(plans["_fetch"]) if callable(plans["_fetch"]) else None
    return {"plan_types": types, "calls_when_built": built, "saved": saved, "fetched": fetched}


class Works(TypedDict):
    result: object


@observer
def works(case: None) -> Works:
    return {"result": drive(_pipeline()("7", FakeHttp.with_users([GOOD]), FakeDb()))}


# ---- the graded tests ---------------------------------------------------------------------------


def _eager(user_id: str, http: FakeHttp, db: FakeDb) -> Any:
    return asyncio.run(old_process(user_id, http, db))


@graded(
    points=2,
    hint="Return async_bind(...) of helpers that use async_lift(lambda: ...); never await outside.",
)
def test_building_makes_no_calls() -> None:
    """Building the plan calls neither the HTTP client nor the database."""
    seen = observe(build_then_drive, None)
    assert seen["is_plan"], f"user_pipeline returned {seen['plan_type']}, not a plan (a callable)"
    http_calls = seen["http_when_built"]
    assert http_calls == [], f"building the plan already called http.get_json({http_calls[0]!r})"
    assert seen["saves_when_built"] == 0, "building the plan already saved a user"
    got = seen["result"]
    assert got == Ok(UserProfile("7", "Ada", "ada@example.org")), f"driving the plan gave {got!r}"


@graded(
    points=3,
    hint="Follow old_process: fetch user_url(id), validate_user, save, return the user.",
    examples=EXAMPLES,
)
@given(record=records(), present=st.integers(0, 3), other=ids)
@example(record=dict(GOOD), present=1, other="1")
def test_matches_eager_version(record: dict[str, Any], present: int, other: str) -> None:
    """On generated users, driving the plan equals old_process: same result, same calls."""
    served = [record] if present else []
    ask = record["id"] if present != 3 else other  # mostly ask for the user that is served
    seen = observe(drive_against, {"ask": ask, "served": served})
    http, db = FakeHttp({user_url(r["id"]): r for r in served}), FakeDb()
    want = _eager(ask, http, db)
    got = seen["result"]
    assert got == want, f"the plan finished with {got!r}; old_process gives {want!r}"
    requested = seen["http_calls"]
    assert requested == http.calls, f"the plan requested {requested}; old_process {http.calls}"
    assert seen["saved"] == db.calls, f"the plan saved {seen['saved']}; old_process saved {db.calls}"


@graded(
    points=2,
    hint="Chain with async_bind so an Err skips the rest; validate_user's Err becomes the plan's Err.",
)
def test_failures_short_circuit() -> None:
    """An Err at fetch, validation or save ends the run there, unchanged."""
    seen = observe(failure_at, "fetch")
    got = seen["result"]
    assert got == Err(BOOM), f"when the fetch fails the plan should finish with {Err(BOOM)!r}, got {got!r}"
    assert seen["saved"] == 0, "the fetch failed, yet the plan saved a user"

    seen = observe(failure_at, "validation")
    got = seen["result"]
    assert isinstance(got, Err) and got.error.code == "VALIDATION", \
        f"an invalid record should finish with Err(VALIDATION ...), got {got!r}"
    assert seen["saved"] == 0, "validation failed, yet the plan saved the record"

    got = observe(failure_at, "save")["result"]
    assert got == Err(DOWN), f"when the save fails the plan should finish with {Err(DOWN)!r}, got {got!r}"


@graded(
    points=1,
    hint="Each helper must create its coroutine inside a lambda, so every run gets a fresh one.",
)
def test_replayable() -> None:
    """Driving the same plan twice gives equal results and repeats every call."""
    seen = observe(drive_twice, None)
    first, second = seen["first"], seen["second"]
    assert first == second, f"the first run gave {first!r}, the second {second!r}"
    assert seen["requests"] == 2, f"two runs made {seen['requests']} HTTP requests, expected 2"
    assert seen["saves"] == 2, f"two runs saved {seen['saves']} times, expected 2"


@graded(points=1, hint="Write three private helpers _fetch, _validate and _save, each returning a plan.")
def test_three_private_steps() -> None:
    """_fetch, _validate and _save each return a plan and call nothing when built."""
    seen = observe(private_steps, None)
    for name, kind in seen["plan_types"].items():
        assert kind == "plan", f"{name} returned {kind}, not a plan"
    assert seen["calls_when_built"] == 0, "building a step's plan already performed it"
    got = seen["saved"]
    assert got == Ok(UserProfile("7", "A")), f"_save's plan should finish with the user, got {got!r}"
    assert seen["fetched"] == Ok(GOOD), "_fetch's plan should finish with the fetched record"


@graded(
    points=1,
    hint="Core code returns plans: remove asyncio.run / create_task / perform_async / infra imports.",
)
def test_interpreter_isolation() -> None:
    """The file never drives a plan (checked on its source, after it works)."""
    got = observe(works, None)["result"]
    assert isinstance(got, Ok), f"the pipeline must work first; it gave {got!r}"
    with PARSING:  # ast.parse, one thread at a time
        found = check_source(submission_source(EXERCISE), f"{EXERCISE}.py", allow_pragmas=False)
    assert not found, f"{found[0]} ({len(found)} place(s) in all)"
