"""The one domain error type of the workflow; crm/api.py maps it to HTTP, pages to a message."""

from __future__ import annotations


class WorkflowError(Exception):
    """A refused move or capture. Nothing was written when this is raised."""

    code: str = "error"
    http_status: int = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidTransition(WorkflowError):
    """The move is not allowed from the current state (of the lead, or of the opportunity)."""

    code = "invalid_transition"
    http_status = 409

    def __init__(self, message: str, *, status: str) -> None:
        super().__init__(message)
        self.status = status


class ActionNotAllowed(WorkflowError):
    """Wrong role, not the assigned rep, or a backfilled time without the permission."""

    code = "forbidden"
    http_status = 403


class InvalidInput(WorkflowError):
    """Bad input: `errors` maps each field to its messages."""

    code = "invalid"
    http_status = 400

    def __init__(self, errors: dict[str, list[str]], message: str = "") -> None:
        self.errors = errors
        super().__init__(message or "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


class DuplicateLead(WorkflowError):
    """A live lead with the same email, or any lead with the same external id, exists."""

    code = "duplicate"
    http_status = 409

    def __init__(self, message: str, *, existing_id: int) -> None:
        super().__init__(message)
        self.existing_id = existing_id
