"""The course's import path for the shell's driver: ``perform_async``.

``from funcpipe_rag.infra.adapters.async_runtime import perform_async`` is how
the chapter imports it, so code from the course runs unchanged. The drivers
live in :mod:`funcpipe_rag.infra.runtime`; this module only names them here
(and ``funcpipe_rag`` exports them too).
"""

from funcpipe_rag.infra.runtime import (
    collect_stream,
    perform_async,
    run_plan,
    run_stream,
    run_sync,
    stream_items,
)

__all__ = ["collect_stream", "perform_async", "run_plan", "run_stream", "run_sync", "stream_items"]
