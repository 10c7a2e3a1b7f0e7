"""Lifts: the pure synchronous core, used from plans and streams without changing it.

The RAG core (:mod:`funcpipe_rag.rag`) is synchronous and pure — no
``async def``, no ``await`` (a check in ``make test`` enforces it), testable
without an event loop. These lifts carry its ``Result``-returning functions
into the async world, unchanged:

* ``lift_sync(f)(*args)`` — a plan that calls ``f(*args)`` on the event
  loop's thread when run. For cheap steps: a long one stops the loop (no
  other task runs) until it returns.
* ``lift_sync_with_executor(f, executor)(*args)`` — a plan that runs
  ``f(*args)`` in ``executor`` and awaits it, so the loop keeps serving other
  tasks meanwhile. With a ``ThreadPoolExecutor`` the GIL still lets only one
  thread run Python code at a time: pure-Python work is *not* faster on
  threads, it only stops blocking the loop. A ``ProcessPoolExecutor`` runs it
  in parallel on other cores, at the price of pickling ``f``, the arguments
  and the result (``f`` must be a module-level function).
* ``lift_sync_gen_with_executor(f, executor)(*args)`` — a stream of the
  items of the list (or iterable) in ``f(*args)``'s ``Ok``. A list is
  computed in one executor call; any other iterable (a generator, say) is
  advanced one item per executor call as the stream is pulled, and closed
  when the run ends or stops early. With a process pool, return a list:
  generators cannot cross processes.

Every lift builds a description: nothing is called until the plan or stream
runs, and each run calls ``f`` again.

Errors. ``f`` returns ``Ok``/``Err``; its ``Err`` is the plan's result (or the
stream's one item). An ``Exception`` raised by ``f`` — or by the executor
(shut down, a broken process pool, an unpicklable argument) — becomes
``Err(ErrInfo(code="UNEXPECTED", msg="<ExceptionType>: <text>", stage=<f's
name>))``: the lift is a boundary, so a failure there is a value, like
``io_delay``'s. ``f`` returning something other than ``Ok``/``Err`` is a bug
in the caller and raises ``TypeError``. ``asyncio.CancelledError`` always
propagates.

Cancellation. Cancelling a plan that waits for an executor stops the
*waiting*; it cannot stop the job. A thread runs ``f`` to the end (Python has
no way to interrupt a thread) and a process pool does not stop a running
call either; the result is thrown away. Bound the work inside ``f`` itself
(smaller steps, a deadline argument it checks) when that matters.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor
from contextlib import suppress
from functools import partial
from typing import Any, TypeVar

from funcpipe_rag.domain.effects.async_._nodes import AsyncPlan
from funcpipe_rag.domain.effects.async_._stream_nodes import (
    AWAIT,
    DONE,
    AsyncGen,
    Cursor,
    StreamNode,
    new,
)
from funcpipe_rag.domain.effects.async_.plan import async_lift
from funcpipe_rag.domain.errors import ErrorCode
from funcpipe_rag.result import Err, ErrInfo, Ok, Result

__all__ = ["LIFT_ERROR_CODE", "lift_sync", "lift_sync_gen_with_executor", "lift_sync_with_executor"]

T = TypeVar("T")

LIFT_ERROR_CODE = ErrorCode.UNEXPECTED
"""The code of the ``Err`` a lift returns when the lifted function (or its executor) raises."""


def _name(f: object) -> str:
    return getattr(f, "__qualname__", None) or getattr(f, "__name__", None) or type(f).__name__


def _raised(f: object, exc: Exception) -> Err[ErrInfo]:
    return Err(ErrInfo.from_exception(exc, code=LIFT_ERROR_CODE, stage=_name(f)))


def _result_of(f: object, value: object) -> Result[Any, ErrInfo]:
    cls = type(value)
    if cls is Ok or cls is Err:
        return value  # type: ignore[return-value]
    if isinstance(value, Ok | Err):
        return Ok(value.value) if isinstance(value, Ok) else Err(value.error)
    raise TypeError(
        f"{_name(f)} returned {cls.__name__} {value!r:.60}; a lifted function must return Ok(...) or "
        "Err(...) — wrap a plain function as `lambda *a: Ok(g(*a))`"
    )


def _need_callable(f: object, where: str) -> None:
    if not callable(f):
        raise TypeError(f"{where} expects a function, got {type(f).__name__}")


def _need_executor(executor: object, where: str) -> None:
    if not isinstance(executor, Executor):
        raise TypeError(
            f"{where} expects a concurrent.futures.Executor (ThreadPoolExecutor, ProcessPoolExecutor), "
            f"got {type(executor).__name__}"
        )


async def _call_here(
    f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Result[Any, ErrInfo]:
    try:
        value = f(*args, **kwargs)
    except Exception as exc:
        return _raised(f, exc)
    return _result_of(f, value)


async def _call_in(executor: Executor, f: Callable[..., Any], call: Callable[[], Any]) -> tuple[bool, Any]:
    """``(True, value)`` from running ``call`` in ``executor``, or ``(False, Err)`` if it raised."""
    try:
        return True, await asyncio.get_running_loop().run_in_executor(executor, call)
    except Exception as exc:
        return False, _raised(f, exc)


async def _result_in(
    executor: Executor, f: Callable[..., Any], call: Callable[[], Any]
) -> Result[Any, ErrInfo]:
    ok, value = await _call_in(executor, f, call)
    return _result_of(f, value) if ok else value


def lift_sync(f: Callable[..., Result[T, ErrInfo]]) -> Callable[..., AsyncPlan[T]]:
    """``lift_sync(f)(*args, **kwargs)`` is the plan that calls ``f(*args, **kwargs)`` when run.

    The call happens on the event loop's thread, once per run; the plan's
    result is ``f``'s ``Result``. For a pure ``f`` that does not raise,
    ``lift_sync(f)(x)`` runs like ``async_from_result(f(x))``. An exception
    from ``f`` becomes ``Err`` with code ``UNEXPECTED`` (see the module).
    """
    _need_callable(f, "lift_sync")

    def lifted(*args: Any, **kwargs: Any) -> AsyncPlan[T]:
        return async_lift(lambda: _call_here(f, args, kwargs))

    return lifted


def lift_sync_with_executor(
    f: Callable[..., Result[T, ErrInfo]], executor: Executor
) -> Callable[..., AsyncPlan[T]]:
    """``lift_sync_with_executor(f, ex)(*args, **kwargs)``: the plan that runs ``f`` in ``ex`` and awaits it.

    The event loop stays free while ``f`` runs. Exceptions from ``f`` or the
    executor become ``Err`` with code ``UNEXPECTED``; cancelling the plan
    stops the waiting but not the job (see the module).
    """
    _need_callable(f, "lift_sync_with_executor")
    _need_executor(executor, "lift_sync_with_executor")

    def lifted(*args: Any, **kwargs: Any) -> AsyncPlan[T]:
        call = partial(f, *args, **kwargs)  # picklable when f is: process pools need that
        return async_lift(lambda: _result_in(executor, f, call))

    return lifted


def lift_sync_gen_with_executor(
    f: Callable[..., Result[Iterable[T], ErrInfo]], executor: Executor
) -> Callable[..., AsyncGen[T]]:
    """``lift_sync_gen_with_executor(f, ex)(*args)`` is the stream of the items ``f(*args)`` returns.

    ``f`` runs in ``ex`` when the stream is first pulled. On ``Ok(items)`` the
    stream yields ``Ok(item)`` for every item, in order: a list or tuple at
    once, any other iterable one executor call per item, closed when the run
    ends or is closed early. On ``Err`` the stream is that one ``Err``. An
    exception from ``f``, from advancing its iterable, or from the executor
    becomes one last ``Err`` item with code ``UNEXPECTED``.
    """
    _need_callable(f, "lift_sync_gen_with_executor")
    _need_executor(executor, "lift_sync_gen_with_executor")

    def lifted(*args: Any, **kwargs: Any) -> AsyncGen[T]:
        node: _ExecutorItems[T] = new(_ExecutorItems)
        node.f = f
        node.executor = executor
        node.call = partial(f, *args, **kwargs)
        return node

    return lifted


_END = object()


def _advance(it: Iterator[Any]) -> Any:
    return next(it, _END)  # StopIteration cannot travel through a Future


def _close_quietly(it: Any) -> None:
    # ValueError: still running a step that a cancellation abandoned; it finishes on its own.
    with suppress(ValueError):
        it.close()


class _ExecutorItems(StreamNode[T]):
    __slots__ = ("call", "executor", "f")
    f: Callable[..., Any]
    executor: Executor
    call: Callable[[], Any]

    def cursor(self) -> Cursor:
        c: _ExecutorItemsCursor = new(_ExecutorItemsCursor)
        c.node = self
        c.items = None
        c.index = 0
        c.it = None
        c.state = 0
        return c


class _ExecutorItemsCursor(Cursor):
    __slots__ = ("index", "it", "items", "node", "state")
    node: _ExecutorItems[Any]
    items: tuple[Any, ...] | list[Any] | None
    index: int
    it: Iterator[Any] | None
    state: int  # 0 not started, 1 calling f, 2 listing items, 3 advancing the iterator, 4 finished

    def pull(self) -> Any:
        state = self.state
        if state == 0:
            self.state = 1
            self.pending = _call_in(self.node.executor, self.node.f, self.node.call)
            return AWAIT
        if state == 2:
            items = self.items
            assert items is not None
            if self.index < len(items):
                self.index += 1
                return Ok(items[self.index - 1])
            self.state = 4
            return DONE
        if state == 3:
            assert self.it is not None
            self.pending = _call_in(self.node.executor, self.node.f, partial(_advance, self.it))
            return AWAIT
        return DONE

    def resume(self, value: Any) -> Any:
        ok, got = value
        if not ok:
            self._finish()
            return got  # the Err of an exception: the last item
        if self.state == 1:
            res = _result_of(self.node.f, got)
            if isinstance(res, Err):
                self.state = 4
                return res
            if isinstance(res.value, list | tuple):
                self.items, self.state = res.value, 2
            else:
                self.it, self.state = iter(res.value), 3
            return self.pull()
        if got is _END:
            self._finish()
            return DONE
        return Ok(got)

    def _finish(self) -> None:
        self.state = 4

    def drained(self) -> bool:
        if self.state == 2 and self.items is not None:
            return self.index >= len(self.items)
        return self.state == 4

    def close(self, exc: BaseException | None) -> Any:
        it, self.it = self.it, None
        if it is None or not hasattr(it, "close"):
            return None
        # The generator may still be running a step in a worker thread: close it there, after that step.
        try:
            return asyncio.get_running_loop().run_in_executor(self.node.executor, _close_quietly, it)
        except RuntimeError:  # the executor is already shut down: nothing runs the generator any more
            _close_quietly(it)
            return None
