"""Benchmarks: figures printed on demand (`make bench`); nothing here asserts on time."""
