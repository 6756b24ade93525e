"""batch-enrol: enrol every candidate in a spreadsheet for a JobMojito AI interview.

The library behind the ``batch-enrol`` command and the web app::

    from pathlib import Path
    from batch_enrol import Settings, run, validate

    checked = validate(Path("candidates.xlsx"))           # send nothing
    settings = Settings.load()                            # JOBMOJITO_* variables, .env, defaults
    result = run(Path("candidates.xlsx"), settings)       # enrol, write candidates.enrolled.xlsx
    print(result.exit_code, result.output, result.summary.counts)

Every problem with a file, a setting, the token or the server is raised as a
``BatchEnrolError`` (``ConfigError``, ``InputFileError``, ``OutputError``) carrying a one-line
``message``, a ``hint`` and the ``exit_code`` the command line would use.
"""

from .batch import BatchResult, plan_run, run_many
from .errors import BatchEnrolError, ConfigError, InputFileError, OutputError
from .models import ExitCode, Outcome, Status
from .pipeline import CheckedFile, RunResult, run, validate
from .preview import Preview
from .results import ResultsReport, read_results
from .settings import Settings

__version__ = "0.1.0"
__all__ = [
    "BatchEnrolError",
    "BatchResult",
    "CheckedFile",
    "ConfigError",
    "ExitCode",
    "InputFileError",
    "Outcome",
    "OutputError",
    "Preview",
    "ResultsReport",
    "RunResult",
    "Settings",
    "Status",
    "plan_run",
    "read_results",
    "run",
    "run_many",
    "validate",
]
