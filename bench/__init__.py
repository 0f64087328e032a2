"""Benchmarks: `make bench` (= `python -m bench`) runs every one and prints its figures."""
