"""Benchmarks for ``make bench``. Each ``bench/bench_*.py`` defines ``run() -> dict``."""
