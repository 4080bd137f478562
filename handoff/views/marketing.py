"""Marketing's lead pages: the list with filters and bulk moves, capture, the lead page with
its timeline and allowed moves.

Each write view validates one form and calls one service; a refused move (DomainError)
becomes a message on the page, never an error page.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from handoff import rules, selectors, services
from handoff.filters import LeadFilter
from handoff.forms import (
    BulkActionForm,
    DisqualifyForm,
    HandoffForm,
    LeadForm,
    QualifyForm,
    TouchForm,
)
from handoff.forms_sales import AcceptForm, ConvertForm, RejectForm
from handoff.models import (
    RejectionReason,
)
from handoff.transitions import Action
from leads.access import role_required
from leads.errors import (
    DomainError,
    DuplicateLead,
    InvalidInput,
)
from leads.forms import apply_error, refusal_message
from leads.models import Lead, LeadStatus, TouchKind
from leads.paging import paginate
from leads.roles import MANAGER, MARKETING, SALES, can_backfill, has_role
from leads.touches import lead_touches, touch_create

MARKETING_ROLES = (MARKETING, MANAGER)


# --------------------------------------------------------------------------- lead list


@role_required(MARKETING, SALES, MANAGER)
@require_GET
def lead_list(request: HttpRequest) -> HttpResponse:
    """The lead list: marketing and managers see every lead and move them in bulk; a rep sees
    the leads they own or are assigned (the same selector and FilterSet), read-only."""
    filterset = LeadFilter(request.GET, queryset=selectors.lead_list(user=request.user))
    leads = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    page = paginate(leads, request.GET)
    context = {
        "filter": filterset,
        "page": page,
        "leads": page.rows,
        "bulk_form": BulkActionForm(),
        "filtered": any(
            value for key, value in request.GET.items() if key != "page" and value.strip()
        ),
    }
    if not has_role(request.user, *MARKETING_ROLES):
        page_template, results_template = REP_LEAD_LIST
    else:
        page_template, results_template = "handoff/lead_list.html", LEAD_RESULTS
    if request.htmx and request.htmx.target == "lead-results":
        return render(request, results_template, context)
    return render(request, page_template, context)


LEAD_RESULTS = "handoff/partials/_lead_results.html"
REP_LEAD_LIST = ("handoff/rep_lead_list.html", "handoff/partials/_rep_lead_results.html")


@role_required(*MARKETING_ROLES)
@require_POST
def lead_bulk(request: HttpRequest) -> HttpResponse:
    """Apply one move to each checked lead; each lead moves (or is refused) on its own."""
    form = BulkActionForm(request.POST)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("handoff:lead_list")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    action = form.cleaned_data["action"]
    assignee = form.cleaned_data.get("assignee")
    done, refused = 0, []
    for lead_id in form.cleaned_data["leads"]:
        try:
            _bulk_move(action, lead_id=lead_id, actor=request.user, assignee=assignee)
            done += 1
        except DomainError as error:
            refused.append((lead_id, refusal_message(error)))
        except Lead.DoesNotExist:
            refused.append((lead_id, _("No such lead.")))
    if done:
        messages.success(request, _bulk_message(action, done))
    if refused:
        details = "; ".join(f"#{lead_id}: {message}" for lead_id, message in refused[:10])
        messages.error(
            request,
            ngettext(
                "%(count)d lead was not moved: %(details)s",
                "%(count)d leads were not moved: %(details)s",
                len(refused),
            )
            % {"count": len(refused), "details": details},
        )
    return redirect(back)


def _bulk_move(action: str, *, lead_id: int, actor: Any, assignee: Any) -> None:
    fields = {"assignee_id": assignee.pk if assignee else None} if action == Action.HANDOFF else {}
    services.lead_move(action=action, lead_id=lead_id, actor=actor, **fields)


def _bulk_message(action: str, count: int) -> str:
    texts = {
        BulkActionForm.QUALIFY: ngettext(
            "%(count)d lead qualified.", "%(count)d leads qualified.", count
        ),
        BulkActionForm.HANDOFF: ngettext(
            "%(count)d lead handed off to sales.", "%(count)d leads handed off to sales.", count
        ),
        BulkActionForm.NURTURE: ngettext(
            "%(count)d lead moved to nurture.", "%(count)d leads moved to nurture.", count
        ),
        BulkActionForm.DISQUALIFY: ngettext(
            "%(count)d lead disqualified.", "%(count)d leads disqualified.", count
        ),
    }
    return texts[action] % {"count": count}


# --------------------------------------------------------------------------- capture


@role_required(*MARKETING_ROLES)
@require_http_methods(["GET", "POST"])
def lead_create(request: HttpRequest) -> HttpResponse:
    initial = {}
    if request.GET.get("campaign", "").isdigit():
        initial["campaign"] = request.GET["campaign"]
    form = LeadForm(request.POST or None, initial=initial)
    existing_id = None
    if request.method == "POST" and form.is_valid():
        try:
            lead = services.lead_capture(actor=request.user, **form.capture_kwargs())
        except DuplicateLead as error:
            existing_id = error.existing_id
            form.add_error("email", _("A lead with this email or external id already exists."))
        except DomainError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Lead %(lead)s created.") % {"lead": lead})
            return redirect("handoff:lead_detail", lead_id=lead.pk)
    status = 400 if form.errors else 200
    return render(
        request,
        "handoff/lead_form.html",
        {"form": form, "existing_id": existing_id},
        status=status,
    )


@role_required(*MARKETING_ROLES)
@require_http_methods(["GET", "POST"])
def lead_edit(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Correct a lead's contact details, source campaign or score (one "updated" event)."""
    lead = _lead_or_404(request, lead_id)
    initial = lead.editable_values()
    initial["campaign"] = initial.pop("campaign_id")
    form = LeadForm(request.POST or None, initial=initial)
    existing_id = None
    if request.method == "POST" and form.is_valid():
        try:
            services.lead_update(lead_id=lead.pk, actor=request.user, **form.capture_kwargs())
        except DuplicateLead as error:
            existing_id = error.existing_id
            form.add_error("email", _("A lead with this email or external id already exists."))
        except DomainError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Lead saved."))
            return redirect("handoff:lead_detail", lead_id=lead.pk)
    return render(
        request,
        "handoff/lead_form.html",
        {"form": form, "existing_id": existing_id, "lead": lead},
        status=400 if form.errors else 200,
    )


# --------------------------------------------------------------------------- lead page


def _lead_or_404(request: HttpRequest, lead_id: int) -> Lead:
    try:
        return selectors.lead_get(user=request.user, lead_id=lead_id)
    except Lead.DoesNotExist:
        raise Http404(_("No lead with this number, or not one you can see.")) from None


def _move_forms(allowed: list[str]) -> dict[str, Any]:
    """Empty forms of the marketing moves with input that the viewer may make now."""
    forms: dict[str, Any] = {}
    for move, (form_class, _success) in MOVES.items():
        if form_class is not None and move in allowed:
            forms[move] = form_class(prefix=move)
    return forms


MOVES: dict[str, tuple[type[Any] | None, Any]] = {
    Action.QUALIFY: (QualifyForm, gettext_lazy("Lead qualified: it is now an MQL.")),
    Action.NURTURE: (None, gettext_lazy("Lead moved to nurture.")),
    Action.HANDOFF: (HandoffForm, gettext_lazy("Lead handed off to sales.")),
    Action.RECYCLE: (None, gettext_lazy("Lead recycled to nurture.")),
    Action.DISQUALIFY: (DisqualifyForm, gettext_lazy("Lead disqualified.")),
}


SALES_FORMS = {Action.ACCEPT: AcceptForm, Action.REJECT: RejectForm, Action.CONVERT: ConvertForm}


def _sales_forms(allowed: list[str], lead: Lead) -> dict[str, Any]:
    """The answer forms of the sales workspace (posted to its inbox views), when allowed."""
    return {
        move: form_class(prefix=f"{move}-{lead.pk}")
        for move, form_class in SALES_FORMS.items()
        if move in allowed
    }


SLA_LABELS = {
    "met": gettext_lazy("Met"),
    "breached": gettext_lazy("Breached"),
    "running": gettext_lazy("Clock running"),
    "not_counted": gettext_lazy("Not counted"),
}


def _lead_context(request: HttpRequest, lead: Lead) -> dict[str, Any]:
    allowed = selectors.allowed_actions(user=request.user, lead=lead)
    now = timezone.now()
    handoffs = list(selectors.lead_handoffs(lead_id=lead.pk))
    for handoff in handoffs:
        handoff.sla_result = rules.sla_status(handoff, now)
        handoff.sla_label = SLA_LABELS[handoff.sla_result]
    actions = dict(Action.choices)
    statuses = dict(LeadStatus.choices)
    reasons = dict(RejectionReason.choices)
    events = list(selectors.lead_events(lead_id=lead.pk))
    for event in events:
        event.action_label = actions.get(event.action, event.action)
        event.from_label = statuses.get(event.from_status, "")
        event.to_label = statuses.get(event.to_status, "")
        data = event.data if isinstance(event.data, dict) else {}
        event.reason_label = reasons.get(data.get("reason", ""), data.get("reason", ""))
    _explain_routing(handoffs, events)
    can_edit = has_role(request.user, *MARKETING_ROLES)
    return {
        "lead": lead,
        "can_edit": can_edit,
        "touches": list(lead_touches(lead.pk)),
        "touch_form": TouchForm(prefix="touch", can_backfill=can_backfill(request.user))
        if can_edit
        else None,
        "allowed": allowed,
        "move_forms": _move_forms(allowed),
        "sales_forms": _sales_forms(allowed, lead),
        "events": events,
        "handoffs": handoffs,
        "opportunity": selectors.opportunity_list(user=request.user).filter(lead_id=lead.pk).first()
        if lead.status == LeadStatus.CONVERTED
        else None,
    }


def _explain_routing(handoffs: list[Any], events: list[Any]) -> None:
    """Why each rep got the lead (`handoff.why`), and for each reassignment from whom, to whom
    and why (`event.reassign_text`); the names they mention come in one query."""
    ids: set[int] = set()
    for handoff in handoffs:
        ids |= rules.assignment_user_ids(handoff.assignment or {})
    reassigns = [e for e in events if e.action == Action.REASSIGN and isinstance(e.data, dict)]
    for event in reassigns:
        ids |= rules.assignment_user_ids(event.data.get("assignment") or {})
        ids |= {i for i in (event.data.get("from_assignee"), event.data.get("assignee")) if i}
    names = selectors.user_names(ids)
    for handoff in handoffs:
        handoff.why = rules.explain_assignment(handoff.assignment or {}, names)
    for event in reassigns:
        event.reason_label = ""
        event.reassign_text = _("From %(from)s to %(to)s. %(why)s") % {
            "from": names.get(event.data.get("from_assignee") or 0, "—"),
            "to": names.get(event.data.get("assignee") or 0, "—"),
            "why": rules.explain_assignment(event.data.get("assignment") or {}, names),
        }


@login_required
@require_GET
def lead_detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead_or_404(request, lead_id)
    return render(request, "handoff/lead_detail.html", _lead_context(request, lead))


# The page form's fields -> the move's keyword arguments (only those the form has).
def _call_move(move: str, *, lead_id: int, actor: Any, data: dict[str, Any]) -> None:
    fields = {key: data[key] for key in ("score", "reason") if key in data}
    if move == Action.HANDOFF:
        assignee = data.get("assignee")
        fields["assignee_id"] = assignee.pk if assignee else None
    services.lead_move(action=move, lead_id=lead_id, actor=actor, **fields)


@role_required(*MARKETING_ROLES)
@require_POST
def lead_move(request: HttpRequest, lead_id: int, move: str) -> HttpResponse:
    """One marketing move from the lead page (qualify, nurture, hand off, recycle, disqualify)."""
    if move not in MOVES:
        raise Http404
    lead = _lead_or_404(request, lead_id)
    form_class, success = MOVES[move]
    form = form_class(request.POST, prefix=move) if form_class else None
    if form is not None and not form.is_valid():
        return _lead_page_with_error(request, lead, move, form)
    try:
        _call_move(
            move, lead_id=lead.pk, actor=request.user, data=form.cleaned_data if form else {}
        )
    except DomainError as error:
        if form is not None and isinstance(error, InvalidInput):
            apply_error(form, error)
            return _lead_page_with_error(request, lead, move, form)
        messages.error(request, refusal_message(error))
    else:
        messages.success(request, success)
    return redirect("handoff:lead_detail", lead_id=lead.pk)


def _lead_page_with_error(request: HttpRequest, lead: Lead, move: str, form: Any) -> HttpResponse:
    context = _lead_context(request, lead)
    context["move_forms"][move] = form
    return render(request, "handoff/lead_detail.html", context, status=400)


@role_required(*MARKETING_ROLES)
@require_POST
def lead_touch_add(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Add a touch (kind `manual`) from the lead page's journey."""
    lead = _lead_or_404(request, lead_id)
    form = TouchForm(request.POST, prefix="touch", can_backfill=can_backfill(request.user))
    if form.is_valid():
        try:
            touch_create(
                actor=request.user,
                lead_id=lead.pk,
                campaign_id=form.cleaned_data["campaign"].pk,
                at=form.cleaned_data.get("at"),
                kind=TouchKind.MANUAL,
            )
        except DomainError as error:
            if not isinstance(error, InvalidInput):
                messages.error(request, refusal_message(error))
                return redirect("handoff:lead_detail", lead_id=lead.pk)
            apply_error(form, error)
        else:
            messages.success(request, _("Touch added."))
            return redirect("handoff:lead_detail", lead_id=lead.pk)
    context = _lead_context(request, lead)
    context["touch_form"] = form
    return render(request, "handoff/lead_detail.html", context, status=400)
