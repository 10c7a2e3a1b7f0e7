"""Test settings shared by every suite: deterministic Hypothesis, no example database."""

from __future__ import annotations

from funcpipe_rag.testing import use_profile

use_profile("funcpipe-tests")  # reproducible: fixed seed, no database, no deadline (funcpipe_rag.testing)
