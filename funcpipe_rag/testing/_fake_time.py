"""The course's fake-time helpers, as thin views over the one virtual clock.

The course builds its tests from separate fakes — a ``FakeClock`` that is a
counter, a ``FakeSleeper`` that records sleeps, a fake timeout context — and
separate fakes drift apart: a sleep that does not move the clock, a timeout
that never cancels. Here every helper reads or moves the clock of the
running :class:`~funcpipe_rag.testing.VirtualTimeLoop` (run the test with
:func:`~funcpipe_rag.testing.run_virtual`), so sleeping, timing out and
reading the time can never disagree. The names and shapes are the course's,
so its examples run:

* :class:`FakeClock` — ``clock()`` / ``clock.now()``: virtual seconds;
  ``clock.advance(s)`` moves the one clock;
* :class:`FakeSleeper` — ``await sleeper(s)`` sleeps in virtual time and
  records ``s`` in ``sleeper.calls``;
* :func:`make_fake_timeout_ctx` — ``async with timeout(s):`` cancels the block
  at the virtual deadline (it is ``asyncio.timeout``);
* :func:`make_test_resilience_env` — a :class:`~funcpipe_rag.ResilienceEnv`
  of the three with a seeded ``random.Random``.

Used outside a virtual-time loop, each helper raises ``RuntimeError`` saying
so: a fake clock silently reading real time is exactly the drift these views
exist to prevent.
"""

from __future__ import annotations

import asyncio
import random
from contextlib import AbstractAsyncContextManager
from typing import Any

from funcpipe_rag.domain.effects.async_.resilience import ResilienceEnv
from funcpipe_rag.testing._virtual_time import VirtualTimeLoop


def _virtual_loop(who: str) -> VirtualTimeLoop:
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if not isinstance(loop, VirtualTimeLoop):
        raise RuntimeError(
            f"{who} is a view of the virtual clock and works only inside a virtual-time run: "
            "drive the test with funcpipe_rag.testing.run_virtual(main)"
        )
    return loop


class FakeClock:
    """Now, in virtual seconds: the running virtual loop's clock (the course's ``FakeClock``)."""

    def __call__(self) -> float:
        return _virtual_loop("FakeClock").time()

    def now(self) -> float:
        """The same as calling the clock."""
        return self()

    def advance(self, seconds: float) -> None:
        """Move the one clock forward by ``seconds``; timers now due fire at the loop's next turn.

        Prefer ``await asyncio.sleep(seconds)``, which lets every timer fire at its own instant.
        """
        if seconds < 0:
            raise ValueError(f"a clock cannot go back: advance({seconds!r})")
        _virtual_loop("FakeClock").advance(seconds)

    def __repr__(self) -> str:
        return "FakeClock(the virtual loop's clock)"


class FakeSleeper:
    """``await sleeper(seconds)`` sleeps on the virtual clock and records ``seconds``.

    The course's ``FakeSleeper``, but because it *is* a sleep on the one clock, the time moves by exactly the
    amount slept, timers that fall due meanwhile fire in order, and a
    deadline around the sleep cancels it.
    """

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        _virtual_loop("FakeSleeper")
        self.calls.append(seconds)
        await asyncio.sleep(seconds)

    @property
    def total(self) -> float:
        """Seconds asked for, summed."""
        return sum(self.calls, 0.0)

    def __repr__(self) -> str:
        return f"FakeSleeper(calls={self.calls!r})"


def make_fake_timeout_ctx(clock: FakeClock | None = None) -> Any:
    """A ``timeout(seconds)`` context factory on the virtual clock: it cancels the block at the deadline.

    ``clock`` is accepted for the course's call shape; there is only one
    clock, so it changes nothing.
    """

    def timeout(seconds: float) -> AbstractAsyncContextManager[Any]:
        _virtual_loop("the fake timeout")
        return asyncio.timeout(seconds)

    return timeout


def make_test_resilience_env(seed: int = 0) -> ResilienceEnv:
    """A :class:`ResilienceEnv` for tests: ``random.Random(seed)``, a :class:`FakeSleeper`, a
    :class:`FakeClock` and the fake timeout, all on the one virtual clock.

    ``env.sleep.calls`` lists the delays the plan asked for.
    """
    clock = FakeClock()
    return ResilienceEnv(random.Random(seed), FakeSleeper(), clock, make_fake_timeout_ctx(clock))


__all__ = ["FakeClock", "FakeSleeper", "make_fake_timeout_ctx", "make_test_resilience_env"]
