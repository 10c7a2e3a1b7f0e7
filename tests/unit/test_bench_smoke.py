"""The benchmarks import and their quick mode runs end to end (no timing is asserted)."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `pytest` (unlike `python -m pytest`) does not put the root on the path
    sys.path.insert(0, str(ROOT))
bench_cli = importlib.import_module("bench.cli")


def test_quick_benchmarks_run_and_write_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results.json"
    sections = "plans,gather,streams,backpressure,resilience,rate_limits,batching"
    argv = ["--quick", "--only", sections, "--reps", "1", "--quiet"]
    argv += ["--output", str(out)]
    argv += ["--plot", str(tmp_path / "plot.png")]
    assert bench_cli.main(argv) == 0
    results = json.loads(out.read_text())
    assert set(results) >= {"meta", "plans", "gather", "streams", "backpressure", "resilience", "rate_limits",
                            "batching"}
    bounded = results["backpressure"]
    assert all(sc["rows"]["library"]["target"]["live_tasks_met"] for sc in bounded["scenarios"])
    assert set(bounded["scenarios"][0]["rows"]) == {"library", "gather+semaphore", "aiostream", "aiometer"}
    exact = results["rate_limits"]["exactness"]["rows"]
    assert exact["library TokenGate"]["excess_calls"] == 0 and exact["library TokenGate"]["early_calls"] == 0
    assert results["resilience"]["virtual_rag"]["logical_s"] >= 60
    batched = {(r["max_units"], r["slots"]): r for r in results["batching"]["virtual"]["rows"]}
    assert batched[1, 16]["requests"] == batched[1, 16]["chunks"] > batched[64, 16]["requests"]
    assert bench_cli.batching.beyond_bound_ms(results["batching"]) < 1e-6  # float sums of virtual times
    assert results["plans"]["deepest"]["library left"]["failure"] is None
    assert results["plans"]["deepest"]["closure left"]["failure"] == "RecursionError"
    assert all(sc["rows"]["library"]["target"]["live_tasks_met"] for sc in results["gather"]["scenarios"])
    streams = results["streams"]
    contenders = {"library", "library (lift_async_item)", "hand-written", "aiostream"}
    assert set(streams["per_item"]["rows"]) == contenders
    assert all(row["library"]["failure"] is None for row in streams["depth"].values())
    assert all(row["nested generators"]["failure"] == "RecursionError" for row in streams["depth"].values())
    assert (tmp_path / "plot.png").stat().st_size > 0
    printed = capsys.readouterr().out
    assert "Targets" in printed and "Bounded gather" in printed and "Streams: per-item cost" in printed
    assert "Bounded map over a stream" in printed
    assert "Batching in virtual time" in printed
