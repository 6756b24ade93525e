"""The private data folder: one folder per run holding its upload, CV files, outputs and journal.

Folders are 0700 and files 0600: only the user running the app can read them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import threading
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .. import writer
from ..cv_files import CV_SUFFIXES
from ..errors import InputFileError
from ..preflight import journal_path_for

SHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".tsv", ".txt")
_RUN_ID = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$")


def safe_name(name: str) -> str:
    """A file name without folders or odd characters, its extension kept (the loader reads by it)."""
    base = re.split(r"[\\/]", name)[-1].strip()
    base = re.sub(r"[^\w.\- ()]+", "_", base).lstrip(".")
    return base[-120:] or "upload"


def private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def write_private(path: Path, data: bytes) -> Path:
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)
    return path


@dataclass
class RunState:
    """What the pages chose for one run (saved as state.json in its folder)."""

    id: str
    created: str
    input_name: str
    content_sha256: str = ""  #: SHA-256 of the spreadsheet's bytes: the same list always gets the same run and journal
    sheet: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  #: header → field ("" = not sent)
    defaults: dict[str, str] = field(default_factory=dict)  #: field → value for the whole file
    status: str = "new"  #: new, sending, stopped, finished, failed
    message: str = ""
    exit_code: int | None = None
    needs_token: bool = False  #: JobMojito did not accept the access token: a new one is needed before resuming
    results_message: str = ""  #: what the last "Refresh results" did, in plain words


class Run:
    """One run's folder and the files in it."""

    def __init__(self, folder: Path, state: RunState) -> None:
        self.folder, self.state = folder, state

    @property
    def id(self) -> str:
        return self.state.id

    @property
    def input(self) -> Path:
        return self.folder / "input" / self.state.input_name

    @property
    def cv_dir(self) -> Path:
        return self.folder / "cv"

    @property
    def output(self) -> Path:
        return self.folder / writer.default_output(self.input).name

    @property
    def journal(self) -> Path:
        return journal_path_for(self.output)

    @property
    def report(self) -> Path:
        return self.folder / "check-report.xlsx"

    @property
    def summary(self) -> Path:
        return self.folder / "summary.json"

    def save(self) -> None:
        tmp = self.folder / "state.json.tmp"
        write_private(tmp, json.dumps(asdict(self.state), indent=1).encode())
        os.replace(tmp, self.folder / "state.json")

    def summary_data(self) -> dict | None:
        try:
            return json.loads(self.summary.read_text("utf-8"))
        except (OSError, ValueError):
            return None


class Store:
    """Runs under ``root``/runs, newest first."""

    def __init__(self, root: Path, *, max_unzipped_bytes: int) -> None:
        self.root = private_dir(Path(root))
        self.runs = private_dir(self.root / "runs")
        self.max_unzipped_bytes = max_unzipped_bytes
        self._creating = threading.Lock()

    def create(self, filename: str, data: bytes, cvs: Iterable[tuple[str, bytes]] = (),
               check: Callable[[Run], object] | None = None) -> Run:  # fmt: skip
        """The run for this spreadsheet and its CV files (name, bytes): a new one, or the existing run of a file with the very same bytes.

        Sharing the run shares its journal, so a list uploaded twice (two tabs, or again next day) is
        sent by one run at a time and rows already enrolled are never sent again. ``check(run)`` reads
        a new run's file; a new run whose files are refused leaves nothing behind.
        Raises InputFileError (not a spreadsheet, CV files refused) or whatever ``check`` raises.
        """
        name = safe_name(filename)
        if not name.lower().endswith(SHEET_SUFFIXES):
            raise InputFileError(f"{name} is not a spreadsheet", hint="upload an .xlsx, .xls, .ods or .csv file")
        digest = hashlib.sha256(data).hexdigest()
        with self._creating:
            same = self.find_content(digest)
            if same is not None:
                self.add_cvs(same, cvs)
                return same
            now = datetime.now(UTC)
            run_id = now.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)
            folder = private_dir(self.runs / run_id)
            run = Run(folder, RunState(id=run_id, created=now.isoformat(timespec="seconds"), input_name=name))
            try:
                self.replace_input(run, filename, data)
                self.add_cvs(run, cvs)
                if check is not None:
                    check(run)
                run.save()
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            return run

    def find_content(self, digest: str) -> Run | None:
        """The newest run whose spreadsheet has this SHA-256, if any."""
        return next((r for r in self.all() if r.state.content_sha256 == digest), None)

    def replace_input(self, run: Run, filename: str, data: bytes) -> None:
        """Put a new copy of the spreadsheet in place (the journal stays: rows already done are not sent again)."""
        name = safe_name(filename)
        if not name.lower().endswith(SHEET_SUFFIXES):
            raise InputFileError(f"{name} is not a spreadsheet", hint="upload an .xlsx, .xls, .ods or .csv file")
        folder = private_dir(run.folder / "input")
        for old in folder.iterdir():
            old.unlink()
        write_private(folder / name, data)
        run.state.input_name = name
        run.state.content_sha256 = hashlib.sha256(data).hexdigest()

    def add_cvs(self, run: Run, files: Iterable[tuple[str, bytes]]) -> int:
        """Store uploaded CV files (name, bytes), or the CV files inside zips; return how many were kept.

        All of one upload's CV files together, unpacked, stay within ``max_unzipped_bytes``.
        Raises InputFileError for a file that is not a CV, a damaged zip, or CV files too large together.
        """
        budget, kept = [self.max_unzipped_bytes], 0
        for filename, data in files:
            folder = private_dir(run.cv_dir)
            name = safe_name(filename)
            if name.lower().endswith(".zip"):
                kept += self._unzip(folder, data, budget)
                continue
            if not name.lower().endswith(CV_SUFFIXES):
                raise InputFileError(f"{name} is not a CV file", hint="CV files are .txt, .pdf, .docx or .md (or a .zip of them)")
            _spend(budget, len(data))
            write_private(folder / name, data)
            kept += 1
        return kept

    def _unzip(self, folder: Path, data: bytes, budget: list[int]) -> int:
        import io

        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            raise InputFileError("the zip file is damaged", hint="zip the CV files again and upload the new zip") from None
        kept = 0
        for info in archive.infolist():
            name = safe_name(info.filename)
            if info.is_dir() or not name.lower().endswith(CV_SUFFIXES):
                continue
            _spend(budget, min(info.file_size, budget[0] + 1), dry_run=True)
            with archive.open(info) as member:
                content = member.read(budget[0] + 1)  # bounded even when the header lies about the size
            _spend(budget, len(content))
            write_private(folder / name, content)
            kept += 1
        return kept

    def get(self, run_id: str) -> Run | None:
        if not _RUN_ID.match(run_id):
            return None
        try:
            data = json.loads((self.runs / run_id / "state.json").read_text("utf-8"))
            return Run(self.runs / run_id, RunState(**data))
        except (OSError, ValueError, TypeError):
            return None

    def all(self) -> list[Run]:
        found = (self.get(p.name) for p in self.runs.iterdir() if p.is_dir())
        return sorted((r for r in found if r is not None), key=lambda r: r.state.created, reverse=True)

    def delete(self, run: Run) -> None:
        shutil.rmtree(run.folder)


def _spend(budget: list[int], size: int, *, dry_run: bool = False) -> None:
    """Take ``size`` bytes from the upload's CV budget; InputFileError when it would run out."""
    if size > budget[0]:
        raise InputFileError("the CV files are too large together", hint="upload fewer CV files at a time")
    if not dry_run:
        budget[0] -= size
