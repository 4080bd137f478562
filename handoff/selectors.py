"""Reads of leads, handoffs, events, opportunities and feedback; visibility
is decided here once: marketing and managers see every lead, reps only the leads they own."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Avg, Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from handoff.models import Handoff, HandoffOutcome, LeadEvent, RejectionReason
from handoff.transitions import LEAD_ACTIONS, is_allowed
from leads.models import Lead, Opportunity
from leads.roles import MANAGER, MARKETING, SALES, role_members, roles_of, user_label

AnyUser = AbstractBaseUser | AnonymousUser


def _sees_all(user: AnyUser) -> bool:
    return bool(roles_of(user) & {MARKETING, MANAGER})


def lead_list(*, user: AnyUser) -> QuerySet[Lead]:
    qs = Lead.objects.select_related("campaign", "owner")
    if _sees_all(user):
        return qs
    if SALES in roles_of(user):
        return qs.filter(owner_id=user.pk)
    return qs.none()


def lead_get(*, user: AnyUser, lead_id: int) -> Lead:
    """The lead if the user may see it; Lead.DoesNotExist otherwise."""
    return lead_list(user=user).get(pk=lead_id)


def inbox_for(*, rep: AbstractBaseUser) -> QuerySet[Handoff]:
    """The rep's pending handoffs, the most urgent first."""
    return (
        Handoff.objects.filter(assignee_id=rep.pk, outcome=HandoffOutcome.PENDING)
        .select_related("lead", "lead__campaign")
        .order_by("sla_due_at", "id")
    )


def inbox_counts(*, rep: AbstractBaseUser, now: Any) -> dict[str, int]:
    """True totals of the rep's inbox in two queries: pending (and of those overdue), and
    accepted leads waiting to be converted."""
    from leads.models import LeadStatus

    # Counting a column of the (assignee, outcome, sla_due_at) index lets PostgreSQL answer
    # from that index alone (an index-only scan), whatever the rows' width.
    pending = Handoff.objects.filter(assignee_id=rep.pk, outcome=HandoffOutcome.PENDING).aggregate(
        pending=Count("sla_due_at"), overdue=Count("sla_due_at", filter=Q(sla_due_at__lt=now))
    )
    accepted = Lead.objects.filter(owner_id=rep.pk, status=LeadStatus.ACCEPTED).count()
    return {"pending": pending["pending"], "overdue": pending["overdue"], "accepted": accepted}


def handoff_list(*, user: AnyUser) -> QuerySet[Handoff]:
    qs = Handoff.objects.select_related("lead", "assignee", "handed_off_by").order_by(
        "-handed_off_at", "-id"
    )
    if _sees_all(user):
        return qs
    if SALES in roles_of(user):
        return qs.filter(assignee_id=user.pk)
    return qs.none()


def lead_events(*, lead_id: int) -> QuerySet[LeadEvent]:
    """The lead's audit trail, oldest first."""
    return (
        LeadEvent.objects.filter(lead_id=lead_id)
        .select_related("actor", "handoff", "handoff__assignee")
        .order_by("at", "id")
    )


def lead_handoffs(*, lead_id: int) -> QuerySet[Handoff]:
    """Every handoff of the lead, newest first (with why each rep got it in `assignment`)."""
    return (
        Handoff.objects.filter(lead_id=lead_id)
        .select_related("assignee", "handed_off_by")
        .order_by("-handed_off_at", "-id")
    )


def current_handoff(*, lead_id: int) -> Handoff | None:
    """The pending handoff if any, else the latest one."""
    handoffs = lead_handoffs(lead_id=lead_id)
    return handoffs.filter(outcome=HandoffOutcome.PENDING).first() or handoffs.first()


def opportunity_list(*, user: AnyUser) -> QuerySet[Opportunity]:
    qs = Opportunity.objects.select_related("lead", "lead__campaign", "owner")
    if _sees_all(user):
        return qs
    if SALES in roles_of(user):
        return qs.filter(owner_id=user.pk)
    return qs.none()


def allowed_actions(*, user: AnyUser, lead: Lead) -> list[str]:
    """The lifecycle moves the user may make on the lead now (for buttons)."""
    return [action for action in LEAD_ACTIONS if is_allowed(action, user, lead)]


def lead_feedback(*, lead_id: int) -> QuerySet[Handoff]:
    """The reps' answers on this lead (accepted or rejected), newest first."""
    return lead_handoffs(lead_id=lead_id).filter(
        outcome__in=[HandoffOutcome.ACCEPTED, HandoffOutcome.REJECTED]
    )


def campaign_feedback(*, campaign_id: int, recent: int = 10) -> dict[str, Any]:
    """What sales said about a campaign's leads: rejections by reason, average rating and
    the latest written feedback."""
    answered = Handoff.objects.filter(
        lead__campaign_id=campaign_id,
        outcome__in=[HandoffOutcome.ACCEPTED, HandoffOutcome.REJECTED],
    )
    totals = answered.aggregate(
        accepted=Count("id", filter=Q(outcome=HandoffOutcome.ACCEPTED)),
        rejected=Count("id", filter=Q(outcome=HandoffOutcome.REJECTED)),
        average_rating=Avg("rating"),
        ratings=Count("rating"),
    )
    reasons = dict(
        answered.filter(outcome=HandoffOutcome.REJECTED)
        .values_list("reason")
        .annotate(n=Count("id"))
        .order_by()
    )
    comments = (
        answered.exclude(feedback="")
        .select_related("lead", "assignee")
        .order_by("-responded_at", "-id")[:recent]
    )
    return {
        "accepted": totals["accepted"],
        "rejected": totals["rejected"],
        "rejections_by_reason": {
            code: reasons[code] for code in RejectionReason.values if code in reasons
        },
        "average_rating": round(totals["average_rating"], 2)
        if totals["average_rating"] is not None
        else None,
        "ratings": totals["ratings"],
        "recent_feedback": [
            {
                "handoff_id": h.pk,
                "lead_id": h.lead_id,
                "lead": str(h.lead),
                "rep": user_label(h.assignee),
                "outcome": h.outcome,
                "reason": h.reason,
                "rating": h.rating,
                "feedback": h.feedback,
                "responded_at": h.responded_at,
            }
            for h in comments
        ],
    }


# --------------------------------------------------------------------------- sales workspace
# (appended by the sales/dashboard pages; imports kept local so the block above is untouched)


def accepted_leads_for(*, rep: AbstractBaseUser) -> QuerySet[Lead]:
    """The rep's accepted leads waiting to be converted, the longest waiting first."""
    from leads.models import LeadStatus

    return (
        Lead.objects.filter(owner_id=rep.pk, status=LeadStatus.ACCEPTED)
        .select_related("campaign")
        .order_by("first_accepted_at", "id")
    )


def overdue_handoffs(*, user: AnyUser, now: Any = None) -> QuerySet[Handoff]:
    """Pending handoffs past their SLA due time that the user may see, most overdue first."""
    from django.utils import timezone

    return (
        handoff_list(user=user)
        .filter(outcome=HandoffOutcome.PENDING, sla_due_at__lt=now or timezone.now())
        .select_related("lead__campaign")
        .order_by("sla_due_at", "id")
    )


def user_names(ids: set[int]) -> dict[int, str]:
    """Display names of the given users, in one query (none when there are no ids)."""
    if not ids:
        return {}
    from django.contrib.auth import get_user_model

    return {u.pk: user_label(u) for u in get_user_model().objects.filter(pk__in=ids)}


def sales_reps_with_load() -> QuerySet[Any]:
    """Active sales reps with what the manual picker says of them: away, open leads, cap."""
    from leads.models import LeadStatus

    open_statuses = (LeadStatus.HANDED_OFF, LeadStatus.ACCEPTED)  # as assignment.py counts
    # A count per rep through the (owner, status) index (a join grouped by rep read every
    # owned lead: 1.1 s at 1M leads).
    open_leads = (
        Lead.objects.filter(owner_id=OuterRef("pk"), status__in=open_statuses)
        .order_by()
        .values("owner_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    return (
        sales_reps()
        .select_related("availability")
        .annotate(open_leads=Coalesce(Subquery(open_leads, output_field=IntegerField()), 0))
    )


def sales_reps() -> QuerySet[Any]:
    """Active sales reps, by name: the people a handoff can be (re)assigned to."""
    return role_members(SALES).order_by("first_name", "last_name", "username")


# --------------------------------------------------------------------------- alignment reads


def _day_start(day: Any) -> Any:
    """Midnight starting `day` in settings.TIME_ZONE (kpis.md's day rule)."""
    import datetime as dt

    from django.utils import timezone

    return timezone.make_aware(
        dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone()
    )


def answered_shares(*, ranges: list[tuple[Any, Any]]) -> list[dict[str, Any]]:
    """For each (start, end) range (days in TIME_ZONE), over the handoffs handed off in it
    whose outcome is not `reassigned`: how many there are (`handoffs`), how many are
    answered, accepted or rejected, at any time up to now (`answered`), and the share
    (`share`, None when there are none). One query, whatever the number of ranges."""
    import datetime as dt
    from decimal import Decimal

    counts: dict[str, Count] = {}
    for i, (start, end) in enumerate(ranges):
        handed = Q(
            handed_off_at__gte=_day_start(start),
            handed_off_at__lt=_day_start(end + dt.timedelta(days=1)),
        )
        counts[f"h{i}"] = Count("id", filter=handed)
        counts[f"a{i}"] = Count("id", filter=handed & Q(responded_at__isnull=False))
    if not counts:
        return []
    first = min(start for start, _end in ranges)
    after = max(end for _start, end in ranges) + dt.timedelta(days=1)
    row = (
        Handoff.objects.filter(
            handed_off_at__gte=_day_start(first), handed_off_at__lt=_day_start(after)
        )
        .exclude(outcome=HandoffOutcome.REASSIGNED)
        .aggregate(**counts)
    )
    result = []
    for i in range(len(ranges)):
        total, answered = row[f"h{i}"], row[f"a{i}"]
        share = Decimal(answered) / Decimal(total) if total else None
        result.append({"handoffs": total, "answered": answered, "share": share})
    return result


def answered_share(*, start: Any, end: Any) -> dict[str, Any]:
    """answered_shares for one range. One query."""
    return answered_shares(ranges=[(start, end)])[0]


def overdue_by_rep(*, now: Any = None) -> list[dict[str, Any]]:
    """Pending handoffs past their SLA due time, counted per rep (no lead named: the same
    figures may be shown to every role), the rep with the most first. One query."""
    from django.db.models import Min
    from django.utils import timezone

    rows = (
        Handoff.objects.filter(outcome=HandoffOutcome.PENDING, sla_due_at__lt=now or timezone.now())
        .order_by()
        .values("assignee_id", "assignee__first_name", "assignee__last_name", "assignee__username")
        .annotate(count=Count("id"), oldest_due=Min("sla_due_at"))
    )
    result = [
        {
            "rep_id": row["assignee_id"],
            "rep": f"{row['assignee__first_name']} {row['assignee__last_name']}".strip()
            or row["assignee__username"],
            "count": row["count"],
            "oldest_due": row["oldest_due"],
        }
        for row in rows
    ]
    result.sort(key=lambda row: (-row["count"], row["oldest_due"], row["rep"]))
    return result
