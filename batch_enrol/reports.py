"""Reports for people and CI: the summary (JSON, console, Markdown) and a JUnit file."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from .files import atomic_path
from .models import Outcome, Status
from .redaction import redacted

if TYPE_CHECKING:
    from .settings import Settings


def mask_email(email: str) -> str:
    """``jane.doe@example.org`` → ``j***@example.org`` (personal data stays out of logs)."""
    local, at, domain = email.partition("@")
    if not at:
        return (email[:1] + "***") if email else ""
    return f"{local[:1]}***@{domain}"


def mask_url(url: str) -> str:
    """An interview URL without its candidate token: ``https://host/…``."""
    if not url:
        return ""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}/…"


@dataclass(slots=True)
class RowInfo:
    """What the reports show of one row: its number, masked email and position label."""

    row: int
    email: str = ""
    position: str = ""


@dataclass(slots=True)
class Summary:
    input: str
    input_sha256: str
    output: str
    started_at: str
    ended_at: str
    duration_s: float
    exit_code: int
    stop_reason: str = ""
    calls: int = 0
    retries: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    by_position: dict[str, dict[str, int]] = field(default_factory=dict)
    settings: dict[str, object] = field(default_factory=dict)
    preview: dict[str, object] = field(default_factory=dict)  #: host and estimates said before sending
    input_encoding: str = ""  #: CSV only: the encoding the input was read in (e.g. windows-1250)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    def as_dict(self) -> dict[str, object]:
        return {
            "input": self.input,
            "input_sha256": self.input_sha256,
            "input_encoding": self.input_encoding or None,
            "output": self.output,
            "rows": self.rows,
            "counts": self.counts,
            "by_position": self.by_position,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "duration_s": round(self.duration_s, 3),
            "calls": self.calls,
            "retries": self.retries,
            "exit_code": self.exit_code,
            "stop_reason": self.stop_reason,
            "settings": self.settings,
            "preview": self.preview,
        }


def count(outcomes: Mapping[int, Outcome], info: Mapping[int, RowInfo]) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Counts per status (every status listed, in the README's order) and per position."""
    totals = Counter(o.status.value for o in outcomes.values())
    per_status = {s.value: totals.get(s.value, 0) for s in Status}
    per_position: dict[str, Counter[str]] = {}
    for row, outcome in outcomes.items():
        label = info[row].position if row in info and info[row].position else "(no position)"
        per_position.setdefault(label, Counter())[outcome.status.value] += 1
    return per_status, {k: dict(v) for k, v in sorted(per_position.items())}


@dataclass(slots=True)
class FileNote:
    """An input of a many-file run that was not run: broken (an error) or skipped (already done, not a list)."""

    input: str
    reason: str
    error: bool = True

    def as_dict(self) -> dict[str, object]:
        return {"input": self.input, "reason": self.reason, "error": self.error}


def combined(summaries: Sequence[Summary], exit_code: int, notes: Sequence[FileNote] = ()) -> dict[str, object]:
    """The JSON summary: one file's summary at the top level, or the totals of several, plus each file
    and each input not run (``not_run``: input, reason, error)."""
    files = [s.as_dict() for s in summaries]
    if len(files) == 1:
        top = dict(files[0])
    else:
        counts: Counter[str] = Counter()
        for s in summaries:
            counts.update(s.counts)
        top = {"rows": sum(s.rows for s in summaries), "counts": {k: counts.get(k, 0) for k in (st.value for st in Status)}}
    top["exit_code"] = exit_code
    top["files"] = files
    top["not_run"] = [n.as_dict() for n in notes]
    return top


def write_json(path: Path, summaries: Sequence[Summary], exit_code: int, notes: Sequence[FileNote] = ()) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(combined(summaries, exit_code, notes), indent=2, ensure_ascii=False) + "\n", "utf-8")


@dataclass(slots=True)
class Suite:
    """One input's rows for the JUnit report."""

    name: str
    outcomes: Mapping[int, Outcome]
    info: Mapping[int, RowInfo]


def write_junit(path: Path, suites: Sequence[Suite], notes: Sequence[FileNote] = ()) -> None:
    """One testsuite per input, one testcase per data row; a failure for invalid, error and not_sent rows.

    An input not run is a testsuite of one testcase: an error when it is broken, skipped otherwise.
    """
    total = sum(len(s.outcomes) for s in suites) + len(notes)
    failed = sum(o.status.is_failure for s in suites for o in s.outcomes.values())
    errors = sum(n.error for n in notes)
    root = ET.Element("testsuites", name="batch-enrol", tests=str(total), failures=str(failed), errors=str(errors))
    for note in notes:
        element = ET.SubElement(root, "testsuite", name=note.input, tests="1", failures="0", errors=str(int(note.error)),
                                skipped=str(int(not note.error)))  # fmt: skip
        case = ET.SubElement(element, "testcase", classname=note.input, name="the file")
        ET.SubElement(case, "error" if note.error else "skipped", message=note.reason[:1000]).text = note.reason
    for suite in suites:
        rows = sorted(suite.outcomes)
        failures = sum(suite.outcomes[r].status.is_failure for r in rows)
        element = ET.SubElement(root, "testsuite", name=suite.name, tests=str(len(rows)), failures=str(failures), errors="0")
        for row in rows:
            outcome = redacted(suite.outcomes[row])  # against every secret known now
            who = suite.info.get(row, RowInfo(row))
            name = f"row {row}" + (f" {mask_email(who.email)}" if who.email else "")
            case = ET.SubElement(element, "testcase", classname=suite.name, name=name)
            if outcome.status.is_failure:
                failure = ET.SubElement(case, "failure", message=f"{outcome.status.value}: {outcome.reason}"[:1000])
                failure.set("type", outcome.status.value)
                failure.text = outcome.reason
            else:
                ET.SubElement(case, "system-out").text = outcome.status.value
    with atomic_path(path) as tmp:
        ET.ElementTree(root).write(tmp, encoding="utf-8", xml_declaration=True)


def console_table(summary: Summary) -> str:
    """A short table for the end of a run."""
    lines = [f"{'status':<18} {'rows':>7}", f"{'-' * 18} {'-' * 7}"]
    for status, n in summary.counts.items():
        if n:
            lines.append(f"{status:<18} {n:>7}")
    lines.append(f"{'total':<18} {summary.rows:>7}")
    return "\n".join(lines)


def markdown(summary: Summary) -> str:
    """The run as a Markdown section (for ``$GITHUB_STEP_SUMMARY``)."""
    out = [
        f"### batch-enrol: `{Path(summary.input).name}`",
        "",
        f"{summary.rows} rows in {summary.duration_s:.1f} s, exit code {summary.exit_code}."
        + (f" Stopped: {summary.stop_reason}." if summary.stop_reason else ""),
        "",
        "| status | rows |",
        "|---|---:|",
    ]
    out += [f"| {status} | {n} |" for status, n in summary.counts.items() if n]
    return "\n".join(out) + "\n"


def append_step_summary(summary: Summary, env: Mapping[str, str] = os.environ) -> None:
    target = env.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(markdown(summary))


def public_settings(settings: Settings) -> dict[str, object]:
    """The settings worth recording in reports: never the token."""
    return {
        "base_url": "sandbox (in-process)" if settings.sandbox else settings.base_url,
        "concurrency": settings.concurrency,
        "rate": settings.rate,
        "max_attempts": settings.max_attempts,
        "defaults": dict(settings.defaults),
    }
