"""What both demos share: the default database path, opening the store, and their error type.

The demos (:mod:`._user`, :mod:`._rag`) start the local service
(:mod:`funcpipe_rag.infra.service`) on a free loopback port, open a SQLite
file, build the real adapters on them, and hand those to the *same*
plan-building functions the notebooks run against fakes. This is shell code:
it owns the client, the connection and the service, drives the plans with
``perform_async``, and prints.

Setup problems (an unreadable corpus, a database that cannot be opened or
written) raise :class:`DemoError`, which the command line turns into one line
on stderr and exit status 2.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite

from funcpipe_rag.infra.adapters.sqlite import SqliteStore
from funcpipe_rag.result import Err, ErrInfo


class DemoError(Exception):
    """A problem with the demo's input or environment, described in one line."""


def describe(info: ErrInfo) -> str:
    """``CODE: msg`` — how the demos print an error."""
    return f"{info.code}: {info.msg}"


def _probe(path: Path) -> None:
    sqlite3.connect(path).close()


@contextlib.asynccontextmanager
async def open_store(path: Path) -> AsyncIterator[SqliteStore]:
    """Open ``path`` and yield a :class:`SqliteStore` known to accept writes; close it on exit.

    Raises :class:`DemoError` if the file cannot be opened or written.
    """
    try:
        # Probe with the synchronous driver first: when aiosqlite fails to open a file, its
        # worker thread can outlive the event loop and print a spurious traceback at exit.
        await asyncio.to_thread(_probe, path)
        conn = await aiosqlite.connect(path)
    except sqlite3.Error as exc:
        raise DemoError(f"cannot open database {path}: {exc}") from exc
    try:
        store = SqliteStore(conn)
        ready = await store.prepare()
        if isinstance(ready, Err):
            raise DemoError(f"database {path} cannot be written: {ready.error.msg}")
        yield store
    finally:
        await conn.close()  # also stops aiosqlite's worker thread, which would keep the process alive
