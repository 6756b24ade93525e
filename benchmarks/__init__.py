"""Reproducible performance measurements of batch-enrol (``python -m benchmarks``)."""
