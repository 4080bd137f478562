"""The diagnosis page (every role reads it): which part of the funnel moved revenue, and
the evidence both teams argue about. Thin: metrics.diagnosis_page builds the context."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from leads.access import role_required
from leads.roles import ROLES
from metrics import dateranges
from metrics.diagnosis_page import page_context
from metrics.forms_diagnosis import DiagnosisForm


@role_required(*ROLES)
@require_GET
def diagnosis_page(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    if not data.get("preset"):
        has_dates = data.get("start") or data.get("end")
        data["preset"] = dateranges.CUSTOM if has_dates else dateranges.LAST_MONTH
    form = DiagnosisForm(data)
    context: dict = {"form": form}
    if form.is_valid():
        context.update(page_context(form))
    return render(request, "metrics/diagnosis.html", context)
