"""The agreement page (every role reads it; managers create and edit agreements)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from alignment import selectors, services, wording
from alignment import status as rules
from alignment.forms_agreement import AgreementForm
from alignment.models import Agreement
from leads.access import role_required
from leads.errors import DomainError
from leads.forms import apply_error
from leads.roles import MANAGER, ROLES, has_role


def agreement_context(agreement: Agreement, *, today: Any) -> dict[str, Any]:
    """The agreement's status in words and figures, side by side. 5 queries once started."""
    status = selectors.agreement_status(agreement=agreement, as_of=today)
    return {
        "agreement": agreement,
        "status": status,
        "verdict": wording.verdict_sentence(status),
        "sides": [
            {
                "side": side,
                "title": title,
                "verdict": status["verdict"][side],
                "verdict_label": wording.STATUS_LABELS[status["verdict"][side]],
                "rows": wording.commitment_rows(status, side),
            }
            for side, title in (
                (rules.MARKETING, _("Marketing commits to")),
                (rules.SALES, _("Sales commits to")),
            )
        ],
        "started": status["elapsed_days"] > 0,
        "ended": today >= agreement.end,
    }


def _past_rows(*, today: Any, exclude: Agreement | None) -> list[dict[str, Any]]:
    """The latest past agreements, each side met or missed. 5 queries for them all."""
    past = [a for a in selectors.past_agreements(on=today) if exclude is None or a.pk != exclude.pk]
    return [
        {
            "agreement": agreement,
            "sides": [
                (status["verdict"][side], wording.STATUS_LABELS[status["verdict"][side]])
                for side in (rules.MARKETING, rules.SALES)
            ],
        }
        for agreement, status in zip(
            past, selectors.agreement_statuses(agreements=past, as_of=today), strict=True
        )
    ]


@role_required(*ROLES)
@require_GET
def agreement_page(request: HttpRequest, agreement_id: int | None = None) -> HttpResponse:
    today = timezone.localdate()
    if agreement_id is None:
        agreement = selectors.current_agreement(on=today)
    else:
        try:
            agreement = selectors.agreement_get(agreement_id=agreement_id)
        except Agreement.DoesNotExist:
            raise Http404 from None
    context: dict[str, Any] = {
        "agreement": None,
        "can_edit": has_role(request.user, MANAGER),
        "today": today,
        "past": _past_rows(today=today, exclude=agreement),
    }
    if agreement is not None:
        context.update(agreement_context(agreement, today=today))
    return render(request, "alignment/agreement.html", context)


def _form_page(
    request: HttpRequest, *, agreement: Agreement | None, form: AgreementForm
) -> HttpResponse:
    return render(request, "alignment/agreement_form.html", {"form": form, "agreement": agreement})


@role_required(MANAGER)
@require_http_methods(["GET", "POST"])
def agreement_create_page(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _form_page(request, agreement=None, form=AgreementForm())
    form = AgreementForm(request.POST)
    if form.is_valid():
        try:
            agreement = services.agreement_create(actor=request.user, **form.service_data())
        except DomainError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Agreement saved."))
            return redirect("alignment:agreement_detail", agreement_id=agreement.pk)
    return _form_page(request, agreement=None, form=form)


@role_required(MANAGER)
@require_http_methods(["GET", "POST"])
def agreement_edit_page(request: HttpRequest, agreement_id: int) -> HttpResponse:
    try:
        agreement = selectors.agreement_get(agreement_id=agreement_id)
    except Agreement.DoesNotExist:
        raise Http404 from None
    if request.method == "GET":
        form = AgreementForm(initial=AgreementForm.initial_from(agreement))
        return _form_page(request, agreement=agreement, form=form)
    form = AgreementForm(request.POST)
    if form.is_valid():
        try:
            services.agreement_update(
                agreement_id=agreement.pk, actor=request.user, **form.service_data()
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Agreement saved."))
            return redirect("alignment:agreement_detail", agreement_id=agreement.pk)
    return _form_page(request, agreement=agreement, form=form)
