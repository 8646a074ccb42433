"""Benchmark scripts and the robustness scenario generators (not part of the package).

A package only so that the tests can import `benchmarks.scenarios`.
"""
