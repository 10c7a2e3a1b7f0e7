"""Lexical relevance: BM25 over chunk texts, with English stop words dropped and words stemmed.

The course's embeddings are 64-bucket word hashes: good enough to show that
texts sharing words are near, useless for telling which words matter. BM25
weighs each query word by how rare it is in the corpus and how often it
occurs in a chunk, so "run several coroutines concurrently" is decided by
"coroutines" and "concurrently", not by "run" and "several". The index and
the scores come from ``bm25s`` (a maintained BM25 implementation over sparse
matrices); stemming from ``PyStemmer`` (Snowball's English stemmer), so
"coroutines" finds "coroutine". No model is downloaded and everything here
is a pure function of its arguments.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

STOPWORDS = "en"
"""bm25s's English stop-word list, applied to the chunks and the query alike."""

_IDENTIFIER_PARTS = re.compile(r"[_.]")


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer  # PyStemmer: untyped C extension

    return Stemmer.Stemmer("english")


def _prepare(text: str) -> str:
    # "create_task" and "asyncio.gather" are two words each to a reader asking in plain English.
    return _IDENTIFIER_PARTS.sub(" ", text)


def _tokenize(texts: Sequence[str], *, ids: bool) -> Any:
    import bm25s

    return bm25s.tokenize([_prepare(t) for t in texts], stopwords=STOPWORDS, stemmer=_stemmer(),
                          return_ids=ids, show_progress=False)


def query_terms(query: str) -> list[str]:
    """The terms BM25 looks for: the query's words, stop words dropped, stemmed, in order."""
    terms: list[str] = _tokenize([query], ids=False)[0]
    return terms


def bm25_scores(query: str, texts: Sequence[str]) -> list[float]:
    """The BM25 score of every text for ``query``, in the order of ``texts``.

    A text sharing no term with the query scores ``0.0``; so does every text
    when the query has no term left after stop words (``"how do I"``) or
    ``texts`` is empty. Scores are comparable within one call only: they
    depend on the whole collection through each term's rarity.
    """
    import bm25s

    if not texts:
        return []
    tokens = _tokenize(texts, ids=True)
    if not tokens.vocab:  # every text is stop words only: bm25s cannot index an empty vocabulary
        return [0.0] * len(texts)
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)
    known = [t for t in query_terms(query) if t in retriever.vocab_dict]
    if not known:
        return [0.0] * len(texts)
    return [float(s) for s in retriever.get_scores(known)]


__all__ = ["STOPWORDS", "bm25_scores", "query_terms"]
