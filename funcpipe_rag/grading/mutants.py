"""Known-wrong answers ("chaffs") and hostile submissions, kept as edits of a solution.

A chaff is a plausible wrong answer to one exercise; the grader's own tests
check that it loses points on the graded tests written to catch it. Instead
of a full copy of the solution with one spot changed (a copy that silently
goes stale when the solution changes), each chaff is a small TOML spec::

    tests/grading/chaffs/<core>/<exercise>/<name>.toml

    description = "map returns f's value without wrapping it in Ok."
    catches = ["test_map"]

    [[edit]]
    find = "return Ok(f(v))"
    replace = "return f(v)  # type: ignore[return-value]"

A chaff that takes a shortcut a source rule forbids (importing the
library's answer, properties without Hypothesis) names the rule with
``rule = "allowed imports only"``; it must score zero on its exercise, with
the rule named (see :mod:`funcpipe_rag.grading.rules`).

An *alternative* is the opposite: a correct answer written differently from
the solution, which must score full marks. Same spec, no ``catches``::

    tests/grading/alternatives/<core>/<exercise>/<name>.toml

A hostile submission (one that misbehaves while it is graded) is the same
kind of spec, kept where its file would be::

    tests/grading/hostile/<case>/<core>/<exercise>.toml

next to any hand-made files the case needs (they are copied as they are).

The spec keys
-------------
``description``  (required) one line: what is wrong with this answer.
``catches``      (chaffs: required, non-empty; hostile: not allowed) the graded
                 test names the answer must lose points on.
``base``         ``"solution"`` (default): ``solutions/<core>/<exercise>.py``;
                 ``"exercise"``: the stub ``funcpipe make-exercises`` generates
                 from it (computed afresh, never read from ``exercises/``, which
                 may hold a learner's work).
``[[edit]]``     ``find`` / ``replace`` pairs, applied in order. ``find`` must
                 occur exactly once in the text as it is when the edit is
                 applied; otherwise :class:`SpecError` names the spec, so a
                 solution change that invalidates a spec is always reported.
``prepend``, ``append``  text put verbatim before / after the edited file.
``needs``        (hostile only, optional) ``"bubblewrap"``: the case is run only
                 where the grader's boundary is bubblewrap (it attacks what only
                 that boundary contains: the network, the grader's files and
                 processes, the disk); elsewhere its tests are skipped, saying why.

The materialised file
---------------------
``<header>`` + ``prepend`` + the edited base + ``append``, where the header
is ``# Chaff: <description>`` and ``# loses: <catches>`` for a chaff, or
``# Hostile submission: <description>`` for a hostile case. With the solution
as base, the ``# BEGIN/END SOLUTION|HELPERS`` marker lines are dropped after
the edits (a learner's file has none; the grader ignores them either way).
The result always differs from the base, or :class:`SpecError` is raised.
"""

from __future__ import annotations

import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from funcpipe_rag.course import workbook_root
from funcpipe_rag.grading.generate import BEGIN, END, exercise_text
from funcpipe_rag.grading.rules import DYNAMIC, HYPOTHESIS, IMPORTS

ROOT = workbook_root() or Path.cwd()
SOLUTIONS = ROOT / "solutions"
CHAFFS = ROOT / "tests" / "grading" / "chaffs"
HOSTILE = ROOT / "tests" / "grading" / "hostile"
ALTERNATIVES = ROOT / "tests" / "grading" / "alternatives"

Kind = Literal["chaff", "hostile", "alternative"]
Base = Literal["solution", "exercise"]

_KEYS: dict[Kind, frozenset[str]] = {
    "chaff": frozenset({"description", "catches", "rule", "base", "edit", "prepend", "append"}),
    "hostile": frozenset({"description", "base", "edit", "prepend", "append", "needs"}),
    "alternative": frozenset({"description", "base", "edit", "prepend", "append"}),
}
_RULES = frozenset({IMPORTS, DYNAMIC, HYPOTHESIS})


class SpecError(ValueError):
    """A spec cannot be read, or cannot be applied to the file it edits."""


@dataclass(frozen=True)
class Edit:
    """Replace the one occurrence of ``find`` with ``replace``."""

    find: str
    replace: str


@dataclass(frozen=True)
class Spec:
    """One chaff or hostile submission, as read from its TOML file."""

    path: Path
    kind: Kind
    core: str
    exercise: str
    name: str
    description: str
    catches: tuple[str, ...]
    base: Base
    edits: tuple[Edit, ...]
    prepend: str
    append: str
    needs: str = ""
    rule: str = ""

    @property
    def label(self) -> str:
        """The spec's path, relative to the checkout when it is inside it."""
        try:
            return self.path.resolve().relative_to(ROOT).as_posix()
        except ValueError:
            return str(self.path)

    @property
    def header(self) -> str:
        """The comment lines the materialised file starts with."""
        if self.kind == "chaff":
            return f"# Chaff: {self.description}\n# loses: {', '.join(self.catches)}\n"
        if self.kind == "alternative":
            return f"# Alternative correct answer: {self.description}\n"
        return f"# Hostile submission: {self.description}\n"


def _string(data: dict[str, Any], key: str, where: str, *, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise SpecError(f"{where}: `{key}` must be a string")
    return value


def load_spec(path: Path, *, kind: Kind, core: str, exercise: str, name: str) -> Spec:
    """Read and check the spec at ``path``; raise :class:`SpecError` if it is malformed."""
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SpecError(f"{where}: cannot be read: {exc}") from None
    unknown = sorted(set(data) - _KEYS[kind])
    if unknown:
        raise SpecError(f"{where}: unknown keys {unknown}; a {kind} spec may use {sorted(_KEYS[kind])}")
    description = _string(data, "description", where).strip()
    if not description or "\n" in description:
        raise SpecError(f"{where}: `description` must be one non-empty line")
    catches: tuple[str, ...] = ()
    if kind == "chaff":
        raw = data.get("catches")
        if not isinstance(raw, list) or not raw or not all(isinstance(n, str) and n for n in raw):
            raise SpecError(f"{where}: `catches` must be a non-empty list of graded test names")
        catches = tuple(raw)
    base = _string(data, "base", where, default="solution")
    if base not in ("solution", "exercise"):
        raise SpecError(f"{where}: `base` must be \"solution\" or \"exercise\", not {base!r}")
    raw_edits = data.get("edit", [])
    if not isinstance(raw_edits, list):
        raise SpecError(f"{where}: `edit` must be an array of tables ([[edit]])")
    edits: list[Edit] = []
    for number, entry in enumerate(raw_edits, start=1):
        at = f"{where}: edit {number}"
        if not isinstance(entry, dict) or set(entry) != {"find", "replace"}:
            raise SpecError(f"{at}: needs exactly the keys `find` and `replace`")
        find, replace = _string(entry, "find", at), _string(entry, "replace", at)
        if not find or find == replace:
            raise SpecError(f"{at}: `find` must be non-empty and differ from `replace`")
        edits.append(Edit(find, replace))
    prepend = _string(data, "prepend", where, default="")
    append = _string(data, "append", where, default="")
    if not (edits or prepend or append):
        raise SpecError(f"{where}: changes nothing (no [[edit]], `prepend` or `append`)")
    needs = _string(data, "needs", where, default="")
    if needs not in ("", "bubblewrap"):
        raise SpecError(f"{where}: `needs` may only be \"bubblewrap\", not {needs!r}")
    rule = _string(data, "rule", where, default="")
    if rule and rule not in _RULES:
        raise SpecError(f"{where}: `rule` must be one of {sorted(_RULES)}, not {rule!r}")
    return Spec(path, kind, core, exercise, name, description, catches,
                "exercise" if base == "exercise" else "solution", tuple(edits), prepend, append, needs, rule)


def apply_edits(text: str, edits: tuple[Edit, ...], label: str) -> str:
    """``text`` with each edit applied in turn; each ``find`` must occur exactly once."""
    for number, edit in enumerate(edits, start=1):
        count = text.count(edit.find)
        if count != 1:
            first = edit.find.strip().splitlines()[0] if edit.find.strip() else repr(edit.find)
            raise SpecError(
                f"{label}: edit {number}: `find` occurs {count} times (it must occur exactly once) "
                f"in the file it edits; does the solution still contain it? It begins: {first!r}"
            )
        text = text.replace(edit.find, edit.replace)
    return text


def _drop_markers(text: str) -> str:
    lines = text.splitlines(keepends=True)
    return "".join(line for line in lines if not (BEGIN.match(line) or END.match(line)))


def base_text(spec: Spec, *, solutions: Path = SOLUTIONS) -> str:
    """The unedited file ``spec`` edits: the solution, or the stub generated from it."""
    path = solutions / spec.core / f"{spec.exercise}.py"
    if not path.is_file():
        raise SpecError(f"{spec.label}: there is no solution file {path}")
    if spec.base == "exercise":
        return exercise_text(path, f"{spec.core}/{spec.exercise}.py")
    return path.read_text(encoding="utf-8")


def render(spec: Spec, *, solutions: Path = SOLUTIONS) -> str:
    """The text of the materialised file (see the module docstring)."""
    base = base_text(spec, solutions=solutions)
    edited = apply_edits(base, spec.edits, spec.label)
    if spec.base == "solution":
        base, edited = _drop_markers(base), _drop_markers(edited)
    body = spec.prepend + edited + spec.append
    if body == base:
        raise SpecError(f"{spec.label}: the edits leave {spec.exercise}.py unchanged")
    return spec.header + body


# ---- chaffs ----------------------------------------------------------------------------


def chaff_path(core: str, exercise: str, name: str, *, chaffs: Path = CHAFFS) -> Path:
    """Where the spec of one chaff lives."""
    return chaffs / core / exercise / f"{name}.toml"


def load_chaff(core: str, exercise: str, name: str, *, chaffs: Path = CHAFFS) -> Spec:
    """The spec of one chaff; :class:`SpecError` if it is missing or malformed."""
    path = chaff_path(core, exercise, name, chaffs=chaffs)
    if not path.is_file():
        raise SpecError(f"no chaff {core}/{exercise}/{name}: {path} does not exist")
    return load_spec(path, kind="chaff", core=core, exercise=exercise, name=name)


def list_chaffs(core: str | None = None, *, chaffs: Path = CHAFFS) -> list[Spec]:
    """Every chaff (of ``core``, or of all cores), sorted by core, exercise and name."""
    pattern = f"{core}/*/*.toml" if core else "*/*/*.toml"
    return [
        load_spec(p, kind="chaff", core=p.parent.parent.name, exercise=p.parent.name, name=p.stem)
        for p in sorted(chaffs.glob(pattern))
    ]


def write_chaff(
    core: str, exercise: str, name: str, dest_folder: str | Path, *,
    chaffs: Path = CHAFFS, solutions: Path = SOLUTIONS,
) -> Path:
    """Write ``<dest_folder>/<exercise>.py``: the solution with the chaff's edits; return its path.

    ``dest_folder`` is created if needed. Raises :class:`SpecError` if the spec
    is missing or malformed, or if one of its ``find`` snippets does not occur
    exactly once in the solution.
    """
    return write_spec(load_chaff(core, exercise, name, chaffs=chaffs), dest_folder, solutions=solutions)


# ---- alternatives: correct answers written differently ------------------------------------


def list_alternatives(core: str | None = None, *, alternatives: Path = ALTERNATIVES) -> list[Spec]:
    """Every alternative correct answer (of ``core``, or of all cores), sorted."""
    pattern = f"{core}/*/*.toml" if core else "*/*/*.toml"
    return [
        load_spec(p, kind="alternative", core=p.parent.parent.name, exercise=p.parent.name, name=p.stem)
        for p in sorted(alternatives.glob(pattern))
    ]


def write_spec(spec: Spec, dest_folder: str | Path, *, solutions: Path = SOLUTIONS) -> Path:
    """Write ``<dest_folder>/<exercise>.py`` rendered from ``spec``; return its path."""
    text = render(spec, solutions=solutions)
    folder = Path(dest_folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{spec.exercise}.py"
    target.write_text(text, encoding="utf-8")
    return target


# ---- hostile submissions ---------------------------------------------------------------


def hostile_cases(*, hostile: Path = HOSTILE) -> list[str]:
    """The names of the hostile cases (one folder each)."""
    return sorted(p.name for p in hostile.iterdir() if p.is_dir()) if hostile.is_dir() else []


def hostile_specs(case: str, *, hostile: Path = HOSTILE) -> list[Spec]:
    """The specs of one hostile case: ``<case>/<core>/<exercise>.toml``."""
    return [
        load_spec(p, kind="hostile", core=p.parent.name, exercise=p.stem, name=case)
        for p in sorted((hostile / case).glob("*/*.toml"))
    ]


def write_hostile(
    case: str, dest_folder: str | Path, *, hostile: Path = HOSTILE, solutions: Path = SOLUTIONS,
) -> Path:
    """Build the submission folder of one hostile case in ``dest_folder``; return that folder.

    The case's folder is copied as it is, except that each ``<core>/<exercise>.toml``
    becomes ``<core>/<exercise>.py`` rendered from the spec. Raises
    :class:`SpecError` if the case does not exist or a spec cannot be applied.
    """
    source = hostile / case
    if not source.is_dir():
        raise SpecError(f"no hostile case {case!r} in {hostile}")
    specs = {spec.path: spec for spec in hostile_specs(case, hostile=hostile)}
    folder = Path(dest_folder)
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        target = folder / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        spec = specs.get(path)
        if spec is None:
            shutil.copyfile(path, target)
        else:
            target.with_suffix(".py").write_text(render(spec, solutions=solutions), encoding="utf-8")
    return folder
