"""The local web app for HR teams (``batch-enrol ui``): upload, columns, check, preview, send, done.

A front end only: every step calls the library (loader, validator, pipeline, journal, writer);
nothing in the library imports this package.
"""

from .app import create_app, serve, serve_in_thread
from .config import ENV_PASSWORD, UiConfig, check_bind

__all__ = ["ENV_PASSWORD", "UiConfig", "check_bind", "create_app", "serve", "serve_in_thread"]
