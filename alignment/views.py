"""Pages of the alignment app: the planner (managers), the plans list and a plan's page."""

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from alignment import pages, planner, selectors, services
from alignment.forms import PlanForm
from alignment.models import Plan
from leads.errors import DomainError
from leads.forms import apply_error
from leads.roles import MANAGER, ROLES, has_role
from metrics import dateranges, rates


def _require(request: HttpRequest, *roles: str) -> None:
    if not has_role(request.user, *roles):
        raise PermissionDenied(_("This page is for managers."))


def _initial() -> dict[str, Any]:
    """The next quarter, planned from the 180 days that end yesterday."""
    today = timezone.localdate()
    lookback_start, lookback_end = services.default_lookback(today)
    start = dateranges.add_months(dateranges.quarter_start(today), 3)
    return {
        "name": _("Plan for the next quarter"),
        "start": start,
        "end": dateranges.add_months(start, 3) - dt.timedelta(days=1),
        "lookback_start": lookback_start,
        "lookback_end": lookback_end,
    }


def _answer_context(answer: dict[str, Any]) -> dict[str, Any]:
    return {
        "answer": answer,
        "rate_rows": pages.rate_rows(answer["rates"]),
        "channel_rows": pages.channel_rows(answer),
        "needed_rows": pages.needed_rows(answer),
        "chart": pages.chart_data(answer),
        "window": pages.window(answer),
    }


def _rate_rows(form: PlanForm, answer: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The rates table of the planner: the answer's, else the measured rates of the form's
    look-back (the default one while it is not valid), each with its override input."""
    if answer is not None:
        rows = pages.rate_rows(answer["rates"])
    else:
        start = form.cleaned_data.get("lookback_start") if form.is_bound else None
        end = form.cleaned_data.get("lookback_end") if form.is_bound else None
        if not start or not end or dateranges.range_problem(start, end):
            start, end = services.default_lookback(timezone.localdate())
        rows = pages.measured_rows(rates.format_rates(rates.funnel_rates(start=start, end=end)))
    for row in rows:
        row["field"] = form.override_field(row["key"])
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def planner_page(request: HttpRequest) -> HttpResponse:
    """The planner: GET shows the measured rates; POST previews (htmx: the form with its
    answer) or saves (redirects to the plan's page)."""
    _require(request, MANAGER)
    context: dict[str, Any] = {}
    if request.method == "GET":
        form = PlanForm(initial=_initial())
        context = {"form": form, "rate_rows": _rate_rows(form, None)}
        return render(request, "alignment/planner.html", context)
    form = PlanForm(request.POST)
    saving = request.POST.get("action") == "save"
    answer = None
    if form.is_valid():
        try:
            if saving:
                plan = services.plan_create(actor=request.user, **form.inputs())
                return redirect("alignment:plan_detail", plan_id=plan.pk)
            answer = services.plan_preview(**form.inputs())
            context.update(_answer_context(answer))
        except planner.RateProblem as problem:
            context["problems"] = pages.rate_sentences(problem.code, problem.rates)
        except DomainError as error:
            apply_error(form, error)
    context["form"] = form
    context["rate_rows"] = _rate_rows(form, answer)
    if request.htmx:
        # htmx swaps only 2xx answers: a refusal is shown inside the fragment itself
        return render(request, "alignment/partials/_plan_form.html", context)
    status = 200 if answer is not None else 400
    return render(request, "alignment/planner.html", context, status=status)


@login_required
@require_GET
def plan_list_page(request: HttpRequest) -> HttpResponse:
    _require(request, *ROLES)
    plans = list(selectors.plan_list()[:200])
    return render(
        request,
        "alignment/plan_list.html",
        {"plans": plans, "can_plan": has_role(request.user, MANAGER)},
    )


@login_required
@require_GET
def plan_detail_page(request: HttpRequest, plan_id: int) -> HttpResponse:
    _require(request, *ROLES)
    try:
        plan = selectors.plan_get(plan_id=plan_id)
    except Plan.DoesNotExist:
        raise Http404 from None
    progress = selectors.plan_progress(plan=plan)
    context = _answer_context(plan.answer)
    context["chart"] = pages.chart_data(plan.answer, progress)
    gap = selectors.plan_diagnosis(plan=plan, progress=progress)
    context["diagnosis"] = gap
    context["diagnosis_rows"] = pages.diagnosis_rows(gap)
    return render(
        request,
        "alignment/plan_detail.html",
        {
            "plan": plan,
            "progress": progress,
            "progress_rows": pages.progress_rows(progress),
            **context,
        },
    )
