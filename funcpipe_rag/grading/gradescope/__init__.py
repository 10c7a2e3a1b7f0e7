"""Build the Gradescope autograder zip (``setup.sh``, ``run_autograder`` and the sources)."""

from __future__ import annotations

import stat
import zipfile
from importlib import resources
from pathlib import Path

from funcpipe_rag.course import workbook_root

ROOT = workbook_root() or Path.cwd()

# What the image needs to install the package and find the graded tests.
INCLUDE_FILES = ("pyproject.toml", "README.md", "environment.yml")
INCLUDE_TREES = ("funcpipe_rag", "tests/grading")
EXCLUDE_PARTS = {"__pycache__", "chaffs", "hostile", ".ipynb_checkpoints", ".hypothesis"}


def _files(root: Path) -> list[Path]:
    found = [root / f for f in INCLUDE_FILES if (root / f).is_file()]
    for tree in INCLUDE_TREES:
        for path in sorted((root / tree).rglob("*")):
            rel = path.relative_to(root)
            if path.is_file() and not EXCLUDE_PARTS.intersection(rel.parts) and path.suffix != ".pyc":
                found.append(path)
    return found


def build_zip(output: Path, cores: list[str], *, root: Path = ROOT) -> list[str]:
    """Write the autograder zip to ``output``; return the names it holds."""
    output.parent.mkdir(parents=True, exist_ok=True)
    names: list[str] = []
    executable = (stat.S_IFREG | 0o755) << 16
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for script in ("setup.sh", "run_autograder"):
            text = resources.files(__name__).joinpath(script).read_text(encoding="utf-8")
            text = text.replace("@CORES@", " ".join(cores))
            info = zipfile.ZipInfo(script, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = executable
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text)
            names.append(script)
        for path in _files(root):
            rel = path.relative_to(root).as_posix()
            info = zipfile.ZipInfo(rel, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
            names.append(rel)
    return names
