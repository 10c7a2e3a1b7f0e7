"""The public surface is pinned: what ``funcpipe_rag`` and ``funcpipe_rag.testing`` export, and where
lessons import from.

Renaming or dropping a public name breaks learners' code and the course's
own examples, so it must be a deliberate change to the lists below. The
second half reads every notebook, exercise, solution and the README's code
and checks they import only public names from public modules (no module or
name starting with ``_``), so internal modules can move freely.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import funcpipe_rag
import funcpipe_rag.testing
from funcpipe_rag.course import workbook_root

ROOT = workbook_root()
assert ROOT is not None, "the tests run from a checkout"

PUBLIC_API = {
    "AsyncGen", "AsyncPlan", "ChunkStoreCap", "DbCap", "EmbeddingCap", "Err", "ErrInfo", "ErrorCode",
    "HttpClientCap", "IOPlan", "Ok", "Result", "assert_never", "async_bind", "async_from_result",
    "async_gather", "async_gen_and_then", "async_gen_flat_map", "async_gen_from_iter", "async_gen_from_list",
    "async_gen_map", "async_gen_map_action", "async_gen_return", "async_gen_using", "async_lift",
    "async_map", "async_pure", "collect_stream", "describe_plan", "io_bind", "io_delay", "io_from_result",
    "io_map", "io_pure", "lift_async_item", "lift_sync", "lift_sync_gen_with_executor",
    "lift_sync_with_executor", "perform", "perform_async", "run_plan", "run_stream", "run_sync", "settle",
    "stream_items",
    "ResilienceEnv", "RetryPolicy", "TimeoutPolicy", "async_with_resilience", "resilient_mapper",
    "FairnessPolicy", "RateLimitPolicy", "TokenGate", "async_gen_fair_merge", "async_gen_rate_limited",
    "BackpressurePolicy", "async_gen_bounded_map", "async_gen_gather", "ChunkPolicy", "async_gen_chunk",
}  # fmt: skip

TESTING_API = {
    "Add", "Affine", "Bound", "CLOSURE", "EmbedCall", "Fail", "FailWhen", "FakeChunkStore", "FakeDb",
    "FakeEmbedder", "FakeHttp", "FnSpec", "InFlight", "LAW_SUBJECTS", "LIBRARY", "LawSubject", "Lift",
    "LiftAdd", "MIN_SHARE", "Mapped", "Mul", "PathLog", "PlanAlgebra", "PlanSpec", "Pure", "REPRODUCIBLE",
    "RawLambda", "Strata", "Then", "VirtualTimeLoop", "WRONG", "Wrong", "bind_law_properties", "chain",
    "codes", "fn_specs", "law_property", "measure", "plan_specs", "pure_fns", "reproducible", "returning",
    "run_virtual", "small_ints", "use_profile", "with_parts",
    # Cores 4 and 5: resilient plans under test, the course's fake-time helpers
    "CANCELLED", "COURSE_SLIPS", "PATHS", "RESILIENCE_PROPERTIES", "SCENARIO_STRATA", "WRONG_RESILIENCE",
    "Attempt", "Backoff", "FakeClock", "FakeSleeper", "FlakyEmbedder", "PolicySpec", "Reply",
    "ResilienceProperty", "RunFacts",
    "Scenario", "ScenarioData", "ScriptedStep", "Slips", "StepCall", "Trace", "TraceRecorder",
    "WrongResilience",
    "closure_with_resilience", "expected_delays_ms", "fail_with", "make_fake_timeout_ctx",
    "make_test_resilience_env", "outcome_code", "path_of", "policies", "replies", "resilience_counterexample",
    "resilience_properties", "resilience_property", "run_scenario", "scenarios", "succeed",
    # streams (Core 2)
    "AndThen", "CountingSource", "FailIf", "Hand", "Held", "Items", "LIBRARY_STREAMS", "LiftItemAdd",
    "Listed", "NESTED", "RecordingResource", "Ret", "RetAdd", "STREAM_INVARIANTS", "STREAM_LAWS", "Shifted",
    "Span", "StreamAlgebra", "StreamFnSpec", "StreamSpec", "ThenFn", "WRONG_STREAMS", "WrongImpl", "held",
    "item_lists", "item_values", "items", "stream_fn_specs", "stream_invariant_properties",
    "stream_law_properties", "stream_specs", "value_or_code",
    # lifts (Core 7)
    "FailOn", "LIBRARY_LIFTS", "LIFT_PROPERTIES", "LiftSet", "RaiseOn", "Scale", "Upto", "WRONG_LIFTS",
    "lift_properties",
    # rate limits and fairness (Core 6)
    "FAIRNESS_PROPERTIES", "FairnessImpl", "LIBRARY_FAIRNESS", "Tenant", "WRONG_FAIRNESS",
    "fairness_properties",
    # backpressure and batching (Cores 3 and 9)
    "BOUNDED_PROPERTIES", "CHUNK_PROPERTIES", "Arrival", "Boom", "BoundedFacts", "BoundedScenario",
    "ChunkFacts", "ChunkScenario", "Job", "bounded_properties", "bounded_scenarios", "chunk_properties",
    "chunk_scenarios",
    "run_bounded", "run_chunked", "WRONG_BOUNDED", "WRONG_CHUNK", "WrongVariant", "handmade_bounded",
    "handmade_chunk",
    # adapters (Core 8)
    "ADAPTER_PROPERTIES", "AdapterImpl", "AdapterProperty", "EXCHANGE_STRATA", "Exchange", "LIBRARY_ADAPTERS",
    "WRONG_ADAPTERS", "WrongAdapter", "adapter_counterexample", "adapter_properties", "naive_request_json",
    "path_of_exchange", "ERROR_KINDS", "PlainEmbedder", "transport_error",
    # laws of whole pipelines (Core 10)
    "AWKWARD_IDS", "CHUNK_WIDTH", "PIPELINE_ENV", "PIPELINE_LAWS", "WRONG_PIPELINES", "EmbedAttempt",
    "FailureSchedule", "InterleavingLoop", "Pipeline", "PipelineCase", "PipelineRun", "ReplacingStore",
    "ScheduledEmbedder", "StoreProbe", "WrongPipeline", "at_most_once_violations", "cancellation_violations",
    "check_law", "doc_key", "duplicate_emission_violations", "emissions_per_key", "expected_chunks",
    "half_written", "idempotence_violations", "library_pipeline", "make_docs", "merged_pipeline", "normalise",
    "pipeline_cases", "probed_store", "run_interleaved", "run_pipeline", "schedules", "seeded_resilience",
    "stored_rows", "successes_per_key", "tenant_docs", "tenant_key",
    # the capstone: the whole pipeline's laws
    "CAPSTONE_LAWS", "CAPSTONE_POLICY", "CAPSTONE_RATE", "CAPSTONE_WEIGHTS", "WRONG_CAPSTONES",
    "capstone_pipeline", "check_capstone_law", "fair_share_violations", "in_flight_violations",
    "max_in_flight", "policy_for", "rate_violations",
}  # fmt: skip


def test_the_package_exports_the_chapter_api() -> None:
    assert set(funcpipe_rag.__all__) == PUBLIC_API
    assert len(funcpipe_rag.__all__) == len(PUBLIC_API), "a name is listed twice in __all__"


def test_testing_exports_fakes_virtual_time_and_strategies() -> None:
    assert set(funcpipe_rag.testing.__all__) == TESTING_API


@pytest.mark.parametrize(
    "package",
    [
        "funcpipe_rag",
        "funcpipe_rag.testing",
        "funcpipe_rag.teaching",
        "funcpipe_rag.domain.effects.async_",
        "funcpipe_rag.result",
    ],
)
def test_every_listed_name_exists_and_is_public(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__all__:
        assert not name.startswith("_"), f"{package}.__all__ lists the private name {name}"
        assert hasattr(module, name), f"{package}.__all__ lists {name}, which it does not define"


def test_the_course_module_paths_name_the_same_objects() -> None:
    from funcpipe_rag.domain.effects.async_ import async_gather
    from funcpipe_rag.domain.effects.async_.concurrency import BackpressurePolicy, async_gen_bounded_map
    from funcpipe_rag.domain.effects.async_.lifts import (
        lift_sync,
        lift_sync_gen_with_executor,
        lift_sync_with_executor,
    )
    from funcpipe_rag.domain.effects.async_.plan import (
        AsyncPlan,
        async_bind,
        async_lift,
        async_map,
        async_pure,
    )
    from funcpipe_rag.domain.effects.async_.resilience import (
        ResilienceEnv,
        RetryPolicy,
        TimeoutPolicy,
        async_with_resilience,
        resilient_mapper,
    )
    from funcpipe_rag.domain.effects.async_.stream import (
        AsyncGen,
        ChunkPolicy,
        async_gen_and_then,
        async_gen_chunk,
        async_gen_flat_map,
        async_gen_from_list,
        async_gen_gather,
        async_gen_map,
        async_gen_map_action,
        async_gen_return,
        async_gen_using,
        lift_async_item,
    )
    from funcpipe_rag.infra.adapters.async_runtime import perform_async
    from funcpipe_rag.result.types import Err, ErrInfo, Ok, Result, assert_never

    same = {
        "RetryPolicy": RetryPolicy, "TimeoutPolicy": TimeoutPolicy, "ResilienceEnv": ResilienceEnv,
        "async_with_resilience": async_with_resilience, "resilient_mapper": resilient_mapper,
        "async_bind": async_bind, "async_lift": async_lift, "async_map": async_map, "async_pure": async_pure,
        "async_gather": async_gather, "perform_async": perform_async, "Err": Err, "ErrInfo": ErrInfo,
        "Ok": Ok, "assert_never": assert_never, "async_gen_and_then": async_gen_and_then,
        "async_gen_flat_map": async_gen_flat_map, "async_gen_from_list": async_gen_from_list,
        "async_gen_map": async_gen_map, "async_gen_map_action": async_gen_map_action,
        "async_gen_return": async_gen_return, "async_gen_using": async_gen_using,
        "lift_async_item": lift_async_item, "lift_sync": lift_sync,
        "lift_sync_with_executor": lift_sync_with_executor,
        "lift_sync_gen_with_executor": lift_sync_gen_with_executor,
        "BackpressurePolicy": BackpressurePolicy, "async_gen_bounded_map": async_gen_bounded_map,
        "async_gen_gather": async_gen_gather, "ChunkPolicy": ChunkPolicy, "async_gen_chunk": async_gen_chunk,
    }  # fmt: skip
    for name, obj in same.items():
        assert getattr(funcpipe_rag, name) is obj, name
    assert funcpipe_rag.AsyncPlan == AsyncPlan and funcpipe_rag.Result == Result
    assert funcpipe_rag.AsyncGen == AsyncGen


def test_err_info_takes_the_course_fields_in_the_course_order() -> None:
    from funcpipe_rag import ErrInfo

    info = ErrInfo("DB", "disk full", "save", ("users", 1), None, {"attempt": 2})
    fields = (info.code, info.msg, info.stage, info.path, info.cause)
    assert fields == ("DB", "disk full", "save", ("users", 1), None)
    assert info.ctx == {"attempt": 2}
    assert ErrInfo(code="DB", msg="m") == ErrInfo("DB", "m", None, (), None, None)


# ---- lessons, exercises and docs import only public names ---------------------------------------------


def _notebook_sources(path: Path) -> Iterator[str]:
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            # IPython syntax (top-level await, magics) is not Python: keep what parses line by line.
            yield "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))


def _readme_sources(path: Path) -> Iterator[str]:
    yield from re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


def _sources() -> Iterator[tuple[str, str]]:
    for folder in ("solutions", "exercises"):
        for file in sorted((ROOT / folder).rglob("*.py")):
            yield str(file.relative_to(ROOT)), file.read_text(encoding="utf-8")
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for i, source in enumerate(_notebook_sources(nb)):
            yield f"{nb.relative_to(ROOT)} code cell {i + 1}", source
    for i, source in enumerate(_readme_sources(ROOT / "README.md")):
        yield f"README.md python block {i + 1}", source


def _imports(source: str) -> Iterator[tuple[str, str | None]]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        tree = ast.parse(source.replace("await ", "").replace("async with", "with"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                yield node.module, alias.name


def private_imports(source: str) -> list[str]:
    """Every import of ``source`` that reaches into a private module or name of ``funcpipe_rag``."""
    found = []
    for module, name in _imports(source):
        if module != "funcpipe_rag" and not module.startswith("funcpipe_rag."):
            continue
        if any(part.startswith("_") for part in module.split(".")) or (name or "").startswith("_"):
            found.append(f"{module}.{name}" if name else module)
    return found


def test_the_checker_sees_a_private_import() -> None:
    fakes = "funcpipe_rag.testing._fakes"
    assert private_imports(f"from {fakes} import FakeDb\n") == [f"{fakes}.FakeDb"]
    user = "funcpipe_rag.domain.user"
    assert private_imports(f"from {user} import _fetch\n") == [f"{user}._fetch"]
    assert private_imports("import funcpipe_rag.domain.effects.async_._nodes\n")
    assert private_imports("from funcpipe_rag import Ok\nfrom funcpipe_rag.testing import FakeDb\n") == []


@pytest.mark.parametrize(("where", "source"), list(_sources()), ids=[w for w, _ in _sources()])
def test_lessons_and_exercises_import_only_public_names(where: str, source: str) -> None:
    assert private_imports(source) == [], f"{where} imports internal names"
    for module, name in _imports(source):
        if module == "funcpipe_rag" or module.startswith("funcpipe_rag."):
            imported = importlib.import_module(module)
            assert (
                name is None
                or name == "*"
                or hasattr(imported, name)
                or importlib.util.find_spec(f"{module}.{name}")
            ), f"{where}: {module} has no {name}"
