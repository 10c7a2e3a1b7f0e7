"""Graded: exercise 2, the user pipeline as a plan (``ex02_user_pipeline.py``).

Observers drive the learner's pipeline against in-memory fakes and report
the result and every call the fakes saw; the graded tests compare that with
the chapter's eager ``old_process`` run by the grader on its own fakes.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal, TypedDict

from hypothesis import strategies as st

from funcpipe_rag.domain.user import old_process, user_url
from funcpipe_rag.domain.user_model import UserProfile
from funcpipe_rag.grading.harness import (
    PARSING,
    drive,
    graded,
    grading_settings,
    load,
    observe,
    observer,
    require,
    submission_source,
)
from funcpipe_rag.isolation import check_source
from funcpipe_rag.result import Err, ErrInfo, Ok
from funcpipe_rag.testing import FakeDb, FakeHttp, Strata

EXERCISE = "ex02_user_pipeline"
TITLE = "The user pipeline as a plan"
EXAMPLES = 30

GOOD = {"id": "7", "name": "Ada", "email": "ada@example.org"}
BOOM = ErrInfo("TRANSIENT", "service unavailable", path=("http",))
DOWN = ErrInfo("DB", "disk full")

# Half the ids need percent-encoding in a URL path: f"/users/{id}" is not user_url(id).
ids = st.sampled_from(["7", "u-3", "42", "a/b", "x y", "50%", "q?x=1", "ü-9"])
good_names = st.sampled_from(["Ada", "  Grace ", "Alan", "Édith"])
good_emails = st.sampled_from(["x@y.org", " ada@example.org ", "b@c"])
bad_names = st.sampled_from(["", "   ", None, 7])
bad_emails = st.sampled_from(["no-at-sign", "a@b@c", "", "@host", "me@", 5])
def _fetch_error(code: str, msg: str) -> ErrInfo:
    return ErrInfo(code, msg, path=("http",))


def _save_error(msg: str) -> ErrInfo:
    return ErrInfo("DB", msg)


fetch_errors = st.builds(
    _fetch_error,
    st.sampled_from(["TRANSIENT", "TIMEOUT", "NETWORK", "AUTH", "SERVICE"]),
    st.sampled_from(["down", "slow"]),
)
save_errors = st.builds(_save_error, st.sampled_from(["disk full", "locked", ""]))


@st.composite
def valid_records(draw: st.DrawFn) -> dict[str, Any]:
    record: dict[str, Any] = {"id": draw(ids), "name": draw(good_names)}
    choice = draw(st.integers(0, 2))  # email present, null, or absent
    if choice < 2:
        record["email"] = draw(good_emails) if choice == 0 else None
    return record


@st.composite
def invalid_records(draw: st.DrawFn) -> dict[str, Any]:
    record = draw(valid_records())
    if draw(st.booleans()):
        name = draw(bad_names)
        if name is None:
            del record["name"]
        else:
            record["name"] = name
    else:
        record["email"] = draw(bad_emails)
    return record


class Case(TypedDict):
    ask: str
    served: list[dict[str, object]]
    fetch_error: object
    save_error: object


def _case(ask: str, served: list[dict[str, Any]], fetch: ErrInfo | None = None,
          save: ErrInfo | None = None) -> Case:
    return {"ask": ask, "served": served, "fetch_error": fetch, "save_error": save}


def _served(record: dict[str, Any]) -> Case:
    return _case(record["id"], [record])


def _missing(pair: tuple[dict[str, Any], str]) -> Case:
    record, other = pair
    return _case(other, [record] if other != record["id"] else [])


def _fetch_fails(pair: tuple[dict[str, Any], ErrInfo]) -> Case:
    return _case(pair[0]["id"], [pair[0]], fetch=pair[1])


def _save_fails(pair: tuple[dict[str, Any], ErrInfo]) -> Case:
    return _case(pair[0]["id"], [pair[0]], save=pair[1])


# Named functions, not lambdas, in strategies: Hypothesis reads a lambda's source (with `ast`, which is
# not thread-safe) to describe it, and gradings run side by side.
STRATA = Strata({
    "saved": valid_records().map(_served),
    "not found": st.tuples(valid_records(), ids).map(_missing),
    "invalid": invalid_records().map(_served),
    "fetch fails": st.tuples(valid_records(), fetch_errors).map(_fetch_fails),
    "save fails": st.tuples(valid_records(), save_errors).map(_save_fails),
})
"""The paths through the pipeline, each given an equal share of test_matches_eager_version's examples."""


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


class Run(TypedDict):
    result: object
    http_calls: list[object]
    saved: list[object]


def _fakes(case: Case) -> tuple[FakeHttp, FakeDb]:
    """The fakes of one case: users served at their URLs, and the failures the case asks for."""
    fetch, save = case["fetch_error"], case["save_error"]
    failures = {user_url(case["ask"]): fetch} if isinstance(fetch, ErrInfo) else {}
    http = FakeHttp({user_url(str(r["id"])): r for r in case["served"]}, failures=failures)
    return http, FakeDb(fail_with=save if isinstance(save, ErrInfo) else None)


@observer
def drive_against(case: Case) -> Run:
    """Drive the pipeline for ``case["ask"]`` against the case's fakes; report every call."""
    http, db = _fakes(case)
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


def classify(case: Case) -> str:
    """The path old_process takes on ``case`` (what the strata are measured by)."""
    http, db = _fakes(case)
    result = _eager(case["ask"], http, db)
    if isinstance(result, Ok):
        return "saved"
    if db.calls:
        return "save fails"
    if result.error.code == "NOT_FOUND":
        return "not found"
    return "invalid" if result.error.code == "VALIDATION" else "fetch fails"


def _matches_eager(path: str, case: Case) -> None:
    seen = observe(drive_against, case)
    http, db = _fakes(case)
    want = _eager(case["ask"], http, db)
    got = seen["result"]
    assert got == want, f"the plan finished with {got!r}; old_process gives {want!r}"
    requested = seen["http_calls"]
    assert requested == http.calls, f"the plan requested {requested}; old_process {http.calls}"
    assert seen["saved"] == db.calls, f"the plan saved {seen['saved']}; old_process saved {db.calls}"


PATHS = {"test_matches_eager_version": (STRATA, classify, EXAMPLES)}
"""For the grader's own tests: every path must get at least its share of the generated examples."""


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
    hint="Follow old_process: fetch user_url(id) (it percent-encodes the id), validate_user, save "
         "(Ok(None) means saved), finish with the user.",
)
def test_matches_eager_version() -> None:
    """On every path (saved, not found, invalid, fetch or save failing) the plan does what old_process does.

    Same result and same calls to the fakes, on generated cases, an equal share of them per path.
    """
    STRATA.run(_matches_eager, max_examples=EXAMPLES, config=grading_settings(EXAMPLES))


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
