"""A plan can be read before it runs: describe_plan renders its nodes, and runs nothing."""

from __future__ import annotations

from typing import Any

from funcpipe_rag import async_bind, async_gather, async_lift, async_map, async_pure, describe_plan
from funcpipe_rag.domain.user import async_user_pipeline
from funcpipe_rag.testing import FakeDb, FakeHttp


def test_the_user_pipeline_reads_as_its_steps_and_calls_nothing() -> None:
    log: list[str] = []
    plan = async_user_pipeline("1", FakeHttp(log=log), FakeDb(log=log))
    assert describe_plan(plan).splitlines() == [
        "bind",
        "├─ lift  lambda: http.get_json(user_url(user_id))  (in _fetch)",
        "└─ then  lambda raw: async_bind(_validate(raw), lambda user: _save(user, db))"
        "  (in async_user_pipeline)",
    ]
    assert log == []


def test_every_kind_of_node_has_a_line() -> None:
    calls: list[int] = []

    def step(x: int) -> Any:
        calls.append(x)
        return async_pure(x + 1)

    plan = async_map(async_bind(async_gather([async_pure(1), async_lift(lambda: None)]), step), len)  # type: ignore[arg-type, return-value]
    text = describe_plan(plan)
    assert text.splitlines()[0] == "chain of 2 steps"
    assert "gather of 2 plans, at most 2 at a time" in text and "pure 1" in text
    assert "bind  test_every_kind_of_node_has_a_line.step" in text and "map   len" in text
    assert calls == []


def test_a_million_steps_render_in_a_few_lines() -> None:
    plan: Any = async_pure(0)
    for _ in range(1_000_000):
        plan = async_bind(plan, async_pure)
    lines = describe_plan(plan).splitlines()
    assert lines[0] == "chain of 1,000,000 steps" and len(lines) <= 15
    assert any("999,989 more steps" in line for line in lines)


def test_a_deep_right_tree_stops_at_max_lines() -> None:
    plan: Any = async_pure(0)
    for _ in range(500):
        plan = async_gather([plan])
    lines = describe_plan(plan, max_lines=20).splitlines()
    assert len(lines) == 21 and lines[-1].endswith("…")  # 20 nodes, then an ellipsis
