# Chaff: _save finishes with what save_user returns (None) instead of the user.
# loses: test_matches_eager_version, test_three_private_steps
"""Exercise 2 — refactor the eager user pipeline into an AsyncPlan.

What to do
----------
``funcpipe_rag.domain.user.old_process`` fetches a user over HTTP, validates
it and saves it, all *while it runs*: by the time you hold its result, the
request and the write have happened. Rewrite it as a description: three
small private helpers, one per step, and ``user_pipeline`` chaining them with
the library's primitives (``async_lift``, ``async_bind``, ``async_pure``,
``async_from_result`` from ``funcpipe_rag.domain.effects.async_``).

The contract
------------
* ``_fetch(user_id, http)`` — a plan of the raw JSON at ``user_url(user_id)``
  (``http.get_json``).
* ``_validate(raw)`` — a plan of the ``UserProfile`` that ``validate_user``
  builds, or of its ``Err``. (Careful: ``async_pure(validate_user(raw))``
  would be a plan of a *Result*, not of a user.)
* ``_save(user, db)`` — a plan that saves the user (``db.save_user``) and
  finishes with the user itself.
* ``user_pipeline(user_id, http, db)`` — the three steps, each depending on
  the one before. Driving it gives the same result, and the same calls to
  ``http`` and ``db``, as ``old_process``; an ``Err`` at any step skips the
  steps after it; building it calls nothing; it can be driven twice.
* This file is core code: it must never drive a plan (no ``asyncio.run``,
  ``create_task``, ``perform_async``, no import of ``funcpipe_rag.infra``).

Hints
-----
* ``async_lift(lambda: http.get_json(url))`` — the lambda makes a fresh
  coroutine on every run.
* Check yourself with ``funcpipe grade m08c01/ex02``.
"""

from __future__ import annotations

from funcpipe_rag.domain.effects.async_ import (
    AsyncPlan,
    async_bind,
    async_from_result,
    async_lift,
)
from funcpipe_rag.domain.ports import DbCap, HttpClientCap, JsonObject
from funcpipe_rag.domain.user import user_url
from funcpipe_rag.domain.user_model import UserProfile, validate_user


def _fetch(user_id: str, http: HttpClientCap) -> AsyncPlan[JsonObject]:
    """A plan of the raw user record."""
    return async_lift(lambda: http.get_json(user_url(user_id)))


def _validate(raw: JsonObject) -> AsyncPlan[UserProfile]:
    """A plan of the validated user (or of the validation error)."""
    return async_from_result(validate_user(raw))


def _save(user: UserProfile, db: DbCap) -> AsyncPlan[UserProfile]:
    """A plan that saves ``user`` and finishes with it."""
    return async_lift(lambda: db.save_user(user))  # type: ignore[arg-type]


def user_pipeline(user_id: str, http: HttpClientCap, db: DbCap) -> AsyncPlan[UserProfile]:
    """Fetch → validate → save, as one plan; building it performs nothing."""
    return async_bind(
        _fetch(user_id, http),
        lambda raw: async_bind(_validate(raw), lambda user: _save(user, db)),
    )
