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
* **Streams** — :class:`StreamAlgebra` (:data:`LIBRARY_STREAMS`, the chapter's
  :data:`NESTED`), stream specifications (``Items``, ``Listed``, ``Ret``,
  ``AndThen``, ``Shifted``, ``Held``; ``RetAdd``, ``Span``, ``FailIf``,
  ``Hand``, ``LiftItemAdd``, ``ThenFn``) and their strategies
  (:func:`stream_specs`, :func:`stream_fn_specs`, :func:`item_lists`);
  recording sources and resources (:class:`CountingSource`,
  :class:`RecordingResource`); the laws and invariants
  (:func:`stream_law_properties`, :func:`stream_invariant_properties`,
  :data:`STREAM_LAWS`, :data:`STREAM_INVARIANTS`) and :data:`WRONG_STREAMS`,
  the wrong stream algebras they catch (a :class:`WrongImpl` each).
* **Backpressure and batching (Cores 3 and 9)** — scenarios as data
  (:class:`BoundedScenario` of :class:`Job` items, :class:`ChunkScenario` of
  :class:`Arrival` items), one run's facts in virtual time
  (:func:`run_bounded`, :func:`run_chunked`), the properties
  (:data:`BOUNDED_PROPERTIES`, :data:`CHUNK_PROPERTIES`,
  :func:`bounded_properties`, :func:`chunk_properties`), and hand-written
  implementations, one correct and several wrong (:func:`handmade_bounded`,
  :func:`handmade_chunk`, :data:`WRONG_BOUNDED`, :data:`WRONG_CHUNK`).
* **Lifts** — :class:`LiftSet` (:data:`LIBRARY_LIFTS`), pure functions as
  data (``Scale``, ``FailOn``, ``RaiseOn``, ``Upto``), :func:`lift_properties`
  (:data:`LIFT_PROPERTIES`) and :data:`WRONG_LIFTS`.
* **Adapters (Core 8)** — :class:`AdapterImpl` (:data:`LIBRARY_ADAPTERS`), :func:`adapter_properties`
  (:data:`ADAPTER_PROPERTIES`: nothing until driven, the taxonomy, real equals fake, batches paired by
  index, idempotent writes, Retry-After into the policy) and :data:`WRONG_ADAPTERS`, the broken
  adapters they catch.
* **Rate limits and fairness (Core 6)** — :class:`FairnessImpl`
  (:data:`LIBRARY_FAIRNESS`), recording sources on a schedule (:class:`Tenant`),
  :func:`fairness_properties` (:data:`FAIRNESS_PROPERTIES`: the envelope, exact
  timing, weighted shares, no stall, bounded buffers, closing) and
  :data:`WRONG_FAIRNESS`, the broken limiters and merges they catch.

* **Laws of whole pipelines (Core 10)** — seeded, replayable failures
  (:class:`FailureSchedule`, :class:`ScheduledEmbedder` and its
  :class:`EmbedAttempt` records), the seeded interleaving scheduler on the
  virtual-time loop (:class:`InterleavingLoop`, :func:`run_interleaved`), the
  real SQLite store with counters (:class:`StoreProbe`, :func:`probed_store`,
  :func:`stored_rows`), one run as facts (:class:`PipelineCase`,
  :func:`run_pipeline`, :class:`PipelineRun`), key functions and trace
  normalisers (:func:`doc_key`, :func:`tenant_key`, :func:`emissions_per_key`,
  :func:`successes_per_key`, :func:`normalise`), the laws as checks
  (:data:`PIPELINE_LAWS`, :func:`check_law`), the strategies
  (:func:`pipeline_cases`, :func:`schedules`) and :data:`WRONG_PIPELINES`,
  one wrong pipeline per way of breaking a law.

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
from funcpipe_rag.testing._fakes import (
    EmbedCall,
    FakeChunkStore,
    FakeDb,
    FakeEmbedder,
    FakeHttp,
    FlakyEmbedder,
)
from funcpipe_rag.testing._lift_specs import LIBRARY_LIFTS, WRONG_LIFTS, FailOn, LiftSet, RaiseOn, Scale, Upto
from funcpipe_rag.testing._pipeline_laws import (
    CHUNK_WIDTH,
    PIPELINE_ENV,
    PIPELINE_LAWS,
    EmbedAttempt,
    FailureSchedule,
    Pipeline,
    PipelineCase,
    PipelineRun,
    ScheduledEmbedder,
    StoreProbe,
    at_most_once_violations,
    cancellation_violations,
    check_law,
    doc_key,
    duplicate_emission_violations,
    emissions_per_key,
    expected_chunks,
    half_written,
    idempotence_violations,
    library_pipeline,
    make_docs,
    merged_pipeline,
    normalise,
    probed_store,
    run_pipeline,
    seeded_resilience,
    stored_rows,
    successes_per_key,
    tenant_key,
)
from funcpipe_rag.testing._resilience import (
    CANCELLED,
    PATHS,
    Attempt,
    Backoff,
    PolicySpec,
    Reply,
    RunFacts,
    Scenario,
    ScenarioData,
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
from funcpipe_rag.testing._stream_specs import (
    LIBRARY_STREAMS,
    NESTED,
    AndThen,
    CountingSource,
    FailIf,
    Hand,
    Held,
    Items,
    LiftItemAdd,
    Listed,
    RecordingResource,
    Ret,
    RetAdd,
    Shifted,
    Span,
    StreamAlgebra,
    StreamFnSpec,
    StreamSpec,
    ThenFn,
    held,
    items,
    value_or_code,
)
from funcpipe_rag.testing._virtual_time import InterleavingLoop, VirtualTimeLoop, run_interleaved, run_virtual
from funcpipe_rag.testing._wrong import WRONG, Wrong, WrongImpl, with_parts
from funcpipe_rag.testing._wrong_backpressure import (
    WRONG_BOUNDED,
    WRONG_CHUNK,
    WrongVariant,
    handmade_bounded,
    handmade_chunk,
)
from funcpipe_rag.testing._wrong_pipelines import WRONG_PIPELINES, ReplacingStore, WrongPipeline
from funcpipe_rag.testing._wrong_resilience import (
    COURSE_SLIPS,
    WRONG_RESILIENCE,
    Slips,
    WrongResilience,
    closure_with_resilience,
)
from funcpipe_rag.testing._wrong_streams import WRONG_STREAMS

if TYPE_CHECKING:
    from funcpipe_rag.testing._adapter_laws import (
        ADAPTER_PROPERTIES,
        EXCHANGE_STRATA,
        AdapterProperty,
        adapter_counterexample,
        adapter_properties,
        path_of_exchange,
    )
    from funcpipe_rag.testing._adapters import (
        ERROR_KINDS,
        LIBRARY_ADAPTERS,
        AdapterImpl,
        Exchange,
        PlainEmbedder,
        transport_error,
    )
    from funcpipe_rag.testing._backpressure import (
        BOUNDED_PROPERTIES,
        CHUNK_PROPERTIES,
        Arrival,
        Boom,
        BoundedFacts,
        BoundedScenario,
        ChunkFacts,
        ChunkScenario,
        Job,
        bounded_properties,
        bounded_scenarios,
        chunk_properties,
        chunk_scenarios,
        run_bounded,
        run_chunked,
    )
    from funcpipe_rag.testing._capstone_laws import (
        CAPSTONE_LAWS,
        CAPSTONE_POLICY,
        CAPSTONE_RATE,
        CAPSTONE_WEIGHTS,
        WRONG_CAPSTONES,
        capstone_pipeline,
        check_capstone_law,
        fair_share_violations,
        in_flight_violations,
        max_in_flight,
        policy_for,
        rate_violations,
    )
    from funcpipe_rag.testing._fairness import (
        FAIRNESS_PROPERTIES,
        LIBRARY_FAIRNESS,
        FairnessImpl,
        Tenant,
        fairness_properties,
    )
    from funcpipe_rag.testing._laws import LAW_SUBJECTS, LawSubject, bind_law_properties, law_property
    from funcpipe_rag.testing._lift_laws import LIFT_PROPERTIES, lift_properties
    from funcpipe_rag.testing._paths import MIN_SHARE, PathLog, Strata, measure
    from funcpipe_rag.testing._pipeline_strategies import AWKWARD_IDS, pipeline_cases, schedules, tenant_docs
    from funcpipe_rag.testing._profiles import REPRODUCIBLE, reproducible, use_profile
    from funcpipe_rag.testing._resilience_laws import (
        RESILIENCE_PROPERTIES,
        SCENARIO_STRATA,
        ResilienceProperty,
        path_of,
        policies,
        replies,
        resilience_counterexample,
        resilience_properties,
        resilience_property,
        scenarios,
    )
    from funcpipe_rag.testing._strategies import codes, fn_specs, plan_specs, pure_fns, small_ints
    from funcpipe_rag.testing._stream_laws import (
        STREAM_INVARIANTS,
        STREAM_LAWS,
        stream_invariant_properties,
        stream_law_properties,
    )
    from funcpipe_rag.testing._stream_strategies import item_lists, item_values, stream_fn_specs, stream_specs
    from funcpipe_rag.testing._wrong_adapters import WRONG_ADAPTERS, WrongAdapter, naive_request_json
    from funcpipe_rag.testing._wrong_fairness import WRONG_FAIRNESS

__getattr__ = on_first_use(__name__, {
    "_backpressure": (
        "BOUNDED_PROPERTIES", "CHUNK_PROPERTIES", "Arrival", "Boom", "BoundedFacts", "BoundedScenario",
        "ChunkFacts", "ChunkScenario", "Job", "bounded_properties", "bounded_scenarios", "chunk_properties",
        "chunk_scenarios", "run_bounded", "run_chunked",
    ),
    "_adapter_laws": (
        "ADAPTER_PROPERTIES", "EXCHANGE_STRATA", "AdapterProperty", "adapter_counterexample",
        "adapter_properties", "path_of_exchange",
    ),
    "_adapters": (
        "ERROR_KINDS", "LIBRARY_ADAPTERS", "AdapterImpl", "Exchange", "PlainEmbedder", "transport_error",
    ),
    "_wrong_adapters": ("WRONG_ADAPTERS", "WrongAdapter", "naive_request_json"),
    "_laws": ("LAW_SUBJECTS", "LawSubject", "bind_law_properties", "law_property"),
    "_paths": ("MIN_SHARE", "PathLog", "Strata", "measure"),
    "_profiles": ("REPRODUCIBLE", "reproducible", "use_profile"),
    "_pipeline_strategies": ("AWKWARD_IDS", "pipeline_cases", "schedules", "tenant_docs"),
    "_resilience_laws": (
        "RESILIENCE_PROPERTIES", "ResilienceProperty", "SCENARIO_STRATA", "path_of", "policies", "replies",
        "resilience_counterexample", "resilience_properties", "resilience_property", "scenarios",
    ),
    "_strategies": ("codes", "fn_specs", "plan_specs", "pure_fns", "small_ints"),
    "_stream_laws": (
        "STREAM_INVARIANTS", "STREAM_LAWS", "stream_invariant_properties", "stream_law_properties",
    ),
    "_stream_strategies": ("item_lists", "item_values", "stream_fn_specs", "stream_specs"),
    "_lift_laws": ("LIFT_PROPERTIES", "lift_properties"),
    "_fairness": ("FAIRNESS_PROPERTIES", "FairnessImpl", "LIBRARY_FAIRNESS", "Tenant", "fairness_properties"),
    "_wrong_fairness": ("WRONG_FAIRNESS",),
    "_capstone_laws": (
        "CAPSTONE_LAWS", "CAPSTONE_POLICY", "CAPSTONE_RATE", "CAPSTONE_WEIGHTS", "WRONG_CAPSTONES",
        "capstone_pipeline", "check_capstone_law", "fair_share_violations", "in_flight_violations",
        "max_in_flight", "policy_for", "rate_violations",
    ),
})  # fmt: skip


__all__ = [
    "ADAPTER_PROPERTIES",
    "AWKWARD_IDS",
    "BOUNDED_PROPERTIES",
    "CANCELLED",
    "CAPSTONE_LAWS",
    "CAPSTONE_POLICY",
    "CAPSTONE_RATE",
    "CAPSTONE_WEIGHTS",
    "CHUNK_PROPERTIES",
    "CHUNK_WIDTH",
    "CLOSURE",
    "COURSE_SLIPS",
    "ERROR_KINDS",
    "EXCHANGE_STRATA",
    "FAIRNESS_PROPERTIES",
    "LAW_SUBJECTS",
    "LIBRARY",
    "LIBRARY_ADAPTERS",
    "LIBRARY_FAIRNESS",
    "LIBRARY_LIFTS",
    "LIBRARY_STREAMS",
    "LIFT_PROPERTIES",
    "MIN_SHARE",
    "NESTED",
    "PATHS",
    "PIPELINE_ENV",
    "PIPELINE_LAWS",
    "REPRODUCIBLE",
    "RESILIENCE_PROPERTIES",
    "SCENARIO_STRATA",
    "STREAM_INVARIANTS",
    "STREAM_LAWS",
    "WRONG",
    "WRONG_ADAPTERS",
    "WRONG_BOUNDED",
    "WRONG_CAPSTONES",
    "WRONG_CHUNK",
    "WRONG_FAIRNESS",
    "WRONG_LIFTS",
    "WRONG_PIPELINES",
    "WRONG_RESILIENCE",
    "WRONG_STREAMS",
    "AdapterImpl",
    "AdapterProperty",
    "Add",
    "Affine",
    "AndThen",
    "Arrival",
    "Attempt",
    "Backoff",
    "Boom",
    "Bound",
    "BoundedFacts",
    "BoundedScenario",
    "ChunkFacts",
    "ChunkScenario",
    "CountingSource",
    "EmbedAttempt",
    "EmbedCall",
    "Exchange",
    "Fail",
    "FailIf",
    "FailOn",
    "FailWhen",
    "FailureSchedule",
    "FairnessImpl",
    "FakeChunkStore",
    "FakeClock",
    "FakeDb",
    "FakeEmbedder",
    "FakeHttp",
    "FakeSleeper",
    "FlakyEmbedder",
    "FnSpec",
    "Hand",
    "Held",
    "InFlight",
    "InterleavingLoop",
    "Items",
    "Job",
    "LawSubject",
    "Lift",
    "LiftAdd",
    "LiftItemAdd",
    "LiftSet",
    "Listed",
    "Mapped",
    "Mul",
    "PathLog",
    "Pipeline",
    "PipelineCase",
    "PipelineRun",
    "PlainEmbedder",
    "PlanAlgebra",
    "PlanSpec",
    "PolicySpec",
    "Pure",
    "RaiseOn",
    "RawLambda",
    "RecordingResource",
    "ReplacingStore",
    "Reply",
    "ResilienceProperty",
    "Ret",
    "RetAdd",
    "RunFacts",
    "Scale",
    "Scenario",
    "ScenarioData",
    "ScheduledEmbedder",
    "ScriptedStep",
    "Shifted",
    "Slips",
    "Span",
    "StepCall",
    "StoreProbe",
    "Strata",
    "StreamAlgebra",
    "StreamFnSpec",
    "StreamSpec",
    "Tenant",
    "Then",
    "ThenFn",
    "Trace",
    "TraceRecorder",
    "Upto",
    "VirtualTimeLoop",
    "Wrong",
    "WrongAdapter",
    "WrongImpl",
    "WrongPipeline",
    "WrongResilience",
    "WrongVariant",
    "adapter_counterexample",
    "adapter_properties",
    "at_most_once_violations",
    "bind_law_properties",
    "bounded_properties",
    "bounded_scenarios",
    "cancellation_violations",
    "capstone_pipeline",
    "chain",
    "check_capstone_law",
    "check_law",
    "chunk_properties",
    "chunk_scenarios",
    "closure_with_resilience",
    "codes",
    "doc_key",
    "duplicate_emission_violations",
    "emissions_per_key",
    "expected_chunks",
    "expected_delays_ms",
    "fail_with",
    "fair_share_violations",
    "fairness_properties",
    "fn_specs",
    "half_written",
    "handmade_bounded",
    "handmade_chunk",
    "held",
    "idempotence_violations",
    "in_flight_violations",
    "item_lists",
    "item_values",
    "items",
    "law_property",
    "library_pipeline",
    "lift_properties",
    "make_docs",
    "make_fake_timeout_ctx",
    "make_test_resilience_env",
    "max_in_flight",
    "measure",
    "merged_pipeline",
    "naive_request_json",
    "normalise",
    "outcome_code",
    "path_of",
    "path_of_exchange",
    "pipeline_cases",
    "plan_specs",
    "policies",
    "policy_for",
    "probed_store",
    "pure_fns",
    "rate_violations",
    "replies",
    "reproducible",
    "resilience_counterexample",
    "resilience_properties",
    "resilience_property",
    "returning",
    "run_bounded",
    "run_chunked",
    "run_interleaved",
    "run_pipeline",
    "run_scenario",
    "run_virtual",
    "scenarios",
    "schedules",
    "seeded_resilience",
    "small_ints",
    "stored_rows",
    "stream_fn_specs",
    "stream_invariant_properties",
    "stream_law_properties",
    "stream_specs",
    "succeed",
    "successes_per_key",
    "tenant_docs",
    "tenant_key",
    "transport_error",
    "use_profile",
    "value_or_code",
    "with_parts",
]
