"""The documented CI jobs are valid YAML and run batch-enrol with options that exist."""

from __future__ import annotations

import shlex

import pytest
import yaml
from click.testing import CliRunner

from batch_enrol.cli import main
from tests.helpers import ROOT, candidate_rows, write_csv


def run_commands(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from run_commands(value)
    elif isinstance(node, list):
        for value in node:
            yield from run_commands(value)
    elif isinstance(node, str) and node.strip().startswith("batch-enrol run"):
        yield " ".join(node.split())


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_ci_examples_run_a_real_command(tmp_path, name, monkeypatch):
    document = yaml.safe_load((ROOT / "docs" / "ci" / name).read_text())
    (command,) = list(run_commands(document))
    words = shlex.split(command)[2:]
    assert "inbox/" in words and "--junit" in words
    monkeypatch.chdir(tmp_path)
    (tmp_path / "inbox").mkdir()
    write_csv(tmp_path / "inbox" / "drop.csv", candidate_rows(3))
    result = CliRunner().invoke(main, ["run", *words, "--sandbox", "--quiet"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "results" / "drop.enrolled.csv").exists()
    assert (tmp_path / "results" / "junit.xml").exists() and (tmp_path / "results" / "summary.json").exists()
