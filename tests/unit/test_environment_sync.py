"""environment.yml (conda) and pyproject.toml (pip) list the same dependencies, and every place
that names the supported Pythons names the same ones."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"^\s*([A-Za-z0-9_.\-]+)")


def _name(requirement: str) -> str:
    match = NAME.match(requirement)
    assert match, f"cannot read a package name from {requirement!r}"
    return match.group(1).lower().replace("_", "-")


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    own = _name(project["name"])
    reqs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        reqs.extend(extra)
    return {_name(r): r.replace(" ", "") for r in reqs if _name(r) != own}


def conda_requirements() -> dict[str, str]:
    found: dict[str, str] = {}
    text = (ROOT / "environment.yml").read_text()
    for line in text.split("\ndependencies:", 1)[1].splitlines():
        item = re.match(r"^\s{2}- (\S.*)$", line)  # top-level entries of `dependencies:`
        if item and not item.group(1).startswith(("pip", "python")):
            found[_name(item.group(1))] = item.group(1).replace(" ", "")
    return found


def test_same_packages_and_bounds() -> None:
    pip, conda = pyproject_requirements(), conda_requirements()
    assert sorted(set(pip) - set(conda)) == [], "in pyproject.toml but missing from environment.yml"
    assert sorted(set(conda) - set(pip)) == [], "in environment.yml but missing from pyproject.toml"
    assert {k: conda[k] for k in pip} == pip, "version bounds differ"


def test_python_versions_agree() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert f"python{project['requires-python']}" in (ROOT / "environment.yml").read_text()


def supported_versions() -> list[tuple[int, int]]:
    """The ``Programming Language :: Python :: 3.X`` classifiers of pyproject.toml, in order."""
    classifiers = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["classifiers"]
    found = [re.fullmatch(r"Programming Language :: Python :: 3\.(\d+)", c) for c in classifiers]
    return [(3, int(m.group(1))) for m in found if m]


def test_every_statement_of_the_supported_versions_agrees() -> None:
    versions = supported_versions()
    (lowest, *_), highest = versions, versions[-1]
    assert versions == [(3, minor) for minor in range(lowest[1], highest[1] + 1)], "no gaps"
    low, high = f"3.{lowest[1]}", f"3.{highest[1]}"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == f">={low},<3.{highest[1] + 1}"
    names = ", ".join(f"3.{minor}" for _, minor in versions[:-1]) + f" and {high}"
    assert f"Python {names}" in (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert f"(3, {lowest[1]}) <= sys.version_info[:2] <= (3, {highest[1]})" in makefile
    assert f"supports Python {low} to {high}" in makefile
    tools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]
    assert tools["mypy"]["python_version"] == low and tools["ruff"]["target-version"] == f"py3{lowest[1]}"


def test_the_suite_runs_on_a_supported_version() -> None:
    assert sys.version_info[:2] in supported_versions(), (
        f"Python {sys.version_info[0]}.{sys.version_info[1]} is not a supported version"
    )
