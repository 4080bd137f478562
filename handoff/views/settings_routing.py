"""Settings pages of the SLA (policies by score band, the business-hours calendar) and of
routing (ordered rules, with a preview of who a lead would go to). Thin: the services in
`handoff.services.sla_settings` / `routing` validate and audit; the preview is
`handoff.assignment.preview_assignees`, the same code the handoff runs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from handoff import assignment
from handoff.forms_settings import (
    BusinessHoursForm,
    RoutingPreviewForm,
    RoutingRuleForm,
    SLAPolicyForm,
)
from handoff.models import AssignmentRule, BusinessHours, SLAPolicy
from handoff.selectors_settings import business_hours, routing_rules, sla_policies
from handoff.services import routing, sla_settings
from handoff.sla.policy import policy_for
from leads.access import role_required
from leads.errors import DomainError
from leads.forms import apply_error
from leads.roles import MANAGER


def _get(model: Any, pk: int) -> Any:
    try:
        return model.objects.get(pk=pk)
    except model.DoesNotExist:
        raise Http404 from None


@role_required(MANAGER)
def sla(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "handoff/settings/sla.html",
        {
            "policies": list(sla_policies()),
            "hours": list(business_hours()),
            "hours_form": BusinessHoursForm(),
        },
    )


@role_required(MANAGER)
@require_http_methods(["GET", "POST"])
def sla_policy_edit(request: HttpRequest, policy_id: int | None = None) -> HttpResponse:
    policy = _get(SLAPolicy, policy_id) if policy_id else None
    initial = model_to_dict(policy) if policy else None
    form = SLAPolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            sla_settings.sla_policy_save(
                actor=request.user, values=form.cleaned_data, policy_id=policy_id
            )
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("SLA policy saved."))
            return redirect("handoff:settings_sla")
    return render(request, "handoff/settings/sla_policy.html", {"form": form, "policy": policy})


@role_required(MANAGER)
@require_POST
def sla_policy_delete(request: HttpRequest, policy_id: int) -> HttpResponse:
    try:
        sla_settings.sla_policy_delete(actor=request.user, policy_id=policy_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("SLA policy deleted."))
    return redirect("handoff:settings_sla")


@role_required(MANAGER)
@require_http_methods(["GET", "POST"])
def hours_edit(request: HttpRequest, hours_id: int | None = None) -> HttpResponse:
    row = _get(BusinessHours, hours_id) if hours_id else None
    form = BusinessHoursForm(request.POST or None, initial=model_to_dict(row) if row else None)
    if request.method == "POST" and form.is_valid():
        try:
            sla_settings.business_hours_save(
                actor=request.user, values=form.cleaned_data, hours_id=hours_id
            )
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("Opening hours saved."))
            return redirect("handoff:settings_sla")
    return render(request, "handoff/settings/hours.html", {"form": form, "row": row})


@role_required(MANAGER)
@require_POST
def hours_delete(request: HttpRequest, hours_id: int) -> HttpResponse:
    try:
        sla_settings.business_hours_delete(actor=request.user, hours_id=hours_id)
    except DomainError as exc:
        messages.error(request, apply_error(BusinessHoursForm(), exc, unplaced_on_form=False))
    else:
        messages.success(request, _("Opening hours deleted."))
    return redirect("handoff:settings_sla")


@role_required(MANAGER)
def rules(request: HttpRequest) -> HttpResponse:
    rule_rows = list(routing_rules())
    preview_form = RoutingPreviewForm(request.GET if "preview" in request.GET else None)
    preview = None
    if preview_form.is_bound and preview_form.is_valid():
        data = preview_form.cleaned_data
        score = data["score"]
        pools = assignment.preview_assignees(
            country=data["country"], channel=data["channel"], score=score
        )
        preview = {
            "pools": pools,
            "first": next((p for p in pools if p.available), None),
            "policy": policy_for(score, score) if score is not None else None,
            "score": score,
        }
    return render(
        request,
        "handoff/settings/rules.html",
        {"rules": rule_rows, "preview_form": preview_form, "preview": preview},
    )


@role_required(MANAGER)
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, rule_id: int | None = None) -> HttpResponse:
    rule = _get(AssignmentRule, rule_id) if rule_id else None
    initial = None
    if rule is not None:
        initial = {
            "name": rule.name,
            "country": str(rule.country or ""),
            "channel": rule.channel,
            "min_score": rule.min_score,
            "score_kind": rule.score_kind,
            "reps": list(rule.reps.all()),
            "active": rule.active,
        }
    form = RoutingRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = routing.routing_rule_save(
                actor=request.user, values=form.cleaned_data, rule_id=rule_id
            )
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("Routing rule “%(name)s” saved.") % {"name": saved.name})
            query = urlencode(
                {"preview": "1", "country": str(saved.country or ""), "channel": saved.channel}
            )
            return redirect(f"{reverse('handoff:settings_rules')}?{query}")
    return render(request, "handoff/settings/rule.html", {"form": form, "rule": rule})


@role_required(MANAGER)
@require_POST
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    try:
        routing.routing_rule_delete(actor=request.user, rule_id=rule_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Routing rule deleted."))
    return redirect("handoff:settings_rules")


@role_required(MANAGER)
@require_POST
def rule_move(request: HttpRequest, rule_id: int) -> HttpResponse:
    try:
        routing.routing_rule_move(
            actor=request.user, rule_id=rule_id, direction=request.POST.get("direction", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("handoff:settings_rules")
