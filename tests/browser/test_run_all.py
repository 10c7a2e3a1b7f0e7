"""Every notebook, opened in JupyterLab by a real Chromium and run with Run All, finishes without errors.

``make browser-test`` runs this (never ``make test``). JupyterLab is started
the way ``make lab`` starts it, on a scratch copy of the notebooks and
exercises (the run is saved there, never over the committed notebooks);
Chromium is the system's (``/usr/bin/chromium``, or ``$FUNCPIPE_CHROMIUM``),
driven by Playwright with a fresh profile and no network beyond loopback.
For each notebook: open it, wait for its kernel, choose Run ▸ Run All Cells,
wait until no cell is running, save, and fail if a code cell was not run or
shows an error it is not marked to show (``# NBVAL_RAISES_EXCEPTION`` or the
``raises-exception`` tag). A screenshot of each is saved under
``build/screenshots/``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from funcpipe_rag.course import workbook_root
from funcpipe_rag.tools.lab import running_lab
from funcpipe_rag.tools.notebooks import KERNEL_DISPLAY_NAME, RAISES, RAISES_TAG

ROOT = workbook_root() or Path.cwd()
CHROMIUM = os.environ.get("FUNCPIPE_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TOKEN = "funcpipe-browser-token"
SCREENSHOTS = ROOT / "build" / "screenshots"
PER_NOTEBOOK = 300.0  # seconds: the slowest notebook runs in about a minute here
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium) "
                    "or set FUNCPIPE_CHROMIUM")
    pytest.importorskip("playwright.sync_api",
                        reason="Playwright is not installed: make browser-test installs it (extra: browser)")
    scratch = tmp_path_factory.mktemp("workbook")
    for folder in ("notebooks", "exercises"):
        shutil.copytree(ROOT / folder, scratch / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for copy in (scratch / "notebooks").glob("*.ipynb"):  # as a learner starts: nothing run yet
        nb = json.loads(copy.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                cell["outputs"], cell["execution_count"] = [], None
        copy.write_text(json.dumps(nb, indent=1))
    log = tmp_path_factory.mktemp("lab") / "lab.log"
    with running_lab(_free_port(), TOKEN, log=log, cwd=scratch, root=scratch) as url:
        yield url, scratch


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, lab: tuple[str, Path]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            yield context
        finally:
            context.close()


def _may_raise(cell: dict[str, Any]) -> bool:
    source = "".join(cell.get("source", ""))
    return RAISES in source or RAISES_TAG in cell.get("metadata", {}).get("tags", [])


def _prompts(page: Any) -> list[str]:
    texts: list[str] = page.eval_on_selector_all(
        ".jp-Notebook .jp-CodeCell .jp-InputArea-prompt", "nodes => nodes.map(n => n.textContent.trim())")
    return texts


def _wait_for_kernel(page: Any) -> None:
    """Until the notebook's kernel is idle; JupyterLab may first ask which kernel to start: the preferred."""
    idle = page.get_by_text(f"{KERNEL_DISPLAY_NAME} | Idle")
    accept = page.locator(".jp-Dialog .jp-mod-accept")
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if accept.count() and accept.first.is_visible():
            accept.first.click()
        elif idle.count():
            return
        page.wait_for_timeout(500)
    raise AssertionError("the notebook's kernel did not start within 180 s")


def _wait_until_run(page: Any, code_cells: int) -> None:
    """Until no cell is queued or running and either every cell ran or the kernel stayed idle a while."""
    deadline = time.monotonic() + PER_NOTEBOOK
    quiet = 0
    while time.monotonic() < deadline:
        prompts = _prompts(page)
        running = sum("*" in p for p in prompts)
        ran = sum(any(ch.isdigit() for ch in p) for p in prompts)
        if running == 0 and ran >= code_cells:
            return
        quiet = quiet + 1 if running == 0 and ran > 0 else 0
        if quiet >= 10:  # Run All stopped early (an error): what ran is judged below
            return
        page.wait_for_timeout(1000)
    raise AssertionError(f"the notebook was still running after {PER_NOTEBOOK:.0f} s")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_run_all_finishes_without_errors(browser: Any, lab: tuple[str, Path], notebook: Path) -> None:
    url, scratch = lab
    rel = notebook.relative_to(ROOT).as_posix()
    code_cells = sum(c["cell_type"] == "code" for c in json.loads(notebook.read_text())["cells"])
    page = browser.new_page()
    try:
        page.goto(f"{url}/lab/tree/{rel}?token={TOKEN}&reset", wait_until="domcontentloaded")
        page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=120_000)
        _wait_for_kernel(page)
        page.click(".lm-MenuBar-itemLabel:text-is('Run')")
        page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
        _wait_until_run(page, code_cells)
        page.keyboard.press("Control+s")
        page.wait_for_timeout(1500)  # the save reaches the server
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{notebook.stem}.png"))
    finally:
        page.close()
    saved = json.loads((scratch / rel).read_text())
    problems = []
    for number, cell in enumerate((c for c in saved["cells"] if c["cell_type"] == "code"), start=1):
        if cell.get("execution_count") is None:
            problems.append(f"code cell {number} was not run")
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and not _may_raise(cell):
                problems.append(f"code cell {number}: {out.get('ename')}: {out.get('evalue')}")
    assert not problems, f"{rel} with Run All in Chromium: " + "; ".join(problems[:10])
