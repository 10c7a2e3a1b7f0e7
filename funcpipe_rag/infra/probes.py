"""Measuring from the shell: how much work is in flight.

One counter for every place that watches concurrency — the recording fake
embedder, the demo's metered embedder, the local service, the tests — so
"at most N in flight" means the same everywhere.
"""

from __future__ import annotations

from types import TracebackType


class InFlight:
    """How many calls are in flight now (``in_flight``), and the most there ever were (``max_in_flight``).

    Wrap each call in ``with probe:``; the count goes down however the call
    ends (a result, an exception, cancellation)::

        probe = InFlight()
        async def embed(text):
            with probe:
                return await inner.embed(text)
    """

    __slots__ = ("in_flight", "max_in_flight")

    def __init__(self) -> None:
        self.in_flight = 0
        self.max_in_flight = 0

    def __enter__(self) -> InFlight:
        self.in_flight += 1
        if self.in_flight > self.max_in_flight:
            self.max_in_flight = self.in_flight
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.in_flight -= 1

    def __repr__(self) -> str:
        return f"InFlight(in_flight={self.in_flight}, max_in_flight={self.max_in_flight})"
