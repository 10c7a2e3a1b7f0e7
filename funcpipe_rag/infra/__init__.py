"""The imperative shell: everything that drives a plan or talks to the outside world.

``runtime`` (the drivers), ``adapters/`` (real HTTP, embedding and SQLite
adapters), ``service/`` (the local users/embeddings service and its hosting),
``demos/`` (the instructor demos; their defaults in ``demo_defaults``, light
enough for the CLI's parser), ``corpus`` (the lesson corpus: the packaged
snapshot, or the live standard library), ``commands`` (``funcpipe serve`` and
``funcpipe demo``).
"""
