"""`make lab` as a learner gets it: JupyterLab at the workbook's root, the workbook's kernel, no prompts.

The same entry point as ``make lab`` (``python -m funcpipe_rag.tools.lab``)
is started on a free loopback port with a token, asked what it serves, and
stopped.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from funcpipe_rag import course
from funcpipe_rag.tools.lab import SETTINGS_OVERRIDES, install_settings, lab_arguments

TOKEN = "funcpipe-test-token"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    port = _free_port()
    command = [sys.executable, "-m", "funcpipe_rag.tools.lab", "--no-browser", f"--ServerApp.port={port}",
               "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}"]  # fmt: skip
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = tmp_path_factory.mktemp("lab") / "lab.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                cwd=tmp_path_factory.mktemp("elsewhere"))  # fmt: skip
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", params={"token": TOKEN}, timeout=10.0)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if client.get("/api/status").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, log.read_text(errors="replace")[-2000:]
            assert time.monotonic() < deadline, "JupyterLab did not start within 120 s"
            time.sleep(0.5)  # start-up polling, not a test delay
        yield client
    finally:
        client.close()
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


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
