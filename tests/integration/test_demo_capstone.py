"""``funcpipe demo capstone``: the whole pipeline against the real local service and SQLite, as run by a user.

Each test starts the service it needs on a free loopback port (or lets the
command start its own) and stops it; the counts printed do not depend on
timing, so they are compared exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from funcpipe_rag.cli import main
from funcpipe_rag.infra.demos import CapstoneOptions, planned_batches, tenant_docs
from funcpipe_rag.infra.service import create_app, running_service

FAST = ["--latency-ms", "0", "--docs", "4", "--timeout-ms", "200"]


@pytest.fixture
def flaky_url() -> Iterator[str]:
    app = create_app(failure_rate=0.3, seed=5, slow_ms=1200)  # a slow answer outlasts the 200 ms attempt
    with running_service(app) as url:
        yield url


def _row(out: str, name: str) -> list[str]:
    for line in out.splitlines():
        if line.startswith(name):
            return line[len(name):].split()
    raise AssertionError(f"no {name!r} line in:\n{out}")


def test_it_stores_every_document_of_both_tenants_despite_failures(
    flaky_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "capstone", "--url", flaky_url, *FAST, "--retry", "8", "--no-progress"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert _row(out, "alpha")[:4] == ["2", "4", "4", "0"]  # weight, docs, stored, failed
    assert _row(out, "beta")[:4] == ["1", "4", "4", "0"]
    total = _row(out, "total")
    assert total[:3] == ["8", "8", "0"]
    assert _row(out, "rows in database") == [total[3]]  # every new row is in the file, once
    batches = planned_batches([d for t in tenant_docs(4) for d in t], CapstoneOptions().env(), 4)
    assert _row(out, "batches")[0] == str(batches)
    requests, retries = int(_row(out, "requests")[0]), int(_row(out, "retries")[0])
    assert requests == batches + retries and retries > 0  # the service failed some, and they were retried
    assert _row(out, "first outcomes") == ["alpha", "alpha", "beta", "alpha", "alpha", "beta", "beta", "beta"]
    assert _row(out, "injected") == ["unknown", "(--url)"]
    in_flight = _row(out, "in flight at most")
    assert int(in_flight[0]) <= 8 and in_flight[1:] == ["(bound", "8)"]


def test_failures_left_after_retries_are_counted_and_exit_1(
    flaky_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "capstone", "--url", flaky_url, *FAST, "--retry", "0", "--no-progress"]) == 1
    out = capsys.readouterr().out
    total = _row(out, "total")
    assert int(total[2]) > 0 and int(total[1]) + int(total[2]) == 8  # stored + failed: every document once
    assert _row(out, "retries") == ["0"]
    codes = " ".join(_row(out, "docs failed by"))
    assert re.fullmatch(r"([A-Z_]+ \d+,? ?)+", codes)


def test_without_a_url_it_starts_a_service_and_draws_the_bar(capsys: pytest.CaptureFixture[str]) -> None:
    flaky = ["--failure-rate", "0.3", "--seed", "2"]
    assert main(["demo", "capstone", *FAST, *flaky, "--weights", "1", "1"]) == 0
    out, err = capsys.readouterr()
    assert "started here (latency 0 ms, failure rate 0.3, seed 2)" in out
    assert _row(out, "first outcomes") == ["alpha", "beta"] * 4
    injected = _row(out, "injected")
    failures = sum(int(n.strip(",")) for n in injected[1::2])
    assert injected != ["none"] and failures == int(_row(out, "retries")[0])  # each failure retried once
    lines = err.splitlines()  # captured stderr is no terminal: whole lines, no carriage returns
    assert lines and "\r" not in err
    assert lines[-1].startswith("documents [##############################] 8/8 100%")


def test_bad_options_are_refused_before_anything_starts(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["demo", "capstone", "--docs", "0"])
    assert stop.value.code == 2
    assert "--docs" in capsys.readouterr().err
