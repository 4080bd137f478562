"""The model page (managers): the current lead-score model's figures, charts and history,
and the "Train now" button."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from leads.access import role_required
from leads.errors import DomainError
from leads.forms import refusal_message
from leads.roles import MANAGER
from scoring import pages, services


@role_required(MANAGER)
@require_GET
def model_page(request: HttpRequest) -> HttpResponse:
    return render(request, "scoring/model.html", pages.context())


@role_required(MANAGER)
@require_POST
def train_now(request: HttpRequest) -> HttpResponse:
    try:
        services.training_request(actor=request.user)
    except DomainError as error:
        messages.error(request, refusal_message(error))
    else:
        messages.success(request, _("Training queued: the figures below change when it has run."))
    return redirect("scoring:model")
