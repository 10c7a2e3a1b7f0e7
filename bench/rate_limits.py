"""Core 6: what a token costs, and how exactly each limiter keeps the token bucket's envelope.

* **Overhead per acquired token.** ``tokens`` acquisitions from a limiter
  whose rate is so high that no caller ever waits: the library's
  ``TokenGate.acquire``, ``aiolimiter``'s ``AsyncLimiter`` (``async with``),
  and the stream limiter (``async_gen_rate_limited`` over a list, per item,
  less the same list collected without it). The floor is awaiting a no-op
  coroutine. Microseconds per token, and the ratio to ``aiolimiter`` in the
  same repetition.
* **Exactness in virtual time.** The same seeded schedule of callers (bursts
  and pauses) against a bucket of ``rate`` tokens per second and ``burst``
  tokens, for the library's gate and for ``AsyncLimiter(burst, burst /
  rate)``, the leaky bucket with the same rate and burst. Reported: the
  most calls seen in any window beyond the envelope ``rate x w + burst``
  (0 means the envelope holds), and how late each grant comes after the
  earliest moment the bucket allows (0 means exact). The rate (8 per second)
  and the pauses are binary fractions, so that float rounding plays no part:
  with 10 per second and 50 ms pauses, ``AsyncLimiter`` did not finish on the
  virtual-time loop (its wake-ups keep coming due without the clock moving).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench.common import Settings, Table, clean_slate, fmt_ratio, log, ratios, rotate, summary
from funcpipe_rag import RateLimitPolicy, TokenGate, async_gen_from_list, async_gen_rate_limited
from funcpipe_rag.infra.runtime import collect_stream
from funcpipe_rag.testing import run_virtual

FAST = RateLimitPolicy(tokens_per_second=1e12, burst_tokens=1_000_000)


async def _noop() -> None:
    return None


async def floor(tokens: int) -> int:
    for _ in range(tokens):
        await _noop()
    return tokens


async def gate(tokens: int) -> int:
    g = TokenGate(FAST)
    for _ in range(tokens):
        await g.acquire()
    return tokens


async def aiolimiter_limiter(tokens: int) -> int:
    from aiolimiter import AsyncLimiter

    limiter = AsyncLimiter(FAST.burst_tokens, FAST.burst_tokens / FAST.tokens_per_second)
    for _ in range(tokens):
        async with limiter:
            pass
    return tokens


async def stream_limiter(tokens: int) -> int:
    items = await collect_stream(async_gen_rate_limited(async_gen_from_list(range(tokens)), FAST))
    return len(items)


async def bare_stream(tokens: int) -> int:
    return len(await collect_stream(async_gen_from_list(range(tokens))))


CONTENDERS: dict[str, Callable[[int], Awaitable[int]]] = {
    "await a no-op (floor)": floor,
    "library TokenGate": gate,
    "aiolimiter AsyncLimiter": aiolimiter_limiter,
    "library stream limiter": stream_limiter,
    "the same stream, unlimited": bare_stream,
}


async def _overhead(settings: Settings) -> dict[str, Any]:
    tokens = 2_000 if settings.quick else 100_000
    times: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    for rep in range(max(settings.reps, 5)):
        for name in rotate(list(CONTENDERS), rep):
            clean_slate()
            t0 = time.perf_counter()
            got = await CONTENDERS[name](tokens)
            times[name].append(time.perf_counter() - t0)
            assert got == tokens, f"{name} gave {got} tokens, not {tokens}"
    stream_extra = [
        a - b
        for a, b in zip(times["library stream limiter"], times["the same stream, unlimited"], strict=True)
    ]
    rows = {
        name: {
            "us_per_token": summary([t / tokens * 1e6 for t in ts]),
            "ratio_to_aiolimiter": ratios(ts, times["aiolimiter AsyncLimiter"]),
        }
        for name, ts in times.items()
    }
    rows["stream limiter, its own share"] = {
        "us_per_token": summary([t / tokens * 1e6 for t in stream_extra]),
        "ratio_to_aiolimiter": ratios(stream_extra, times["aiolimiter AsyncLimiter"]),
    }
    lib = rows["library TokenGate"]["us_per_token"]["median"]
    other = rows["aiolimiter AsyncLimiter"]["us_per_token"]["median"]
    log(settings, f"rate limits: TokenGate {lib:.2f} us/token, aiolimiter {other:.2f} us/token")
    return {"tokens": tokens, "rows": rows}


def schedule(seed: int, callers: int) -> list[float]:
    """Arrival times: bursts of 1 to 12 callers at once, then a pause of 0 to 3 s (a multiple of 1/8 s)."""
    rng = random.Random(seed)
    times: list[float] = []
    now = 0.0
    while len(times) < callers:
        times.extend([now] * rng.randint(1, 12))
        now += rng.choice([0.0, 0.125, 0.25, 0.5, 1.0, 3.0])  # binary fractions: exact in floats
    return times[:callers]


def _grants(make: Callable[[], Any], arrivals: list[float]) -> list[float]:
    """When each caller of ``arrivals`` got through ``make()``'s limiter, on the virtual-time loop."""

    async def main() -> list[float]:
        loop = asyncio.get_running_loop()
        limiter = make()
        granted: list[float] = []

        async def caller(at: float) -> None:
            await asyncio.sleep(at)
            if isinstance(limiter, TokenGate):
                await limiter.acquire()
            else:
                await limiter.acquire()  # aiolimiter: one unit of capacity, kept (never released)
            granted.append(loop.time())

        await asyncio.gather(*(caller(at) for at in arrivals))
        return sorted(granted)

    granted, _ = run_virtual(main)
    return granted


def _excess(policy: RateLimitPolicy, times: list[float]) -> float:
    """The most calls in any window beyond the envelope (0 when it holds everywhere)."""
    worst = 0.0
    for i in range(len(times)):
        for j in range(i, len(times)):
            worst = max(worst, (j - i + 1) - policy.envelope(times[j] - times[i]))
    return max(0.0, worst)


def _exactness(settings: Settings) -> dict[str, Any]:
    from aiolimiter import AsyncLimiter

    policy = RateLimitPolicy(tokens_per_second=8, burst_tokens=4)
    callers = 60 if settings.quick else 300
    arrivals = schedule(2026, callers)
    earliest = policy.earliest_starts(arrivals)
    makers: dict[str, Callable[[], Any]] = {
        "library TokenGate": lambda: TokenGate(policy),
        "aiolimiter AsyncLimiter": lambda: AsyncLimiter(
            policy.burst_tokens, policy.burst_tokens / policy.tokens_per_second
        ),
    }
    rows: dict[str, Any] = {}
    for name, make in makers.items():
        granted = _grants(make, arrivals)
        late = [g - e for g, e in zip(granted, earliest, strict=True)]
        rows[name] = {
            "excess_calls": _excess(policy, granted),
            "late_ms": summary([max(0.0, x) * 1000 for x in late]),
            "early_calls": sum(1 for x in late if x < -1e-6),
            "makespan_s": granted[-1],
        }
    log(settings, f"rate limits, exactness: {rows}")
    return {"callers": callers, "policy": repr(policy), "rows": rows, "bucket_makespan_s": earliest[-1]}


async def run(settings: Settings) -> dict[str, Any]:
    return {"overhead": await _overhead(settings), "exactness": _exactness(settings)}


def tables(result: dict[str, Any]) -> list[Table]:
    o = result["overhead"]
    t = Table(
        f"Rate limits: cost per acquired token, {o['tokens']:,} tokens, no waiting",
        ["runner", "us per token (median [min-max])", "x aiolimiter"],
    )
    for name, row in o["rows"].items():
        us = row["us_per_token"]
        t.add(
            name,
            f"{us['median']:.2f} [{us['min']:.2f}-{us['max']:.2f}]",
            fmt_ratio(row["ratio_to_aiolimiter"]),
        )
    e = result["exactness"]
    x = Table(
        f"Rate limits in virtual time: {e['callers']} callers in bursts, {e['policy']}; "
        f"the bucket's own schedule ends at {e['bucket_makespan_s']:.2f} s",
        ["limiter", "calls beyond the envelope", "late vs the bucket, ms (median [min-max])", "early calls",
         "last call at"],
    )  # fmt: skip
    for name, row in e["rows"].items():
        late = row["late_ms"]
        x.add(name, f"{row['excess_calls']:g}", f"{late['median']:.1f} [{late['min']:.1f}-{late['max']:.1f}]",
              row["early_calls"], f"{row['makespan_s']:.2f} s")  # fmt: skip
    return [t, x]
