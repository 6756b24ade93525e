"""A local simulator of the JobMojito enrolment API, for demos, tests and benchmarks."""

from .app import DEFAULT_TOKEN, Ledger, Sandbox
from .faults import Faults
from .server import serve_in_thread

__all__ = ["DEFAULT_TOKEN", "Faults", "Ledger", "Sandbox", "serve_in_thread"]
