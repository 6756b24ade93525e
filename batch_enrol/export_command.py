"""The ``batch-enrol export`` command (a front end over ``batch_enrol.export``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .cli import _setup_logging, build_settings, friendly, input_options, main


@main.command()
@click.argument("input", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), help="Output file (default: the run's, INPUT.enrolled.EXT).")
@click.option("--journal", type=click.Path(path_type=Path), help="The run's journal (default: OUT.journal.sqlite).")
@input_options
@friendly
def export(input: Path, out: Path | None, journal: Path | None, **opts: Any) -> int:
    """Rebuild the output of INPUT from the run's journal; send nothing."""
    from .export import export as rebuild

    _setup_logging(opts["verbose"], opts["quiet"])
    written, counts = rebuild(input, build_settings(opts, sandbox=True), out=out, journal=journal)
    click.echo(", ".join(f"{n} {status}" for status, n in counts.items() if n))
    click.echo(f"output: {written}")
    return 0
