"""funcpipe_rag: the library behind the Module 8 workbook, Async FuncPipe & Backpressure.

The pure core lives in :mod:`funcpipe_rag.domain` and :mod:`funcpipe_rag.rag`;
everything that drives a plan or talks to the outside world lives in
:mod:`funcpipe_rag.infra`.
"""

from funcpipe_rag.result import Err, ErrInfo, Ok, Result, assert_never

__all__ = ["Err", "ErrInfo", "Ok", "Result", "assert_never"]
__version__ = "0.8.0"
