"""Item 3: streams and backpressure (Cores 2 and 3).

Measured once the library has them: items per second through
``async_gen_map`` and ``async_gen_bounded_map`` against a plain async
generator pipeline, and peak memory as the stream grows from 10^4 to 10^6
items (it should stay flat). Until then the section reports which names are
missing, and ``run`` is the one place to add the measurements.
"""

from __future__ import annotations

import importlib
from typing import Any

from bench.common import NOT_AVAILABLE, Settings, Table, log

MODULE = "funcpipe_rag.domain.effects.async_"
NEEDED = ("async_gen_map", "async_gen_bounded_map")


def missing() -> list[str]:
    module = importlib.import_module(MODULE)
    return [name for name in NEEDED if not hasattr(module, name)]


async def run(settings: Settings) -> dict[str, Any]:
    absent = missing()
    if absent:
        log(settings, f"streams: {NOT_AVAILABLE} (missing {', '.join(absent)})")
        return {"status": NOT_AVAILABLE, "missing": absent}
    # Cores 2-3 exist: measure them here (items/s against a plain async generator pipeline,
    # and tracemalloc peaks for 10^4, 10^5, 10^6 items) once their signatures are settled.
    log(settings, "streams: the functions exist but their benchmark is not written yet")
    return {"status": "functions present; benchmark not written yet", "missing": []}


def tables(result: dict[str, Any]) -> list[Table]:
    t = Table("Streams and backpressure", ["item", "status"])
    detail = result["status"]
    if result.get("missing"):
        detail += f" (missing: {', '.join(result['missing'])})"
    t.add("async_gen_map / async_gen_bounded_map vs a plain async generator", detail)
    return [t]
