"""The user pipeline: fetch → validate → save, before and after.

``old_process`` is the eager "before": calling and awaiting it performs the
fetch and the save at once, and what it returns is a one-shot coroutine that
cannot be inspected or replayed. ``async_user_pipeline`` is the "after": it
returns an ``AsyncPlan`` that does nothing until a shell drives it, and can be
driven any number of times.
"""

from __future__ import annotations

from urllib.parse import quote

from funcpipe_rag.domain.effects.async_.plan import (
    AsyncPlan,
    async_bind,
    async_from_result,
    async_lift,
    async_pure,
)
from funcpipe_rag.domain.ports import DbCap, HttpClientCap, JsonObject
from funcpipe_rag.domain.user_model import UserProfile, validate_user
from funcpipe_rag.result import Err, ErrInfo, Ok, Result

__all__ = ["UserProfile", "async_user_pipeline", "old_process", "user_url", "validate_user"]


def user_url(user_id: str) -> str:
    """The path of a user record, relative to the HTTP capability's base URL.

    The id is percent-encoded, so an id such as ``"a/b?c"`` stays one path segment.
    """
    return f"/users/{quote(str(user_id), safe='')}"


def _fetch(user_id: str, http: HttpClientCap) -> AsyncPlan[JsonObject]:
    return async_lift(lambda: http.get_json(user_url(user_id)))


def _validate(raw: JsonObject) -> AsyncPlan[UserProfile]:
    return async_from_result(validate_user(raw))


def _save(user: UserProfile, db: DbCap) -> AsyncPlan[UserProfile]:
    return async_bind(async_lift(lambda: db.save_user(user)), lambda _: async_pure(user))


def async_user_pipeline(user_id: str, http: HttpClientCap, db: DbCap) -> AsyncPlan[UserProfile]:
    """Describe fetching, validating and saving one user.

    Three dependent steps; an ``Err`` at any step skips the rest. Building the
    plan calls neither ``http`` nor ``db``.
    """
    return async_bind(
        _fetch(user_id, http),
        lambda raw: async_bind(_validate(raw), lambda user: _save(user, db)),
    )


async def old_process(user_id: str, http: HttpClientCap, db: DbCap) -> Result[UserProfile, ErrInfo]:
    """The eager "before" version, kept for teaching: effects happen as it runs."""
    fetched = await http.get_json(user_url(user_id))  # the request goes out right here
    if isinstance(fetched, Err):
        return fetched
    checked = validate_user(fetched.value)
    if isinstance(checked, Err):
        return checked
    saved = await db.save_user(checked.value)
    if isinstance(saved, Err):
        return saved
    return Ok(checked.value)
