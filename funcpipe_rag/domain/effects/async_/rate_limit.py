"""Rate limits and fair merges of streams (Core 6): policies as data, operators run by the stream interpreter.

``RateLimitPolicy(tokens_per_second, burst_tokens)`` is a token bucket:
it holds at most ``burst_tokens`` tokens, gains ``tokens_per_second`` of
them every second, and starts full. ``async_gen_rate_limited(stream,
policy)`` takes one token before *each pull of* ``stream`` — so when
``stream`` makes a call per item (``async_gen_map_action``, a bounded map
placed *after* the limiter), it is the calls that are limited, not the
results that come out of them. The law, for calls ``k`` to ``m`` made at
times ``t_k <= t_m`` (``r`` the rate, ``b`` the burst)::

    m - k + 1  <=  r * (t_m - t_k) + b          (every window holds at most r·w + b calls)

and the limiter is *exact*: each pull starts at the earliest moment the
bucket allows, not later (see :meth:`RateLimitPolicy.earliest_starts`).
A pull that is known to find only the end of ``stream`` takes no token.
Calls that are not a stream's pulls (an adapter's methods, called from many
tasks) share one bucket through a :class:`TokenGate`.

``FairnessPolicy(weights, max_buffer_per_stream)`` says how to share one
consumer between several streams (tenants): stream ``i`` gets ``weights[i]``
turns for every one turn of a stream of weight 1. ``async_gen_fair_merge(
streams, policy)`` runs every stream at once — one outstanding pull per
stream, at most ``max_buffer_per_stream`` items waiting per stream — and
emits the waiting item of the stream that has had the least service for its
weight. Its guarantees, where ``a_i`` counts the items emitted from stream
``i`` so far:

* **weighted shares** — while every stream has an item ready,
  ``|a_i/w_i - a_j/w_j| <= 1`` after every emission;
* **no stall** — an item that is waiting is emitted without waiting for any
  other stream: a slow stream, one that never answers, one that has ended or
  one whose items are ``Err`` never holds the others back (the merge waits
  only when no stream has anything);
* **no starvation** — a stream that becomes ready again competes from the
  others' level of service, neither owed a burst for the time it was idle
  nor pushed to the back;
* **bounded buffers** — at most ``max_buffer_per_stream`` items of each stream
  are held, plus one pull in flight per stream;
* **closing** — closing the merge early (or a failure) cancels every pull in
  flight and closes every stream, leaving no task.

A stream is *ready* when it has an item waiting, or produces one within one
turn of the event loop (a list, a pure map: anything that does not wait on
time or I/O). ``Err`` items are items: they are emitted in their turn and
count towards their stream's share. An exception from a stream is a bug: it
ends the merge (after every other stream is closed) and propagates.

Both operators read time through a :class:`ResilienceEnv` (``clock`` and
``sleep``, by default the running loop's one clock), so under the
virtual-time loop of :mod:`funcpipe_rag.testing` a thousand seconds of rate
limiting run in no real time, and the clock the bucket reads is the clock
its sleeps move. Both are stream nodes: building one starts nothing; each
run starts its own pulls and closes them.

Where the course's versions differ: its limiter is placed on the merged
*output* of concurrent calls, so the calls themselves still go out in bursts
as wide as the upstream concurrency; and its fair merge pulls the streams in
turn, so one slow tenant stalls every other. Here the limiter gates the
pull that makes the call, and the merge races one pull per stream.

Pure: this module describes operators; their tasks start only while a shell
drives the stream.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from funcpipe_rag.domain.effects.async_._racing import Pull, Waker, close_pulls
from funcpipe_rag.domain.effects.async_._stream_interpreter import StreamRun
from funcpipe_rag.domain.effects.async_._stream_nodes import (
    AWAIT,
    DONE,
    EXHAUSTED,
    AsyncGen,
    Cursor,
    StreamNode,
    new,
)
from funcpipe_rag.domain.effects.async_.resilience import ResilienceEnv, loop_clock
from funcpipe_rag.result import ErrInfo, Result

__all__ = [
    "FairnessPolicy",
    "RateLimitPolicy",
    "TokenGate",
    "async_gen_fair_merge",
    "async_gen_rate_limited",
]

A = TypeVar("A")


# ---- the token bucket ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RateLimitPolicy:
    """A token bucket: at most ``burst_tokens`` at once, refilled at ``tokens_per_second``; starts full.

    * ``tokens_per_second`` — the sustained rate, a number greater than 0
      (``0.5`` is one call every two seconds);
    * ``burst_tokens`` — how many calls may go out back to back after a quiet
      spell, an int of at least 1 (``1``: strictly spaced calls).

    In any window of ``w`` seconds at most ``tokens_per_second * w +
    burst_tokens`` tokens are taken. Invalid values raise ``TypeError`` or
    ``ValueError`` saying what to change.
    """

    tokens_per_second: float
    burst_tokens: int = 1

    def __post_init__(self) -> None:
        rate = self.tokens_per_second
        if isinstance(rate, bool) or not isinstance(rate, int | float):
            raise TypeError(f"RateLimitPolicy.tokens_per_second must be a number, got {type(rate).__name__}")
        if not math.isfinite(rate) or rate <= 0:
            raise ValueError(
                f"RateLimitPolicy.tokens_per_second must be a finite number greater than 0, got {rate!r}; "
                "for one call every 2 s, use 0.5"
            )
        burst = self.burst_tokens
        if isinstance(burst, bool) or not isinstance(burst, int):
            raise TypeError(f"RateLimitPolicy.burst_tokens must be an int, got {type(burst).__name__}")
        if burst < 1:
            raise ValueError(
                f"RateLimitPolicy.burst_tokens must be at least 1, got {burst}; "
                "1 spaces every call evenly, more allows that many back to back"
            )

    def envelope(self, window_s: float) -> float:
        """The most tokens any window of ``window_s`` seconds may hold: ``rate * window_s + burst``."""
        return self.tokens_per_second * window_s + self.burst_tokens

    def earliest_starts(self, requests: Iterable[float]) -> list[float]:
        """When each of a series of takes is granted, asked for at the times ``requests`` (non-decreasing).

        Take ``k`` is granted at ``max(requests[k], grant[k-1])`` or later if the
        bucket is empty then: the reference an exact limiter must match (the
        property tests compare the limiter's pulls with it).
        """
        bucket = _Bucket(self)
        starts: list[float] = []
        last = -math.inf
        for t in requests:
            now = max(t, last)
            last = now + bucket.take(now)
            starts.append(last)
        return starts


class _Bucket:
    """The running state of one bucket: tokens as of ``stamp``, possibly negative while a take waits."""

    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, policy: RateLimitPolicy) -> None:
        self.rate = float(policy.tokens_per_second)
        self.burst = float(policy.burst_tokens)
        self.tokens = self.burst
        self.stamp: float | None = None

    def take(self, now: float) -> float:
        """Take one token at ``now``: how many seconds to wait before using it (0 if one is there).

        The token is reserved at once (the balance may go below zero), so the
        wait is exact whatever the clock's rounding, and the cap applies only
        to tokens saved while idle.
        """
        if self.stamp is not None:
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        self.tokens -= 1.0
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


def _clock_and_sleep(env: ResilienceEnv | None) -> tuple[Any, Any]:
    if env is None:
        return loop_clock, asyncio.sleep
    return env.clock, env.sleep


class TokenGate:
    """One token bucket shared by every call that passes through it, for callers that are not a stream.

    ``await gate.acquire()`` returns when the caller may make its call:
    at once while tokens remain, else after the exact wait. Concurrent
    callers are served in the order they asked, and together never take
    more than ``policy.envelope(w)`` tokens in any ``w`` seconds, because
    each reservation is made in one step of the event loop. Time is read
    with ``env.clock`` and waited with ``env.sleep`` (default: the running
    loop's). A gate holds running state: make one per client, in the shell
    that owns the client, and share it between the calls to be limited
    together. A caller cancelled while waiting still used its token.
    """

    __slots__ = ("_bucket", "_clock", "_sleep", "policy")

    def __init__(self, policy: RateLimitPolicy, env: ResilienceEnv | None = None) -> None:
        if not isinstance(policy, RateLimitPolicy):
            raise TypeError(f"TokenGate expects a RateLimitPolicy, got {type(policy).__name__}")
        self.policy = policy
        self._bucket = _Bucket(policy)
        self._clock, self._sleep = _clock_and_sleep(env)

    async def acquire(self) -> float:
        """Wait until this caller's token is due (no wait while the bucket has one); return when it was due.

        The due times of a gate's callers keep the envelope exactly. The
        moment a caller actually resumes may be later, when the machine is
        busy (as with any limiter that sleeps), never earlier.
        """
        now: float = self._clock()
        wait = self._bucket.take(now)
        if wait > 0:
            await self._sleep(wait)
        return now + wait

    def __repr__(self) -> str:
        return f"TokenGate({self.policy!r})"


class RateLimited(StreamNode[A]):
    """The node ``async_gen_rate_limited`` builds: ``stream`` pulled at most as fast as ``policy`` allows."""

    __slots__ = ("env", "policy", "stream")
    stream: AsyncGen[A]
    policy: RateLimitPolicy
    env: ResilienceEnv | None

    def cursor(self) -> Cursor:
        c: _RateLimitedCursor = new(_RateLimitedCursor)
        c.node = self
        c.run = None
        c.bucket = _Bucket(self.policy)
        c.sleeping = False
        c.clock, c.sleep = _clock_and_sleep(self.env)
        return c

    def __repr__(self) -> str:
        return f"<AsyncGen rate_limited {self.policy!r}>"


class _RateLimitedCursor(Cursor):
    __slots__ = ("bucket", "clock", "node", "run", "sleep", "sleeping")
    node: RateLimited[Any]
    run: StreamRun[Any] | None
    bucket: _Bucket
    sleeping: bool
    clock: Any
    sleep: Any
    RESUME_PASSES = True  # the items of a pull come back unchanged; a sleep resumes with None

    def pull(self) -> Any:
        run = self.run
        if run is None:
            run = self.run = StreamRun(self.node.stream)
        elif run.known_drained():
            return DONE  # no token for a pull that would only find the end
        wait = self.bucket.take(self.clock())
        if wait > 0:
            self.sleeping = True
            self.pending = self.sleep(wait)
        else:
            self.pending = run.__anext__()
        return AWAIT

    def resume(self, value: Any) -> Any:
        if self.sleeping:
            self.sleeping = False
            assert self.run is not None
            self.pending = self.run.__anext__()
            return AWAIT
        if value is EXHAUSTED:
            return DONE
        return value

    def drained(self) -> bool:
        run = self.run
        return run is not None and run.known_drained()

    def close(self, exc: BaseException | None) -> Awaitable[None] | None:
        run, self.run = self.run, None
        return run.aclose() if run is not None else None


def async_gen_rate_limited(
    stream: AsyncGen[A], policy: RateLimitPolicy, *, env: ResilienceEnv | None = None
) -> AsyncGen[A]:
    """``stream``'s items, each pull of ``stream`` waiting for a token of ``policy``'s bucket.

    Place it *before* the call you want to limit:
    ``async_gen_map_action(async_gen_rate_limited(ids, policy), fetch)`` makes
    at most ``rate * w + burst`` fetches in any ``w`` seconds, as does a
    bounded map reading from the limited stream. Limiting the *output* of a
    concurrent map instead lets its calls out in bursts.

    Each run has its own full bucket. The wait reads ``env.clock`` and
    sleeps with ``env.sleep`` (default: the running loop's clock and
    ``asyncio.sleep``). ``Err`` items pass through and count as calls.
    Closing the run closes ``stream``, also while waiting for a token.
    """
    if not callable(stream):
        raise TypeError(
            f"async_gen_rate_limited expects an AsyncGen, got {type(stream).__name__}; "
            "pass the stream itself, not stream()"
        )
    if not isinstance(policy, RateLimitPolicy):
        raise TypeError(
            f"async_gen_rate_limited expects a RateLimitPolicy, got {type(policy).__name__}; "
            "e.g. RateLimitPolicy(tokens_per_second=5, burst_tokens=2)"
        )
    if env is not None and not isinstance(env, ResilienceEnv):
        raise TypeError(f"env must be a ResilienceEnv or None, got {type(env).__name__}")
    node: RateLimited[A] = new(RateLimited)
    node.stream = stream
    node.policy = policy
    node.env = env
    return node


# ---- the fair merge --------------------------------------------------------------------


def _weights(weights: object) -> tuple[tuple[int, float], ...]:
    if weights is None:
        return ()
    if isinstance(weights, Mapping):
        pairs = list(weights.items())
    elif isinstance(weights, Sequence) and not isinstance(weights, str | bytes):
        pairs = list(enumerate(weights))
    else:
        raise TypeError(
            f"FairnessPolicy.weights must be a sequence of numbers (one per stream) or a mapping "
            f"stream index -> number, got {type(weights).__name__}"
        )
    out: dict[int, float] = {}
    for index, w in pairs:
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise TypeError(f"FairnessPolicy.weights: stream indices are ints from 0, got {index!r}")
        if isinstance(w, bool) or not isinstance(w, int | float) or not math.isfinite(w):
            raise TypeError(f"FairnessPolicy.weights[{index}] must be a finite number, got {w!r}")
        if w < 1:
            raise ValueError(
                f"FairnessPolicy.weights[{index}] is {w!r}; weights are relative shares of at least 1 "
                "(scale them so that the smallest is 1: (0.25, 0.75) becomes (1, 3))"
            )
        out[index] = float(w)
    return tuple(sorted(out.items()))


@dataclass(frozen=True, slots=True)
class FairnessPolicy:
    """How ``async_gen_fair_merge`` shares its consumer between streams.

    * ``weights`` — the relative share of each stream: a sequence (one number
      per stream, in order) or a mapping ``stream index -> number``; a stream
      not listed has weight 1. Each weight is at least 1 (so that the share
      law's bound of one item holds); stored as sorted ``(index, weight)`` pairs;
    * ``max_buffer_per_stream`` — how many items of one stream may wait to be
      emitted, an int of at least 1; the merge stops pulling a stream whose
      buffer is full.
    """

    weights: Any = ()
    max_buffer_per_stream: int = 16
    _table: dict[int, float] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        pairs = _weights(self.weights)
        object.__setattr__(self, "weights", pairs)
        object.__setattr__(self, "_table", dict(pairs))
        size = self.max_buffer_per_stream
        if isinstance(size, bool) or not isinstance(size, int):
            raise TypeError(f"FairnessPolicy.max_buffer_per_stream must be an int, got {type(size).__name__}")
        if size < 1:
            raise ValueError(f"FairnessPolicy.max_buffer_per_stream must be at least 1, got {size}")

    def weight(self, index: int) -> float:
        """The weight of stream ``index`` (1 when the policy does not list it)."""
        return self._table.get(index, 1.0)


_DEFAULT_FAIRNESS = FairnessPolicy()


class FairMerge(StreamNode[A]):
    """The node ``async_gen_fair_merge`` builds: ``streams`` run at once, emitted by weighted turns."""

    __slots__ = ("policy", "streams")
    streams: tuple[AsyncGen[A], ...]
    policy: FairnessPolicy

    def cursor(self) -> Cursor:
        c: FairMergeCursor = new(FairMergeCursor)
        c.setup(self.streams, self.policy)
        return c

    def __repr__(self) -> str:
        return f"<AsyncGen fair_merge of {len(self.streams)} streams, {self.policy!r}>"


class _Lane:
    """One stream of a fair merge: its one outstanding pull, the items waiting, its service so far."""

    __slots__ = ("buffer", "idle", "index", "puller", "served", "weight")

    def __init__(self, index: int, stream: AsyncGen[Any], weight: float, waker: Waker) -> None:
        self.index = index
        self.weight = weight
        self.idle = False  # passed over for want of an item: it rejoins at the others' level
        self.puller: Pull[Any] = Pull(stream, waker)
        self.buffer: deque[Result[Any, ErrInfo]] = deque()
        self.served = 0.0  # items emitted, in units of this lane's weight (raised when it comes back idle)

    @property
    def live(self) -> bool:
        return bool(self.buffer) or not self.puller.exhausted

    def key(self) -> float:
        """The service this lane would have after its next emission: the lowest goes first."""
        return self.served + 1.0 / self.weight


class FairMergeCursor(Cursor):
    """The running state of one fair merge (see the module docstring for what it guarantees).

    Every decision is taken in :meth:`step`, in the consumer's task; the pull
    tasks only wake the consumer (the racing pieces of :mod:`._racing`, shared
    with the bounded map, the merge and the batcher).
    """

    __slots__ = ("lanes", "limit", "waker", "yielded")
    lanes: list[_Lane]
    limit: int
    waker: Waker
    yielded: bool

    def setup(self, streams: Sequence[AsyncGen[Any]], policy: FairnessPolicy) -> None:
        waker = self.waker = Waker()
        self.lanes = [_Lane(i, s, policy.weight(i), waker) for i, s in enumerate(streams)]
        self.limit = policy.max_buffer_per_stream
        self.yielded = False

    def pull(self) -> Any:
        return self.step()

    def resume(self, value: Any) -> Any:
        return self.step()

    def drained(self) -> bool:
        return not any(lane.live for lane in self.lanes)

    def _collect(self) -> None:
        """Move the items of finished pulls into their buffers; start the pulls there is room for."""
        lanes = self.lanes
        for lane in lanes:
            if lane.puller.ready:
                item = lane.puller.take()  # an exception of the stream is a bug: it ends the merge
                if item is None:
                    continue
                if lane.idle:
                    self._rejoin(lane)
                lane.buffer.append(item)
        for lane in lanes:
            if lane.puller.idle and len(lane.buffer) < self.limit:
                lane.puller.start()

    def _rejoin(self, lane: _Lane) -> None:
        """A lane that was passed over for want of an item has one again: it competes from the others' level.

        Without this, a lane idle for a long time would be owed every turn it
        missed and take them all at once. Only a lane that was passed over is
        raised, and never above the least service of a ready lane, so
        ``served_i <= served_j + 1/w_j`` keeps holding for every pair; while
        every lane is ready none is passed over, and the service of each is
        exactly its count over its weight.
        """
        lane.idle = False
        others = [other.served for other in self.lanes if other is not lane and other.buffer]
        if others:
            lane.served = max(lane.served, min(others))

    def choose(self, candidates: Iterable[_Lane]) -> _Lane | None:
        """The lane with the least service after its next emission; the earliest stream on a tie."""
        best: _Lane | None = None
        best_key = math.inf
        for lane in candidates:
            k = lane.key()
            if k < best_key:
                best, best_key = lane, k
        return best

    def emit(self, lane: _Lane) -> Result[Any, ErrInfo]:
        item = lane.buffer.popleft()
        lane.served += 1.0 / lane.weight
        self.yielded = False
        if lane.puller.idle:
            lane.puller.start()  # refill while the consumer works on this item
        return item

    def step(self) -> Any:
        self._collect()
        live = [lane for lane in self.lanes if lane.live]
        if not live:
            return DONE
        first = self.choose(live)
        assert first is not None
        if first.buffer:
            return self.emit(first)
        if not self.yielded:
            # One turn of the loop lets a stream whose pull needs no waiting deliver, so that "ready"
            # means the same on every run and a list or a pure map keeps its share.
            self.yielded = True
            self.pending = asyncio.sleep(0)
            return AWAIT
        ready = self.choose(lane for lane in live if lane.buffer)
        if ready is not None:
            turn = (ready.key(), ready.index)
            for lane in live:
                if not lane.buffer and (lane.key(), lane.index) < turn:
                    lane.idle = True  # its turn goes to a ready lane: it is not owed it later
            return self.emit(ready)
        self.pending = self.waker.wait()
        return AWAIT

    def close(self, exc: BaseException | None) -> Awaitable[None]:
        for lane in self.lanes:
            lane.buffer.clear()
        return close_pulls([lane.puller for lane in self.lanes])


def async_gen_fair_merge(streams: Iterable[AsyncGen[A]], policy: FairnessPolicy | None = None) -> AsyncGen[A]:
    """The items of every stream of ``streams``, interleaved by weighted fair turns (see the module).

    ``streams`` is read into a tuple when the merge is built; stream ``i``
    has weight ``policy.weight(i)`` (default: all 1, equal turns, at most 16
    items waiting per stream). Each stream keeps its own order; the merge
    ends when every stream has ended. Building starts nothing; each run
    starts one pull per stream and closes every stream when it ends, fails
    or is closed.
    """
    frozen = tuple(streams)
    for i, s in enumerate(frozen):
        if not callable(s):
            raise TypeError(
                f"async_gen_fair_merge: stream {i} is a {type(s).__name__}, not an AsyncGen; "
                "pass the streams themselves, not stream()"
            )
    if policy is not None and not isinstance(policy, FairnessPolicy):
        raise TypeError(
            f"async_gen_fair_merge expects a FairnessPolicy or None, got {type(policy).__name__}; "
            "e.g. FairnessPolicy(weights=(2, 1))"
        )
    node: FairMerge[A] = new(FairMerge)
    node.streams = frozen
    node.policy = policy if policy is not None else _DEFAULT_FAIRNESS
    return node
