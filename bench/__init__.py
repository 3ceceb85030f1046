"""Benchmarks: each ``bench_*.py`` module has a ``main()`` that prints figures and ratios against a
baseline measured in the same run. ``python -m bench`` runs them all; ``python -m bench.<module>``
runs one."""
