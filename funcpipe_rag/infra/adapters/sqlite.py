"""``SqliteStore``: the ``DbCap`` and ``ChunkStoreCap`` ports on an ``aiosqlite`` connection.

The shell opens the connection, hands it in, and closes it::

    async with aiosqlite.connect(path) as conn:
        store = SqliteStore(conn)
        result = await perform_async(async_user_pipeline("1", http, store))

Contract of every method:

* The schema is created on first use (``CREATE TABLE IF NOT EXISTS``), so a
  fresh file needs no set-up step.
* Writes are upserts by a stable id — a user's ``id``, a chunk's
  content-derived :func:`~funcpipe_rag.domain.chunk_ids.chunk_id` — inside one
  transaction per call. Writing the same data again changes nothing, which is
  what makes replaying a plan or re-running a demo safe.
* Every ``sqlite3.Error`` (cannot open, read-only, locked, corrupt, disk
  full) comes back as ``Err(ErrInfo(ErrorCode.DB, ...))`` with path ``("db", table)``;
  a failed write is rolled back, so no call leaves half of its rows behind.
* Writes of one store are serialised by an ``asyncio.Lock``: aiosqlite runs
  statements one at a time, but without the lock two coroutines' statements
  could interleave inside one transaction.
* A user's ``email`` may be ``None`` (``validate_user`` accepts a record
  without one). A database file made when the column was ``NOT NULL`` is
  migrated in place the first time the store touches it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import aiosqlite

from funcpipe_rag.domain.chunk_ids import chunk_id
from funcpipe_rag.domain.errors import ErrorCode
from funcpipe_rag.domain.user_model import UserProfile
from funcpipe_rag.rag.types import ChunkText, EmbeddedChunk, Embedding
from funcpipe_rag.result import Err, ErrInfo, Ok, Result

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id    TEXT PRIMARY KEY,
    name  TEXT NOT NULL,
    email TEXT                    -- NULL: the user has no email
);
CREATE TABLE IF NOT EXISTS chunks (
    id     TEXT PRIMARY KEY,      -- chunk_id: a hash of model and text
    doc_id TEXT NOT NULL,
    idx    INTEGER NOT NULL,
    text   TEXT NOT NULL,
    start  INTEGER NOT NULL,
    stop   INTEGER NOT NULL,
    model  TEXT NOT NULL,
    vector TEXT NOT NULL          -- JSON array; floats round-trip exactly
);
"""

# Files written before users.email could be NULL: rebuild the table, keeping its rows and their order.
_NULLABLE_EMAIL = """
BEGIN;
ALTER TABLE users RENAME TO users_with_required_email;
CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT);
INSERT INTO users (rowid, id, name, email) SELECT rowid, id, name, email FROM users_with_required_email;
DROP TABLE users_with_required_email;
COMMIT;
"""

_UPSERT_USER = """
INSERT INTO users (id, name, email) VALUES (?, ?, ?)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email
WHERE users.name IS NOT excluded.name OR users.email IS NOT excluded.email
"""

_INSERT_CHUNK = """
INSERT INTO chunks (id, doc_id, idx, text, start, stop, model, vector) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO NOTHING
"""

T = TypeVar("T")


class SqliteStore:
    """Users and embedded chunks in one SQLite database, reached through an injected connection."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._ready = False
        self._write_lock = asyncio.Lock()

    async def _ensure_schema(self) -> None:
        if self._ready:
            return
        await self._conn.executescript(SCHEMA)
        columns = await self._conn.execute_fetchall("PRAGMA table_info(users)")
        if any(col[1] == "email" and col[3] for col in columns):  # (cid, name, type, notnull, ...)
            await self._conn.executescript(_NULLABLE_EMAIL)
        self._ready = True

    async def _guarded(
        self, table: str, work: Callable[[], Awaitable[T]], *, write: bool
    ) -> Result[T, ErrInfo]:
        """Run ``work`` on a database with the schema in place; any ``sqlite3.Error`` becomes ``Err(DB)``.

        The one place the store maps failures: the path is ``("db", table)``.
        A write holds the store's lock, commits when ``work`` is done, and is
        rolled back when it fails, so no call leaves half of its rows behind.
        """
        async with self._write_lock if write else contextlib.nullcontext():
            try:
                await self._ensure_schema()
                value = await work()
                if write:
                    await self._conn.commit()
            except sqlite3.Error as exc:
                if write:
                    with contextlib.suppress(sqlite3.Error):  # the original error is the one worth reporting
                        await self._conn.rollback()
                return Err(ErrInfo.from_exception(exc, code=ErrorCode.DB, path=("db", table)))
        return Ok(value)

    async def prepare(self) -> Result[None, ErrInfo]:
        """Create the schema if needed and check that the database accepts writes.

        Optional — every other method creates the schema itself — but a shell
        can call it first to report an unwritable file before doing any work.
        """

        async def probe() -> None:
            await self._conn.execute("BEGIN IMMEDIATE")  # takes the write lock, or fails

        return await self._guarded("schema", probe, write=True)

    # ---- DbCap -------------------------------------------------------------------------

    async def save_user(self, user: UserProfile) -> Result[None, ErrInfo]:
        """Upsert ``user`` by its id; saving an identical user again changes nothing."""

        async def upsert() -> None:
            await self._conn.execute(_UPSERT_USER, (user.id, user.name, user.email))

        return await self._guarded("users", upsert, write=True)

    async def load_user(self, user_id: str) -> Result[UserProfile | None, ErrInfo]:
        """The stored user with ``user_id``, or ``Ok(None)`` if there is none."""

        async def select() -> UserProfile | None:
            query = "SELECT id, name, email FROM users WHERE id = ?"
            rows = await self._conn.execute_fetchall(query, (user_id,))
            return next((UserProfile(id=r[0], name=r[1], email=r[2]) for r in rows), None)

        return await self._guarded("users", select, write=False)

    async def all_users(self) -> Result[list[UserProfile], ErrInfo]:
        """Every stored user, in the order first saved."""

        async def select() -> list[UserProfile]:
            rows = await self._conn.execute_fetchall("SELECT id, name, email FROM users ORDER BY rowid")
            return [UserProfile(id=r[0], name=r[1], email=r[2]) for r in rows]

        return await self._guarded("users", select, write=False)

    # ---- ChunkStoreCap -----------------------------------------------------------------

    async def upsert_chunks(self, chunks: Sequence[EmbeddedChunk]) -> Result[int, ErrInfo]:
        """Store the chunks whose id is new, in one transaction; return how many rows were added.

        A chunk whose id is already stored is skipped (the first stored copy
        wins), so writing the same batch twice adds 0 rows the second time.
        """
        rows = [
            (
                chunk_id(c),
                c.doc_id,
                c.index,
                c.text.content,
                c.start,
                c.end,
                c.embedding.model,
                json.dumps(list(c.embedding.vector)),
            )
            for c in chunks
        ]

        async def insert() -> int:
            before = self._conn.total_changes
            await self._conn.executemany(_INSERT_CHUNK, rows)
            return self._conn.total_changes - before

        return await self._guarded("chunks", insert, write=True)

    async def all_chunks(self) -> Result[list[EmbeddedChunk], ErrInfo]:
        """Every stored chunk, in the order first stored."""

        async def select() -> list[EmbeddedChunk]:
            rows = await self._conn.execute_fetchall(
                "SELECT doc_id, idx, text, start, stop, model, vector FROM chunks ORDER BY rowid"
            )
            return [
                EmbeddedChunk(
                    doc_id=r[0],
                    index=r[1],
                    text=ChunkText(r[2]),
                    start=r[3],
                    end=r[4],
                    embedding=Embedding(tuple(float(x) for x in json.loads(r[6])), r[5]),
                )
                for r in rows
            ]

        return await self._guarded("chunks", select, write=False)
