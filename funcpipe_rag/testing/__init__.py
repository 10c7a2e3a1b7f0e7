"""Reusable test material: Hypothesis strategies and law properties for plans.

Shared by the test suite, the notebooks and the grader, so that every place
that checks a law checks the same law the same way.
"""
