"""The sales workspace: the "My leads" inbox (answer, convert) and the pipeline board.

Each write view validates one form and calls one service of handoff/services.py. A refused
move (DomainError) becomes a message in the swapped-in partial, never an error page. Every
action also works without JavaScript: a plain POST redirects back with a message, or shows
the page again with the form's errors.
"""

import contextlib
import datetime as dt
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Sum, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from handoff import selectors, services
from handoff.forms_sales import (
    AcceptForm,
    ConvertForm,
    LoseForm,
    RejectForm,
    StageForm,
    WinForm,
)
from handoff.models import Handoff
from leads.errors import DomainError
from leads.forms import apply_error
from leads.models import Lead, LeadStatus, Opportunity
from leads.roles import MANAGER, SALES, has_role

SALES_ROLES = (SALES, MANAGER)


def _require_sales(request: HttpRequest) -> None:
    if not has_role(request.user, *SALES_ROLES):
        raise PermissionDenied(_("The sales workspace is for sales reps and managers."))


# ---------------------------------------------------------------------------------------
# Countdown


def countdown(due: dt.datetime, now: dt.datetime) -> dict[str, Any]:
    """The SLA clock of a handoff as the inbox shows it; the same text static/js/sales.js writes."""
    seconds = math.floor((due - now).total_seconds())
    overdue = seconds < 0
    minutes_total = abs(seconds) // 60
    hours, minutes = divmod(minutes_total, 60)
    template = _("Overdue by {h} h {m} min") if overdue else _("Due in {h} h {m} min")
    return {"overdue": overdue, "text": template.format(h=hours, m=minutes)}


# ---------------------------------------------------------------------------------------
# Inbox

# Rows per page of each inbox list (pending, accepted); the headings show the true totals.
INBOX_PAGE = 25

INBOX_FORMS: dict[str, type[forms.Form]] = {
    "accept": AcceptForm,
    "reject": RejectForm,
    "convert": ConvertForm,
}


def _forms_for(lead_id: int) -> dict[str, forms.Form]:
    """The row's empty forms, prefixed with the lead so ids stay unique on the page."""
    return {f"{name}_form": cls(prefix=f"{name}-{lead_id}") for name, cls in INBOX_FORMS.items()}


def _pending_row(
    handoff: Handoff, now: dt.datetime, *, with_forms: bool = False, **extra: Any
) -> dict[str, Any]:
    """A pending row; its answer forms are loaded on demand (inbox_answer) unless asked for."""
    return {
        "lead": handoff.lead,
        "name": handoff.lead.display_name,
        "handoff": handoff,
        "state": "pending",
        "clock": countdown(handoff.sla_due_at, now),
        "with_forms": with_forms,
        **(_forms_for(handoff.lead_id) if with_forms else {}),
        **extra,
    }


def _accepted_row(lead: Lead, *, with_forms: bool = False, **extra: Any) -> dict[str, Any]:
    return {
        "lead": lead,
        "name": lead.display_name,
        "handoff": None,
        "state": "accepted",
        "with_forms": with_forms,
        **(_forms_for(lead.pk) if with_forms else {}),
        **extra,
    }


def _page_of(queryset: Any, total: int, raw: str | None) -> dict[str, Any]:
    """One page of `queryset` whose `total` is known; a bad or out-of-range number is clamped."""
    pages = max(1, math.ceil(total / INBOX_PAGE))
    try:
        number = min(max(1, int(raw or "1")), pages)
    except ValueError:
        number = 1
    start = (number - 1) * INBOX_PAGE
    return {
        "rows": list(queryset[start : start + INBOX_PAGE]) if total else [],
        "number": number,
        "pages": pages,
        "previous": number - 1 if number > 1 else None,
        "next": number + 1 if number < pages else None,
    }


def _inbox_context(request: HttpRequest, override: dict[str, Any] | None = None) -> dict[str, Any]:
    now = timezone.now()
    counts = selectors.inbox_counts(rep=request.user, now=now)
    pending = _page_of(
        selectors.inbox_for(rep=request.user), counts["pending"], request.GET.get("page")
    )
    accepted = _page_of(
        selectors.accepted_leads_for(rep=request.user), counts["accepted"], request.GET.get("apage")
    )
    rows = [_pending_row(h, now) for h in pending["rows"]]
    accepted_rows = [_accepted_row(lead) for lead in accepted["rows"]]
    if override:
        for row_list in (rows, accepted_rows):
            for index, row in enumerate(row_list):
                if row["lead"].pk == override["lead"].pk:
                    row_list[index] = override
    return {
        "rows": rows,
        "accepted_rows": accepted_rows,
        "pending_total": counts["pending"],
        "overdue_count": counts["overdue"],
        "accepted_total": counts["accepted"],
        "pending_page": pending,
        "accepted_page": accepted,
        "now": now,
    }


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """My leads: pending handoffs by SLA due time (overdue first), then accepted leads, each
    list in pages with its true total."""
    _require_sales(request)
    return render(request, "handoff/inbox.html", _inbox_context(request))


@login_required
@require_GET
def inbox_answer(request: HttpRequest, lead_id: int) -> HttpResponse:
    """One inbox row with its answer forms (loaded on demand by the row's Answer button)."""
    _require_sales(request)
    try:
        lead = _lead_for(request, lead_id)
    except Http404:
        if not request.htmx:
            raise
        return render(request, "handoff/partials/_inbox_row_gone.html", {"lead_id": lead_id})
    if not request.htmx:
        return redirect("handoff:lead_detail", lead_id=lead.pk)
    row = _row_after(request, lead, open="answer")
    return render(request, "handoff/partials/_inbox_row.html", {"row": row})


def _lead_for(request: HttpRequest, lead_id: int) -> Lead:
    try:
        lead = selectors.lead_get(user=request.user, lead_id=lead_id)
    except Lead.DoesNotExist as exc:
        raise Http404(_("No such lead, or it is not yours.")) from exc
    if lead is None:
        raise Http404(_("No such lead, or it is not yours."))
    return lead


def _row_after(request: HttpRequest, lead: Lead, **extra: Any) -> dict[str, Any]:
    """The row of a lead as it stands now (after a move or a refused one)."""
    if lead.status == LeadStatus.HANDED_OFF:
        handoff = selectors.current_handoff(lead_id=lead.pk)
        if handoff is not None and handoff.assignee_id == request.user.pk:
            handoff.lead = lead
            return _pending_row(handoff, timezone.now(), with_forms=True, **extra)
    if lead.status == LeadStatus.ACCEPTED:
        return _accepted_row(lead, with_forms=True, **extra)
    return {
        "lead": lead,
        "name": lead.display_name,
        "handoff": None,
        "state": lead.status,
        **extra,
    }


def _answer(
    request: HttpRequest,
    lead_id: int,
    which: str,
    done: Callable[[Any], tuple[Lead, str]],
) -> HttpResponse:
    """Validate the row's `which` form, make the move `which` with the form's fields (they
    are the service's arguments), answer with the row (or the page)."""
    _require_sales(request)
    try:
        lead = _lead_for(request, lead_id)
    except Http404:
        if not request.htmx:
            raise
        # A stale row (the lead was reassigned meanwhile): say so in place of the row.
        return render(request, "handoff/partials/_inbox_row_gone.html", {"lead_id": lead_id})
    form = INBOX_FORMS[which](request.POST, prefix=f"{which}-{lead.pk}")
    error = ""
    if form.is_valid():
        try:
            result = services.lead_move(
                action=which, lead_id=lead_id, actor=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            error = apply_error(form, exc, unplaced_on_form=False)
        else:
            lead, notice = done(result)
            if not request.htmx:
                messages.success(request, notice)
                return redirect("handoff:inbox")
            row = _row_after(request, lead, notice=notice)
            return render(request, "handoff/partials/_inbox_row.html", {"row": row})
    # Invalid input, or a refused move: the row again with the form as typed and the reason.
    with contextlib.suppress(Http404):
        lead = _lead_for(request, lead_id)
    row = _row_after(request, lead, error=error, open=which)
    if row["state"] in ("pending", "accepted"):
        row[f"{which}_form"] = form
    if request.htmx:
        return render(request, "handoff/partials/_inbox_row.html", {"row": row})
    if not form.errors:
        messages.error(request, error)
        return redirect("handoff:inbox")
    context = _inbox_context(request, override=row)
    return render(request, "handoff/inbox.html", context, status=400)


@login_required
@require_POST
def inbox_accept(request: HttpRequest, lead_id: int) -> HttpResponse:
    def done(lead: Lead) -> tuple[Lead, str]:
        return lead, _("Accepted %(lead)s. Convert it when there is a real deal.") % {"lead": lead}

    return _answer(request, lead_id, "accept", done)


@login_required
@require_POST
def inbox_reject(request: HttpRequest, lead_id: int) -> HttpResponse:
    def done(lead: Lead) -> tuple[Lead, str]:
        notice = _("Rejected %(lead)s. Marketing sees your reason and feedback.")
        return lead, notice % {"lead": lead}

    return _answer(request, lead_id, "reject", done)


@login_required
@require_POST
def inbox_convert(request: HttpRequest, lead_id: int) -> HttpResponse:
    def done(opportunity: Opportunity) -> tuple[Lead, str]:
        notice = _("Opened the opportunity %(name)s. It is on your pipeline board.")
        return opportunity.lead, notice % {"name": opportunity.name}

    return _answer(request, lead_id, "convert", done)


# ---------------------------------------------------------------------------------------
# Pipeline


def _card(opportunity: Opportunity, **extra: Any) -> dict[str, Any]:
    prefix = f"opp-{opportunity.pk}"
    close = opportunity.expected_close_date
    return {
        "opportunity": opportunity,
        "past_due": bool(opportunity.is_open and close and close < timezone.localdate()),
        "stage_form": StageForm(initial={"stage": opportunity.stage}, prefix=f"stage-{prefix}"),
        "win_form": WinForm(prefix=f"win-{prefix}"),
        "lose_form": LoseForm(prefix=f"lose-{prefix}"),
        **extra,
    }


CLOSED_SHOWN = 10
# Cards per open stage on the board (the soonest to close); the heading has the true count.
STAGE_SHOWN = 25


def _pipeline_context(
    request: HttpRequest, override: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Open deals by stage, and the latest CLOSED_SHOWN won and lost ones."""
    mine = selectors.opportunity_list(user=request.user)
    open_deals = mine.filter(stage__in=Opportunity.OPEN_STAGES)
    # The true count and total of each open stage; its cards are the STAGE_SHOWN closing
    # soonest (one query, a row number per stage), so the board stays small at any size.
    stats = {
        row["stage"]: row
        for row in open_deals.order_by()
        .values("stage")
        .annotate(n=Count("id"), total=Sum("amount"))
    }
    opportunities = list(
        open_deals.annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("stage")],
                order_by=[F("expected_close_date").asc(nulls_last=True), F("id").asc()],
            )
        )
        .filter(rank__lte=STAGE_SHOWN)
        .order_by("expected_close_date", "id")
    )
    for stage in Opportunity.CLOSED_STAGES:
        opportunities += list(mine.filter(stage=stage).order_by("-closed_at", "-id")[:CLOSED_SHOWN])
    cards = [_card(o) for o in opportunities]
    if override:
        cards = [
            override if c["opportunity"].pk == override["opportunity"].pk else c for c in cards
        ]
    columns = []
    for stage in (*Opportunity.OPEN_STAGES, *Opportunity.CLOSED_STAGES):
        in_stage = [c for c in cards if c["opportunity"].stage == stage]
        closed = stage in Opportunity.CLOSED_STAGES
        shown_total = sum((c["opportunity"].amount for c in in_stage), Decimal(0))
        stage_stats = stats.get(stage.value, {}) if not closed else {}
        count = stage_stats.get("n", len(in_stage))
        columns.append(
            {
                "stage": stage.value,
                "label": stage.label,
                "cards": in_stage,
                "count": count,
                "more": count - len(in_stage) if not closed else 0,
                "total": stage_stats.get("total") or shown_total,
                "closed": closed,
            }
        )
    open_cards = sum(c["count"] for c in columns if not c["closed"])
    return {
        "columns": columns,
        "open_count": open_cards,
        "closed_shown": CLOSED_SHOWN,
        "sees_all": has_role(request.user, MANAGER),
    }


@login_required
@require_GET
def pipeline(request: HttpRequest) -> HttpResponse:
    """My opportunities by stage; a manager sees every rep's."""
    _require_sales(request)
    return render(request, "handoff/pipeline.html", _pipeline_context(request))


def _opportunity_for(request: HttpRequest, opportunity_id: int) -> Opportunity:
    try:
        return selectors.opportunity_list(user=request.user).get(pk=opportunity_id)
    except Opportunity.DoesNotExist as exc:
        raise Http404(_("No such opportunity, or it is not yours.")) from exc


PIPELINE_FORMS: dict[str, type[forms.Form]] = {
    "stage": StageForm,
    "win": WinForm,
    "lose": LoseForm,
}


def _close(
    request: HttpRequest,
    opportunity_id: int,
    which: str,
    move: Callable[[forms.Form], Any],
    done: Callable[[Opportunity], str],
) -> HttpResponse:
    """Validate the card's `which` form, make the move, answer with the whole board."""
    _require_sales(request)
    opportunity = _opportunity_for(request, opportunity_id)
    form = PIPELINE_FORMS[which](request.POST, prefix=f"{which}-opp-{opportunity.pk}")
    error = ""
    if form.is_valid():
        try:
            move(form)
        except DomainError as exc:
            error = apply_error(form, exc, unplaced_on_form=False)
        else:
            opportunity = _opportunity_for(request, opportunity_id)
            notice = done(opportunity)
            if not request.htmx:
                messages.success(request, notice)
                return redirect("handoff:pipeline")
            context = _pipeline_context(request, override=_card(opportunity, notice=notice))
            return render(request, "handoff/partials/_pipeline_board.html", context)
    if not request.htmx and not form.errors:
        messages.error(request, error)
        return redirect("handoff:pipeline")
    card = _card(opportunity, error=error, open=which, **{f"{which}_form": form})
    context = _pipeline_context(request, override=card)
    if request.htmx:
        return render(request, "handoff/partials/_pipeline_board.html", context)
    return render(request, "handoff/pipeline.html", context, status=400)


@login_required
@require_POST
def opportunity_stage(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    def move(form: forms.Form) -> Any:
        return services.opportunity_update(
            opportunity_id=opportunity_id, actor=request.user, stage=form.cleaned_data["stage"]
        )

    def done(opportunity: Opportunity) -> str:
        return _("Moved to %(stage)s.") % {"stage": opportunity.get_stage_display()}

    return _close(request, opportunity_id, "stage", move, done)


@login_required
@require_POST
def opportunity_win(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    def move(form: forms.Form) -> Any:
        return services.opportunity_win(
            opportunity_id=opportunity_id, actor=request.user, **form.cleaned_data
        )

    def done(opportunity: Opportunity) -> str:
        return _("Won %(name)s. Well done!") % {"name": opportunity.name}

    return _close(request, opportunity_id, "win", move, done)


@login_required
@require_POST
def opportunity_lose(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    def move(form: forms.Form) -> Any:
        return services.opportunity_lose(
            opportunity_id=opportunity_id, actor=request.user, **form.cleaned_data
        )

    def done(opportunity: Opportunity) -> str:
        return _("Marked %(name)s as lost.") % {"name": opportunity.name}

    return _close(request, opportunity_id, "lose", move, done)
