"""The lifts described as data: implementations, pure functions to lift, and wrong lifts.

:class:`LiftSet` names one implementation of the three lifts
(:data:`LIBRARY_LIFTS`, or a learner's). The pure functions are data
(:class:`Scale`, :class:`FailOn`, :class:`RaiseOn`, :class:`Upto`) so a
failing example reads well. :data:`WRONG_LIFTS` holds plausible wrong lifts,
each with the property of :mod:`._lift_laws` that catches it. Nothing here
imports Hypothesis.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from typing import Any

from funcpipe_rag.domain.errors import ErrorCode
from funcpipe_rag.result import Err, ErrInfo, Ok, Result
from funcpipe_rag.testing._specs import error
from funcpipe_rag.testing._wrong import WrongImpl


@dataclass(frozen=True)
class LiftSet:
    """One implementation of the three lifts, under a name."""

    name: str
    lift_sync: Callable[..., Any]
    lift_sync_with_executor: Callable[..., Any]
    lift_sync_gen_with_executor: Callable[..., Any]


def _library() -> LiftSet:
    from funcpipe_rag.domain.effects.async_ import lifts

    return LiftSet(
        "library", lifts.lift_sync, lifts.lift_sync_with_executor, lifts.lift_sync_gen_with_executor
    )


LIBRARY_LIFTS = _library()
"""The library's lifts."""


# ---- pure functions as data ---------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """``x ↦ Ok(x * k)``"""

    k: int

    def __call__(self, x: int) -> Result[int, ErrInfo]:
        return Ok(x * self.k)


@dataclass(frozen=True)
class FailOn:
    """``x ↦ Err(code)`` when ``x % m == r``, else ``Ok(x)``"""

    m: int
    r: int
    code: str = ErrorCode.VALIDATION.value

    def __call__(self, x: int) -> Result[int, ErrInfo]:
        return Err(error(self.code, x)) if x % self.m == self.r else Ok(x)


class Oops(Exception):
    """What :class:`RaiseOn` raises."""


@dataclass(frozen=True)
class RaiseOn:
    """``x ↦`` raise ``Oops`` when ``x % m == r``, else ``Ok(x)``"""

    m: int
    r: int

    def __call__(self, x: int) -> Result[int, ErrInfo]:
        if x % self.m == self.r:
            raise Oops(f"cannot handle {x}")
        return Ok(x)


@dataclass
class Upto:
    """``n ↦ Ok(items)``: the items ``0 .. n-1`` as a list, or a generator (which records its closing)."""

    lazy: bool
    closed: list[int] = field(default_factory=list)

    def __call__(self, n: int) -> Result[Any, ErrInfo]:
        if n < 0:
            return Err(error(ErrorCode.VALIDATION, n))
        if not self.lazy:
            return Ok(list(range(n)))
        return Ok(self._gen(n))

    def _gen(self, n: int) -> Iterator[int]:
        try:
            yield from range(n)
        finally:
            self.closed.append(n)


@dataclass
class Counted:
    """Wraps a function and counts its calls."""

    f: Callable[[int], Result[int, ErrInfo]]
    calls: int = 0

    def __call__(self, x: int) -> Result[int, ErrInfo]:
        self.calls += 1
        return self.f(x)


# ---- wrong lifts --------------------------------------------------------------------------------


def _async_lift(make: Callable[[], Any]) -> Any:
    from funcpipe_rag.domain.effects.async_.plan import async_lift

    return async_lift(make)


def _lift_eager(f: Callable[..., Any]) -> Callable[..., Any]:
    """Calls ``f`` while the plan is built, and replays that result (an exception becomes the right ``Err``).

    Every result is the right one; only the moment ``f`` runs is wrong, so only counting calls catches it.
    """
    from funcpipe_rag.domain.effects.async_ import lifts

    def lifted(*args: Any) -> Any:
        try:
            res = lifts._result_of(f, f(*args))
        except Exception as exc:
            res = lifts._raised(f, exc)

        async def done() -> Any:
            return res

        return _async_lift(done)

    return lifted


def _lift_lets_exceptions_escape(f: Callable[..., Any]) -> Callable[..., Any]:
    async def call(args: tuple[Any, ...]) -> Any:
        return f(*args)

    return lambda *args: _async_lift(lambda: call(args))


def _lift_wraps_result(f: Callable[..., Any]) -> Callable[..., Any]:
    """Treats ``f`` as a plain function: the plan finishes with ``Ok(f(x))``, a Result inside a Result."""

    async def call(args: tuple[Any, ...]) -> Any:
        return Ok(f(*args))

    return lambda *args: _async_lift(lambda: call(args))


def _lift_relabels_errors(f: Callable[..., Any]) -> Callable[..., Any]:
    """Turns an exception into ``Err`` with code ``SERVICE`` instead of ``UNEXPECTED``."""

    async def call(args: tuple[Any, ...]) -> Any:
        try:
            return f(*args)
        except Exception as exc:
            return Err(ErrInfo(ErrorCode.SERVICE, f"{type(exc).__name__}: {exc}"))

    return lambda *args: _async_lift(lambda: call(args))


def _gen_lift_drops_last(f: Callable[..., Any], ex: Executor) -> Callable[..., Any]:
    """Streams all the items but the last one."""
    from funcpipe_rag.domain.effects.async_ import lifts

    def lifted(*args: Any) -> Any:
        def shorter(*a: Any) -> Any:
            res = f(*a)
            return Ok(list(res.value)[:-1]) if isinstance(res, Ok) else res

        return lifts.lift_sync_gen_with_executor(shorter, ex)(*args)

    return lifted


_KEPT: list[Any] = []  # the generators the "reusing" wrong lift holds on to


def _gen_lift_never_closes(f: Callable[..., Any], ex: Executor) -> Callable[..., Any]:
    """Keeps the generator ``f`` returns (to "reuse" it) and never closes it when the stream stops early."""
    from funcpipe_rag.domain.effects.async_ import lifts

    class Unclosable:
        def __init__(self, it: Any) -> None:
            self.it = iter(it)

        def __iter__(self) -> Unclosable:
            return self

        def __next__(self) -> Any:
            return next(self.it)

    def lifted(*args: Any) -> Any:
        def hiding(*a: Any) -> Any:
            res = f(*a)
            if not isinstance(res, Ok):
                return res
            _KEPT.append(res.value)
            del _KEPT[:-8]
            return Ok(Unclosable(res.value))

        return lifts.lift_sync_gen_with_executor(hiding, ex)(*args)

    return lifted


def _with(name: str, **parts: Any) -> LiftSet:
    return replace(LIBRARY_LIFTS, name=name, **parts)


WRONG_LIFTS: dict[str, WrongImpl[LiftSet]] = {
    "lift runs at build": WrongImpl(
        _with("lift runs at build", lift_sync=_lift_eager),
        "a lift_sync that calls f while the plan is built",
        "building calls nothing",
    ),
    "lift lets exceptions escape": WrongImpl(
        _with("lift lets exceptions escape", lift_sync=_lift_lets_exceptions_escape),
        "a lift_sync that lets f's exception propagate",
        "exception becomes Err",
    ),
    "lift wraps the Result": WrongImpl(
        _with("lift wraps the Result", lift_sync=_lift_wraps_result),
        "a lift_sync that wraps f's Result in Ok",
        "equals from_result",
    ),
    "lift relabels errors": WrongImpl(
        _with("lift relabels errors", lift_sync=_lift_relabels_errors),
        "a lift_sync that reports an exception as SERVICE",
        "exception becomes Err",
    ),
    "stream lift drops the last item": WrongImpl(
        _with("stream lift drops the last item", lift_sync_gen_with_executor=_gen_lift_drops_last),
        "a lift_sync_gen_with_executor that loses the last item",
        "stream in order",
    ),
    "stream lift never closes": WrongImpl(
        _with("stream lift never closes", lift_sync_gen_with_executor=_gen_lift_never_closes),
        "a lift_sync_gen_with_executor that leaves f's generator open when stopped early",
        "stream closes its generator",
    ),
}
"""Wrong lifts, each caught by the property named in ``caught_by``."""
