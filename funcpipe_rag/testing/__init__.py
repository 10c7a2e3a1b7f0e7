"""Test material for plans, like ``trio.testing``: fakes, virtual time, generated plans, laws.

Shared by the test suite, the notebooks and the grader, so that every place
that checks a law checks the same law the same way.

* **Fakes** — in-memory capabilities that record every call:
  :class:`FakeHttp`, :class:`FakeDb`, :class:`FakeEmbedder` (with its
  :class:`EmbedCall` timeline), :class:`FakeChunkStore`.
* **Virtual time** — :func:`run_virtual` runs a coroutine function on a
  :class:`VirtualTimeLoop`, whose clock jumps to the next timer instead of
  waiting.
* **Plans as data** — :class:`PlanAlgebra` (one implementation of the
  primitives: :data:`LIBRARY`, the chapter's :data:`CLOSURE`, a learner's),
  readable plan and function specifications (``Pure``, ``Lift``, ``Fail``,
  ``Bound``, ``Mapped``; ``Add``, ``Mul``, ``LiftAdd``, ``RawLambda``,
  ``FailWhen``, ``Then``) and their Hypothesis strategies
  (:func:`plan_specs`, :func:`fn_specs`).
* **Path coverage** — :class:`Strata` (one strategy per path a property must
  reach, run with equal shares), :class:`PathLog` and :func:`measure` (which
  paths the examples really took; :data:`MIN_SHARE` is the default share).
* **Laws** — :func:`bind_law_properties` (the three monad laws as ready-to-run
  properties) and :data:`WRONG`, plausible wrong primitives that the laws
  and the grader must catch.

The parts built on Hypothesis (laws, path coverage, strategies) are imported
when first used, so code that needs only the fakes, virtual time or the
specifications (the grader's child process, for one) does not pay for
importing Hypothesis.
"""

from typing import TYPE_CHECKING

from funcpipe_rag._lazy import on_first_use
from funcpipe_rag.testing._fakes import EmbedCall, FakeChunkStore, FakeDb, FakeEmbedder, FakeHttp
from funcpipe_rag.testing._specs import (
    CLOSURE,
    LIBRARY,
    Add,
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

if TYPE_CHECKING:
    from funcpipe_rag.testing._laws import associativity, bind_law_properties, left_identity, right_identity
    from funcpipe_rag.testing._paths import MIN_SHARE, PathLog, Strata, measure
    from funcpipe_rag.testing._strategies import codes, fn_specs, plan_specs, small_ints

__getattr__ = on_first_use(__name__, {
    "_laws": ("associativity", "bind_law_properties", "left_identity", "right_identity"),
    "_paths": ("MIN_SHARE", "PathLog", "Strata", "measure"),
    "_strategies": ("codes", "fn_specs", "plan_specs", "small_ints"),
})


__all__ = [
    "CLOSURE",
    "LIBRARY",
    "MIN_SHARE",
    "WRONG",
    "Add",
    "Bound",
    "EmbedCall",
    "Fail",
    "FailWhen",
    "FakeChunkStore",
    "FakeDb",
    "FakeEmbedder",
    "FakeHttp",
    "FnSpec",
    "Lift",
    "LiftAdd",
    "Mapped",
    "Mul",
    "PathLog",
    "PlanAlgebra",
    "PlanSpec",
    "Pure",
    "RawLambda",
    "Strata",
    "Then",
    "VirtualTimeLoop",
    "Wrong",
    "associativity",
    "bind_law_properties",
    "chain",
    "codes",
    "fn_specs",
    "left_identity",
    "measure",
    "plan_specs",
    "returning",
    "right_identity",
    "run_virtual",
    "small_ints",
    "with_parts",
]
