"""Maintenance tools: notebook execution and checks, course files, capturing the lesson corpus."""
