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

from . import __version__, pipeline
from .batch import DEFAULT_OUT_DIR, expand, run_many
from .client import Timeouts
from .columns import load_mapping_file, normalise_header
from .errors import BatchEnrolError, ConfigError, OutputError
from .models import ExitCode
from .preview import Preview, target_of
from .redaction import RedactingFilter, redact
from .reports import console_table
from .settings import Settings, base_url_from, load_config_file, parse_assignments, read_dotenv, token_from
from .writer import default_output, write_validation_report

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
            sys.exit(int(ExitCode.ROWS_FAILED))
        sys.exit(int(code or 0))

    return wrapper


# --- shared options -------------------------------------------------------------------------


def input_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options that shape how a file is read and checked (run and validate share them)."""
    options = [
        click.option("--sheet", help="Sheet to read (default: the first visible sheet with a header row)."),
        click.option("--mapping", type=click.Path(path_type=Path), help="TOML file mapping your headers to fields."),
        click.option("set_", "--set", multiple=True, metavar="FIELD=VALUE", help="Value for rows that leave FIELD empty (repeatable)."),
        click.option("--config", type=click.Path(path_type=Path), help="TOML config file: settings and a [defaults] table."),
        click.option("--resumes-dir", type=click.Path(path_type=Path), help="Folder holding resume files named in the resume column."),
        click.option("--max-resume-mb", type=click.FloatRange(min=0.001), help="Most text a resume file may expand to, in MB (default 2)."),
        click.option("--max-resume-chars", type=click.IntRange(min=1), help="Most characters kept from a resume file (default 100,000)."),
        click.option("--max-file-mb", type=click.FloatRange(min=0.001), help="Largest input file accepted (default 512)."),
        click.option("--max-rows", type=click.IntRange(min=1), help="Most data rows accepted (default 1,000,000)."),
        click.option("--max-cell-chars", type=click.IntRange(min=1), help="Longest cell accepted (default 1,000,000)."),
        click.option("--max-columns", type=click.IntRange(min=1), help="Most columns accepted (default 1,000)."),
        click.option("-v", "--verbose", is_flag=True, help="More detail (never tokens or resumes)."),
        click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def build_settings(opts: dict[str, Any], *, sandbox: bool = True, env: dict[str, str] | None = None) -> Settings:
    """Flags win over the environment, which wins over the config file, which wins over defaults."""
    env = dict(os.environ if env is None else env)
    config: dict[str, Any] = load_config_file(opts["config"]) if opts.get("config") else {"defaults": {}}
    mapping: dict[str, str] = {}
    for header, field in config.get("columns", {}).items():
        mapping[normalise_header(header)] = field
    if opts.get("mapping"):
        mapping.update(load_mapping_file(opts["mapping"]))
    defaults = dict(config.get("defaults", {}))
    defaults.update(parse_assignments(opts.get("set_") or ()))

    def pick(name: str, default: Any) -> Any:
        value = opts.get(name)
        return value if value is not None else config.get(name, default)

    timeouts = Timeouts(
        connect=float(pick("connect_timeout", 10.0)),
        read=float(pick("read_timeout", 180.0)),
        write=float(pick("write_timeout", 30.0)),
    )
    max_mb = pick("max_file_mb", 512)
    dotenv = read_dotenv(Path.cwd() / ".env")  # every JOBMOJITO_* setting, not only the token
    base_url = opts.get("base_url") or env.get("JOBMOJITO_BASE_URL") or dotenv.get("JOBMOJITO_BASE_URL") or config.get("base_url")
    try:
        return Settings(
            base_url=base_url_from(base_url, {}),
            token=token_from(env, opts.get("token_file"), Path.cwd()),
            sandbox=sandbox,
            concurrency=int(pick("concurrency", 8)),
            rate=float(pick("rate", 5.0)),
            max_attempts=int(pick("max_attempts", 5)),
            give_up_after=float(pick("give_up_after", 30.0)) * 60,
            timeouts=timeouts,
            ca_bundle=opts.get("ca_bundle") or config.get("ca_bundle"),
            sheet=pick("sheet", None),
            mapping=mapping,
            defaults=defaults,
            resumes_dir=Path(pick("resumes_dir", "")) if pick("resumes_dir", None) else None,
            max_file_bytes=int(float(max_mb) * 1024 * 1024),
            max_resume_bytes=int(float(pick("max_resume_mb", 2)) * 1024 * 1024),
            max_resume_chars=int(pick("max_resume_chars", 100_000)),
            max_rows=int(pick("max_rows", 1_000_000)),
            max_cell_chars=int(pick("max_cell_chars", 1_000_000)),
            max_columns=int(pick("max_columns", 1_000)),
            progress="none" if opts.get("quiet") else "auto",
            fail_on=str(pick("fail_on", "invalid")),
            credits_per_candidate=float(pick("credits_per_candidate", 0.25)),
            verbose=bool(opts.get("verbose")),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"a setting has the wrong type: {exc}") from None


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
    3 the API refused to go on (token, credits, permission), 130 interrupted.
    """


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--out", type=click.Path(path_type=Path), help="Output file; .xlsx or .csv (default: INPUT.enrolled.EXT beside the input).")
@click.option("--out-dir", type=click.Path(path_type=Path), help="Folder for the outputs of several inputs (default: enrolled/ beside each).")
@click.option("--move-done", type=click.Path(path_type=Path), help="Move each fully processed input into this folder.")
@click.option("--base-url", help="API base URL (default: $JOBMOJITO_BASE_URL, else production).")
@click.option("--sandbox", is_flag=True, help="Use the built-in simulator instead of the real API (no account needed).")
@click.option("--concurrency", type=click.IntRange(min=1, max=256), help="Calls in flight at once (default 8).")
@click.option("--rate", type=click.FloatRange(min=0.01), help="Calls started per second at most (default 5).")
@click.option("--max-attempts", type=click.IntRange(min=1, max=50), help="Attempts per row for retryable failures (default 5).")
@click.option("--give-up-after", type=click.FloatRange(min=0.1), help="Minutes without a successful call before stopping (default 30).")
@click.option("--fail-on", type=click.Choice(["reject", "invalid", "error", "never"]), help="What makes the exit code 1 (default: invalid).")
@click.option("--summary-json", type=click.Path(path_type=Path), help="Write a JSON summary here.")
@click.option("--junit", type=click.Path(path_type=Path), help="Write a JUnit XML report here (one testcase per row).")
@click.option("--journal", type=click.Path(path_type=Path), help="Journal file (default: OUT.journal.sqlite).")
@click.option("--fresh", is_flag=True, help="Forget the journal and start over.")
@click.option("--force", is_flag=True, help="Replace an existing output that is not this run's own; rerun processed inputs.")
@click.option("--token-file", type=click.Path(path_type=Path), help="Read the API token from this file.")
@click.option("--ca-bundle", type=click.Path(path_type=Path), help="CA bundle for TLS (corporate proxies).")
@click.option("--credits-per-candidate", type=click.FloatRange(min=0), help="Credits one enrolment costs, for the estimate (default 0.25).")
@click.option("--yes", "-y", is_flag=True, help="Send without asking (a terminal is asked to confirm after the preview).")
@input_options
@friendly
def run(inputs: tuple[str, ...], **opts: Any) -> int:
    """Enrol every valid row of each INPUT (files, folders or globs) and write the results."""
    _setup_logging(opts["verbose"], opts["quiet"])
    settings = build_settings(opts, sandbox=opts["sandbox"])
    batch = run_many(
        inputs,
        settings,
        confirm=_confirmer(opts["yes"]),
        out=opts["out"],
        out_dir=opts["out_dir"],
        journal=opts["journal"],
        fresh=opts["fresh"],
        force=opts["force"],
        summary_json=opts["summary_json"],
        junit=opts["junit"],
        move_done=opts["move_done"],
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
        click.echo(f"error: {path.name}: {error.message}", err=True)
    if batch.exit_code == ExitCode.API_REFUSED:
        click.echo("hint: renew the token (JOBMOJITO_TOKEN) and re-run the same command; done rows are not sent again", err=True)
    elif batch.exit_code == ExitCode.ROWS_FAILED and not opts["quiet"]:
        click.echo("some rows need attention: see enrol_status and enrol_reason in the output", err=True)
    return int(batch.exit_code)


def _confirmer(yes: bool) -> Callable[[Preview], bool]:
    """Print the preview (stderr, host first); on a terminal ask before sending unless ``yes``."""

    def confirm(preview: Preview) -> bool:
        for line in preview.lines():
            click.echo(line, err=True)
        if yes or not sys.stdin.isatty():
            return True
        return click.confirm("send now?", default=False, err=True)

    return confirm


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--out", type=click.Path(path_type=Path), help="The output run would write (its journal tells what is done).")
@click.option("--out-dir", type=click.Path(path_type=Path), help="Folder of the outputs of several inputs (as for run).")
@click.option("--journal", type=click.Path(path_type=Path), help="Journal file (default: OUT.journal.sqlite).")
@click.option("--base-url", help="API base URL (default: $JOBMOJITO_BASE_URL, else production).")
@click.option("--sandbox", is_flag=True, help="Plan for the built-in simulator.")
@click.option("--concurrency", type=click.IntRange(min=1, max=256), help="Calls in flight at once (default 8).")
@click.option("--rate", type=click.FloatRange(min=0.01), help="Calls started per second at most (default 5).")
@click.option("--credits-per-candidate", type=click.FloatRange(min=0), help="Credits one enrolment costs, for the estimate (default 0.25).")
@input_options
@friendly
def plan(inputs: tuple[str, ...], **opts: Any) -> int:
    """Say where each INPUT would be sent, how many rows and positions, and the estimated time and credits; send nothing."""
    _setup_logging(opts["verbose"], opts["quiet"])
    settings = build_settings(opts, sandbox=opts["sandbox"])
    files, many = expand(inputs)
    many = many or opts["out_dir"] is not None
    rows = credits = 0.0
    for path in files:
        folder = Path(opts["out_dir"]) if opts["out_dir"] is not None else path.parent / DEFAULT_OUT_DIR
        preview = pipeline.plan(path, settings, out=(folder / default_output(path).name) if many else opts["out"],
                                journal=None if many else opts["journal"])  # fmt: skip
        click.echo("\n".join(preview.lines()))
        rows, credits = rows + preview.rows, credits + preview.credits
    if len(files) > 1:
        click.echo(f"total: {rows:.0f} rows to send, {credits:g} credits (estimate)")
    click.echo("nothing was sent (plan only)")
    return 0


@main.command()
@click.argument("outputs", nargs=-1, required=True, metavar="OUTPUT...")
@click.option("--base-url", help="API base URL (default: $JOBMOJITO_BASE_URL, else production).")
@click.option("--concurrency", type=click.IntRange(min=1, max=256), help="Calls in flight at once (default 8).")
@click.option("--rate", type=click.FloatRange(min=0.01), help="Calls started per second at most (default 5).")
@click.option("--max-attempts", type=click.IntRange(min=1, max=50), help="Attempts per call for retryable failures (default 5).")
@click.option("--token-file", type=click.Path(path_type=Path), help="Read the API token from this file.")
@click.option("--ca-bundle", type=click.Path(path_type=Path), help="CA bundle for TLS (corporate proxies).")
@click.option("--sheet", help="Sheet of the output holding the rows (default: the first with a header row).")
@click.option("-v", "--verbose", is_flag=True, help="More detail (never tokens).")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors.")
@friendly
def results(outputs: tuple[str, ...], **opts: Any) -> int:
    """Read each enrolled row's interview result into OUTPUT (an output of run), in place."""
    from .results import read_results

    _setup_logging(opts["verbose"], opts["quiet"])
    settings = build_settings({**opts, "config": None}, sandbox=False)
    if not settings.token:
        raise ConfigError("no API token: set JOBMOJITO_TOKEN (or use --token-file)")
    host, target = target_of(settings)
    click.echo(f"host: {host} ({target})", err=True)
    worst = ExitCode.OK
    for output in outputs:
        report = read_results(Path(output), settings, host=host)
        if not opts["quiet"]:
            statuses = ", ".join(f"{k} {v}" for k, v in sorted(report.statuses.items())) or "none yet"
            click.echo(f"{output}: {report.enrolled} enrolled rows, {report.found} with a result ({statuses}), "
                       f"{report.changed} changed, {report.calls} calls")  # fmt: skip
        if report.failed:
            click.echo(f"{output}: {report.failed} row(s) could not be read; they are left as they were", err=True)
        if report.stop_reason:
            click.echo(f"stopped: {report.stop_reason}", err=True)
        worst = max(worst, report.exit_code, key=lambda c: (c == ExitCode.API_REFUSED, c != ExitCode.OK))
        if report.exit_code == ExitCode.API_REFUSED:
            break
    return int(worst)


@main.command()
@click.argument("input", type=click.Path(path_type=Path))
@click.option("--report", type=click.Path(path_type=Path), help="Write a copy of the workbook with bad cells highlighted and explained (.xlsx).")
@input_options
@friendly
def validate(input: Path, report: Path | None, **opts: Any) -> int:
    """Check every row of INPUT against the API contract; send nothing."""
    _setup_logging(opts["verbose"], opts["quiet"])
    settings = build_settings(opts, sandbox=True)
    checked = pipeline.validate(input, settings)
    problems = checked.problems
    duplicates = [c.outcome for c in checked.rows if c.outcome is not None and c.outcome.status == "duplicate"]
    if problems and not opts["quiet"]:
        click.echo(f"{'row':>6}  {'column':<24} {'value':<30} problem")
        for p in problems:
            value = p.value if len(p.value) <= 28 else p.value[:27] + "…"
            click.echo(f"{p.row:>6}  {p.column[:24]:<24} {value!r:<30} {p.message}")
    for outcome in duplicates:
        if not opts["quiet"]:
            click.echo(f"{outcome.row:>6}  duplicate: {outcome.reason}")
    rows = len(checked.rows)
    bad = sum(1 for c in checked.rows if c.problems)
    if checked.columns.unmapped and not opts["quiet"]:
        click.echo(f"columns not sent (kept in the output as they are): {', '.join(checked.columns.unmapped)}")
    click.echo(f"{rows} rows: {rows - bad - len(duplicates)} valid, {bad} invalid, {len(duplicates)} duplicate")
    if report is not None:
        if report.resolve() == Path(input).resolve():
            raise OutputError("the report would overwrite the input", hint="choose another --report path")
        write_validation_report(checked.table, checked.marks(), report)
        click.echo(f"report: {report}")
    return int(ExitCode.ROWS_FAILED if bad else ExitCode.OK)


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
    click.echo(f"batch-enrol: the app is at http://{host}:{port}/ (Ctrl-C to quit)" + (" · practice mode" if sandbox else ""))
    serve(cfg, port=port, open_browser=not no_browser)
    return 0


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback only by default).")
@click.option("--port", default=8787, show_default=True, type=click.IntRange(0, 65535))
@click.option("--latency", default=0.0, type=click.FloatRange(min=0), help="Seconds each call takes.")
@click.option("--fault-rate", default=0.0, type=click.FloatRange(0, 1), help="Share of calls that fail (500/503/546/504/drop).")
@click.option("--throttle-above", type=click.FloatRange(min=0.1), help="Answer 429 above this many requests per second.")
@click.option("--token-expires-after", type=click.IntRange(min=0), help="Calls before the token 'expires' (401).")
@click.option("--seed", type=int, help="Seed for reproducible faults and ids.")
@click.option("--complete-interviews", is_flag=True,
              help="Every interview is completed at once, with a score and a decision (to try 'results').")
@friendly
def sandbox(host: str, port: int, latency: float, fault_rate: float, throttle_above: float | None,
            token_expires_after: int | None, seed: int | None, complete_interviews: bool) -> int:  # fmt: skip
    """Serve the API simulator locally and print the settings to use with it."""
    import uvicorn

    from .sandbox import DEFAULT_TOKEN, Faults, Sandbox
    from .sandbox.server import config

    faults = Faults.mixed(fault_rate, latency=latency, throttle_above=throttle_above,
                          token_expires_after=token_expires_after, seed=seed)  # fmt: skip
    app = Sandbox(faults, complete_interviews=complete_interviews)
    click.echo("JobMojito sandbox: nothing here reaches JobMojito.")
    click.echo(f"  export JOBMOJITO_BASE_URL=http://{host}:{port}")
    click.echo(f"  export JOBMOJITO_TOKEN={DEFAULT_TOKEN}")
    click.echo(f"Complete the interviews so far: curl -X POST http://{host}:{port}/__sandbox/complete-interviews")
    click.echo("Ctrl-C to stop.")
    uvicorn.Server(config(app, host, port, quiet=False)).run()
    return 0


if __name__ == "__main__":  # pragma: no cover
    main()
