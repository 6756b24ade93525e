"""Fixtures: the sandbox served over real loopback HTTP. Helpers live in tests/helpers.py."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest

from batch_enrol.sandbox import Faults, Sandbox, serve_in_thread
from tests.helpers import (  # noqa: F401  (re-exported for tests that import them from here)
    DATA,
    HEADERS,
    ROOT,
    SAMPLES,
    Served,
    candidate_rows,
    cli,
    read_output,
    write_csv,
    write_xlsx,
)


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    """``serve(Faults(...), extra_tokens=...)`` → a running sandbox; stopped after the test."""
    with contextlib.ExitStack() as stack:

        def start(faults: Faults | None = None, **kw) -> Served:
            sandbox = Sandbox(faults or Faults(), **kw)
            url = stack.enter_context(serve_in_thread(sandbox))
            return Served(sandbox, url)

        yield start
