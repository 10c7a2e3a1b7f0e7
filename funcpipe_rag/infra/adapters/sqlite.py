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
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import Sequence

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
    email TEXT NOT NULL
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

_UPSERT_USER = """
INSERT INTO users (id, name, email) VALUES (?, ?, ?)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email
WHERE users.name IS NOT excluded.name OR users.email IS NOT excluded.email
"""

_INSERT_CHUNK = """
INSERT INTO chunks (id, doc_id, idx, text, start, stop, model, vector) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO NOTHING
"""


def _db_error(exc: sqlite3.Error, table: str) -> ErrInfo:
    return ErrInfo.from_exception(exc, code=ErrorCode.DB, path=("db", table))


class SqliteStore:
    """Users and embedded chunks in one SQLite database, reached through an injected connection."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._ready = False
        self._write_lock = asyncio.Lock()

    async def _ensure_schema(self) -> None:
        if not self._ready:
            await self._conn.executescript(SCHEMA)
            self._ready = True

    async def prepare(self) -> Result[None, ErrInfo]:
        """Create the schema if needed and check that the database accepts writes.

        Optional — every other method creates the schema itself — but a shell
        can call it first to report an unwritable file before doing any work.
        """
        async with self._write_lock:
            try:
                await self._ensure_schema()
                await self._conn.execute("BEGIN IMMEDIATE")  # takes the write lock, or fails
                await self._conn.rollback()
            except sqlite3.Error as exc:
                return Err(_db_error(exc, "schema"))
        return Ok(None)

    # ---- DbCap -------------------------------------------------------------------------

    async def save_user(self, user: UserProfile) -> Result[None, ErrInfo]:
        """Upsert ``user`` by its id; saving an identical user again changes nothing."""
        async with self._write_lock:
            try:
                await self._ensure_schema()
                await self._conn.execute(_UPSERT_USER, (user.id, user.name, user.email))
                await self._conn.commit()
            except sqlite3.Error as exc:
                await self._rollback()
                return Err(_db_error(exc, "users"))
        return Ok(None)

    async def load_user(self, user_id: str) -> Result[UserProfile | None, ErrInfo]:
        """The stored user with ``user_id``, or ``Ok(None)`` if there is none."""
        try:
            await self._ensure_schema()
            rows = await self._conn.execute_fetchall(
                "SELECT id, name, email FROM users WHERE id = ?", (user_id,)
            )
        except sqlite3.Error as exc:
            return Err(_db_error(exc, "users"))
        for row in rows:
            return Ok(UserProfile(id=row[0], name=row[1], email=row[2]))
        return Ok(None)

    async def all_users(self) -> Result[list[UserProfile], ErrInfo]:
        """Every stored user, in the order first saved."""
        try:
            await self._ensure_schema()
            rows = await self._conn.execute_fetchall("SELECT id, name, email FROM users ORDER BY rowid")
        except sqlite3.Error as exc:
            return Err(_db_error(exc, "users"))
        return Ok([UserProfile(id=r[0], name=r[1], email=r[2]) for r in rows])

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
        async with self._write_lock:
            try:
                await self._ensure_schema()
                before = self._conn.total_changes
                await self._conn.executemany(_INSERT_CHUNK, rows)
                added = self._conn.total_changes - before
                await self._conn.commit()
            except sqlite3.Error as exc:
                await self._rollback()
                return Err(_db_error(exc, "chunks"))
        return Ok(added)

    async def all_chunks(self) -> Result[list[EmbeddedChunk], ErrInfo]:
        """Every stored chunk, in the order first stored."""
        try:
            await self._ensure_schema()
            rows = await self._conn.execute_fetchall(
                "SELECT doc_id, idx, text, start, stop, model, vector FROM chunks ORDER BY rowid"
            )
        except sqlite3.Error as exc:
            return Err(_db_error(exc, "chunks"))
        return Ok(
            [
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
        )

    async def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):  # the original error is the one worth reporting
            await self._conn.rollback()
