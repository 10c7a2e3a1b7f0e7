"""The Core 8 lesson's helpers: a write whose answer is lost after it committed, and a naive append.

Shell-side teaching support: they touch a real SQLite connection and are
driven by the notebook and the integration tests, never by the library.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

import aiosqlite

from funcpipe_rag.domain.user_model import UserProfile
from funcpipe_rag.result import ErrInfo, Ok, Result

T = TypeVar("T")


class LostAnswer:
    """Runs a write to the end (it commits), then, the first time only, never answers.

    The caller's deadline then ends the first attempt *after* the commit: the
    write happened, but the caller saw a TIMEOUT and retries. Wrap a write as
    ``lambda: lost.write(store.save_user(user))``; :attr:`attempts` counts the runs.
    """

    def __init__(self) -> None:
        self.attempts = 0

    async def write(self, commit: Awaitable[Result[T, ErrInfo]]) -> Result[T, ErrInfo]:
        self.attempts += 1
        done = await commit
        if self.attempts == 1:
            await asyncio.get_running_loop().create_future()  # the answer is lost on the way back
        return done


async def append_visit(conn: aiosqlite.Connection, user: UserProfile) -> Result[None, ErrInfo]:
    """The naive write: a plain ``INSERT`` of a new row, with no key that a repeat would collide with."""
    await conn.execute("CREATE TABLE IF NOT EXISTS saved (user_id TEXT, name TEXT)")
    await conn.execute("INSERT INTO saved (user_id, name) VALUES (?, ?)", (user.id, user.name))
    await conn.commit()
    return Ok(None)
