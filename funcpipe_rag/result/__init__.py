"""Result, Ok, Err and ErrInfo: expected failures as typed values."""

from funcpipe_rag.result.types import Ctx, Err, ErrInfo, Ok, Result, assert_never

__all__ = ["Ctx", "Err", "ErrInfo", "Ok", "Result", "assert_never"]
