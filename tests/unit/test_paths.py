"""The path-coverage helper: strata run evenly, and a starved path is reported."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from funcpipe_rag.testing import PathLog, Strata, measure


def _sign(x: int) -> str:
    return "negative" if x < 0 else "small" if x < 10 else "large"


def test_each_path_gets_an_equal_share() -> None:
    strata = Strata({
        "negative": st.integers(max_value=-1), "small": st.integers(0, 9), "large": st.integers(min_value=10),
    })
    log = measure(strata, _sign, max_examples=30)
    assert log.counts == {"negative": 10, "small": 10, "large": 10}
    assert log.starved(0.15) == []


def test_a_stratum_that_misses_its_path_is_measured_where_it_lands() -> None:
    # "small" claims to be small but draws large numbers: the measure says so
    strata = Strata({"small": st.integers(min_value=10), "large": st.integers(min_value=10)})
    log = measure(strata, _sign, max_examples=20)
    assert log.starved(0.15) == ["small"] and log.counts["small"] == 0


def test_a_stratum_with_too_few_distinct_examples_is_starved() -> None:
    log = measure(Strata({"none": st.none(), "any": st.integers()}), lambda x: "none" if x is None else "any",
                  max_examples=40)
    assert log.starved(0.15) == ["none"]
    assert "none 1/" in log.summary()


def test_a_failure_names_its_path() -> None:
    strata = Strata({"fine": st.integers(0, 5), "breaks": st.integers(6, 9)})

    def body(path: str, x: int) -> None:
        assert x < 6, f"{x} is too big"

    with pytest.raises(AssertionError) as info:
        strata.run(body, max_examples=10)
    assert "on the path 'breaks'" in (info.value.__notes__ or [])


def test_path_log_rejects_unknown_paths() -> None:
    log = PathLog(["a", "b"])
    with pytest.raises(ValueError, match="unknown path 'c'"):
        log.record("c")
    assert log.shares() == {"a": 0.0, "b": 0.0}
    with pytest.raises(ValueError):
        PathLog(["a", "a"])


def test_strata_run_under_given_settings() -> None:
    from hypothesis import settings

    seen: list[int] = []
    Strata({"a": st.integers(0, 100), "b": st.integers(200, 300)}).run(
        lambda _path, x: seen.append(x), max_examples=8, config=settings(derandomize=True, database=None)
    )
    assert len(seen) == 8 and sum(x < 200 for x in seen) == 4
