"""Real parts for the integration tests: the local service on an ephemeral loopback port.

One service is started per test session (module-scoped ones for the special
configurations) and stopped at the end, so the suite pays the start-up cost
a handful of times, not once per test. Every SQLite file lives under a
pytest temporary directory.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from funcpipe_rag.infra.service import create_app, default_users, running_service

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of this folder ``integration`` (``-m "not integration"`` skips them)."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.integration)


class Service:
    """A running service: its base URL, its app (for ``app.state.stats``) and its mutable user table."""

    def __init__(self, url: str, app: Starlette, users: dict[str, dict[str, Any]]) -> None:
        self.url = url
        self.app = app
        self.users = users

    @property
    def stats(self) -> Any:
        return self.app.state.stats


def start(users: dict[str, dict[str, Any]] | None = None, **options: Any) -> Iterator[Service]:
    table: dict[str, dict[str, Any]] = dict(default_users()) if users is None else users
    app = create_app(users=table, **options)
    with running_service(app) as url:
        yield Service(url, app, table)


@pytest.fixture(scope="session")
def service() -> Iterator[Service]:
    """The default service: no latency, no failures, users 1 to 12."""
    yield from start()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.sqlite3"
