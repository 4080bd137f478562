"""The dashboard's loss-reason breakdown (by rep and by campaign), loaded into the dashboard
by htmx as a fragment; the same URL opened directly is a plain page."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from leads.models import LossReason
from leads.roles import ROLES, has_role
from metrics import selectors
from metrics.dashboard_page import filter_form, query_string


@login_required
@require_GET
def loss_reasons(request: HttpRequest) -> HttpResponse:
    if not has_role(request.user, *ROLES):
        raise PermissionDenied(_("The dashboard is for marketing, sales and managers."))
    form = filter_form(request)
    context = {"form": form, "reasons": LossReason.choices, "query": ""}
    if form.is_valid():
        period = form.period()
        context.update(
            selectors.loss_reason_breakdown(start=period.start, end=period.end, **form.filters()),
            query=query_string(form),
            period=period,
        )
    template = (
        "metrics/partials/_loss_reasons.html" if request.htmx else "metrics/loss_reasons.html"
    )
    return render(request, template, context)
