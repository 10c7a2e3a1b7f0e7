"""`funcpipe demo rag` answers learner questions from the right module.

Every question of ``funcpipe_rag/data/questions.toml`` is asked through the
demo's own ``search`` plan, after the packaged corpus was embedded by the
real local service and stored in SQLite. The bar: at least 90% of the
questions have a chunk of the module that answers them among the top five.
"""

from __future__ import annotations

from funcpipe_rag.tools.retrieval import ask_all, questions

BAR = 0.9


def test_at_least_twenty_questions_each_naming_a_corpus_module() -> None:
    from funcpipe_rag.infra.corpus import DEFAULT_MODULES

    asked = questions()
    assert len(asked) >= 20
    assert {q.module for q in asked} <= set(DEFAULT_MODULES)


def test_the_packaged_corpus_answers_nine_questions_in_ten_from_the_right_module() -> None:
    answers = ask_all("snapshot", top_k=5)
    found = sum(a.found for a in answers)
    misses = "\n".join(f"  {a.question.text!r} ({a.question.module}): {', '.join(a.labels)}"
                       for a in answers if not a.found)
    assert found >= BAR * len(answers), f"{found}/{len(answers)} answered from the right module:\n{misses}"
