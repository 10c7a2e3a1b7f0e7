"""One-click launch: Binder builds the same environment as pyproject.toml, then installs the workbook."""

from __future__ import annotations

import re

from test_environment_sync import ROOT, conda_requirements, pyproject_requirements

from funcpipe_rag import course
from funcpipe_rag.tools import course_files

BINDER = ROOT / ".binder"


def test_binder_lists_the_same_packages_and_bounds_as_pyproject() -> None:
    pip, binder = pyproject_requirements(), conda_requirements(BINDER / "environment.yml")
    assert sorted(set(pip) - set(binder)) == [], "in pyproject.toml but missing from .binder/environment.yml"
    assert sorted(set(binder) - set(pip)) == [], "in .binder/environment.yml but missing from pyproject.toml"
    assert {k: binder[k] for k in pip} == pip, "version bounds differ"


def test_binder_environment_has_no_install_of_the_workbook() -> None:
    text = (BINDER / "environment.yml").read_text()
    assert "-e ." not in text and not re.search(r"^\s*- pip:", text, re.M)


def test_post_build_installs_the_workbook_and_registers_its_kernel() -> None:
    post = BINDER / "postBuild"
    assert post.stat().st_mode & 0o111, "postBuild must be executable"
    text = post.read_text()
    assert re.search(r"pip install .*-e \.", text)
    assert "ipykernel install --sys-prefix --name funcpipe-m08" in text
    assert '"default_kernel_name": "funcpipe-m08"' in text


def test_the_readme_badge_opens_the_start_page_in_binder() -> None:
    readme = (ROOT / "README.md").read_text()
    assert course_files.binder_badge() in readme
    assert (ROOT / course.START_PAGE).is_file()
    assert f"urlpath=lab/tree/{course.START_PAGE}" in course_files.binder_badge()
