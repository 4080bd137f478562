"""What a move tells people: who hears of it, with which text code and parameters. The
notices themselves (rows, emails after commit, reading) belong to `notifications`."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import override

from handoff.models import Handoff, RejectionReason
from leads.models import Lead
from leads.roles import user_label
from notifications import texts
from notifications.models import NotificationKind
from notifications.services import notify


def notify_assigned(handoff: Handoff, lead: Lead, *, backfilled: bool) -> None:
    """Tell the rep a lead is theirs (a backfilled move tells nobody: it is history)."""
    if backfilled:
        return
    notify(
        [handoff.assignee],
        kind=NotificationKind.LEAD_ASSIGNED,
        code=texts.LEAD_ASSIGNED,
        params={
            "lead": lead.label,
            "due": handoff.sla_due_at.isoformat(),
            **_route(handoff),
        },
        lead=lead,
        handoff=handoff,
    )


def _route(handoff: Handoff) -> dict[str, str]:
    """Why this rep, as the notice's `route` parameters (notifications.texts.ROUTES)."""
    info = handoff.assignment or {}
    if info.get("reason") == "sla_breach":
        return {"route": "sla_breach"}
    if info.get("method") == "manual":
        chooser = (
            handoff.handed_off_by if handoff.handed_off_by_id == info.get("chosen_by") else None
        )
        return {"route": "manual", "chooser": user_label(chooser) if chooser else "?"}
    if info.get("rule"):
        return {"route": "rule", "rule": str(info["rule"])}
    return {"route": "rotation"}


def notify_rejected(handoff: Handoff, lead: Lead, *, actor: AbstractBaseUser, reason: str) -> None:
    """Tell whoever handed the lead off, and the campaign's owner, that sales said no."""
    recipients = [handoff.handed_off_by]
    if lead.campaign_id:
        recipients.append(lead.campaign.owner)
    with override(None):  # the label's msgid, translated again by whoever reads it
        reason_label = str(RejectionReason(reason).label)
    notify(
        [u for u in recipients if u is not None and u.pk != actor.pk],
        kind=NotificationKind.LEAD_REJECTED,
        code=texts.LEAD_REJECTED,
        params={"lead": lead.label, "reason": reason, "reason_label": reason_label},
        lead=lead,
        handoff=handoff,
    )
