# Generated from solutions/m08c01/ex02_user_pipeline.py by `funcpipe make-exercises`; edit freely, your work is kept.
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
* ``_save(user, db)`` — a plan that saves the user (``db.save_user``, which
  finishes with ``Ok(None)`` when it succeeds) and finishes with the user itself.
* ``user_pipeline(user_id, http, db)`` — the three steps, each depending on
  the one before, chained *left to right*: bind the fetch to ``_validate``,
  then bind that plan to the save — ``async_bind(async_bind(m, f), g)``, not
  the nested ``async_bind(m, lambda x: async_bind(f(x), g))`` the lesson
  prints (associativity says the two run alike). Driving it gives the same
  result, and the same calls to ``http`` and ``db``, as ``old_process``; an
  ``Err`` at any step skips the steps after it; building it calls nothing; it
  can be driven twice.
* This file is core code: it must never drive a plan (no ``asyncio.run``,
  ``create_task``, ``perform_async``, no import of ``funcpipe_rag.infra``).

Imports
-------
The standard library; ``Result``, ``Ok``, ``Err``, ``ErrInfo``,
``ErrorCode``, ``assert_never`` from ``funcpipe_rag``; the plan primitives (``AsyncPlan``,
``async_pure``, ``async_bind``, ``async_map``, ``async_lift``,
``async_from_result``) from ``funcpipe_rag.domain.effects.async_``; the ports
from ``funcpipe_rag.domain.ports``; ``UserProfile`` and ``validate_user`` from
``funcpipe_rag.domain.user_model``; ``user_url`` from
``funcpipe_rag.domain.user``. Nothing else: importing the library's own
pipeline (or ``old_process``) scores zero for this exercise.

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
    async_pure,
)
from funcpipe_rag.domain.ports import DbCap, HttpClientCap, JsonObject
from funcpipe_rag.domain.user import user_url
from funcpipe_rag.domain.user_model import UserProfile, validate_user


def _fetch(user_id: str, http: HttpClientCap) -> AsyncPlan[JsonObject]:
    """A plan of the raw user record."""
    # TODO: lift the HTTP request for user_url(user_id) into a plan
    raise NotImplementedError("TODO: lift the HTTP request for user_url(user_id) into a plan")


def _validate(raw: JsonObject) -> AsyncPlan[UserProfile]:
    """A plan of the validated user (or of the validation error)."""
    # TODO: turn validate_user(raw) into a plan of a UserProfile
    raise NotImplementedError("TODO: turn validate_user(raw) into a plan of a UserProfile")


def _save(user: UserProfile, db: DbCap) -> AsyncPlan[UserProfile]:
    """A plan that saves ``user`` and finishes with it."""
    # TODO: save the user, then finish with the user itself
    raise NotImplementedError("TODO: save the user, then finish with the user itself")


def user_pipeline(user_id: str, http: HttpClientCap, db: DbCap) -> AsyncPlan[UserProfile]:
    """Fetch → validate → save, as one plan; building it performs nothing."""
    # TODO: chain _fetch, _validate and _save left to right with async_bind
    raise NotImplementedError("TODO: chain _fetch, _validate and _save left to right with async_bind")
