"""Adapters: the code that drives plans and talks to the outside world."""
