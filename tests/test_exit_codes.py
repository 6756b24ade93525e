"""Exit codes of the command, through click's CliRunner (no process needed for these)."""

from __future__ import annotations

from click.testing import CliRunner

from batch_enrol import ExitCode, pipeline
from batch_enrol.cli import main
from tests.helpers import candidate_rows, write_csv


def test_an_unexpected_crash_has_its_own_exit_code_and_one_line(tmp_path, monkeypatch):
    source = write_csv(tmp_path / "a.csv", candidate_rows(1))

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(pipeline, "validate", broken)
    result = CliRunner().invoke(main, ["validate", str(source)])
    assert result.exit_code == ExitCode.CRASHED == 70
    assert "error: unexpected RuntimeError: a bug" in result.output and "Traceback" not in result.output


def test_sandbox_run_from_the_command_line_hands_over_the_simulator(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = write_csv(tmp_path / "a.csv", candidate_rows(2))
    result = CliRunner().invoke(main, ["run", str(source), "--sandbox", "--quiet"], env={"JOBMOJITO_TOKEN": ""})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "a.enrolled.csv").exists()


def test_every_exit_code_is_in_the_readme():
    from tests.helpers import ROOT

    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("### Exit codes") :]
    for code in ExitCode:
        assert f"| {int(code)} |" in table, code
