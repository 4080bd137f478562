"""Campaign pages without KPIs: create, edit and log spend (the KPI pages live in metrics)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from leads.access import role_required
from leads.errors import DomainError
from leads.forms import CampaignCostForm, CampaignForm, apply_error, refusal_message
from leads.models import Campaign, CampaignCost
from leads.paging import paginate
from leads.roles import MANAGER, MARKETING
from leads.selectors import campaign_costs
from leads.services import (
    campaign_cost_add,
    campaign_cost_delete,
    campaign_cost_update,
    campaign_create,
    campaign_update,
)

MARKETING_ROLES = (MARKETING, MANAGER)


@role_required(*MARKETING_ROLES)
@require_http_methods(["GET", "POST"])
def campaign_create_view(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaign_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(
                request, _("Campaign “%(name)s” created. Log its spend below.") % {"name": campaign}
            )
            return redirect("leads:campaign_spend", campaign_id=campaign.pk)
    return render(request, "leads/campaign_form.html", {"form": form, "campaign": None})


@role_required(*MARKETING_ROLES)
@require_http_methods(["GET", "POST"])
def campaign_edit_view(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            campaign_update(campaign_id=campaign.pk, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("Campaign “%(name)s” saved.") % {"name": campaign})
            return redirect("metrics:campaign_detail", campaign_id=campaign.pk)
    return render(request, "leads/campaign_form.html", {"form": form, "campaign": campaign})


@role_required(*MARKETING_ROLES)
@require_http_methods(["GET", "POST"])
def campaign_spend_view(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    form = CampaignCostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign_cost_add(campaign_id=campaign.pk, actor=request.user, **form.entry())
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("Spend entry saved."))
            return redirect("leads:campaign_spend", campaign_id=campaign.pk)
    page = paginate(campaign_costs(campaign_id=campaign.pk), request.GET)
    return render(
        request,
        "leads/campaign_spend.html",
        {"campaign": campaign, "form": form, "page": page, "costs": page.rows},
    )


@role_required(*MARKETING_ROLES)
@require_http_methods(["GET", "POST"])
def campaign_cost_edit_view(request: HttpRequest, campaign_id: int, cost_id: int) -> HttpResponse:
    """Change one spend entry (audited by the service; its days are refreshed)."""
    cost = get_object_or_404(
        CampaignCost.objects.select_related("campaign"), pk=cost_id, campaign_id=campaign_id
    )
    form = CampaignCostForm(request.POST or None, instance=cost)
    if request.method == "POST" and form.is_valid():
        try:
            campaign_cost_update(cost_id=cost.pk, actor=request.user, **form.entry())
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("Spend entry changed."))
            return redirect("leads:campaign_spend", campaign_id=campaign_id)
    return render(
        request,
        "leads/campaign_cost_edit.html",
        {"campaign": cost.campaign, "cost": cost, "form": form},
    )


@role_required(*MARKETING_ROLES)
@require_http_methods(["POST"])
def campaign_cost_delete_view(request: HttpRequest, campaign_id: int, cost_id: int) -> HttpResponse:
    """Delete one spend entry (audited by the service; its days are refreshed)."""
    cost = get_object_or_404(CampaignCost, pk=cost_id, campaign_id=campaign_id)
    try:
        campaign_cost_delete(cost_id=cost.pk, actor=request.user)
    except DomainError as exc:
        messages.error(request, refusal_message(exc))
    else:
        messages.success(request, _("Spend entry deleted."))
    return redirect("leads:campaign_spend", campaign_id=campaign_id)
