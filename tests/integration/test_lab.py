"""`make lab` as a learner gets it: JupyterLab at the workbook's root, the workbook's kernel, no prompts.

The same entry point as ``make lab`` (``python -m funcpipe_rag.tools.lab``)
is started on a free loopback port with a token and no browser, asked what
it serves through its REST API, made to run the first core's notebook cell
by cell in a kernel session over the kernel's websocket (as JupyterLab's
own front end does), and stopped. Nothing is mocked.
"""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from funcpipe_rag import course
from funcpipe_rag.tools.lab import SETTINGS_OVERRIDES, install_settings, lab_arguments, running_lab
from funcpipe_rag.tools.notebooks import RAISES, RAISES_TAG

TOKEN = "funcpipe-test-token"
KERNEL = "funcpipe-m08"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    log = tmp_path_factory.mktemp("lab") / "lab.log"
    with (
        running_lab(_free_port(), TOKEN, log=log, cwd=tmp_path_factory.mktemp("elsewhere")) as url,
        httpx.Client(base_url=url, params={"token": TOKEN}, timeout=30.0) as client,
    ):
        yield client


def test_the_file_browser_shows_the_exercises_and_the_notebooks(lab: httpx.Client) -> None:
    names = {item["name"] for item in lab.get("/api/contents").json()["content"]}
    assert {"exercises", "notebooks", "README.md"} <= names


def test_new_notebooks_use_the_workbook_kernel(lab: httpx.Client) -> None:
    assert lab.get("/api/kernelspecs").json()["default"] == "funcpipe-m08"


def test_no_news_or_update_prompts(lab: httpx.Client) -> None:
    plugin = "@jupyterlab/apputils-extension:notification"
    schema: dict[str, Any] = lab.get(f"/lab/api/settings/{plugin}").json()["schema"]
    defaults = {name: prop["default"] for name, prop in schema["properties"].items()}
    assert defaults["fetchNews"] == "false" and defaults["checkForUpdates"] is False


def test_it_opens_the_start_page() -> None:
    root = course.workbook_root()
    assert root is not None
    assert lab_arguments(root)[-1] == str(root / course.START_PAGE)


def test_without_a_start_page_it_opens_the_first_available_core_notebook(tmp_path: Path) -> None:
    first = course.available()[0].notebook
    assert first is not None
    (tmp_path / first).parent.mkdir(parents=True)
    (tmp_path / first).write_text("{}")
    assert lab_arguments(tmp_path)[-1] == str(tmp_path / first)


def test_installing_the_settings_keeps_other_overrides(tmp_path: Path) -> None:
    path = tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"}}))
    install_settings(tmp_path)
    written = json.loads(path.read_text())
    assert written["@jupyterlab/apputils-extension:themes"] == {"theme": "JupyterLab Dark"}
    assert all(written[k] == v for k, v in SETTINGS_OVERRIDES.items())


def test_the_workbook_kernel_is_offered(lab: httpx.Client) -> None:
    specs = lab.get("/api/kernelspecs").json()["kernelspecs"]
    assert KERNEL in specs
    assert specs[KERNEL]["spec"]["display_name"] == "FuncPipe M08 (Python 3)"


@pytest.mark.parametrize("core", course.available(), ids=lambda c: c.slug)
def test_each_core_notebook_and_exercise_is_reachable(lab: httpx.Client, core: course.Core) -> None:
    assert core.notebook is not None
    notebook = lab.get(f"/api/contents/{core.notebook}").json()
    assert notebook["type"] == "notebook" and notebook["content"]["metadata"]["kernelspec"]["name"] == KERNEL
    listed = {item["name"] for item in lab.get(f"/api/contents/exercises/{core.slug}").json()["content"]}
    assert {f"{e.slug}.py" for e in core.exercises} <= listed
    first = lab.get(f"/api/contents/exercises/{core.slug}/{core.exercises[0].slug}.py").json()
    assert first["format"] == "text" and "NotImplementedError" in first["content"]


def _may_raise(cell: dict[str, Any]) -> bool:
    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    return RAISES in source or RAISES_TAG in cell.get("metadata", {}).get("tags", [])


def _execute(ws: Any, session: str, code: str) -> tuple[str, list[dict[str, Any]]]:
    """Send one execute_request over the kernel's websocket; return its reply status and iopub errors."""
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "learner", "session": session,
                   "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True},
    }))
    errors: list[dict[str, Any]] = []
    status, idle = "", False
    while not (status and idle):
        msg = json.loads(ws.recv())
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = msg["header"]["msg_type"]
        if kind == "error":
            errors.append(msg["content"])
        elif kind == "execute_reply":
            status = msg["content"]["status"]
        elif kind == "status" and msg["content"]["execution_state"] == "idle":
            idle = True
    return status, errors


def test_the_first_core_notebook_runs_in_a_kernel_session_over_the_websocket(lab: httpx.Client) -> None:
    import websocket

    path = course.available()[0].notebook
    assert path is not None
    content = lab.get(f"/api/contents/{path}").json()["content"]
    cells = [c for c in content["cells"] if c["cell_type"] == "code"]
    created = lab.post("/api/sessions", json={"path": path, "type": "notebook", "name": path.split("/")[-1],
                                              "kernel": {"name": KERNEL}})
    assert created.status_code == 201, created.text
    session = created.json()
    assert session["kernel"]["name"] == KERNEL
    url = str(lab.base_url).replace("http://", "ws://")
    ws = websocket.create_connection(f"{url}/api/kernels/{session['kernel']['id']}/channels?token={TOKEN}",
                                     timeout=300)
    try:
        for number, cell in enumerate(cells, start=1):
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            status, errors = _execute(ws, session["id"], source)
            if _may_raise(cell):
                continue
            detail = "; ".join(f"{e['ename']}: {e['evalue']}" for e in errors)
            assert status == "ok" and not errors, f"code cell [{number}] of {path} failed: {detail}"
    finally:
        ws.close()
        lab.delete(f"/api/sessions/{session['id']}")
