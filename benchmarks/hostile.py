"""Hostile inputs, bounded: ``python -m benchmarks.hostile``.

For each case, a fresh process reads the hostile thing and reports wall seconds and peak
RSS (MB); the process's RSS right after its imports is shown beside it, so the difference
is what the case itself cost.

- .docx bombs that expand to 100 MB and 1 GB of XML, of markup (stopped by the 2 MB byte
  limit) and of text (stopped by the 100,000-character limit); the 100 MB one also through
  python-docx, which the reader used before (reference);
- an API answer of 640 MB sent in 64 KB pieces (read up to the 1 MB cap) and one that
  trickles a byte every half second (ended by a 2 s call deadline); for these the
  seconds are those of the run alone, with the test server already up.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

WORD = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="word/document.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>'
)


def write_bomb(path: Path, mb: int, filler: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(f'<w:document xmlns:w="{WORD}"><w:body><w:p><w:r><w:t>'.encode())
            block = filler * (2**20 // len(filler))
            for _ in range(mb):
                part.write(block)
            part.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return path


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def case(kind: str, arg: str) -> dict[str, object]:
    """Run inside the child process: one case, its figures."""
    from batch_enrol.cv_files import CvFileError, find, read_text

    baseline = rss_mb()
    started = time.perf_counter()
    elapsed = None
    outcome = ""
    if kind == "docx":
        path = Path(arg)
        try:
            read_text(find(path.name, [path.parent]))
        except CvFileError as exc:
            outcome = str(exc).split(": ")[0] if "': " in str(exc) else str(exc)
    elif kind == "python-docx":
        import docx

        text = "\n".join(p.text for p in docx.Document(arg).paragraphs)
        outcome = f"read {len(text):,} characters"
    else:
        from batch_enrol.pipeline import run
        from batch_enrol.settings import Secret, Settings
        from tests.conftest import candidate_rows, write_csv
        from tests.rogue import serve_rogue

        folder = Path(tempfile.mkdtemp())
        source = write_csv(folder / "list.csv", candidate_rows(1))
        with serve_rogue(arg) as (_, url):
            settings = Settings(base_url=url, token=Secret("benchmark-token"), max_attempts=1, call_deadline=2.0)
            baseline, started = rss_mb(), time.perf_counter()  # the run alone, not the server's start
            result = run(source, settings, out=folder / "out.csv")
            elapsed = time.perf_counter() - started
        outcome = next(iter(result.outcomes.values())).reason
    elapsed = time.perf_counter() - started if elapsed is None else elapsed
    return {"seconds": round(elapsed, 2), "peak_mb": round(rss_mb(), 1),
            "baseline_mb": round(baseline, 1), "outcome": outcome[:90]}  # fmt: skip


def measure(kind: str, arg: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-m", "benchmarks.hostile", "--case", kind, arg],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    if done.returncode != 0:
        return {"seconds": "-", "peak_mb": "-", "baseline_mb": "-", "outcome": done.stderr.strip().splitlines()[-1][:90]}
    return json.loads(done.stdout)


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="hostile-"))
    rows = []
    for mb in (100, 1024):
        for name, filler in (("markup", b"<w:r/>"), ("text", b"A" * 1000 + b"</w:t></w:r><w:r><w:t>")):
            bomb = write_bomb(folder / f"{name}{mb}.docx", mb, filler)
            label = f".docx bomb, {mb:,} MB of {name} in {bomb.stat().st_size / 1024:,.0f} KB"
            rows.append((label, measure("docx", str(bomb))))
            if mb == 100 and name == "text":
                rows.append((f"{label} (python-docx, before)", measure("python-docx", str(bomb))))
    rows.append(("answer of 640 MB in 64 KB pieces", measure("answer", "huge-chunked")))
    rows.append(("answer trickling 1 byte / 0.5 s, deadline 2 s", measure("answer", "trickle")))
    print("| case | seconds | peak RSS MB | RSS after imports MB | outcome |")
    print("|---|---|---|---|---|")
    for label, figures in rows:
        print(f"| {label} | {figures['seconds']} | {figures['peak_mb']} | {figures['baseline_mb']} | {figures['outcome']} |")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--case":
        print(json.dumps(case(sys.argv[2], sys.argv[3])))
    else:
        main()
