"""Typed exceptions of the Conveyor client.

Every error answer of the server is application/problem+json (RFC 9457); the client raises the
exception class of its HTTP status, carrying the problem document. Network failures are wrapped
too, so a caller catches ConveyorError and nothing else.

    ConveyorError            any failure; .status (int or None), .problem (dict), .detail (str)
    ├── InvalidRequest       400 or 422: the request is wrong; .detail names the field
    ├── NotFound             404: no such job (or route)
    ├── Conflict             409: idempotency key reused, or the job's state forbids the operation
    ├── Unavailable          503: the store is down or the server is stopping; try again
    ├── ConnectionFailed     no HTTP answer: refused, reset, timed out, bad TLS (status None)
    └── WaitTimeout          Client.wait gave up before the job reached a terminal state
"""


class ConveyorError(Exception):
    """A request to Conveyor failed. status: the HTTP status (None when no answer came back);
    problem: the problem+json document ({} when the answer had none); detail: a sentence."""

    def __init__(self, status, problem=None, detail=None, retry_after=None):
        self.status = status
        self.retry_after = retry_after  # seconds, from a Retry-After header (429, 503)
        self.problem = dict(problem or {})
        self.detail = detail or self.problem.get("detail") or self.problem.get("title") or ""
        super().__init__(f"{status}: {self.detail}" if status is not None else self.detail)


class InvalidRequest(ConveyorError):
    """400 (malformed) or 422 (a field breaks its rule)."""


class NotFound(ConveyorError):
    """404."""


class Conflict(ConveyorError):
    """409."""


class Unavailable(ConveyorError):
    """503: worth retrying after a pause."""


class ConnectionFailed(ConveyorError):
    """The server could not be reached or did not answer (status is None)."""

    def __init__(self, detail, cause=None):
        super().__init__(None, None, detail)
        self.cause = cause


class WaitTimeout(ConveyorError):
    """Client.wait's timeout passed; .job is the last state seen."""

    def __init__(self, detail, job=None):
        super().__init__(None, None, detail)
        self.job = job


_BY_STATUS = {400: InvalidRequest, 422: InvalidRequest, 404: NotFound, 409: Conflict,
              503: Unavailable}


def error_for(status, problem, detail=None, retry_after=None):
    """The exception for an error answer with this status and problem document."""
    return _BY_STATUS.get(status, ConveyorError)(status, problem, detail, retry_after)
