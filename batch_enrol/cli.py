"""The ``batch-enrol`` command: a thin shell that turns options into Settings and errors into exit codes."""

from __future__ import annotations

import functools
import logging
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import httpx
from click.core import ParameterSource

from . import __version__, pipeline
from .batch import SEVERITY, choose_inputs, run_many
from .cli_options import input_options, sending_options, setting_option
from .csv_input import DELIMITER_NAMES
from .encodings import display_name
from .errors import BatchEnrolError, ConfigError, InputFileError, OutputError, for_file
from .loader import SUPPORTED
from .models import ExitCode
from .redaction import RedactingFilter, redact
from .reports import console_table
from .settings import Settings
from .validator import missing_columns
from .writer import write_validation_report

log = logging.getLogger("batch_enrol")


def _setup_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("batch-enrol: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger("batch_enrol")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def friendly(func: Callable[..., int | None]) -> Callable[..., None]:
    """Run a command; turn every expected failure into one line, a hint and an exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            code = func(*args, **kwargs)
        except BatchEnrolError as exc:
            click.echo(f"error: {redact(exc.message)}", err=True)
            if exc.hint:
                click.echo(f"hint: {redact(exc.hint)}", err=True)
            sys.exit(int(exc.exit_code))
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(int(ExitCode.INTERRUPTED))
        except (click.ClickException, click.exceptions.Exit, SystemExit):
            raise
        except Exception as exc:  # a bug: say so in one line; the traceback only when asked for
            if log.isEnabledFor(logging.DEBUG):
                click.echo(redact(traceback.format_exc()), err=True)
            click.echo(f"error: unexpected {type(exc).__name__}: {redact(str(exc))[:300]}", err=True)
            click.echo("hint: run again with --verbose for details, and report it with that output", err=True)
            sys.exit(int(ExitCode.CRASHED))
        sys.exit(int(code or 0))

    return wrapper


# --- shared options -------------------------------------------------------------------------


#: Options Settings.load takes besides the Settings fields (the others say what to read and write).
LOAD_EXTRAS = frozenset({"token_file", "mapping_file", "set_"})


def build_settings(opts: dict[str, Any], *, sandbox: bool | None = None, env: dict[str, str] | None = None) -> Settings:
    """Flags > environment > .env (in the working directory) > config file > defaults (Settings.load)."""
    ctx = click.get_current_context(silent=True)

    def given(name: str) -> bool:
        return ctx is None or ctx.get_parameter_source(name) not in (ParameterSource.DEFAULT, None)

    wanted = Settings.model_fields.keys() | LOAD_EXTRAS
    flags = {k: v for k, v in opts.items() if k in wanted and v not in (None, ()) and given(k)}
    flags["set"] = flags.pop("set_", ())
    if opts.get("quiet"):
        flags["progress"] = "none"
    if sandbox is not None and sandbox:
        flags["sandbox"] = True
    return Settings.load(flags, env=env, config_file=opts.get("config"))


def _sandbox_transport() -> httpx.AsyncBaseTransport:
    """The simulator in-process, for --sandbox: the library never imports it itself."""
    from .sandbox import Sandbox

    return httpx.ASGITransport(app=Sandbox().app)


# --- commands ---------------------------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="batch-enrol")
def main() -> None:
    """Enrol every candidate in a spreadsheet for a JobMojito AI interview.

    \b
    Try it with no account:   batch-enrol run sample_data/candidates.xlsx --sandbox
    Check a file only:        batch-enrol validate candidates.xlsx
    Get a blank template:     batch-enrol template candidates.xlsx

    The API token is read from JOBMOJITO_TOKEN (or --token-file, or a .env file).
    Exit codes: 0 all done, 1 some rows need attention, 2 bad input or settings,
    3 the API refused to go on (token, credits, permission), 70 an unexpected
    error in batch-enrol (please report it), 130 interrupted.
    """


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option(
    "--out", type=click.Path(path_type=Path), help="Output file; .xlsx or .csv (default: INPUT.enrolled.EXT beside the input)."
)
@click.option(
    "--out-dir",
    type=click.Path(path_type=Path),
    help="Folder for the outputs of several inputs (default: enrolled/ beside each).",
)
@click.option("--move-done", type=click.Path(path_type=Path), help="Move each fully processed input into this folder.")
@sending_options
@setting_option("fail_on")
@click.option("--summary-json", type=click.Path(path_type=Path), help="Write a JSON summary here.")
@click.option("--junit", type=click.Path(path_type=Path), help="Write a JUnit XML report here (one testcase per row).")
@click.option("--journal", type=click.Path(path_type=Path), help="Journal file (default: OUT.journal.sqlite).")
@click.option("--fresh", is_flag=True, help="Forget the journal and start over.")
@click.option("--force", is_flag=True, help="Replace an existing output that is not this run's own; rerun processed inputs.")
@click.option("--wait", is_flag=True, help="If another run is using the same output (its journal), wait for it instead of stopping.")
@setting_option("token_file", type=click.Path(path_type=Path))
@setting_option("token_command", metavar="CMD")
@setting_option("ca_bundle", type=click.Path(path_type=Path))
@setting_option("credits_per_candidate")
@click.option("--yes", "-y", is_flag=True, help="Send without asking (on a terminal the run asks after the preview).")
@input_options
@friendly
def run(inputs: tuple[str, ...], **opts: Any) -> int:
    """Enrol every valid row of each INPUT (files, folders or globs) and write the results."""
    _setup_logging(opts["verbose"], opts["quiet"])
    settings = build_settings(opts)
    transport = None
    if settings.sandbox:
        transport = _sandbox_transport()
    batch = run_many(
        inputs,
        settings,
        confirm=week_commands.confirmer(opts["yes"]),
        out=opts["out"],
        out_dir=opts["out_dir"],
        journal=opts["journal"],
        fresh=opts["fresh"],
        force=opts["force"],
        summary_json=opts["summary_json"],
        junit=opts["junit"],
        move_done=opts["move_done"],
        wait=opts["wait"],
        transport=transport,
    )
    for result in batch.results:
        if not opts["quiet"]:
            click.echo(f"input: {result.summary.input}")
            click.echo(console_table(result.summary))
            click.echo(f"output: {result.output}")
            if result.embed_file:
                click.echo(f"embed signing keys: {result.embed_file} (secret; mode 0600)")
        if result.stop_reason and result.exit_code != ExitCode.OK:
            click.echo(f"stopped: {result.stop_reason}", err=True)
    if not batch.results and not batch.failed and not opts["quiet"]:
        click.echo("nothing new to process" + (f" ({len(batch.skipped)} already done)" if batch.skipped else ""))
    for path, error in batch.failed:
        click.echo(f"error: {redact(for_file(path.name, error.message))}", err=True)
    if batch.exit_code == ExitCode.API_REFUSED:
        where = f"in {settings.token_file}" if settings.token_file else "--token-command" if settings.token_command else "JOBMOJITO_TOKEN"
        click.echo(f"hint: renew the token ({where}) and re-run the same command; done rows are not sent again", err=True)
    elif batch.exit_code == ExitCode.ROWS_FAILED and not opts["quiet"]:
        click.echo("some rows need attention: see enrol_status and enrol_reason in the output", err=True)
    return int(batch.exit_code)


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option(
    "--report",
    type=click.Path(path_type=Path),
    help="Write a copy of the workbook with bad cells highlighted and explained (.xlsx).",
)
@input_options
@friendly
def validate(inputs: tuple[str, ...], report: Path | None, **opts: Any) -> int:
    """Check every row of each INPUT (files, folders or globs) against the API contract; send nothing."""
    _setup_logging(opts["verbose"], opts["quiet"])
    settings = build_settings(opts, sandbox=True)
    paths, many, _ = choose_inputs(inputs)
    if report is not None and (many or len(paths) != 1):
        raise ConfigError("--report needs exactly one input file")
    if not paths:
        single_dir = len(inputs) == 1 and Path(inputs[0]).is_dir()
        where = f"{inputs[0]} is a folder with no candidate lists in it" if single_dir else f"no candidate lists match {', '.join(inputs)}"
        raise InputFileError(where, hint=f"the files must end in one of: {', '.join(SUPPORTED)}")
    worst = ExitCode.OK
    for path in paths:
        if many and not opts["quiet"]:
            click.echo(f"== {path}")
        try:
            code = _validate_one(path, report, settings, quiet=opts["quiet"])
        except BatchEnrolError as exc:
            if not many:
                raise
            click.echo(f"error: {redact(for_file(path.name, exc.message))}", err=True)
            code = exc.exit_code
        worst = code if SEVERITY.index(code) < SEVERITY.index(worst) else worst
    return int(worst)


def _validate_one(path: Path, report: Path | None, settings: Settings, *, quiet: bool) -> ExitCode:
    """Print one file's problems (a missing column once, not once per row) and its counts."""
    checked = pipeline.validate(path, settings)
    missing = missing_columns(checked.rows, checked.columns)
    for field, count in missing.items():
        click.echo(f"no column for {field}: {count} row(s) need it; add a column or --set {field}=…", err=quiet)
    problems = [p for p in checked.problems if p.field not in missing]
    duplicates = [c.outcome for c in checked.rows if c.outcome is not None and c.outcome.status == "duplicate"]
    if problems and not quiet:
        click.echo(f"{'row':>6}  {'column':<24} {'value':<30} problem")
        for p in problems:
            value = p.value if len(p.value) <= 28 else p.value[:27] + "…"
            click.echo(f"{p.row:>6}  {p.column[:24]:<24} {value!r:<30} {p.message}")
    for outcome in duplicates:
        if not quiet:
            click.echo(f"{outcome.row:>6}  duplicate: {outcome.reason}")
    rows, bad, table = len(checked.rows), sum(1 for c in checked.rows if c.problems), checked.table
    if not quiet:
        if checked.columns.unmapped:
            click.echo(f"columns not sent (kept in the output as they are): {', '.join(checked.columns.unmapped)}")
        if table.format == "csv" and table.encoding:
            delimiter = DELIMITER_NAMES.get(table.delimiter or ",", repr(table.delimiter))
            click.echo(f"read as {display_name(table.encoding)}{' with a BOM' if table.bom else ''}, {delimiter}-separated")
    click.echo(f"{rows} rows: {rows - bad - len(duplicates)} valid, {bad} invalid, {len(duplicates)} duplicate")
    if report is not None:
        if report.resolve() == Path(path).resolve():
            raise OutputError("the report would overwrite the input", hint="choose another --report path")
        write_validation_report(checked.table, checked.marks(), report)
        click.echo(f"report: {report}")
    return ExitCode.ROWS_FAILED if bad else ExitCode.OK


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace an existing file.")
@friendly
def template(path: Path, force: bool) -> int:
    """Write the input template to PATH (.xlsx with dropdowns and instructions, or .csv)."""
    from .template import write_template

    if path.exists() and not force:
        raise OutputError(f"{path} already exists", hint="use --force to replace it")
    write_template(path)
    click.echo(f"template written: {path}")
    return 0


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; any other than this computer's needs BATCH_ENROL_UI_PASSWORD.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on (0: any free port).")
@click.option("--sandbox", is_flag=True, help="Send to the built-in simulator instead of the real API (a demo; no account needed).")
@click.option("--base-url", help="API base URL (default: $JOBMOJITO_BASE_URL, else production).")
@click.option("--config", type=click.Path(path_type=Path), help="TOML config file: settings and a [defaults] table.")
@click.option("--data-dir", type=click.Path(path_type=Path), help="Private folder for uploads, results and journals (default: ~/.batch-enrol).")
@click.option("--max-upload-mb", default=50.0, show_default=True, type=click.FloatRange(min=0.01), help="Largest upload (all its files together).")
@click.option("--no-browser", is_flag=True, help="Do not open the browser.")
@friendly
def ui(host: str, port: int, sandbox: bool, base_url: str | None, config: Path | None, data_dir: Path | None,
       max_upload_mb: float, no_browser: bool) -> int:  # fmt: skip
    """Open the web app: upload a spreadsheet, check it, send it and download the results."""
    from .settings import Secret
    from .ui import ENV_PASSWORD, UiConfig, check_bind, serve

    _setup_logging(False, False)
    password = Secret(os.environ.get(ENV_PASSWORD, ""))
    check_bind(host, password)  # before anything else: refuse an open network address without a password
    settings = build_settings({"config": config, "base_url": base_url, "quiet": True}, sandbox=sandbox)
    extra = {"data_dir": data_dir} if data_dir else {}
    cfg = UiConfig(settings=settings, host=host, password=password, max_upload_bytes=int(max_upload_mb * 2**20), **extra)
    mode = " · practice mode: nothing reaches JobMojito" if sandbox else ""
    serve(cfg, port=port, open_browser=not no_browser, on_ready=lambda url: click.echo(f"batch-enrol: the app is at {url} (Ctrl-C to quit){mode}"))
    return 0


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback only by default).")
@click.option("--port", default=8787, show_default=True, type=click.IntRange(0, 65535))
@click.option("--latency", default=0.0, type=click.FloatRange(min=0), help="Seconds each call takes.")
@click.option("--fault-rate", default=0.0, type=click.FloatRange(0, 1), help="Share of calls that fail (500/503/546/504/drop).")
@click.option("--throttle-above", type=click.FloatRange(min=0.1), help="Answer 429 above this many requests per second.")
@click.option("--token-expires-after", type=click.IntRange(min=0), help="Calls before the token 'expires' (401).")
@click.option("--rate-limit", type=click.FloatRange(min=0.01), help="Requests per second let through (token bucket); 429 beyond.")
@click.option("--max-in-flight", type=click.IntRange(min=1), help="Requests worked on at once; 503 with Retry-After beyond.")
@click.option("--capacity", type=click.IntRange(min=1), help="Requests at full speed; beyond, every call slows in proportion.")
@click.option("--token-calls", type=click.IntRange(min=1), help="Calls each token is good for; GET /__sandbox/token issues a new one.")
@click.option("--seed", type=int, help="Seed for reproducible faults and ids.")
@click.option("--complete-interviews", is_flag=True, help="Complete every interview at once, with a score and a decision.")
@friendly
def sandbox(host: str, port: int, latency: float, fault_rate: float, throttle_above: float | None,
            token_expires_after: int | None, seed: int | None, complete_interviews: bool, **limits: Any) -> int:  # fmt: skip
    """Serve the API simulator locally and print the settings to use with it."""
    import uvicorn

    from .sandbox import DEFAULT_TOKEN, Faults, Sandbox
    from .sandbox.server import config

    faults = Faults.mixed(fault_rate, latency=latency, throttle_above=throttle_above,
                          token_expires_after=token_expires_after, seed=seed, **limits)  # fmt: skip
    app = Sandbox(faults, complete_interviews=complete_interviews)
    click.echo("JobMojito sandbox: nothing here reaches JobMojito.")
    click.echo(f"  export JOBMOJITO_BASE_URL=http://{host}:{port}")
    click.echo(f"  export JOBMOJITO_TOKEN={DEFAULT_TOKEN}")
    click.echo(f"Complete the interviews so far: curl -X POST http://{host}:{port}/__sandbox/complete-interviews")
    click.echo("Ctrl-C to stop.")
    uvicorn.Server(config(app, host, port, quiet=False)).run()
    return 0


from . import export_command, week_commands  # noqa: E402, F401  (register `export`, `plan`, `results` on main)

if __name__ == "__main__":  # pragma: no cover
    main()
