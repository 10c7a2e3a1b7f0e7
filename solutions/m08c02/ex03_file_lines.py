"""Exercise 3 — hold each file only while its lines stream.

What to do
----------
An ingestion job reads many text files. Opening all of them first holds
every file handle at once; forgetting to close them leaks handles until the
garbage collector comes around. Write the lines of many files as one stream
in which each file is open exactly while its own lines are being read.

A file is reached through a capability (the protocols are below):
``opener.open(path)`` returns an async context manager; entering it opens
the file and gives a ``TextFile``, leaving it closes the file, and
``await text_file.read_lines()`` gives ``Ok(lines)`` or, for a file that
cannot be read, ``Err(...)``.

The contract
------------
* ``file_lines(path, opener)`` — the lines of one file as ``Ok`` items, in
  order. The file is opened (``opener.open(path)`` entered) when the first
  item is pulled, and closed (the context left) as soon as its last line has
  been emitted — or when the run is closed early, or fails. An ``Err`` from
  ``read_lines()`` is emitted as the one item of that file.
* ``lines_of(paths, opener)`` — the lines of every file of ``paths``, file
  after file, each in order; a file that cannot be read is its one ``Err``
  item and the stream goes on to the next file.
* one file at a time: a file is opened only when its first line is needed,
  and closed before the next file is opened; a consumer that stops early
  leaves no file open, and no file after the one it stopped in is opened.
* building opens nothing: building either stream, and calling it to start a
  run, opens no file.
* replay: running ``lines_of`` twice reads every file twice and gives equal
  items.

Imports
-------
The standard library; ``Result``, ``Ok``, ``Err``, ``ErrInfo``,
``ErrorCode``, ``assert_never`` and ``AsyncGen`` from ``funcpipe_rag``; the
stream combinators ``async_gen_return``, ``async_gen_from_list``,
``async_gen_from_iter``, ``async_gen_map``, ``async_gen_map_action``,
``async_gen_and_then``, ``async_gen_flat_map``, ``async_gen_using`` and
``lift_async_item``, also from ``funcpipe_rag``.

Hints
-----
* ``async_gen_using(lambda: opener.open(path), lambda text_file: ...)``
  holds the file exactly as long as the stream you build from it runs.
* ``lift_async_item(lambda _: text_file.read_lines())`` makes a one-item
  stream of the read; ``async_gen_and_then`` turns the list into its lines.
* Check yourself with ``funcpipe grade m08c02/ex03``.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from funcpipe_rag import (
    AsyncGen,
    ErrInfo,
    Result,
    async_gen_and_then,
    async_gen_from_list,
    async_gen_using,
    lift_async_item,
)


class TextFile(Protocol):
    """An open text file."""

    async def read_lines(self) -> Result[list[str], ErrInfo]: ...


class FileOpener(Protocol):
    """Opens text files: ``async with opener.open(path) as text_file: ...``."""

    def open(self, path: str) -> AbstractAsyncContextManager[TextFile]: ...


def file_lines(path: str, opener: FileOpener) -> AsyncGen[str]:
    """The lines of the file at ``path``, the file held open only while they stream."""
    # BEGIN SOLUTION: async_gen_using the opener; inside, read the lines once and emit each
    def lines(text_file: TextFile) -> AsyncGen[str]:
        read = lift_async_item(lambda _path: text_file.read_lines())(path)
        return async_gen_and_then(read, async_gen_from_list)

    return async_gen_using(lambda: opener.open(path), lines)
    # END SOLUTION


def lines_of(paths: Sequence[str], opener: FileOpener) -> AsyncGen[str]:
    """The lines of every file, file after file; one file open at a time."""
    # BEGIN SOLUTION: and_then each path into file_lines(path, opener)
    return async_gen_and_then(async_gen_from_list(paths), lambda path: file_lines(path, opener))
    # END SOLUTION
