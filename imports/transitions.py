"""The status table of an import, written once, and the one function that changes a status.

An import moves uploaded -> queued (its mapping is saved) -> running -> done or failed. A run
may begin again from running or failed (a redelivered or resumed task), and a run that fails
before it starts (the file is gone) goes from queued or failed straight to failed. Every
status write goes through `import_status_set`, so a write the table does not allow is refused
(`InvalidTransition`) instead of silently rewinding an import.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from imports.models import LeadImport, LeadImportStatus
from leads.errors import InvalidTransition

S = LeadImportStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.UPLOADED: frozenset({S.QUEUED}),
    S.QUEUED: frozenset({S.RUNNING, S.FAILED}),
    S.RUNNING: frozenset({S.RUNNING, S.DONE, S.FAILED}),
    S.FAILED: frozenset({S.RUNNING, S.FAILED}),
    S.DONE: frozenset(),
}


def check_transition(current: str, target: str) -> None:
    """Raise InvalidTransition unless the table allows current -> target."""
    if target not in TRANSITIONS.get(current, frozenset()):
        raise InvalidTransition(
            _("An import cannot go from %(current)s to %(target)s.")
            % {"current": current, "target": target},
            status=current,
        )


def import_status_set(*, import_id: int, status: str, **fields: Any) -> None:
    """Lock the import, check the table, write the status (and `fields`) in one UPDATE.

    Callers that must stay no-ops on some statuses (a second submit, a finished run) check
    that first; this is the guard behind them, not a replacement.
    """
    with transaction.atomic():
        current = (
            LeadImport.objects.select_for_update()
            .filter(pk=import_id)
            .values_list("status", flat=True)
            .get()
        )
        check_transition(current, status)
        LeadImport.objects.filter(pk=import_id).update(status=status, **fields)


def import_requeued(*, import_id: int, at: Any) -> bool:
    """Note that a still-queued import was queued again (its status unchanged), so the
    sweep asks again only after another wait. False when it left `queued` meanwhile."""
    return bool(LeadImport.objects.filter(pk=import_id, status=S.QUEUED).update(queued_at=at))
