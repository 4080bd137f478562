"""Marketing's campaign pages with KPIs: the list (spend, leads, CPL, acceptance, rating,
ROMI and the lead quality score per campaign, sortable by quality) and one campaign's page
(its funnel, what sales said about its leads, its quality score, trend and top reasons)."""

from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from handoff.models import RejectionReason
from handoff.selectors import campaign_feedback
from leads.access import role_required
from leads.filters import CampaignFilter
from leads.roles import MANAGER, MARKETING
from leads.selectors import campaign_list as campaign_queryset
from metrics import dashboard, dateranges, quality
from metrics.forms_campaigns import CAMPAIGN_LIFETIME, CampaignPeriodForm
from metrics.selectors import campaign_budget, kpi_breakdown, kpi_summary

MARKETING_ROLES = (MARKETING, MANAGER)
QUALITY_MONTHS = 6


def _sort_link(request: HttpRequest, sort: str) -> tuple[str, str]:
    """(aria-sort state, query string of the link) of the quality column: best first on the
    first click, then worst first."""
    params: QueryDict = request.GET.copy()
    state = {"-quality": "descending", "quality": "ascending"}.get(sort, "")
    params["sort"] = "quality" if sort == "-quality" else "-quality"
    return state, params.urlencode()


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
    scores = {
        row["campaign_id"]: row
        for row in quality.campaign_quality(end=period.end, months=QUALITY_MONTHS)
    }
    rows = [
        {
            **kpis.get(campaign.pk, {}),
            "campaign": campaign,
            "quality": scores.get(campaign.pk),
            "quality_score": (scores.get(campaign.pk) or {}).get("score"),
        }
        for campaign in campaigns
    ]
    sort = request.GET.get("sort", "")
    if sort in ("quality", "-quality"):
        by = sort.replace("quality", "quality_score")
        rows, _used = dashboard.sort_rows(rows, by, ("quality_score",), "-quality_score")
    sort_state, sort_query = _sort_link(request, sort)
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
        "quality_sort": sort_state,
        "quality_sort_query": sort_query,
        "quality_months": QUALITY_MONTHS,
        "channel_quality": quality.channel_quality(end=period.end, months=QUALITY_MONTHS),
    }
    return render(request, "metrics/campaign_list.html", context)


def _funnel(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The dashboard's funnel steps (metrics.dashboard.FUNNEL), with bar widths relative to
    the widest step."""
    steps = dashboard.funnel(summary)
    top = max((step["value"] for step in steps), default=0) or 1
    return [{**step, "width": round(100 * step["value"] / top)} for step in steps]


def quality_chart(row: dict[str, Any]) -> dict[str, Any]:
    """The trend the campaign page draws (static/js/quality.js): a score 0..100 a month."""
    return {
        "labels": [formats.date_format(p["month"], "YEAR_MONTH_FORMAT") for p in row["trend"]],
        "values": [
            None if p["score"] is None else round(p["score"] * 100, 1) for p in row["trend"]
        ],
        "label": _("Quality score"),
    }


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
    scores = quality.campaign_quality(end=period.end, months=QUALITY_MONTHS)
    score = next(row for row in scores if row["campaign_id"] == campaign.pk)
    context = {
        "campaign": campaign,
        "quality": score,
        "quality_chart": quality_chart(score),
        "quality_months": QUALITY_MONTHS,
        "period_form": period_form,
        "period": period,
        "kpi": summary,
        "budget": campaign_budget(campaign=campaign, today=timezone.localdate()),
        "funnel": _funnel(summary),
        "feedback": feedback,
        "reasons": reasons,
        "reason_labels": dict(RejectionReason.choices),
    }
    return render(request, "metrics/campaign_detail.html", context)
