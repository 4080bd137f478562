"""Marketing's campaign pages with KPIs: the list (spend, leads, CPL, acceptance, rating,
ROMI per campaign) and one campaign's page (its funnel and what sales said about its leads)."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from handoff.models import RejectionReason
from handoff.selectors import campaign_feedback
from leads.access import role_required
from leads.filters import CampaignFilter
from leads.roles import MANAGER, MARKETING
from leads.selectors import campaign_list as campaign_queryset
from metrics import dashboard, dateranges
from metrics.forms_campaigns import CAMPAIGN_LIFETIME, CampaignPeriodForm
from metrics.selectors import kpi_breakdown, kpi_summary

MARKETING_ROLES = (MARKETING, MANAGER)


@role_required(*MARKETING_ROLES)
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    """Every campaign that passes the filters, with its KPIs over the period: a constant
    number of queries (one breakdown over the rollups, one read of the campaigns)."""
    period_form = CampaignPeriodForm(request.GET or None, default=dateranges.LAST_12_MONTHS)
    period = period_form.period()
    filterset = CampaignFilter(request.GET, queryset=campaign_queryset())
    campaigns = list(filterset.qs) if filterset.is_valid() else []
    kpis = {
        row["campaign"]: row
        for row in kpi_breakdown(by="campaign", start=period.start, end=period.end)
    }
    rows = [{**kpis.get(campaign.pk, {}), "campaign": campaign} for campaign in campaigns]
    unattributed = kpis.get(None)
    if unattributed and not (unattributed.get("leads") or unattributed.get("marketing_spend")):
        unattributed = None
    filtered = any(request.GET.get(name) for name in ("q", "channel", "status"))
    context = {
        "rows": rows,
        "unattributed": None if filtered else unattributed,
        "filter": filterset,
        "period_form": period_form,
        "period": period,
        "filtered": filtered,
    }
    return render(request, "metrics/campaign_list.html", context)


def _funnel(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The dashboard's funnel steps (metrics.dashboard.FUNNEL), with bar widths relative to
    the widest step."""
    steps = dashboard.funnel(summary)
    top = max((step["value"] for step in steps), default=0) or 1
    return [{**step, "width": round(100 * step["value"] / top)} for step in steps]


@role_required(*MARKETING_ROLES)
@require_GET
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(campaign_queryset(), pk=campaign_id)
    period_form = CampaignPeriodForm(
        request.GET or None, default=CAMPAIGN_LIFETIME, lifetime_start=campaign.start_date
    )
    period = period_form.period()
    summary = kpi_summary(start=period.start, end=period.end, campaign=campaign.pk)
    feedback = campaign_feedback(campaign_id=campaign.pk)
    reasons = [
        {"code": code, "label": RejectionReason(code).label, "count": count}
        for code, count in feedback["rejections_by_reason"].items()
    ]
    context = {
        "campaign": campaign,
        "period_form": period_form,
        "period": period,
        "kpi": summary,
        "funnel": _funnel(summary),
        "feedback": feedback,
        "reasons": reasons,
        "reason_labels": dict(RejectionReason.choices),
    }
    return render(request, "metrics/campaign_detail.html", context)
