"""The command-line options shared by several commands, each declared once (help, unit and
default of a setting come from ``Settings``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import click

from .settings import Settings

__all__ = ["input_options", "sending_options", "setting_option"]


def setting_option(name: str, *decls: str, **kw: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A click option for a Settings field: help, unit and default come from Settings.

    A value left at its default is not passed on as a flag (``build_settings`` asks click where
    each value came from), so the environment, .env and the config file can still supply it.
    """
    info = Settings.model_fields[name]
    unit = (info.json_schema_extra or {}).get("unit") if isinstance(info.json_schema_extra, dict) else None
    annotation = info.annotation
    if annotation is bool:
        kw.setdefault("is_flag", True)
    elif getattr(annotation, "__origin__", None) is Literal:
        kw.setdefault("type", click.Choice(annotation.__args__))
    else:
        kw.setdefault("type", {int: int, float: float}.get(annotation, str))
    if unit:
        kw.setdefault("metavar", unit)
    kw.setdefault("help", info.description)
    default = info.get_default(call_default_factory=True)
    return click.option(
        *(decls or (f"--{name.replace('_', '-')}",)), name, default=default, show_default=default is not None, **kw
    )


def input_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options that shape how a file is read and checked (run and validate share them)."""
    options = [
        setting_option("sheet"),
        click.option(
            "mapping_file", "--mapping", type=click.Path(path_type=Path), help="TOML file mapping your headers to fields."
        ),
        click.option(
            "set_", "--set", multiple=True, metavar="FIELD=VALUE", help="Value for rows that leave FIELD empty (repeatable)."
        ),
        click.option("--config", type=click.Path(path_type=Path), help="TOML config file: settings and a [defaults] table."),
        setting_option("resumes_dir", type=click.Path(path_type=Path)),
        setting_option("max_resume_mb"),
        setting_option("max_resume_chars"),
        setting_option("max_file_mb"),
        setting_option("max_rows"),
        setting_option("max_cell_chars"),
        setting_option("max_columns"),
        setting_option("encoding"),
        setting_option("delimiter"),
        setting_option("min_resume_chars"),
        setting_option("verbose", "-v", "--verbose"),
        click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def sending_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Where to send and how fast (run and plan share them: plan's estimate uses the same limits)."""
    options = [
        setting_option("base_url"),
        setting_option("sandbox"),
        setting_option("concurrency", metavar="N|auto"),
        setting_option("max_concurrency", metavar="N"),
        setting_option("rate", metavar="PER_SECOND|auto"),
        setting_option("max_rate", metavar="PER_SECOND"),
        setting_option("max_attempts"),
        setting_option("give_up_after"),
    ]
    for option in reversed(options):
        func = option(func)
    return func
