"""Resume (CV) files: read only inside the resumes folder, and never more than the limits."""

from __future__ import annotations

import os
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from batch_enrol.cv_files import CvFileError, CvLimits, find, read_text
from tests.helpers import cli, read_output, write_csv

WORD_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def write_docx(path: Path, text_mb: float = 0, *, text: str = "", doctype: str = "", filler: bytes = b"A") -> Path:
    """A minimal .docx; ``text_mb`` MB of ``filler`` repeated make it a bomb (streamed, never in memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(f'<?xml version="1.0"?>{doctype}<w:document xmlns:w="{WORD_NS}"><w:body><w:p><w:r><w:t>{text}'.encode())
            block = filler * (2**20 // len(filler))
            for _ in range(int(text_mb)):
                part.write(block)
            part.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return path


def refused(value: str, folder: Path) -> str:
    with pytest.raises(CvFileError) as caught:
        read_text(find(value, [folder]))
    return str(caught.value)


def test_a_symlink_to_the_process_environment_is_not_read(tmp_path):
    (tmp_path / "cv.txt").symlink_to("/proc/self/environ")
    assert "link to a file outside the resumes folder" in refused("cv.txt", tmp_path)


def test_symlinks_out_of_the_folder_are_refused_and_inside_it_followed(tmp_path):
    inbox, private = tmp_path / "inbox", tmp_path / "private"
    inbox.mkdir(), private.mkdir()
    (private / "payroll.txt").write_text("salary table")
    (inbox / "cv.txt").symlink_to(private / "payroll.txt")
    (inbox / "sub").mkdir()
    (inbox / "sub" / "real.txt").write_text("Real CV text")
    (inbox / "alias.txt").symlink_to("sub/real.txt")
    (inbox / "dir_link").symlink_to(private, target_is_directory=True)
    assert "outside the resumes folder" in refused("cv.txt", inbox)
    assert "outside the resumes folder" in refused("dir_link/payroll.txt", inbox)
    assert read_text(find("alias.txt", [inbox])) == "Real CV text"
    assert read_text(find("sub/real.txt", [inbox])) == "Real CV text"


@pytest.mark.parametrize("value", ["../private/payroll.txt", "sub/../../private/payroll.txt", "..\\private\\payroll.txt"])
def test_dot_dot_is_refused_before_looking(tmp_path, value):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "payroll.txt").write_text("salary table")
    assert "has '..'" in refused(value, inbox)


@pytest.mark.parametrize("value", ["/etc/hostname.txt", "~/cv.txt", "C:\\cv.txt", "\\\\server\\share\\cv.txt"])
def test_absolute_paths_are_refused(tmp_path, value):
    assert "is an absolute path" in refused(value, tmp_path)


def test_fifos_devices_folders_and_hard_links_are_not_read(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "folder.txt").mkdir()
    (tmp_path / "null.txt").symlink_to("/dev/null")
    outside = tmp_path.parent / f"{tmp_path.name}-secret.txt"
    outside.write_text("token=abc")
    os.link(outside, tmp_path / "linked.txt")
    started = time.monotonic()
    assert "a device, FIFO or socket" in refused("pipe.txt", tmp_path)  # and did not block on it
    assert time.monotonic() - started < 5
    assert "is a folder" in refused("folder.txt", tmp_path)
    assert "outside the resumes folder" in refused("null.txt", tmp_path)
    assert "other hard links" in refused("linked.txt", tmp_path)
    outside.unlink()


@pytest.mark.parametrize(("filler", "message"), [(b"<w:r/>", r"expands beyond 2 MB \(--max-resume-mb\)"),
                                                 (b"A", r"more than 100,000 characters of text \(--max-resume-chars\)")])
def test_a_docx_bomb_stops_at_a_limit_in_bounded_time_and_memory(tmp_path, filler, message):
    bomb = write_docx(tmp_path / "bomb.docx", text_mb=200, filler=filler)
    assert bomb.stat().st_size < 1_000_000  # 200 MB of XML in well under 1 MB
    tracemalloc.start()
    started = time.monotonic()
    with pytest.raises(CvFileError, match=message):
        read_text(find("bomb.docx", [tmp_path]))
    elapsed, (_, peak) = time.monotonic() - started, tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 20 * 2**20, peak  # a few chunks, not 200 MB (generous bounds: not a timing test)
    assert elapsed < 30


def test_characters_are_capped_and_the_limits_are_configurable(tmp_path):
    write_docx(tmp_path / "long.docx", text="x" * 5000)
    (tmp_path / "long.txt").write_text("y" * 5000)
    with pytest.raises(CvFileError, match="more than 1,000 characters"):
        read_text(find("long.docx", [tmp_path]), CvLimits(max_chars=1000))
    with pytest.raises(CvFileError, match="expands beyond"):
        read_text(find("long.txt", [tmp_path]), CvLimits(max_bytes=1000))
    assert len(read_text(find("long.docx", [tmp_path]))) == 5000


def test_a_docx_with_a_dtd_is_refused(tmp_path):
    write_docx(tmp_path / "dtd.docx", text="&e;", doctype='<!DOCTYPE d [<!ENTITY e "boom">]>')
    assert "declares a DTD" in refused("dtd.docx", tmp_path)


def test_docx_text_keeps_paragraphs_tabs_and_tables():
    from tests.helpers import DATA

    text = read_text(find("peter.docx", [DATA / "good"]))
    assert "Peter Horvath\n" in text and "forklift licence" in text


def test_the_environment_never_reaches_the_api_end_to_end(tmp_path, serve):
    """The attack from the issue, through the real command: the row is invalid, the token not sent."""
    served = serve()
    (tmp_path / "cv.txt").symlink_to("/proc/self/environ")
    (tmp_path / "good.txt").write_text("Ten years of customer care.")
    rows = [["Eve", "eve@example.org", "SK", "cv.txt", "Job", "Bratislava", "SK", "en"],
            ["Ann", "ann@example.org", "SK", "good.txt", "Job", "Bratislava", "SK", "en"],
            ["Pay", "pay@example.org", "SK", "../payroll.txt", "Job", "Bratislava", "SK", "en"]]  # fmt: skip
    source = write_csv(tmp_path / "list.csv", rows)
    result = cli("run", source, "--out", tmp_path / "out.csv", env=served.env())
    assert result.returncode == 1, result.stderr
    out = {r["E-mail"]: r for r in read_output(tmp_path / "out.csv")}
    assert out["eve@example.org"]["enrol_status"] == "invalid" and "outside the resumes folder" in out["eve@example.org"]["enrol_reason"]
    assert out["pay@example.org"]["enrol_status"] == "invalid" and "'..'" in out["pay@example.org"]["enrol_reason"]
    assert [r.email for r in served.ledger.requests] == ["ann@example.org"]


def test_resumes_dir_replaces_the_input_folder(tmp_path):
    (tmp_path / "cvs").mkdir()
    (tmp_path / "cvs" / "a.txt").write_text("From the resumes folder.")
    (tmp_path / "b.txt").write_text("Beside the input.")
    source = write_csv(tmp_path / "list.csv", [["A", "a@example.org", "SK", "a.txt", "Job", "Ba", "SK", "en"],
                                               ["B", "b@example.org", "SK", "b.txt", "Job", "Ba", "SK", "en"]])  # fmt: skip
    result = cli("validate", source, "--resumes-dir", tmp_path / "cvs")
    assert result.returncode == 1 and "'b.txt' not found" in result.stdout and "a.txt" not in result.stdout


def test_pdf_text_is_bounded_by_both_limits():
    from tests.conftest import DATA

    pdf = find("jana.pdf", [DATA / "good"])
    assert "Five years of customer support" in read_text(pdf)
    with pytest.raises(CvFileError, match="expands beyond"):
        read_text(pdf, CvLimits(max_bytes=20))  # the decoded page content, counted page by page
    with pytest.raises(CvFileError, match="more than 10 characters"):
        read_text(pdf, CvLimits(max_chars=10))


@pytest.mark.parametrize("value", ["/proc/self/environ", "../../outside/noext", "file:///etc/passwd", "~/secrets",
                                   "C:\\Users\\me\\cv", "docs/cv-final", "\\\\server\\share\\cv", "/home/me/My CV"])  # fmt: skip
def test_a_path_without_a_cv_extension_is_never_sent_as_the_resume_text(tmp_path, serve, value):
    served = serve()
    rows = [["Eve", "eve@example.org", "SK", value, "Job", "Bratislava", "SK", "en"]]
    source = write_csv(tmp_path / "list.csv", rows)
    result = cli("run", source, "--out", tmp_path / "out.csv", env=served.env())
    assert result.returncode == 1, result.stderr
    (row,) = read_output(tmp_path / "out.csv")
    assert row["enrol_status"] == "invalid" and "looks like a file path" in row["enrol_reason"]
    assert served.ledger.requests == []


def test_cv_text_with_slashes_and_dots_is_still_text(tmp_path):
    from batch_enrol.cv_files import check_not_a_path

    for text in ("Built CI/CD pipelines and C/C++ tools for ten years.", "Python, Go.. and more", "Sales", "<b>cv</b>"):
        check_not_a_path(text)
