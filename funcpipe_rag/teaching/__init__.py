"""Deliberately naive code kept for comparison in the lessons and benchmarks.

Nothing in the library depends on this package.
"""
