"""The real-browser check runs only when asked (``make browser-test``), never in ``make test``."""

from __future__ import annotations

import os

collect_ignore_glob = [] if os.environ.get("FUNCPIPE_BROWSER_TEST") == "1" else ["*.py"]
