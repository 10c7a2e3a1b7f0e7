"""The properties of a resilient plan, as data, with the scenarios that exercise them.

Each :class:`ResilienceProperty` is a sentence, the strategy of scenarios it
quantifies over, and a check of the facts of one run (:class:`RunFacts`):
``check(scenario, facts)`` raises ``AssertionError`` with a sentence when the
run breaks the property. :func:`resilience_properties` turns them into
ready-to-call Hypothesis tests for any implementation, so the test suite,
the notebooks and the grader check the same properties the same way, and
:data:`funcpipe_rag.testing.WRONG_RESILIENCE` proves each one can fail.

:data:`SCENARIO_STRATA` draws scenarios path by path (success, retry,
timeout, give-up), each with its share of the examples; :func:`path_of`
names the path the library really takes on one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from funcpipe_rag.domain.effects.async_.resilience import async_with_resilience
from funcpipe_rag.result import Err, Ok
from funcpipe_rag.testing._paths import Strata, ready_tests, smallest_failure
from funcpipe_rag.testing._resilience import (
    CANCELLED,
    BuildPolicy,
    Impl,
    Path,
    PolicySpec,
    Reply,
    RunFacts,
    Scenario,
    expected_delays_ms,
    fail_with,
    outcome_code,
    run_scenario,
    succeed,
)

TOLERANCE_S = 1e-6
"""Clock readings are sums of floats: two instants within a microsecond are the same instant."""

RETRIABLE = ("RATE_LIMIT", "TRANSIENT", "TIMEOUT", "NETWORK")
FATAL = ("SERVICE", "NOT_FOUND", "VALIDATION")
LATENCIES = (0.0, 1.0, 30.0, 80.0, 200.0, 5_000.0)
"""Uneven latencies (ms); none equals a timeout below, so every attempt is clearly in time or late."""
TIMEOUTS = (50.0, 100.0, 1_000.0)


# ---- strategies ----------------------------------------------------------------------------------


@st.composite
def policies(draw: st.DrawFn, *, min_attempts: int = 1, max_attempts: int = 5,
             idempotent: bool = True, must_retry: tuple[str, ...] = ()) -> PolicySpec:
    """Retry policies: few or many attempts, zero to large delays, no to full jitter."""
    attempts = draw(st.integers(min_attempts, max_attempts), label="max_attempts")
    drawn = draw(st.sets(st.sampled_from((*RETRIABLE, "SERVICE"))), label="codes")
    codes = frozenset(drawn) | set(must_retry)
    base = draw(st.sampled_from((0.0, 10.0, 100.0, 250.0)), label="base")
    cap = draw(st.sampled_from((base, 500.0, 1_000.0, 60_000.0)).filter(lambda c: c >= base), label="cap")
    jitter = draw(st.sampled_from((0.0, 0.1, 0.5, 1.0)), label="jitter")
    return PolicySpec(attempts, codes, base, cap, jitter, idempotent)


def replies(*, codes: tuple[str, ...] = RETRIABLE + FATAL, latencies: tuple[float, ...] = LATENCIES,
            ok_share: bool = True) -> st.SearchStrategy[Reply]:
    """Single replies: success or failure with a code, uneven latencies, sometimes a Retry-After."""
    failures = st.builds(fail_with, st.sampled_from(codes), st.sampled_from(latencies),
        st.sampled_from((None, None, 0.0, 300.0, 1_500.0, 120_000.0)),
    )
    return (st.builds(succeed, st.sampled_from(latencies)) | failures) if ok_share else failures


def scenarios(*, policy: st.SearchStrategy[PolicySpec] | None = None,
              timeout: st.SearchStrategy[float | None] | None = None,
              reply: st.SearchStrategy[Reply] | None = None) -> st.SearchStrategy[Scenario]:
    """Any scenario: a policy, maybe a timeout, one to five replies, a seed."""
    return st.builds(
        Scenario,
        policy if policy is not None else policies(),
        timeout if timeout is not None else st.sampled_from((None, *TIMEOUTS)),
        st.lists(reply if reply is not None else replies(), min_size=1, max_size=5).map(tuple),
        st.integers(0, 2**16),
    )


@st.composite
def _path_scenario(draw: st.DrawFn, path: Path) -> Scenario:
    seed = draw(st.integers(0, 2**16), label="seed")
    quick = tuple(x for x in LATENCIES if x < min(TIMEOUTS))
    if path == "success":
        policy = draw(policies())
        first = draw(st.builds(succeed, st.sampled_from(quick)))
        rest = draw(st.lists(replies(), max_size=3))
        timeout = draw(st.sampled_from((None, *TIMEOUTS)))
        return Scenario(policy, timeout, (first, *rest), seed)
    if path == "retry":
        code = draw(st.sampled_from(RETRIABLE[:2] + RETRIABLE[3:]), label="code")
        policy = draw(policies(min_attempts=2, must_retry=(code,)))
        failures = draw(st.lists(replies(codes=(code,), latencies=quick, ok_share=False),
                                 min_size=1, max_size=policy.max_attempts - 1))
        return Scenario(policy, draw(st.sampled_from((None, *TIMEOUTS))),
                        (*failures, draw(st.builds(succeed, st.sampled_from(quick)))), seed)
    if path == "timeout":
        policy = draw(policies(min_attempts=2, must_retry=("TIMEOUT",)))
        timeout = draw(st.sampled_from(TIMEOUTS))
        slow = draw(st.lists(st.builds(succeed, st.sampled_from([x for x in LATENCIES if x > timeout])),
                             min_size=1, max_size=policy.max_attempts - 1))
        return Scenario(policy, timeout, (*slow, draw(st.builds(succeed, st.sampled_from(quick)))), seed)
    # give-up: every reply fails, so the run ends with an Err — mostly after the attempts ran out
    # (the last error must be kept, the attempts recorded), sometimes at once on a code not retried
    if draw(st.booleans(), label="exhausted"):
        code = draw(st.sampled_from(RETRIABLE), label="code")
        policy = draw(policies(min_attempts=2, must_retry=(code, "TIMEOUT")))
        timeout = draw(st.sampled_from(TIMEOUTS))
        failing = replies(codes=(code,), latencies=LATENCIES, ok_share=False)
        return Scenario(policy, timeout, tuple(draw(st.lists(failing, min_size=1, max_size=5))), seed)
    # attempts left, but a code no policy here retries (NOT_FOUND, VALIDATION), maybe after retriable ones
    policy = draw(policies(min_attempts=2))
    answers = draw(st.lists(replies(ok_share=False), max_size=3))
    last = draw(replies(codes=FATAL[1:], ok_share=False))
    return Scenario(policy, draw(st.sampled_from((None, *TIMEOUTS))), (*answers, last), seed)


SCENARIO_STRATA: Strata[Scenario] = Strata({path: _path_scenario(path) for path in ("success", "retry",
                                                                                     "timeout", "give-up")})
"""Scenarios drawn path by path, each path with an equal share of the examples."""


def path_of(scenario: Scenario) -> Path:
    """The path the library's resilient plan takes on ``scenario``."""
    return run_scenario(scenario).path


identity_scenarios = Strata({"one attempt, no timeout": scenarios(
    policy=policies(max_attempts=1), timeout=st.none(), reply=replies()
)})
"""One attempt and no timeout: the resilient plan must be the step itself."""

non_idempotent_scenarios = Strata({"fail then succeed": st.builds(
    Scenario,
    policies(min_attempts=2, idempotent=False, must_retry=("TRANSIENT",)),
    st.none(),
    st.tuples(st.builds(fail_with, st.just("TRANSIENT"), st.sampled_from((1.0, 30.0))),
              st.just(succeed(1.0))),
    st.integers(0, 2**16),
)})
"""A step that is not idempotent, failing once and then succeeding: the fail-then-succeed case."""


# ---- the properties ------------------------------------------------------------------------------


def _ran(facts: RunFacts) -> Any:
    assert facts.refused is None, f"the plan refused a valid policy: {facts.refused}"
    result = facts.result
    assert isinstance(result, Ok | Err), f"the plan finished with {result!r:.80}, not Ok(...) or Err(...)"
    return result


def _outcomes(facts: RunFacts) -> list[str]:
    return [a.outcome for a in facts.trace.attempts]


def check_identity(s: Scenario, facts: RunFacts) -> None:
    result = _ran(facts)
    own = s.reply(1).result(1, "done")
    assert result == own, f"with one attempt and no timeout the plan gave {result!r}, the step itself {own!r}"
    assert len(facts.trace.attempts) == 1, f"the step ran {len(facts.trace.attempts)} times, not once"
    assert not facts.trace.backoffs, "a single attempt slept"


def check_attempts_bounded(s: Scenario, facts: RunFacts) -> None:
    _ran(facts)
    made = len(facts.trace.attempts)
    assert 1 <= made <= s.policy.max_attempts, f"{made} attempts under max_attempts={s.policy.max_attempts}"


def check_retries_as_policy(s: Scenario, facts: RunFacts) -> None:
    _ran(facts)
    outcomes = _outcomes(facts)
    for number, outcome in enumerate(outcomes, start=1):
        again = (outcome != "ok" and number < s.policy.max_attempts
                 and outcome_code(outcome) in s.policy.retriable_codes)
        last = number == len(outcomes)
        if last:
            assert not again, f"it stopped after attempt {number} ({outcome}), which the policy retries"
        else:
            assert again, f"attempt {number} ended {outcome!r} and was retried, which the policy forbids"


def check_delays(s: Scenario, facts: RunFacts) -> None:
    _ran(facts)
    attempts = facts.trace.attempts
    want = expected_delays_ms(s, _outcomes(facts))
    got = [b.seconds * 1000 for b in facts.trace.backoffs]
    assert len(got) == len(want) and all(math.isclose(g, w, rel_tol=1e-9, abs_tol=1e-9)
                                         for g, w in zip(got, want, strict=False)), \
        f"the plan slept {[round(g, 3) for g in got]} ms; the policy says {[round(w, 3) for w in want]} ms"
    for before, after, delay in zip(attempts, attempts[1:], want, strict=False):
        gap = after.start - before.end
        assert abs(gap - delay / 1000) <= TOLERANCE_S, \
            f"attempt {after.attempt} started {gap * 1000:.3f} ms after the one before, not {delay:.3f} ms"


def check_within_cap(s: Scenario, facts: RunFacts) -> None:
    _ran(facts)
    cap = s.policy.max_backoff_ms
    for b in facts.trace.backoffs:
        waited = b.seconds * 1000
        assert waited <= cap + 1e-6, f"a delay of {waited:.3f} ms is above the cap {cap:g} ms"


def check_retry_after(s: Scenario, facts: RunFacts) -> None:
    _ran(facts)
    for attempt, backoff in zip(facts.trace.attempts, facts.trace.backoffs, strict=False):
        reply = s.reply(attempt.attempt)
        if attempt.outcome == CANCELLED or reply.code is None or reply.retry_after_ms is None:
            continue
        asked = min(reply.retry_after_ms, s.policy.max_backoff_ms)
        assert backoff.seconds * 1000 >= asked - 1e-6, (
            f"attempt {attempt.attempt} asked to wait {reply.retry_after_ms:g} ms (Retry-After), but the "
            f"plan waited {backoff.seconds * 1000:.3f} ms"
        )


def check_time_bound(s: Scenario, facts: RunFacts) -> None:
    _ran(facts)
    made = len(facts.trace.attempts)
    capped = sum(expected_delays_ms(s, _outcomes(facts))) / 1000
    if s.timeout_ms is not None:
        bound = made * s.timeout_ms / 1000 + capped
        what = f"{made} attempts x {s.timeout_ms:g} ms + {capped * 1000:.3f} ms of capped delays"
    else:
        bound = sum(s.reply(k).latency_ms for k in range(1, made + 1)) / 1000 + capped
        what = f"the attempts' own latencies + {capped * 1000:.3f} ms of capped delays"
    assert facts.elapsed <= bound + TOLERANCE_S, f"the run took {facts.elapsed:.6f} s, more than {what}"


def check_cancelled(s: Scenario, facts: RunFacts) -> None:
    result = _ran(facts)
    if s.timeout_ms is not None:
        for a in facts.trace.attempts:
            late = s.reply(a.attempt).latency_ms > s.timeout_ms
            if late:
                took = (a.end - a.start) * 1000
                assert a.outcome == CANCELLED, f"attempt {a.attempt} outlived its deadline, not cancelled"
                assert abs(took - s.timeout_ms) <= 1e-3, \
                    f"attempt {a.attempt} was cancelled after {took:.3f} ms, not at its deadline"
    assert facts.tasks_left == 0, f"{facts.tasks_left} task(s) were still running when the plan finished"
    wrote = 1 if isinstance(result, Ok) else 0
    assert facts.writes == wrote, f"the step wrote {facts.writes} times; the run should write {wrote}"


def check_last_error(s: Scenario, facts: RunFacts) -> None:
    result = _ran(facts)
    if not isinstance(result, Err):
        return
    outcomes = _outcomes(facts)
    last = outcome_code(outcomes[-1])
    assert result.error.code == last, f"the run ended with {result.error.code}, the last attempt with {last}"
    if len(outcomes) == 1:
        if outcomes[0] != CANCELLED:
            own = s.reply(1).result(1, "done")
            assert result == own, f"a single failed attempt gave {own!r}, the plan {result!r}"
        return
    ctx = result.error.ctx or {}
    assert ctx.get("attempts") == len(outcomes), \
        f"ctx['attempts'] is {ctx.get('attempts')!r}, but {len(outcomes)} attempts were made"
    codes = tuple(outcome_code(o) for o in outcomes)
    assert ctx.get("codes") == codes, f"ctx['codes'] is {ctx.get('codes')!r}, the attempts' codes are {codes}"


def check_not_idempotent(s: Scenario, facts: RunFacts) -> None:
    if facts.refused is not None:
        return  # refusing such a policy is one of the two right answers
    starts = [i for i, (kind, n) in enumerate(facts.events) if kind == "start" and n == 2]
    if not starts:
        return
    warned = [i for i, (kind, _) in enumerate(facts.events) if kind == "warning" and i < starts[0]]
    assert warned, "a step that is not idempotent was retried, and nothing warned before the retry"


@dataclass(frozen=True)
class ResilienceProperty:
    """One property: its name, the sentence it states, its scenarios and its check of one run."""

    name: str
    statement: str
    cases: Strata[Scenario]
    check: Callable[[Scenario, RunFacts], None]


RESILIENCE_PROPERTIES: tuple[ResilienceProperty, ...] = (
    ResilienceProperty("identity", "one attempt and no timeout: the plan is the step itself",
                       identity_scenarios, check_identity),
    ResilienceProperty("attempts are bounded", "never more than max_attempts attempts",
                       SCENARIO_STRATA, check_attempts_bounded),
    ResilienceProperty("retries exactly when the policy says",
                       "another attempt follows a failure iff its code is retriable and attempts are left",
                       SCENARIO_STRATA, check_retries_as_policy),
    ResilienceProperty("delays are the policy's",
                       "each wait is delay_ms(attempt, one rng draw, Retry-After), and the next attempt "
                       "starts after exactly that wait", SCENARIO_STRATA, check_delays),
    ResilienceProperty("delays stay within the cap", "no wait is longer than max_backoff_ms, jitter included",
                       SCENARIO_STRATA, check_within_cap),
    ResilienceProperty("Retry-After is honoured",
                       "no retry before the wait a failure asked for (up to the cap)",
                       SCENARIO_STRATA, check_retry_after),
    ResilienceProperty("total time is bounded", "a run takes at most attempts x timeout + the capped delays",
                       SCENARIO_STRATA, check_time_bound),
    ResilienceProperty("timed-out attempts are cancelled",
                       "a late attempt is cancelled at its deadline, writes nothing, and leaves no task",
                       SCENARIO_STRATA, check_cancelled),
    ResilienceProperty("the last error is kept",
                       "giving up keeps the last attempt's code and records the attempts in ctx",
                       SCENARIO_STRATA, check_last_error),
    ResilienceProperty("a non-idempotent step is never retried silently",
                       "it is refused, or a warning comes before its first retry",
                       non_idempotent_scenarios, check_not_idempotent),
)
"""Every property of ``async_with_resilience``, in the order the lesson states them."""


def resilience_property(name: str) -> ResilienceProperty:
    for p in RESILIENCE_PROPERTIES:
        if p.name == name:
            return p
    names = ", ".join(p.name for p in RESILIENCE_PROPERTIES)
    raise KeyError(f"no property {name!r}; the properties are {names}")


def resilience_counterexample(
    prop: ResilienceProperty,
    impl: Impl = async_with_resilience,
    build: BuildPolicy = PolicySpec.build,
    *,
    max_examples: int = 60,
) -> tuple[Scenario, str] | None:
    """Run ``prop`` for ``impl``: ``None`` when it holds, else the smallest failing scenario Hypothesis
    found and the first line of what went wrong."""
    return smallest_failure(
        prop.cases, lambda scenario: prop.check(scenario, run_scenario(scenario, impl, build)),
        max_examples=max_examples,
    )  # fmt: skip


def resilience_properties(
    impl: Impl = async_with_resilience,
    build: BuildPolicy = PolicySpec.build,
    *,
    max_examples: int = 60,
) -> dict[str, Callable[[], None]]:
    """Every property for ``impl``, each a test ready to call: it raises ``AssertionError`` naming the
    smallest failing scenario when the property does not hold."""

    def find(name: str) -> tuple[Scenario, str] | None:
        return resilience_counterexample(resilience_property(name), impl, build, max_examples=max_examples)

    return ready_tests([p.name for p in RESILIENCE_PROPERTIES], find)


__all__ = [
    "RESILIENCE_PROPERTIES",
    "SCENARIO_STRATA",
    "ResilienceProperty",
    "identity_scenarios",
    "non_idempotent_scenarios",
    "path_of",
    "policies",
    "replies",
    "resilience_counterexample",
    "resilience_properties",
    "resilience_property",
    "scenarios",
]
