"""Maintenance tools: notebook execution and checks."""
