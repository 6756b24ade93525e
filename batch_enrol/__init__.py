"""batch-enrol: enrol every candidate in a spreadsheet for a JobMojito AI interview.

The library behind the ``batch-enrol`` command::

    from batch_enrol import Settings, run, validate

    result = run(Path("candidates.xlsx"), Settings(sandbox=True))
    print(result.exit_code, result.output)
"""

from .errors import BatchEnrolError
from .models import ExitCode, Outcome, Status
from .pipeline import RunResult, plan, run, validate
from .preview import Preview
from .results import ResultsReport, read_results
from .settings import Secret, Settings

__version__ = "0.1.0"
__all__ = [
    "BatchEnrolError", "ExitCode", "Outcome", "Preview", "ResultsReport", "RunResult", "Secret", "Settings", "Status",
    "plan", "read_results", "run", "validate",
]  # fmt: skip
