"""conveyor_client: the Python client of Conveyor (standard library only).

    Client     submit, submit_batch, get, status, wait, list, cancel, retry, events
    Job        a job as the server described it (a frozen dataclass)
    errors     ConveyorError and its subclasses, raised from problem+json answers
    worker     Worker: an external worker running Python functions as job types
"""

__version__ = "0.1.0"

from .client import Client  # noqa: E402  (after __version__, which _http reads)
from .errors import (Conflict, ConnectionFailed, ConveyorError, InvalidRequest,  # noqa: E402
                     NotFound, Unavailable, WaitTimeout)
from .job import STATES, TERMINAL, Job  # noqa: E402

__all__ = ["Client", "Job", "STATES", "TERMINAL", "ConveyorError", "InvalidRequest", "NotFound",
           "Conflict", "Unavailable", "ConnectionFailed", "WaitTimeout", "__version__"]
