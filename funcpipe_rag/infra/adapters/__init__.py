"""The real adapters: the ports of :mod:`funcpipe_rag.domain.ports` on real services.

``http`` (``HttpJsonClient`` over ``httpx``), ``embedding_client``
(``HttpEmbedder``), ``sqlite`` (``SqliteStore`` over ``aiosqlite``). The
in-memory fakes are in :mod:`funcpipe_rag.testing`; the drivers that run
plans in :mod:`funcpipe_rag.infra.runtime` (``async_runtime`` here is the
course's import path for ``perform_async``).
"""
