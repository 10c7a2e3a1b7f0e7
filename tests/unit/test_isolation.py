"""The interpreter-isolation check passes on the package and catches every way core can drive a plan."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from funcpipe_rag.isolation import check_package, check_paths, check_source


def test_the_package_core_is_isolated() -> None:
    assert check_package() == []


BAD_SNIPPETS = {
    "asyncio.run": "import asyncio\ndef f(plan):\n    return asyncio.run(plan())\n",
    "aliased asyncio.run": "import asyncio as aio\ndef f(p):\n    return aio.run(p())\n",
    "from asyncio import run": "from asyncio import run\n",
    "create_task": "import asyncio\nasync def f(p):\n    asyncio.create_task(p())\n",
    "loop.create_task": "async def f(loop, p):\n    loop.create_task(p())\n",
    "ensure_future": "import asyncio\ndef f(p):\n    asyncio.ensure_future(p())\n",
    "run_until_complete": "def f(loop, p):\n    loop.run_until_complete(p())\n",
    "perform_async": "async def f(p):\n    return await perform_async(p)\n",
    "top-level await": "result = await plan()\n",
    "await in a sync lambda body": "f = lambda p: (await p())\n",
    "import infra": "import funcpipe_rag.infra.adapters.async_runtime\n",
    "from infra import": "from funcpipe_rag.infra.adapters.async_runtime import perform_async\n",
    "relative infra import": "from ..infra.adapters import fakes\n",
    "from package import infra": "from funcpipe_rag import infra\n",
}


@pytest.mark.parametrize("name", sorted(BAD_SNIPPETS))
def test_a_violation_is_reported_with_its_line(name: str) -> None:
    found = check_source(BAD_SNIPPETS[name], "core.py")
    assert found, f"{name} was not caught"
    assert all(v.path == "core.py" and v.line >= 1 for v in found)


def test_awaiting_inside_an_async_def_is_allowed() -> None:
    source = textwrap.dedent(
        """
        import asyncio
        async def step(cap):
            raw = await cap.get_json("/users/1")
            await asyncio.sleep(0)
            return raw
        def plan(cap):
            return lambda: step(cap)
        """
    )
    assert check_source(source) == []


def test_the_pragma_is_honoured_only_when_allowed() -> None:
    source = "import asyncio\nasync def f(p):\n    asyncio.ensure_future(p())  # isolation: allowed (pool)\n"
    assert check_source(source) == []
    assert len(check_source(source, allow_pragmas=False)) == 1


def test_a_file_that_does_not_parse_is_a_violation() -> None:
    [violation] = check_source("def broken(:\n", "bad.py")
    assert "does not parse" in violation.what


def test_a_bad_fixture_folder_fails_the_command(tmp_path: Path) -> None:
    core = tmp_path / "domain"
    core.mkdir()
    (core / "ok.py").write_text("def pure(x):\n    return x\n")
    (core / "bad.py").write_text(BAD_SNIPPETS["create_task"])
    assert [v.line for v in check_paths([core])] == [3]
    done = subprocess.run(
        [sys.executable, "-m", "funcpipe_rag.cli", "check-isolation", str(core)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "bad.py:3: calls create_task()" in done.stdout
    command = [sys.executable, "-m", "funcpipe_rag.cli", "check-isolation"]
    clean = subprocess.run(command, capture_output=True, text=True, check=False)
    assert clean.returncode == 0, clean.stdout + clean.stderr


# ---- the synchronous core: rag/ has no async at all ----------------------------------------------------

ASYNC_SNIPPETS = {
    "async def": "async def clean(doc):\n    return doc\n",
    "await": "async def clean(doc, cap):\n    return await cap.fix(doc)\n",
    "async for": "async def chunks(src):\n    async for d in src:\n        pass\n",
    "async with": "async def read(cm):\n    async with cm as f:\n        return f\n",
    "async comprehension": "async def first(src):\n    return [d async for d in src]\n",
}


@pytest.mark.parametrize("name", sorted(ASYNC_SNIPPETS))
def test_async_code_is_reported_in_the_synchronous_core_only(name: str) -> None:
    found = check_source(ASYNC_SNIPPETS[name], "rag/x.py", sync_only=True)
    assert found and all("synchronous core" in v.what for v in found), found
    assert check_source(ASYNC_SNIPPETS[name], "domain/x.py") == []


def test_the_rag_package_is_checked_for_async_code(tmp_path: Path) -> None:
    from funcpipe_rag import isolation

    assert [p.name for p in isolation.sync_core_paths()] == ["rag"]
    rag = tmp_path / "rag"
    rag.mkdir()
    (rag / "bad.py").write_text(ASYNC_SNIPPETS["async def"])
    assert [v.line for v in check_paths([rag], sync_only=True)] == [1]
