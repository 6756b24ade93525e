"""The library's face: what `import batch_enrol` loads, its exports, the sandbox as a transport."""

from __future__ import annotations

import subprocess
import sys

import pytest

import batch_enrol
from batch_enrol import ConfigError, Settings, run
from tests.helpers import candidate_rows, sandbox_transport, write_csv


def test_importing_the_library_loads_neither_the_simulator_nor_its_web_stack():
    code = "import sys, batch_enrol; print(sorted({m.split('.')[0] for m in sys.modules} & {'starlette', 'uvicorn'}), 'batch_enrol.sandbox' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["[]", "False"]


def test_sandbox_settings_need_the_simulators_transport(tmp_path):
    source = write_csv(tmp_path / "a.csv", candidate_rows(2))
    with pytest.raises(ConfigError, match="transport"):
        run(source, Settings(sandbox=True, progress="none"))


def test_run_sends_through_the_transport_it_is_given(tmp_path):
    source = write_csv(tmp_path / "a.csv", candidate_rows(3))
    sandbox, transport = sandbox_transport()
    result = run(source, Settings(sandbox=True, progress="none"), transport=transport)
    assert result.exit_code == 0
    _, enrolments, _ = sandbox.ledger.snapshot()
    assert sorted(email for email, _ in enrolments) == [f"person{i}@example.org" for i in range(3)]


def test_all_names_what_the_package_exports():
    assert sorted(batch_enrol.__all__) == sorted(
        name for name in vars(batch_enrol) if not name.startswith("_") and name not in {"annotations"} and not _is_module(name)
    )
    for name in batch_enrol.__all__:
        assert getattr(batch_enrol, name).__doc__, f"{name} has no docstring"


def _is_module(name: str) -> bool:
    import types

    return isinstance(getattr(batch_enrol, name), types.ModuleType)
