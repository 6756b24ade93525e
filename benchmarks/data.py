"""Benchmark inputs: N realistic rows × 12 columns with about 2 KB of resume text each."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import openpyxl

#: The fields a minimal request needs, as headers: every tool (batch-enrol, the peers) reads the same file.
API_FIELDS = ["candidate_name", "candidate_email", "candidate_country_code", "candidate_resume", "position_name",
              "position_location", "position_country_code", "mojito_language_code"]  # fmt: skip
HEADERS = ["Candidate ID", "Full name", "E-mail address", "Country", "CV", "Position", "Location",
           "Position country", "Language", "LinkedIn", "Attempts", "Notes"]  # fmt: skip
WORDS = ("customer support sales python sql excel logistics warehouse shift lead analyst english german "
         "slovak team project delivered improved managed trained reduced errors tickets satisfaction").split()  # fmt: skip


def rows(n: int, *, positions: int = 5, seed: int = 1) -> list[list[str]]:
    rng = random.Random(seed)
    pool = [" ".join(rng.choice(WORDS) for _ in range(300))[:2000] for _ in range(500)]
    out = []
    for i in range(n):
        resume = f"Candidate {i}\n{pool[i % len(pool)]}"
        p = i % positions
        out.append([f"{i:06d}", f"Candidate {i}", f"candidate{i}@example.org", rng.choice(["SK", "Slovakia", "CZ", "DEU"]),
                    resume, f"Position {p}", "Bratislava", "SK", "English", f"linkedin.com/in/candidate-{i}",
                    str(rng.randint(1, 5)), "imported"])  # fmt: skip
    return out


def write_csv(path: Path, data: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        writer.writerows(data)
    return path


def write_xlsx(path: Path, data: list[list[str]]) -> Path:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Candidates")
    sheet.append(HEADERS)
    for row in data:
        sheet.append(row)
    workbook.save(path)
    return path


def api_csv(path: Path, n: int, positions: int = 4) -> Path:
    """n rows with the API's own field names, so every tool reads the same file."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(API_FIELDS)
        for i in range(n):
            writer.writerow([f"Candidate {i}", f"c{i}@example.org", "SK", f"Resume of candidate {i}. " * 20,
                             f"Position {i % positions}", "Bratislava", "SK", "en"])  # fmt: skip
    return path
