"""The shared KPI dashboard's views (one truth for marketing, sales and managers): the page,
the manager's reassign of an overdue handoff (one service call) and the CSV exports.

The page is assembled by metrics.dashboard_page from metrics.selectors (precomputed rollups:
a constant number of queries) and metrics.dashboard (tiles, funnel, sorted rows); the
exports are metrics.dashboard_exports.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from handoff import selectors as handoff_selectors
from handoff import services as handoff_services
from leads.errors import DomainError, InvalidInput
from leads.forms import refusal_message
from leads.models import Lead
from leads.roles import MANAGER, ROLES, has_role
from metrics.dashboard_exports import EXPORTERS
from metrics.dashboard_page import (
    BREAKDOWN_COLUMNS,
    breakdown_table,
    dashboard_context,
    filter_form,
    overdue_rows,
    query_string,
    rep_choices,
)
from metrics.exports import csv_response
from metrics.forms import ReassignForm


def _require_role(request: HttpRequest) -> None:
    if not has_role(request.user, *ROLES):
        raise PermissionDenied(_("The dashboard is for marketing, sales and managers."))


@login_required
@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    """The dashboard; an htmx request gets only the part it targets."""
    _require_role(request)
    form = filter_form(request)
    context: dict[str, Any] = {"form": form}
    target = request.htmx.target if request.htmx else None
    if not form.is_valid():
        template = "metrics/partials/_body.html" if target == "dashboard-body" else None
        return render(request, template or "metrics/dashboard.html", context)
    by = (target or "").removeprefix("breakdown-")
    if target and by in BREAKDOWN_COLUMNS:
        table = breakdown_table(form, by, request.GET.get(f"sort_{by}", ""))
        return render(request, "metrics/partials/_breakdown.html", {"table": table})
    context.update(dashboard_context(request, form))
    if target == "dashboard-body":
        return render(request, "metrics/partials/_body.html", context)
    return render(request, "metrics/dashboard.html", context)


# ---------------------------------------------------------------------------------------
# Reassign an overdue handoff


@login_required
@require_POST
def reassign(request: HttpRequest, lead_id: int) -> HttpResponse:
    """A manager hands an overdue lead to another rep (one service call)."""
    _require_role(request)
    if not has_role(request.user, MANAGER):
        raise PermissionDenied(_("Only a manager may reassign a lead."))
    try:
        handoff_selectors.lead_get(user=request.user, lead_id=lead_id)
    except Lead.DoesNotExist as exc:
        raise Http404(_("No such lead.")) from exc
    reps = rep_choices()
    form = ReassignForm(request.POST, reps=reps, prefix=f"reassign-{lead_id}")
    notice = error = ""
    if form.is_valid():
        try:
            lead = handoff_services.lead_reassign(
                lead_id=lead_id, actor=request.user, assignee_id=form.cleaned_data["assignee"]
            )
        except DomainError as exc:
            error = refusal_message(exc)
            if isinstance(exc, InvalidInput) and "assignee" in exc.errors:
                form.add_error("assignee", exc.errors["assignee"])
                error = ""
        else:
            names = dict(reps)
            notice = _("Reassigned %(lead)s to %(rep)s.") % {
                "lead": lead,
                "rep": names.get(form.cleaned_data["assignee"], ""),
            }
    if not request.htmx:
        if notice:
            messages.success(request, notice)
        else:
            messages.error(request, error or _("Choose a rep to reassign the lead to."))
        return redirect(reverse("metrics:dashboard") + "#overdue")
    override = {} if notice else {lead_id: {"form": form}}
    context = {
        "overdue": overdue_rows(request, reps=reps, override=override),
        "notice": notice,
        "error": error,
    }
    return render(request, "metrics/partials/_overdue.html", context)


# ---------------------------------------------------------------------------------------
# CSV exports


@login_required
@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    """One dashboard table as CSV, for the same range and filters as the page."""
    _require_role(request)
    table = request.GET.get("table", "")
    form = filter_form(request)
    if table not in EXPORTERS or not form.is_valid():
        messages.error(request, _("That export does not exist or its filters are not valid."))
        response = redirect(reverse("metrics:dashboard") + "?" + query_string(form))
        return response
    header, rows = EXPORTERS[table](request, form)
    period = form.period()
    filename = f"{table}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return csv_response(filename, header, rows)
