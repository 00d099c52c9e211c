"""Benchmarks for ogi-reports: a generated corpus with ground truth (`benchmarks.corpus`)."""
