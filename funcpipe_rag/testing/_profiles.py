"""Hypothesis settings, written once: every property in the workbook runs the same reproducible way.

:data:`REPRODUCIBLE` is what every run shares: a fixed seed (the same
examples on every run and machine: no flaky failures), no example database
written into the learner's tree, no deadline (a busy machine is not a failing
test), no "explain" phase (slow, and its notes name source files), and one
clear counterexample rather than a group of them.

The named profiles add what differs: how many examples, which health checks
are off. The test suite, the notebooks and the grader each load theirs with
:func:`use_profile`; a single property takes :func:`reproducible` settings.
"""

from __future__ import annotations

import os
from typing import Any, Literal

from hypothesis import HealthCheck, Phase, settings

REPRODUCIBLE: dict[str, Any] = {
    "derandomize": True,
    "database": None,
    "deadline": None,
    "phases": (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
    "report_multiple_bugs": False,
    "print_blob": False,
}

Profile = Literal["funcpipe-tests", "funcpipe-notebook", "funcpipe-learner"]

PROFILES: dict[Profile, dict[str, Any]] = {
    # The test suite: FUNCPIPE_MAX_EXAMPLES raises or lowers the effort of every property at once.
    "funcpipe-tests": {
        "max_examples": int(os.environ.get("FUNCPIPE_MAX_EXAMPLES", "100")),
        "suppress_health_check": [HealthCheck.too_slow],
    },
    "funcpipe-notebook": {"max_examples": 100},
    # A learner's own properties, run by the grader: the first failing example found is the one
    # reported (no shrinking), and their code may be slow or odd in ways a health check would flag.
    "funcpipe-learner": {
        "phases": (Phase.explicit, Phase.reuse, Phase.generate),
        "suppress_health_check": list(HealthCheck),
    },
}


def reproducible(**overrides: Any) -> settings:
    """:data:`REPRODUCIBLE` settings, with ``overrides`` (``max_examples=...``) on top."""
    return settings(**{**REPRODUCIBLE, **overrides})


def use_profile(name: Profile, **overrides: Any) -> settings:
    """Register and load the profile ``name`` (with ``overrides``); return its settings.

    Load it before defining properties: ``@given`` takes the settings in force
    when it decorates a test.
    """
    settings.register_profile(name, **{**REPRODUCIBLE, **PROFILES[name], **overrides})
    settings.load_profile(name)
    return settings.get_profile(name)
