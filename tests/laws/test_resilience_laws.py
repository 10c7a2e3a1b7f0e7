"""The properties of resilient plans hold for the library, and each one catches the mistake it names.

Every property runs on the virtual-time loop with seeded random numbers
(:func:`funcpipe_rag.testing.run_scenario`), over scenarios drawn path by
path (success, retry, timeout, give-up). A property that passed on every
implementation would prove nothing, so each wrong retry loop of
:data:`~funcpipe_rag.testing.WRONG_RESILIENCE` must fail the property it
names, and the course's version fails the four properties it breaks.
"""

from __future__ import annotations

import pytest

from funcpipe_rag.testing import (
    COURSE_SLIPS,
    MIN_SHARE,
    RESILIENCE_PROPERTIES,
    SCENARIO_STRATA,
    WRONG_RESILIENCE,
    PolicySpec,
    closure_with_resilience,
    measure,
    path_of,
    resilience_properties,
    run_scenario,
)

EXAMPLES = 40
NAMES = [p.name for p in RESILIENCE_PROPERTIES]
LIBRARY_PROPERTIES = resilience_properties(max_examples=EXAMPLES)
REFERENCE_PROPERTIES = resilience_properties(closure_with_resilience, max_examples=EXAMPLES)


@pytest.mark.parametrize("name", NAMES)
def test_the_library_keeps_the_property(name: str) -> None:
    LIBRARY_PROPERTIES[name]()


@pytest.mark.parametrize("name", NAMES)
def test_the_plain_reference_keeps_the_property(name: str) -> None:
    REFERENCE_PROPERTIES[name]()


@pytest.mark.parametrize("wrong", sorted(WRONG_RESILIENCE))
def test_each_wrong_retry_loop_fails_the_property_it_names(wrong: str) -> None:
    entry = WRONG_RESILIENCE[wrong]
    assert entry.caught_by in NAMES
    check = resilience_properties(entry.impl, entry.build, max_examples=EXAMPLES)[entry.caught_by]
    with pytest.raises(AssertionError):
        check()


def test_every_property_catches_some_wrong_loop() -> None:
    caught = {w.caught_by for w in WRONG_RESILIENCE.values()}
    assert set(NAMES) - caught == set(), "a property no wrong loop breaks has not been shown to fail"


COURSE_BREAKS = ["delays stay within the cap", "the last error is kept", "Retry-After is honoured",
                 "a non-idempotent step is never retried silently"]


@pytest.mark.parametrize("name", COURSE_BREAKS)
def test_the_course_version_breaks_four_properties(name: str) -> None:
    def course(step: object, retry: object, timeout: object, env: object) -> object:
        return closure_with_resilience(step, retry, timeout, env, slips=COURSE_SLIPS)  # type: ignore[arg-type]

    with pytest.raises(AssertionError):
        resilience_properties(course, lambda spec: spec, max_examples=EXAMPLES)[name]()


def test_generated_scenarios_reach_every_path_in_a_fair_share() -> None:
    log = measure(SCENARIO_STRATA, path_of, max_examples=80)
    assert not log.starved(MIN_SHARE), log.summary()


def test_the_library_and_the_plain_reference_do_the_same_thing() -> None:
    def same(_path: str, scenario: object) -> None:
        library = run_scenario(scenario)  # type: ignore[arg-type]
        reference = run_scenario(scenario, closure_with_resilience)  # type: ignore[arg-type]
        assert (library.result, library.trace, library.writes) == \
            (reference.result, reference.trace, reference.writes)

    SCENARIO_STRATA.run(same, max_examples=60)


def test_a_permissive_policy_is_only_data() -> None:
    spec = PolicySpec(max_attempts=3, idempotent=False)
    assert spec.max_attempts == 3 and "NOT idempotent" in repr(spec)
    with pytest.raises(ValueError, match="idempotent"):
        spec.build()
