"""Grading a whole class: ``funcpipe grade-class``.

One command grades a folder of submissions (one folder or ``.zip`` per
learner, as a learning platform exports them) and tells the instructor what
to teach again::

    funcpipe grade-class submissions/ --out graded/ [--core m08c01] [--jobs N]
    funcpipe grade-class --merge results/ --out graded/

The parts, each its own module:

* :mod:`.intake` reads each entry safely (zip bombs, names that leave their
  folder, symbolic links, huge or non-UTF-8 files) and stages it in a
  private temporary folder; the submissions folder is never written;
* :mod:`.batch` grades the staged submissions in worker processes, with the
  same boundary and limits as ``funcpipe grade``, and writes one record per
  learner (:mod:`.records`) as each ends; a re-run grades only what changed;
* :mod:`.gradebook` writes ``gradebook.csv``, the per-learner JSON reports
  and the Gradescope exports;
* :mod:`.summary` writes ``summary.html``: the score distribution, the
  failure rate of every graded test, the commonest failure messages and the
  hints most often shown;
* :mod:`.similarity` flags pairs of submissions that look alike
  (``copydetect``), never changing a score;
* :mod:`.merge` reads ``results.json`` files graded elsewhere (Gradescope,
  CI) into the same gradebook and summary.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from funcpipe_rag.grading.classroom.batch import Outcome, Settings, grade_class
    from funcpipe_rag.grading.classroom.merge import merge
    from funcpipe_rag.grading.classroom.outputs import write_outputs
    from funcpipe_rag.grading.classroom.records import Record

_HOMES = {"Outcome": "batch", "Settings": "batch", "grade_class": "batch", "merge": "merge",
          "write_outputs": "outputs", "Record": "records"}
"""Where each public name lives. They are imported when first used: ``funcpipe`` registers the
``grade-class`` parser (:mod:`.commands`) on every run, and a learner's ``funcpipe grade`` should not
pay for the class grader's imports."""


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Outcome", "Record", "Settings", "grade_class", "merge", "write_outputs"]
