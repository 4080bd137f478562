"""The one error family of every service, in every app.

A service refuses bad input or a move with one of these; nothing was written when one is
raised. `crm/api.py` maps them to HTTP once (`http_status`, `code`), and pages map them to a
form message once (`leads.forms.apply_error`). The family sits in the lowest app so that
every app above can raise it.
"""

from __future__ import annotations


class DomainError(Exception):
    """A refused write: a move, a capture, an edit. Nothing was written when this is raised."""

    code: str = "error"
    http_status: int = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidTransition(DomainError):
    """The move is not allowed from the current state (of the lead, or of the opportunity)."""

    code = "invalid_transition"
    http_status = 409

    def __init__(self, message: str, *, status: str) -> None:
        super().__init__(message)
        self.status = status


class ActionNotAllowed(DomainError):
    """Wrong role, not the assigned rep, or a backfilled time without the permission."""

    code = "forbidden"
    http_status = 403


class InvalidInput(DomainError):
    """Bad input: `errors` maps each field to its messages."""

    code = "invalid"
    http_status = 400

    def __init__(self, errors: dict[str, list[str]], message: str = "") -> None:
        self.errors = errors
        super().__init__(message or "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


class DuplicateLead(DomainError):
    """A live lead with the same email, or any lead with the same external id, exists."""

    code = "duplicate"
    http_status = 409

    def __init__(self, message: str, *, existing_id: int) -> None:
        super().__init__(message)
        self.existing_id = existing_id
