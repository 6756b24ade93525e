"""batch-enrol: enrol every candidate in a spreadsheet for a JobMojito AI interview.

The library behind the ``batch-enrol`` command::

    from batch_enrol import Settings, run, validate

    result = run(Path("candidates.xlsx"), Settings(sandbox=True))
    print(result.exit_code, result.output)
"""

from .errors import BatchEnrolError
from .models import ExitCode, Outcome, Status
from .pipeline import RunResult, run, validate
from .settings import Settings

__version__ = "0.1.0"
__all__ = ["BatchEnrolError", "ExitCode", "Outcome", "RunResult", "Settings", "Status", "run", "validate"]
