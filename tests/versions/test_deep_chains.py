"""Deep chains: the recursion limit and the C stack, which 3.12 and 3.13 changed.

What changed:

* 3.11: ``sys.setrecursionlimit`` bounds Python frames and C-level recursion
  together, and every nested ``await`` of a coroutine also recurses in C. A
  deep closure chain fails with ``RecursionError`` near the limit; raising the
  limit lets it run until the C stack overflows, and the interpreter crashes.
* 3.12: the C recursion limit is a separate, fixed number, and awaiting a
  coroutine no longer recurses in C. The Python recursion limit is now the
  only thing that stops a closure chain; raised, the chain simply runs.
  A low ``sys.setrecursionlimit`` no longer catches C-level recursion.
* 3.13: freeing a deeply nested object graph may recurse in C for thousands
  of levels before the interpreter defers the rest, so even freeing needs
  about 1 MiB of C stack, however deep the graph (3.12 needs almost none).

The closure chain's ``RecursionError`` under the default limit is checked on
every version by ``tests/laws/test_closure_equivalence.py``. The library's
guarantee — plans of a million binds, left- or
right-nested, build, run and are freed in constant stack — is checked here
with both kinds of stack bounded: a small ``sys.setrecursionlimit`` (the
fixture of ``tests/unit/test_stack_safety.py``) and, for the C stack, a
thread with a small fixed stack and an unlimited recursion limit, in a child
process so that an overflow is reported instead of killing the test run.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

MIB = 1024 * 1024

# Runs one chain in a thread whose C stack is exactly ``stack`` bytes, with a recursion
# limit so high that only the C stack could stop it. Prints the result, then "freed".
CHILD = textwrap.dedent(
    """
    import resource, sys, threading

    from funcpipe_rag import async_bind, async_pure, run_plan
    from funcpipe_rag.teaching import closure_bind, closure_pure

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash below is expected on some versions
    kind, shape, depth, stack = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    pure, bind = (async_pure, async_bind) if kind == "library" else (closure_pure, closure_bind)
    sys.setrecursionlimit(10**7)

    def left():
        plan = pure(0)
        for _ in range(depth):
            plan = bind(plan, lambda x: pure(x + 1))
        return plan

    def right():
        def step(n):
            return pure(n) if n == depth else bind(pure(n + 1), step)
        return step(0)

    def main():
        plan = left() if shape == "left" else right()
        print(run_plan(plan), flush=True)
        del plan
        print("freed", flush=True)

    threading.stack_size(stack)
    thread = threading.Thread(target=main)
    thread.start()
    thread.join()
    """
)


def run_child(kind: str, shape: str, depth: int, stack: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CHILD, kind, shape, str(depth), str(stack)],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.parametrize("shape", ["left", "right"])
@pytest.mark.parametrize("depth", [1_000, 1_000_000])
def test_library_chains_build_run_and_free_in_a_small_fixed_c_stack(shape: str, depth: int) -> None:
    # 2 MiB: twice what CPython 3.13 needs to free any deep graph; the same for every depth.
    done = run_child("library", shape, depth, 2 * MIB)
    assert (done.returncode, done.stdout) == (0, f"Ok(value={depth})\nfreed\n"), done.stderr[-2000:]


def test_raising_the_recursion_limit_rescues_a_closure_chain_only_from_3_12_on() -> None:
    # The "fix" a learner might try for the chapter's closure version: on 3.11 it trades a
    # RecursionError for a crash of the interpreter (a signal, negative return code).
    done = run_child("closure", "left", 100_000, 8 * MIB)
    if sys.version_info >= (3, 12):
        assert (done.returncode, done.stdout) == (0, "Ok(value=100000)\nfreed\n"), done.stderr[-2000:]
    else:
        assert done.returncode < 0 and "freed" not in done.stdout


def test_a_low_recursion_limit_bounds_c_recursion_only_on_3_11() -> None:
    # Why the C stack is tested separately above: from 3.12 on, a small recursion limit
    # would not reveal a library that recursed in C.
    nested: list[object] = []
    for _ in range(600):
        nested = [nested]
    saved = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        try:
            repr(nested)
            stopped = False
        except RecursionError:
            stopped = True
    finally:
        sys.setrecursionlimit(saved)
    assert stopped == (sys.version_info < (3, 12))
