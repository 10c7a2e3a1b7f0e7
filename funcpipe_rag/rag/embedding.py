"""Deterministic feature-hashing embeddings and cosine similarity.

No model is downloaded: each lower-cased word is hashed (BLAKE2b, so the
result is the same in every process and on every machine) to one of ``dim``
buckets with a sign, and the bucket counts are L2-normalised. Texts sharing
words get similar vectors, which is all the lessons need.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence

_WORD = re.compile(r"[a-z0-9_]+")

DEFAULT_DIM = 64


def hash_embed(text: str, dim: int = DEFAULT_DIM) -> tuple[float, ...]:
    """The feature-hashing embedding of ``text``: ``dim`` floats, unit length or all zero."""
    if dim < 1:
        raise ValueError(f"dim must be at least 1, got {dim}")
    counts = [0.0] * dim
    for word in _WORD.findall(text.lower()):
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        bucket = int.from_bytes(digest[:4], "big") % dim
        counts[bucket] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(c * c for c in counts))
    if norm == 0.0:
        return tuple(counts)
    return tuple(round(c / norm, 12) for c in counts)


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity of two vectors of equal length (0.0 if either is zero)."""
    if len(a) != len(b):
        raise ValueError(f"vectors differ in length: {len(a)} and {len(b)}")
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    if na == 0.0 or nb == 0.0:
        return 0.0
    return dot / (na * nb)
