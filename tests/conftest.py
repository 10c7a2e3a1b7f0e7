"""Test settings shared by every suite: deterministic Hypothesis, no example database."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "workbook",
    derandomize=True,  # the same examples on every run: no flaky failures
    database=None,  # never write .hypothesis/ into the learner's tree
    deadline=None,  # a loaded 2-core machine is not a failing test
    suppress_health_check=[HealthCheck.too_slow],
    max_examples=int(os.environ.get("FUNCPIPE_MAX_EXAMPLES", "100")),
)
settings.load_profile("workbook")
