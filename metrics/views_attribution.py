"""The attribution page and its CSV export (the dashboard's audience). Thin: the context
is built by metrics.attribution_page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from leads.roles import ROLES, has_role
from metrics.attribution_page import export_rows, models_help, page_context
from metrics.exports import csv_response
from metrics.forms_attribution import AttributionForm


def _form(request: HttpRequest) -> AttributionForm:
    if not has_role(request.user, *ROLES):
        raise PermissionDenied(_("The dashboard is for marketing, sales and managers."))
    return AttributionForm(request.GET)


@login_required
@require_GET
def attribution_page(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    context: dict = {"form": form, "models_help": models_help()}
    if form.is_valid():
        context.update(page_context(form))
    return render(request, "metrics/attribution.html", context)


@login_required
@require_GET
def attribution_export(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    if not form.is_valid():
        messages.error(request, _("That export does not exist or its filters are not valid."))
        return redirect(reverse("metrics:attribution"))
    header, rows = export_rows(form)
    period = form.period()
    by = form.cleaned_data["by"]
    filename = f"attribution-{by}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return csv_response(filename, header, rows)
