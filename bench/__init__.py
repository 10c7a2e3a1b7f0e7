"""Benchmarks of the FuncPipe workbook, run by ``make bench`` (never by ``make test``).

``python -m bench`` runs everything, prints the tables and writes
``bench/results.json`` and ``bench/per_bind_cost.png``; ``--quick`` and
``--only`` run less (see ``python -m bench --help``).
"""
