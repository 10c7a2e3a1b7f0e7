"""``funcpipe demo user``: the user pipeline through real HTTP and SQLite, then replayed."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TextIO

import httpx

from funcpipe_rag.domain.user import async_user_pipeline
from funcpipe_rag.domain.user_model import UserProfile
from funcpipe_rag.infra.adapters.http import HttpJsonClient
from funcpipe_rag.infra.demos._common import describe, open_store
from funcpipe_rag.infra.runtime import perform_async
from funcpipe_rag.infra.service import ServiceStats, create_app, running_service
from funcpipe_rag.result import Err, Ok


def run_user_demo(user_id: str, db: Path, out: TextIO, err: TextIO) -> int:
    """Fetch, validate and save one user through real HTTP and SQLite; show that the plan replays.

    Returns the exit status: 0 on success, 1 if the pipeline finished with
    ``Err`` (for example an unknown user id, printed on ``err``).
    """
    app = create_app()
    stats: ServiceStats = app.state.stats
    with running_service(app) as base_url:
        print(f"service   {base_url}", file=out)
        print(f"database  {db}", file=out)
        return asyncio.run(_user_demo(base_url, stats, user_id, db, out, err))


async def _user_demo(
    base_url: str, stats: ServiceStats, user_id: str, db: Path, out: TextIO, err: TextIO
) -> int:
    async with httpx.AsyncClient(base_url=base_url, timeout=5.0) as client, open_store(db) as store:
        plan = async_user_pipeline(user_id, HttpJsonClient(client), store)
        print(f"plan      {plan!r} built; requests so far: {stats.requests['users']}", file=out)

        first = await perform_async(plan)
        if isinstance(first, Err):
            print(f"funcpipe demo user: user {user_id!r}: {describe(first.error)}", file=err)
            return 1
        print(f"run 1     {first}  (requests so far: {stats.requests['users']})", file=out)
        row = await store.load_user(user_id)
        match row:
            case Ok(value=UserProfile() as u):
                print(f"db row    users(id={u.id!r}, name={u.name!r}, email={u.email!r})", file=out)
            case _:
                print(f"db row    {row}", file=out)

        second = await perform_async(plan)  # the same value, driven again: a fresh run
        users = await store.all_users()
        count = sum(1 for u in users.value if u.id == user_id) if isinstance(users, Ok) else "?"
        print(f"run 2     {second}  (requests so far: {stats.requests['users']})", file=out)
        same = first == second
        print(f"replay    same plan value, equal results: {same}; rows with this id: {count}", file=out)
        return 0 if same else 1
