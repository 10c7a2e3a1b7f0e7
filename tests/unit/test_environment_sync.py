"""environment.yml (conda) and pyproject.toml (pip) list the same dependencies, every place
that names the supported Pythons names the same ones, and CI finds each of them.

``.ci/run`` runs the whole suite once per supported version (pyproject's
classifiers), using the interpreter ``.ci/find-python`` finds. A version that is
missing must be reported (``SKIPPED: Python 3.X not found``), never dropped
silently, and a broken interpreter on the PATH (pyenv's ``python3.X`` shim when
that version is not selected) must not be taken for a working one.
"""

from __future__ import annotations

import os
import re
import subprocess
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


def conda_requirements(path: Path = ROOT / "environment.yml") -> dict[str, str]:
    found: dict[str, str] = {}
    text = path.read_text()
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


def test_the_benchmarks_rivals_are_installed_by_both() -> None:
    # bench/ measures the library against these; a fresh environment of either kind must have them.
    for rival in ("aiometer", "aiostream"):
        assert rival in pyproject_requirements(), f"{rival} missing from the dev extra"
        assert rival in conda_requirements(), f"{rival} missing from environment.yml"


# ---- CI runs every supported version it finds ------------------------------------------------

THIS = f"{sys.version_info[0]}.{sys.version_info[1]}"


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args), cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})}
    )


def _version_of(python: str) -> str:
    done = _run(python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])")
    return done.stdout.strip()


def test_ci_lists_every_supported_version_and_finds_this_one() -> None:
    done = _run("bash", ".ci/run", "--list")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(":")[0].split()[-1] for line in lines] == [f"3.{m}" for _, m in supported_versions()]
    for line in lines:
        if line.startswith("SKIPPED: "):
            assert line.endswith(" not found")
            continue
        version, python = line.removeprefix("Python ").split(": ", 1)
        assert _version_of(python) == version, line
    assert any(line.startswith(f"Python {THIS}: ") for line in lines), "the running Python was not found"


def test_a_missing_version_is_reported_as_skipped() -> None:
    done = _run("bash", ".ci/run", "--list", env={"FUNCPIPE_PYTHONS": f"{THIS} 3.99"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "SKIPPED: Python 3.99 not found"


def test_find_python_skips_an_interpreter_that_does_not_run(tmp_path: Path) -> None:
    # A stand-in for pyenv's shim: named like the interpreter, first on the PATH, failing.
    shim = tmp_path / f"python{THIS}"
    shim.write_text("#!/bin/sh\necho 'pyenv: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    env = {"PATH": f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = _run("sh", ".ci/find-python", THIS, env=env)
    assert done.returncode == 0, done.stderr
    found = done.stdout.strip()
    assert found != str(shim) and _version_of(found) == THIS
    # Named by its path, a broken interpreter is refused, not replaced.
    refused = _run("sh", ".ci/find-python", str(shim), env=env)
    assert refused.returncode == 1 and refused.stdout == "" and "does not run" in refused.stderr


def test_find_python_accepts_a_path_a_command_and_a_version() -> None:
    for spec in (sys.executable, THIS, f"python{THIS}"):
        done = _run("sh", ".ci/find-python", spec)
        assert done.returncode == 0, (spec, done.stderr)
        assert _version_of(done.stdout.strip()) == THIS, spec
    missing = _run("sh", ".ci/find-python", "3.99")
    assert missing.returncode == 1 and "no working Python 3.99" in missing.stderr
