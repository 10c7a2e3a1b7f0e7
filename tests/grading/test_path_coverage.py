"""Generated inputs reach every path of the code under test, in a measured share.

A graded property that spreads its examples over paths declares them in its
graded-test file::

    PATHS = {"test_matches_eager_version": (STRATA, classify, EXAMPLES)}

where ``STRATA`` is a :class:`funcpipe_rag.testing.Strata`, ``classify`` names
the path the trusted library takes on one example, and ``EXAMPLES`` is how
many examples the property runs. Here each is run as grading runs it, and
every path must get at least :data:`funcpipe_rag.testing.MIN_SHARE` (15%) of
the examples that were generated for it.
"""

from __future__ import annotations

from typing import Any

import pytest
from grading_support import GRADING

from funcpipe_rag.grading.runner import available_cores, discover
from funcpipe_rag.testing import MIN_SHARE, Strata, measure

SUITES = discover(GRADING)
DECLARED: list[tuple[str, str, Any]] = [
    (f"{s.core}/{s.exercise}", test, entry)
    for s in SUITES for test, entry in sorted(getattr(s.module, "PATHS", {}).items())
]


@pytest.mark.parametrize(("exercise", "test", "entry"), DECLARED, ids=[f"{e}::{t}" for e, t, _ in DECLARED])
def test_every_path_gets_its_share(exercise: str, test: str, entry: Any) -> None:
    strata, classify, examples = entry
    assert isinstance(strata, Strata), f"{exercise}: PATHS[{test!r}] must hold a Strata"
    suite = next(s for s in SUITES if f"{s.core}/{s.exercise}" == exercise)
    graded = {t.name for t in suite.tests}
    assert test in graded, f"{exercise}: PATHS names {test}, which is not a graded test"
    log = measure(strata, classify, max_examples=examples)
    starved = log.starved(MIN_SHARE)
    assert not starved, f"{exercise}::{test}: paths below {MIN_SHARE:.0%}: {starved} ({log.summary()})"


@pytest.mark.parametrize("core", available_cores(GRADING))
def test_every_core_measures_its_paths(core: str) -> None:
    assert any(e.startswith(f"{core}/") for e, _, _ in DECLARED), \
        f"{core}: no graded test declares PATHS, so nothing shows its generated inputs reach every path"
