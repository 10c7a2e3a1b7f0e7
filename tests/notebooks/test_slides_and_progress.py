"""Slides for jupyterlab-rise from the notebooks' headings; progress bars that nbval can compare."""

from __future__ import annotations

import re
from pathlib import Path

from tqdm import tqdm

from funcpipe_rag.tools.notebooks import mark_slides, slide_type

SANITIZE = Path(__file__).with_name("nbval_sanitize.cfg")


def _md(text: str, **metadata: object) -> dict[str, object]:
    return {"cell_type": "markdown", "source": text, "metadata": dict(metadata)}


def test_sections_start_slides_and_subsections_sub_slides() -> None:
    nb = {"cells": [_md("# Title"), _md("## 1. A section\n\ntext"), _md("### 1.1 Part", tags=["x"]),
                    _md("plain prose", slideshow={"slide_type": "slide"}),
                    {"cell_type": "code", "source": "## not a heading", "metadata": {}}]}
    mark_slides(nb)
    kinds = [c["metadata"].get("slideshow", {}).get("slide_type") for c in nb["cells"]]  # type: ignore[attr-defined]
    assert kinds == ["slide", "slide", "subslide", None, None]
    assert nb["cells"][2]["metadata"]["tags"] == ["x"]  # type: ignore[index]
    assert slide_type(_md("  ## indented heading")) == "slide"


def _sanitized(text: str) -> str:
    """``text`` as nbval compares it, after the workbook's sanitize rules (nbval's own reader)."""
    from nbval.plugin import get_sanitize_patterns  # type: ignore[import-untyped]

    for regex, replace in get_sanitize_patterns(SANITIZE.read_text()):
        text = re.sub(regex, replace, text)
    return text


def test_only_a_progress_bar_is_normalised() -> None:
    first_drawn = tqdm.format_meter(0, 7, 0.0, prefix="bounds")
    later = tqdm.format_meter(7, 7, 1.5, prefix="embedding", unit="chunk")
    assert _sanitized(first_drawn) == _sanitized(later) == "(a progress bar)"
    for lesson_output in ("limit 16: 0.35 s", "speed-up: 7.9x | ideal 8x", "Total: 4/14 points (29%)",
                          "bounds: 1/7 done", "bounds:   0%|          | 0/7 [00:00<?, ?it/s]\nmore text"):
        assert _sanitized(lesson_output) == lesson_output, lesson_output
