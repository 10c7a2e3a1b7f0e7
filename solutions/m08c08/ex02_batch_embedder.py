"""Exercise 2 — an embedding adapter that sends a batch in one request and checks the answer.

What to do
----------
Write ``BatchEmbedder``, an ``EmbeddingCap`` over the local service's
``POST /embed``. The shell hands you its ``httpx.AsyncClient`` (base URL
set) and the name of the model it expects. The service's protocol::

    POST /embed   {"texts": ["a", "b"]}
    200           {"model": "hash-embed-64", "vectors": [[0.1, ...], [0.0, ...]]}

An adapter that trusts this answer blindly corrupts the store quietly: a
vector one place off embeds the wrong text, a missing one shortens the batch,
another model's vectors make every later similarity meaningless. So check it.

The contract
------------
``BatchEmbedder(client, model_name)`` has a ``model_name`` attribute or
property and two methods:

* **one request** — ``await embed_batch(texts)`` sends exactly one
  ``POST /embed`` with the body ``{"texts": [...]}`` (the texts in order,
  repeats kept); an empty list sends nothing and is ``Ok([])``;
* **paired by index** — on a good answer it returns ``Ok(vectors)`` where
  ``vectors[i]`` is the answer's *i*-th vector, the embedding of ``texts[i]``,
  as a tuple of floats;
* **count checked** — an answer with more or fewer vectors than texts is
  ``Err`` with code ``SERVICE``;
* **model checked** — an answer whose ``model`` is not ``model_name`` is
  ``Err`` with code ``SERVICE``;
* **numbers only** — a vector that is not a list of numbers (``null``, a
  string, a list holding a string, ``null`` or ``true``) is ``Err`` with code
  ``SERVICE``;
* **errors passed on** — a request that fails is the ``Err`` that
  ``request_json`` returns for it, unchanged (a 429 stays ``RATE_LIMIT`` with
  its ``retry_after_ms``);
* **embed** — ``await embed(text)`` is the one vector of
  ``embed_batch([text])`` (one request), or its ``Err``.

Imports
-------
The standard library, ``httpx``, ``funcpipe_rag``'s ``Ok``, ``Err``,
``ErrInfo``, ``ErrorCode`` and ``Result``, and
``funcpipe_rag.infra.adapters.http.request_json`` (it sends one request and
maps its failures: exercise 1, done for you). Not the library's
``HttpEmbedder``: it is the answer, so a file that imports it scores zero for
this exercise.

Hints
-----
* ``await request_json(client, "POST", "/embed", body={"texts": list(texts)})``.
* ``True`` is an ``int`` in Python: ``isinstance(True, int)`` holds.
* Check yourself with ``funcpipe grade m08c08/ex02``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from funcpipe_rag import Err, ErrInfo, ErrorCode, Ok, Result
from funcpipe_rag.infra.adapters.http import request_json

Vector = tuple[float, ...]


class BatchEmbedder:
    """An ``EmbeddingCap`` over ``POST /embed`` that checks every answer against its batch."""

    def __init__(self, client: httpx.AsyncClient, model_name: str) -> None:
        self.client = client
        self.model_name = model_name

    async def embed(self, text: str) -> Result[Vector, ErrInfo]:
        """The embedding of ``text``: the one vector of a batch of one."""
        # BEGIN SOLUTION: a batch of one
        got = await self.embed_batch([text])
        if isinstance(got, Err):
            return got
        return Ok(got.value[0])
        # END SOLUTION

    async def embed_batch(self, texts: Sequence[str]) -> Result[list[Vector], ErrInfo]:
        """The embeddings of ``texts``, in order, from one request (none for an empty list)."""
        # BEGIN SOLUTION: one request, then check the answer against the batch
        if not texts:
            return Ok([])
        answer = await request_json(self.client, "POST", "/embed", body={"texts": list(texts)})
        if isinstance(answer, Err):
            return answer
        payload: dict[str, Any] = answer.value

        def wrong(why: str) -> Result[list[Vector], ErrInfo]:
            return Err(ErrInfo(ErrorCode.SERVICE, why, path=("http", "/embed")))

        if payload.get("model") != self.model_name:
            return wrong(f"expected model {self.model_name!r}, got {payload.get('model')!r}")
        vectors = payload.get("vectors")
        if not isinstance(vectors, list) or len(vectors) != len(texts):
            return wrong(f"expected {len(texts)} vectors")
        out: list[Vector] = []
        for i, vector in enumerate(vectors):
            if not isinstance(vector, list) or not all(
                isinstance(x, int | float) and not isinstance(x, bool) for x in vector
            ):
                return wrong(f"vector {i} is not a list of numbers")
            out.append(tuple(float(x) for x in vector))
        return Ok(out)
        # END SOLUTION
