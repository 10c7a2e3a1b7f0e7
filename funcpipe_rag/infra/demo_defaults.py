"""The demos' default database and question, apart from the demos themselves.

``funcpipe`` builds every subcommand's parser before it runs one, and the
``demo`` parser shows these defaults in its help: reading them from here
keeps ``funcpipe grade`` from importing the demos, the service and httpx.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

DEFAULT_DB = Path(tempfile.gettempdir()) / "funcpipe-demo.sqlite3"
"""The SQLite file the demos write unless given ``--db``."""

DEFAULT_QUERY = "parse command-line arguments"
"""The question ``funcpipe demo rag`` answers unless given ``--query``."""

__all__ = ["DEFAULT_DB", "DEFAULT_QUERY"]
