"""Test material for plans, like ``trio.testing``: fakes, virtual time, generated plans, laws.

Shared by the test suite, the notebooks and the grader, so that every place
that checks a law checks the same law the same way.

* **Fakes** — in-memory capabilities that record every call:
  :class:`FakeHttp`, :class:`FakeDb`, :class:`FakeEmbedder` (with its
  :class:`EmbedCall` timeline), :class:`FakeChunkStore`; :class:`InFlight`
  counts calls in flight (the fakes, the demos and the service all use it).
* **Virtual time** — :func:`run_virtual` runs a coroutine function on a
  :class:`VirtualTimeLoop`, whose clock jumps to the next timer instead of
  waiting.
* **Plans as data** — :class:`PlanAlgebra` (one implementation of the
  primitives: :data:`LIBRARY`, the chapter's :data:`CLOSURE`, a learner's),
  readable plan and function specifications (``Pure``, ``Lift``, ``Fail``,
  ``Bound``, ``Mapped``; ``Add``, ``Mul``, ``LiftAdd``, ``RawLambda``,
  ``FailWhen``, ``Then``; ``Affine`` for plain functions) and their
  Hypothesis strategies (:func:`plan_specs`, :func:`fn_specs`,
  :func:`pure_fns`).
* **Path coverage** — :class:`Strata` (one strategy per path a property must
  reach, run with equal shares), :class:`PathLog` and :func:`measure` (which
  paths the examples really took; :data:`MIN_SHARE` is the default share).
* **Reproducible Hypothesis settings** — :data:`REPRODUCIBLE`,
  :func:`reproducible`, and the named profiles of the tests, the notebooks and
  the grader (:func:`use_profile`).
* **Resilience (Cores 4 and 5)** — :class:`ScriptedStep` answering attempt
  by attempt from :class:`Reply` values, the :class:`TraceRecorder` of
  attempts and backoffs, :class:`Scenario` and :func:`run_scenario` (one run's
  :class:`RunFacts`), the properties as data (:data:`RESILIENCE_PROPERTIES`,
  :func:`resilience_properties`, :data:`SCENARIO_STRATA`) and the wrong retry
  loops that must fail them (:data:`WRONG_RESILIENCE`); the course's fake-time
  helpers :class:`FakeClock`, :class:`FakeSleeper`,
  :func:`make_fake_timeout_ctx`, :func:`make_test_resilience_env`, all views of
  the one virtual clock.
* **Laws** — :func:`law_property` turns any law of any plan type (the laws
  are data next to each type) into a ready-to-run property;
  :data:`LAW_SUBJECTS` lists the types the suite checks;
  :func:`bind_law_properties` gives the three monad laws of one
  implementation; :data:`WRONG` holds plausible wrong primitives that the
  laws and the grader must catch.

The parts built on Hypothesis (laws, path coverage, strategies, settings) are
imported when first used, so code that needs only the fakes, virtual time or
the specifications (the grader's child process, for one) does not pay for
importing Hypothesis.
"""

from typing import TYPE_CHECKING

from funcpipe_rag._lazy import on_first_use
from funcpipe_rag.infra.probes import InFlight
from funcpipe_rag.testing._fake_time import (
    FakeClock,
    FakeSleeper,
    make_fake_timeout_ctx,
    make_test_resilience_env,
)
from funcpipe_rag.testing._fakes import EmbedCall, FakeChunkStore, FakeDb, FakeEmbedder, FakeHttp
from funcpipe_rag.testing._resilience import (
    CANCELLED,
    PATHS,
    Attempt,
    Backoff,
    PolicySpec,
    Reply,
    RunFacts,
    Scenario,
    ScriptedStep,
    StepCall,
    Trace,
    TraceRecorder,
    expected_delays_ms,
    fail_with,
    outcome_code,
    run_scenario,
    succeed,
)
from funcpipe_rag.testing._specs import (
    CLOSURE,
    LIBRARY,
    Add,
    Affine,
    Bound,
    Fail,
    FailWhen,
    FnSpec,
    Lift,
    LiftAdd,
    Mapped,
    Mul,
    PlanAlgebra,
    PlanSpec,
    Pure,
    RawLambda,
    Then,
    chain,
    returning,
)
from funcpipe_rag.testing._virtual_time import VirtualTimeLoop, run_virtual
from funcpipe_rag.testing._wrong import WRONG, Wrong, with_parts
from funcpipe_rag.testing._wrong_resilience import (
    COURSE_SLIPS,
    WRONG_RESILIENCE,
    Slips,
    WrongResilience,
    closure_with_resilience,
)

if TYPE_CHECKING:
    from funcpipe_rag.testing._laws import LAW_SUBJECTS, LawSubject, bind_law_properties, law_property
    from funcpipe_rag.testing._paths import MIN_SHARE, PathLog, Strata, measure
    from funcpipe_rag.testing._profiles import REPRODUCIBLE, reproducible, use_profile
    from funcpipe_rag.testing._resilience_laws import (
        RESILIENCE_PROPERTIES,
        SCENARIO_STRATA,
        ResilienceProperty,
        path_of,
        policies,
        replies,
        resilience_properties,
        resilience_property,
        scenarios,
    )
    from funcpipe_rag.testing._strategies import codes, fn_specs, plan_specs, pure_fns, small_ints

__getattr__ = on_first_use(__name__, {
    "_laws": ("LAW_SUBJECTS", "LawSubject", "bind_law_properties", "law_property"),
    "_paths": ("MIN_SHARE", "PathLog", "Strata", "measure"),
    "_profiles": ("REPRODUCIBLE", "reproducible", "use_profile"),
    "_resilience_laws": (
        "RESILIENCE_PROPERTIES", "ResilienceProperty", "SCENARIO_STRATA", "path_of", "policies", "replies",
        "resilience_properties", "resilience_property", "scenarios",
    ),
    "_strategies": ("codes", "fn_specs", "plan_specs", "pure_fns", "small_ints"),
})  # fmt: skip


__all__ = [
    "CANCELLED",
    "CLOSURE",
    "COURSE_SLIPS",
    "LAW_SUBJECTS",
    "LIBRARY",
    "MIN_SHARE",
    "PATHS",
    "REPRODUCIBLE",
    "RESILIENCE_PROPERTIES",
    "SCENARIO_STRATA",
    "WRONG",
    "WRONG_RESILIENCE",
    "Add",
    "Affine",
    "Attempt",
    "Backoff",
    "Bound",
    "EmbedCall",
    "Fail",
    "FailWhen",
    "FakeChunkStore",
    "FakeClock",
    "FakeDb",
    "FakeEmbedder",
    "FakeHttp",
    "FakeSleeper",
    "FnSpec",
    "InFlight",
    "LawSubject",
    "Lift",
    "LiftAdd",
    "Mapped",
    "Mul",
    "PathLog",
    "PlanAlgebra",
    "PlanSpec",
    "PolicySpec",
    "Pure",
    "RawLambda",
    "Reply",
    "ResilienceProperty",
    "RunFacts",
    "Scenario",
    "ScriptedStep",
    "Slips",
    "StepCall",
    "Strata",
    "Then",
    "Trace",
    "TraceRecorder",
    "VirtualTimeLoop",
    "Wrong",
    "WrongResilience",
    "bind_law_properties",
    "chain",
    "closure_with_resilience",
    "codes",
    "expected_delays_ms",
    "fail_with",
    "fn_specs",
    "law_property",
    "make_fake_timeout_ctx",
    "make_test_resilience_env",
    "measure",
    "outcome_code",
    "path_of",
    "plan_specs",
    "policies",
    "pure_fns",
    "replies",
    "reproducible",
    "resilience_properties",
    "resilience_property",
    "returning",
    "run_scenario",
    "run_virtual",
    "scenarios",
    "small_ints",
    "succeed",
    "use_profile",
    "with_parts",
]
