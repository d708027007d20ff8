"""Job: one job as the server described it, as a small read-only dataclass.

Fields follow docs/api.md, "The job object". Times stay RFC 3339 strings as the server sent
them ("2026-11-22T05:57:12.123Z"; use Job.time("created_at") for a datetime). A field the route
did not include (GET /jobs/{id}/status has no payload or result) is None; every field the
server sent, including ones newer than this client, is in .raw.

Statuses are Conveyor's own names (the client asks for them with the Conveyor-Dialect header);
should a server still answer in a seed's vocabulary, the names are mapped back (SUCCESS and
COMPLETED → SUCCEEDED, IN_PROGRESS and PROCESSING → RUNNING, lower case → upper case).
"""

import dataclasses
import datetime

TERMINAL = frozenset({"SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED"})
STATES = ("SCHEDULED", "PENDING", "RUNNING", "SUCCEEDED", "RETRYING", "FAILED", "CANCELLED",
          "EXPIRED", "BLOCKED")  # BLOCKED: waiting on its depends_on
_ALIASES = {"SUCCESS": "SUCCEEDED", "COMPLETED": "SUCCEEDED", "IN_PROGRESS": "RUNNING",
            "PROCESSING": "RUNNING", "QUEUED": "PENDING"}


def canonical_status(name):
    """Conveyor's name of a status given in any dialect (None stays None)."""
    if name is None:
        return None
    upper = str(name).upper()
    return _ALIASES.get(upper, upper)


@dataclasses.dataclass(frozen=True)
class Job:
    id: str
    status: str
    type: str = None
    queue: str = None
    priority: int = None
    attempt: int = None
    max_attempts: int = None
    payload: object = None
    progress: float = None
    message: str = None
    current_step: str = None
    result: object = None
    result_ref: str = None
    error: str = None
    idempotency_key: str = None
    correlation_id: str = None
    trace_id: str = None  # the W3C trace-id the job belongs to
    webhook_url: str = None
    tags: list = None
    depends_on: list = None
    run_at: str = None
    expires_at: str = None
    timeout_s: int = None
    cancel_requested: bool = None
    created_at: str = None
    started_at: str = None
    finished_at: str = None
    updated_at: str = None
    is_new: bool = None  # only on submit answers: False for an idempotent replay
    raw: dict = dataclasses.field(default=None, repr=False, compare=False)

    @classmethod
    def from_json(cls, data):
        """A Job from the server's JSON object (any route that returns a job or its status)."""
        if not isinstance(data, dict) or not (data.get("id") or data.get("job_id")):
            raise ValueError(f"not a job object: {str(data)[:300]}")
        known = {f.name for f in dataclasses.fields(cls)} - {"raw", "id", "status"}
        fields = {k: data[k] for k in known if k in data}
        return cls(id=data.get("id") or data["job_id"],
                   status=canonical_status(data.get("status")), raw=dict(data), **fields)

    @property
    def done(self):
        """True in a terminal state (SUCCEEDED, FAILED, CANCELLED, EXPIRED)."""
        return self.status in TERMINAL

    @property
    def succeeded(self):
        return self.status == "SUCCEEDED"

    def time(self, name):
        """The time field `name` (e.g. "finished_at") as an aware datetime, or None."""
        text = getattr(self, name)
        if not text:
            return None
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
