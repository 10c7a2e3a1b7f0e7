"""The real adapters: the ports of :mod:`funcpipe_rag.domain.ports` on real services.

``http`` (``HttpJsonClient`` over ``httpx``), ``embedding_client``
(``HttpEmbedder``), ``sqlite`` (``SqliteStore`` over ``aiosqlite``);
``policies`` wraps any of them from outside with retries, a time limit or a
rate limit (``ResilientHttpClient``, ``ResilientEmbedder``,
``RateLimitedHttpClient``, ``RateLimitedEmbedder``). The
in-memory fakes are in :mod:`funcpipe_rag.testing`; the drivers that run
plans in :mod:`funcpipe_rag.infra.runtime` (``async_runtime`` here is the
course's import path for ``perform_async``).
"""
