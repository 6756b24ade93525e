"""Several inputs in one run: folders and globs, one output and journal per input, and dropped
files processed once (a registry of checksums in the output folder; ``--move-done``)."""

from __future__ import annotations

import asyncio
import glob
import json
import logging
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import filelock
import httpx

from . import planner
from .columns import count_known
from .errors import BatchEnrolError, Cancelled, ConfigError, CrashedError, for_file
from .files import atomic_path, check_writable_file, sha256_of
from .journal import JournalBusy, run_lock
from .loader import SUPPORTED
from .models import ExitCode, Status
from .pipeline import RunResult, check_file, run_async, write_reports
from .preflight import journal_path_for, resolve_output
from .preview import Confirm, Preview
from .reports import FileNote
from .settings import Settings
from .writer import default_output

log = logging.getLogger("batch_enrol")
REGISTRY = ".batch-enrol-processed.json"
DEFAULT_OUT_DIR = "enrolled"
#: Worst first: the exit code of several inputs is the worst of theirs.
SEVERITY = (ExitCode.CRASHED, ExitCode.INTERRUPTED, ExitCode.API_REFUSED, ExitCode.USAGE, ExitCode.ROWS_FAILED, ExitCode.OK)


def _candidate_file(path: Path) -> bool:
    name = path.name
    return (
        path.is_file()
        and path.suffix.lower() in SUPPORTED
        and ".enrolled." not in name
        and not name.startswith((".", "~$"))
    )


def looks_like_cv(path: Path) -> bool:
    """A plain-text file none of whose first 20 lines names two input fields: a CV, not a list."""
    if path.suffix.lower() != ".txt":
        return False
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = [fh.readline() for _ in range(20)]
    except OSError:
        return False
    return not any(count_known(re.split(r"[,;\t|]", line)) >= 2 for line in lines)


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


class Inputs(NamedTuple):
    """The input files of ``run``, ``plan`` and ``validate`` alike (from ``choose_inputs``)."""

    files: list[Path]  #: the candidate lists, in order
    many: bool  #: several inputs (or a folder, a glob, ``--out-dir``): one output per input
    ignored: list[Path]  #: .txt files among several that look like CVs: not inputs


def choose_inputs(items: Sequence[str | Path], *, out_dir: Path | None = None) -> Inputs:
    """Files, folders and globs → the inputs every command takes. Among several, a .txt file
    that looks like a CV (``looks_like_cv``) is left out and logged; a single file is always taken."""
    files, many = expand(items)
    many = many or out_dir is not None
    ignored = [p for p in files if looks_like_cv(p)] if many else []
    for path in ignored:
        log.info("%s: no header row, looks like a CV: not taken as an input", path.name)
    return Inputs([p for p in files if p not in ignored], many, ignored)


class Registry:
    """Checksums of inputs already fully processed into one output folder.

    Several runs may share the folder (two CI jobs on one inbox): ``seen`` reads the file
    afresh each time, and ``add`` reads, merges and atomically replaces it under the
    registry's OS lock, so no run's entry is lost.
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / REGISTRY
        self._lock_path = folder / (REGISTRY + ".lock")

    @property
    def entries(self) -> dict[str, dict]:
        try:
            data = json.loads(self.path.read_text("utf-8")) if self.path.exists() else {}
        except (OSError, ValueError):
            log.warning("ignoring an unreadable %s", self.path)
            return {}
        return data if isinstance(data, dict) else {}

    def seen(self, checksum: str) -> dict | None:
        return self.entries.get(checksum)

    def add(self, checksum: str, result: RunResult) -> None:
        entry = {
            "input": Path(result.summary.input).name,
            "output": str(result.output),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "exit_code": int(result.exit_code),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with filelock.FileLock(self._lock_path, is_singleton=True):
            entries = self.entries
            entries[checksum] = entry
            with atomic_path(self.path) as tmp:
                tmp.write_text(json.dumps(entries, indent=2, sort_keys=True), "utf-8")


@dataclass(slots=True)
class BatchResult:
    """What ``run_many`` did: a ``RunResult`` per input run, inputs ``skipped`` (already
    processed, same SHA-256), inputs ``failed`` with their error, inputs ``moved`` by
    ``move_done``, and the worst ``exit_code`` of them all."""

    results: list[RunResult] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, BatchEnrolError]] = field(default_factory=list)
    moved: list[Path] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)  #: .txt files beside the lists that look like CVs
    exit_code: ExitCode = ExitCode.OK

    def notes(self) -> list[FileNote]:
        """Every input not run, with why, for the reports."""
        return ([FileNote(p.name, e.message) for p, e in self.failed]
                + [FileNote(p.name, "already processed (same content); --force runs it again", error=False) for p in self.skipped]
                + [FileNote(p.name, "no header row: looks like a CV, not a candidate list", error=False) for p in self.ignored])  # fmt: skip

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


def _run_one_of_many(path: Path, settings: Settings, folder: Path, target: Path, batch: BatchResult, *,
                     fresh: bool, force: bool, wait: bool, move_done: Path | None,
                     transport: httpx.AsyncBaseTransport | None, confirm: Confirm | None, reuse: bool) -> RunResult | None:  # fmt: skip
    """One input of a many-file run, under its journal lock: None when the registry says it is done."""
    registry = Registry(folder)
    checksum = sha256_of(path) if path.is_file() else ""
    if not force and (seen := registry.seen(checksum)):
        log.info("%s: already processed on %s (same content); skipped (--force runs it again)",
                 path.name, seen["finished_at"][:10])  # fmt: skip
        batch.skipped.append(path)
        return None
    result = asyncio.run(run_async(path, settings, out=target, fresh=fresh, force=force, wait=wait, checksum=checksum or None,
                                   transport=transport, confirm=confirm, reuse=reuse))  # fmt: skip
    if fully_processed(result):
        registry.add(checksum, result)
        if move_done is not None:
            batch.moved.append(_move(path, Path(move_done)))
    return result


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
) -> tuple[list[Preview], list[tuple[Path, BatchEnrolError]]]:
    """``plan_run`` for each input ``run_many`` would run (same outputs, same journals): sends nothing.

    Returns (the previews, the inputs that could not be planned with their errors, as ``run_many``'s
    ``failed``): among several inputs a broken one does not stop the others. One input alone raises
    its error (``InputFileError``, ``ConfigError``), its message naming the file.
    """
    files, many, _ = choose_inputs(items, out_dir=out_dir)
    previews: list[Preview] = []
    failed: list[tuple[Path, BatchEnrolError]] = []
    for path in files:
        try:
            previews.append(plan_run(path, settings, out=output_for(path, many, out, out_dir), journal=None if many else journal))
        except BatchEnrolError as exc:
            exc.message = for_file(path.name, exc.message)
            if not many:
                raise
            failed.append((path, exc))
    return previews, failed


def _inputs(items: Sequence[str | Path], *, out: Path | None, out_dir: Path | None, journal: Path | None,
            reports: tuple[Path | None, Path | None]) -> Inputs:  # fmt: skip
    """The inputs (``choose_inputs``); raises ConfigError for options that name one file among several."""
    for report, what in zip(reports, ("--summary-json", "--junit"), strict=True):
        if report is not None:
            check_writable_file(Path(report), what)
    inputs = choose_inputs(items, out_dir=out_dir)
    many = inputs.many
    if many and out is not None:
        raise ConfigError("--out names one file; with several inputs use --out-dir", hint="or run one input at a time")
    if many and journal is not None:
        raise ConfigError("--journal names one file; with several inputs each output keeps its own journal")
    return inputs


def _guarded(path: Path, settings: Settings, folder: Path, target: Path | None, batch: BatchResult, *, wait: bool,
             **options: Any) -> RunResult | None:  # fmt: skip
    """One input among several, under its journal lock; None (and noted in ``batch``) when it was skipped or failed."""
    try:
        # the input's journal lock is held from the registry check to the registry entry (and the move)
        with run_lock(journal_path_for(resolve_output(path, target)), wait=wait):
            return _run_one_of_many(path, settings, folder, target, batch, wait=wait, **options)
    except JournalBusy:
        log.warning("%s: another batch-enrol run is processing it; skipped (--wait queues behind it)", path.name)
        batch.skipped.append(path)
    except Cancelled:
        raise
    except BatchEnrolError as exc:
        batch.failed.append((path, exc))  # the front end says so, once
        batch.worsen(exc.exit_code)
    except Exception as exc:  # a bug reading one input must not stop the others
        log.debug("%s crashed", path.name, exc_info=True)
        crash = CrashedError(f"unexpected {type(exc).__name__}: {str(exc)[:200]} (a bug: please report it)")
        batch.failed.append((path, crash))
        batch.worsen(crash.exit_code)
    return None


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
    wait: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
    confirm: Confirm | None = None,
) -> BatchResult:
    """Run each input in turn (files, folders or glob patterns); returns a ``BatchResult``.

    One input alone behaves as ``run`` and raises its errors. With several (or ``out_dir``),
    each gets its own output and journal in ``out_dir`` (default ``enrolled/`` beside it), an
    input already fully processed there is skipped unless ``force``, a bad one is reported
    in ``failed`` and skipped, and a refused token or an interruption stops the rest.
    ``wait``: queue behind another run of the same output; without it a single input raises
    OutputError, and among several an input another run is processing is skipped.
    ``summary_json``/``junit`` cover every input (their paths are checked before anything is
    sent); ``transport`` and ``confirm`` as in ``run``. Without ``junit`` (which needs every row),
    an input whose finished run is unchanged returns that run's summary at once
    (``RunResult.unchanged``; see ``batch_enrol.unchanged``). Raises ``ConfigError`` when ``out`` or ``journal`` is
    given with several inputs.
    """
    files, many, ignored = _inputs(items, out=out, out_dir=out_dir, journal=journal, reports=(summary_json, junit))
    batch = BatchResult(ignored=ignored)
    if not files and not ignored:
        log.warning("no input files found in %s", ", ".join(str(i) for i in items))
        return batch
    for path in files:
        folder = Path(out_dir) if out_dir is not None else path.parent / DEFAULT_OUT_DIR
        target = (folder / default_output(path).name) if many else out
        if not many:
            result = asyncio.run(run_async(path, settings, out=target, journal=journal, fresh=fresh, force=force, wait=wait,
                                           transport=transport, confirm=confirm, reuse=junit is None))  # fmt: skip
        else:
            result = _guarded(path, settings, folder, target, batch, fresh=fresh, force=force, wait=wait, move_done=move_done,
                              transport=transport, confirm=confirm, reuse=junit is None)  # fmt: skip
            if result is None:
                continue
        batch.results.append(result)
        batch.worsen(result.exit_code)
        if not many and move_done is not None and fully_processed(result):
            batch.moved.append(_move(path, Path(move_done)))
        if result.exit_code in (ExitCode.API_REFUSED, ExitCode.INTERRUPTED):
            break  # the token was refused or the user asked to stop: the other files would fare no better
    write_reports(batch.results, int(batch.exit_code), summary_json=summary_json, junit=junit, notes=batch.notes())
    return batch
