"""Helpers for tests that call the library directly (no fixtures: plain functions)."""

from __future__ import annotations

import httpx

from batch_enrol.sandbox import Sandbox


def sandbox_transport(sandbox: Sandbox | None = None) -> tuple[Sandbox, httpx.ASGITransport]:
    """A simulator and an in-process transport to it: ``run(..., transport=transport)``."""
    sandbox = sandbox or Sandbox()
    return sandbox, httpx.ASGITransport(app=sandbox.app)
