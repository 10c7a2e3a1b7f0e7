"""The graded tests (``m08c01/``…), chaffs and hostile submissions are data for the grader.

pytest does not collect them directly: the ``test_*.py`` files here run them
through ``funcpipe grade`` and check what the grader reports.
"""

collect_ignore_glob = ["m[0-9]*/*.py", "chaffs/*", "hostile/*", "alternatives/*"]
