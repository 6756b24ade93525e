"""Several inputs in one run: folders and globs, one output and journal per input, and dropped
files processed once (a registry of checksums in the output folder; ``--move-done``)."""

from __future__ import annotations

import asyncio
import glob
import json
import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from . import planner
from .errors import BatchEnrolError, Cancelled, ConfigError
from .files import atomic_path, sha256_of
from .loader import SUPPORTED
from .models import ExitCode, Status
from .pipeline import RunResult, check_file, run_async, write_reports
from .preflight import journal_path_for, resolve_output
from .preview import Confirm, Preview
from .settings import Settings
from .writer import default_output

log = logging.getLogger("batch_enrol")
REGISTRY = ".batch-enrol-processed.json"
DEFAULT_OUT_DIR = "enrolled"
#: Worst first: the exit code of several inputs is the worst of theirs.
SEVERITY = (ExitCode.INTERRUPTED, ExitCode.API_REFUSED, ExitCode.USAGE, ExitCode.ROWS_FAILED, ExitCode.OK)


def _candidate_file(path: Path) -> bool:
    name = path.name
    return (
        path.is_file()
        and path.suffix.lower() in SUPPORTED
        and ".enrolled." not in name
        and not name.startswith((".", "~$"))
    )


def expand(items: Sequence[str | Path]) -> tuple[list[Path], bool]:
    """Inputs → files, and whether this is a many-file run (several, a folder or a glob)."""
    files: list[Path] = []
    many = len(items) > 1
    for item in items:
        path = Path(item)
        if path.is_dir():
            many = True
            files.extend(sorted(p for p in path.iterdir() if _candidate_file(p)))
        elif not path.exists() and glob.has_magic(str(item)):
            many = True
            matched = sorted(Path(p) for p in glob.glob(str(item)))
            files.extend(p for p in matched if _candidate_file(p))
        else:
            files.append(path)
    unique: dict[Path, Path] = {}
    for file in files:
        unique.setdefault(file.resolve(), file)
    return list(unique.values()), many


class Registry:
    """Checksums of inputs already fully processed into one output folder."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / REGISTRY
        try:
            self.entries: dict[str, dict] = json.loads(self.path.read_text("utf-8")) if self.path.exists() else {}
        except (OSError, ValueError):
            log.warning("ignoring an unreadable %s", self.path)
            self.entries = {}

    def seen(self, checksum: str) -> dict | None:
        return self.entries.get(checksum)

    def add(self, checksum: str, result: RunResult) -> None:
        self.entries[checksum] = {
            "input": Path(result.summary.input).name,
            "output": str(result.output),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "exit_code": int(result.exit_code),
        }
        with atomic_path(self.path) as tmp:
            tmp.write_text(json.dumps(self.entries, indent=2, sort_keys=True), "utf-8")


@dataclass(slots=True)
class BatchResult:
    """What ``run_many`` did: a ``RunResult`` per input run, inputs ``skipped`` (already
    processed, same SHA-256), inputs ``failed`` with their error, inputs ``moved`` by
    ``move_done``, and the worst ``exit_code`` of them all."""

    results: list[RunResult] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, BatchEnrolError]] = field(default_factory=list)
    moved: list[Path] = field(default_factory=list)
    exit_code: ExitCode = ExitCode.OK

    def worsen(self, code: ExitCode) -> None:
        if SEVERITY.index(code) < SEVERITY.index(self.exit_code):
            self.exit_code = code


def fully_processed(result: RunResult) -> bool:
    """Every row reached a final state: nothing left for a re-run to do."""
    return result.exit_code not in (ExitCode.API_REFUSED, ExitCode.INTERRUPTED) and not any(
        o.status == Status.NOT_SENT for o in result.outcomes.values()
    )


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target, n = folder / path.name, 2
    while target.exists():
        target, n = folder / f"{path.stem} ({n}){path.suffix}", n + 1
    return Path(shutil.move(str(path), str(target)))


def output_for(path: Path, many: bool, out: Path | None, out_dir: Path | None) -> Path | None:
    """Where one input's output goes: ``out`` for a single input, else in ``out_dir`` (default ``enrolled/``)."""
    if not many:
        return out
    folder = Path(out_dir) if out_dir is not None else path.parent / DEFAULT_OUT_DIR
    return folder / default_output(path).name


def plan_run(path: Path, settings: Settings, *, out: Path | None = None, journal: Path | None = None) -> Preview:
    """What ``run`` would send, where, and at what estimated cost (a ``Preview``); sends and writes nothing.

    ``out``/``journal`` as for ``run``: an existing journal's done rows are not counted.
    Raises ``InputFileError`` or ``ConfigError`` as ``validate`` does.
    """
    journal_file = Path(journal) if journal else journal_path_for(resolve_output(Path(path), out))
    return planner.preview_with_journal(Path(path), settings, check_file(Path(path), settings).rows, journal_file)


def plan_many(
    items: Sequence[str | Path], settings: Settings, *, out: Path | None = None, out_dir: Path | None = None,
    journal: Path | None = None,
) -> list[Preview]:
    """``pipeline.plan_run`` for each input ``run_many`` would run (same outputs, same journals): sends nothing."""
    files, many = expand(items)
    many = many or out_dir is not None
    return [plan_run(path, settings, out=output_for(path, many, out, out_dir), journal=None if many else journal) for path in files]


def run_many(
    items: Sequence[str | Path],
    settings: Settings,
    *,
    out: Path | None = None,
    out_dir: Path | None = None,
    journal: Path | None = None,
    fresh: bool = False,
    force: bool = False,
    summary_json: Path | None = None,
    junit: Path | None = None,
    move_done: Path | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    confirm: Confirm | None = None,
) -> BatchResult:
    """Run each input (files, folders, globs) in turn; a ``BatchResult``. One input alone acts as ``run``
    and raises; among several each gets its output in ``out_dir`` (default ``enrolled/`` beside it), one
    already processed there is skipped unless ``force``, a bad one lands in ``failed``. Raises ConfigError
    for ``out``/``journal`` with several inputs; ``transport`` as in ``run``."""
    files, many = expand(items)
    many = many or out_dir is not None
    if many and out is not None:
        raise ConfigError("--out names one file; with several inputs use --out-dir", hint="or run one input at a time")
    if many and journal is not None:
        raise ConfigError("--journal names one file; with several inputs each output keeps its own journal")
    batch = BatchResult()
    if not files:
        log.warning("no input files found in %s", ", ".join(str(i) for i in items))
        return batch
    for path in files:
        folder = Path(out_dir) if out_dir is not None else path.parent / DEFAULT_OUT_DIR
        target = output_for(path, many, out, out_dir)
        try:
            registry = Registry(folder) if many else None
            checksum = sha256_of(path) if many and path.is_file() else ""
            if registry is not None and not force and (seen := registry.seen(checksum)):
                log.info("%s: already processed on %s (same content); skipped (--force runs it again)",
                         path.name, seen["finished_at"][:10])  # fmt: skip
                batch.skipped.append(path)
                continue
            result = asyncio.run(
                run_async(path, settings, out=target, journal=journal, fresh=fresh, force=force, checksum=checksum or None,
                          transport=transport, confirm=confirm)  # fmt: skip
            )
        except BatchEnrolError as exc:
            if not many or isinstance(exc, Cancelled):
                raise
            log.error("%s: %s", path.name, exc.message)
            batch.failed.append((path, exc))
            batch.worsen(exc.exit_code)
            continue
        batch.results.append(result)
        batch.worsen(result.exit_code)
        if registry is not None and fully_processed(result):
            registry.add(checksum, result)
        if move_done is not None and fully_processed(result):
            batch.moved.append(_move(path, Path(move_done)))
        if result.exit_code in (ExitCode.API_REFUSED, ExitCode.INTERRUPTED):
            break  # the token was refused or the user asked to stop: the other files would fare no better
    write_reports(batch.results, int(batch.exit_code), summary_json=summary_json, junit=junit)
    return batch
