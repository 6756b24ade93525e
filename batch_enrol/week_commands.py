"""The ``batch-enrol plan`` and ``batch-enrol results`` commands (front ends over the planner and ``results``)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .batch import SEVERITY, plan_many
from .cli import _setup_logging, build_settings, friendly, input_options, main, sending_options, setting_option
from .models import ExitCode
from .preview import Preview, target_of
from .redaction import redact


def confirmer(yes: bool) -> Callable[[Preview], bool]:
    """Print the preview (stderr, host first); on a terminal ask before sending unless ``yes``."""
    def confirm(preview: Preview) -> bool:
        click.echo("\n".join(preview.lines()), err=True)
        return yes or not sys.stdin.isatty() or click.confirm("send now?", default=False, err=True)

    return confirm


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--out", type=click.Path(path_type=Path), help="The output run would write (its journal tells what is done).")
@click.option("--out-dir", type=click.Path(path_type=Path), help="Folder of the outputs of several inputs (as for run).")
@click.option("--journal", type=click.Path(path_type=Path), help="Journal file (default: OUT.journal.sqlite).")
@sending_options
@setting_option("credits_per_candidate")
@input_options
@friendly
def plan(inputs: tuple[str, ...], **opts: Any) -> int:
    """Say where each INPUT would be sent, how many rows and positions, and the estimated time and credits; send nothing."""
    _setup_logging(opts["verbose"], opts["quiet"])
    settings = build_settings(opts)
    previews, failed = plan_many(inputs, settings, out=opts["out"], out_dir=opts["out_dir"], journal=opts["journal"])
    click.echo("\n".join(line for preview in previews for line in preview.lines()))
    if len(previews) > 1:
        click.echo(f"total: {sum(p.rows for p in previews)} rows to send, {sum(p.credits for p in previews):g} credits (estimate)")
    for _path, error in failed:
        click.echo(f"error: {redact(error.message)}", err=True)  # names the file (plan_many)
    click.echo("nothing was sent (plan only)")
    return int(min((error.exit_code for _, error in failed), key=SEVERITY.index, default=ExitCode.OK))


@main.command()
@click.argument("outputs", nargs=-1, required=True, metavar="OUTPUT...")
@setting_option("base_url")
@setting_option("concurrency")
@setting_option("rate", metavar="PER_SECOND")
@setting_option("max_attempts")
@click.option("--token-file", type=click.Path(path_type=Path), help="Read the API token from this file.")
@setting_option("ca_bundle", type=click.Path(path_type=Path))
@setting_option("sheet")
@setting_option("verbose", "-v", "--verbose")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors.")
@friendly
def results(outputs: tuple[str, ...], **opts: Any) -> int:
    """Read each enrolled row's interview result into OUTPUT (an output of run), in place."""
    from .results import read_many

    _setup_logging(opts["verbose"], opts["quiet"])
    settings = build_settings(opts)
    host, target = target_of(settings)
    click.echo(f"host: {host} ({target})", err=True)
    reports = read_many([Path(o) for o in outputs], settings, host=host)
    for report in reports:
        if not opts["quiet"]:
            click.echo(report.line())
        for warning in report.warnings():
            click.echo(warning, err=True)
    return int(max(r.exit_code for r in reports))  # 3 (token refused) outranks 1 (rows not read)
