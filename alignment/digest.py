"""The weekly digest's content and its email: one joint summary for every user.

`digest_content` reads everything once (a constant number of queries): last week's KPIs
against their targets, the agreement's status, the revenue diagnosis of last week against
the week before, the overdue handoffs per rep, and the best and worst campaigns by lead
quality over six months. `digest_message` renders it for one user, in the user's language,
with absolute links (settings.SITE_URL) and an unsubscribe link.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from alignment import selectors, wording
from handoff import selectors as handoff_selectors
from leads.roles import user_label
from metrics import dashboard, diagnosis, quality
from metrics import selectors as metrics_selectors
from metrics.models import TargetMetric
from notifications.emails import recipient_language

# The KPIs of the digest: every metric a target can be set for.
KPI_KEYS: tuple[str, ...] = tuple(TargetMetric.values)
CAMPAIGNS_SHOWN = 3
OVERDUE_REPS_SHOWN = 10
UNSUBSCRIBE_SALT = "alignment.digest.unsubscribe"


def week_start_of(day: dt.date) -> dt.date:
    """The Monday of the day's week: the week a digest belongs to."""
    return day - dt.timedelta(days=day.weekday())


def absolute(path: str) -> str:
    """A link into the app for an email: SITE_URL (no trailing slash) + path."""
    return settings.SITE_URL.rstrip("/") + path


def unsubscribe_token(user: AbstractBaseUser) -> str:
    return signing.dumps(user.pk, salt=UNSUBSCRIBE_SALT)


def user_for_token(token: str) -> int | None:
    """The user id an unsubscribe token was made for; None when it is not one of ours."""
    try:
        return int(signing.loads(token, salt=UNSUBSCRIBE_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return None


# --- adapters to metrics' diagnosis and quality (the only two calls into those modules) ----


def _diagnosis(start: dt.date, end: dt.date) -> dict[str, Any]:
    return diagnosis.revenue_diagnosis(start=start, end=end)


def _diagnosis_headline(result: dict[str, Any]) -> str:
    """The diagnosis headline in the active language (rendered again for each reader)."""
    return diagnosis.headline(result)


def _campaign_quality(end: dt.date) -> list[dict[str, Any]]:
    return quality.campaign_quality(end=end, months=6)


# --- content ---------------------------------------------------------------------------------


def _kpis(start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    summary = metrics_selectors.kpi_summary(start=start, end=end)
    targets = dashboard.range_targets(
        metrics_selectors.targets_for(start=start, end=end), start, end
    )
    rows = []
    for key in KPI_KEYS:
        check = dashboard.against_target(key, summary.get(key), targets.get(key))
        rows.append(
            {
                "key": key,
                "kind": dashboard.KINDS[key],
                "value": summary.get(key),
                "target": check.target if check else None,
                "attainment": check.attainment if check else None,
                "tone": check.tone if check else "neutral",
            }
        )
    return rows


def _campaigns(end: dt.date) -> dict[str, list[dict[str, Any]]]:
    """The best and worst scored campaigns (never the same campaign in both lists)."""
    scored = [row for row in _campaign_quality(end) if row.get("score") is not None]
    best = scored[: min(CAMPAIGNS_SHOWN, (len(scored) + 1) // 2)]
    rest = scored[len(best) :]
    worst = list(reversed(rest[-CAMPAIGNS_SHOWN:]))
    for row in best + worst:
        row["url"] = absolute(
            reverse("metrics:campaign_detail", kwargs={"campaign_id": row["campaign_id"]})
        )
    return {"best": best, "worst": worst}


def digest_content(*, week_start: dt.date, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the digest of the week starting `week_start` shows, about the week before."""
    now = now or timezone.now()
    start, end = week_start - dt.timedelta(days=7), week_start - dt.timedelta(days=1)
    agreement = selectors.current_agreement(on=end)
    status = None
    if agreement is not None:
        status = selectors.agreement_status(agreement=agreement, as_of=end)
    overdue = handoff_selectors.overdue_by_rep(now=now)
    dashboard_query = urlencode({"preset": "custom", "start": start, "end": end})
    return {
        "week_start": week_start,
        "start": start,
        "end": end,
        "kpis": _kpis(start, end),
        "agreement": agreement,
        "agreement_status": status,
        "agreement_url": absolute(
            reverse("alignment:agreement_detail", kwargs={"agreement_id": agreement.pk})
            if agreement
            else reverse("alignment:agreement")
        ),
        "diagnosis": _diagnosis(start, end),
        "dashboard_url": absolute(f"{reverse('metrics:dashboard')}?{dashboard_query}"),
        "overdue_total": sum(row["count"] for row in overdue),
        "overdue": overdue[:OVERDUE_REPS_SHOWN],
        "overdue_url": absolute(f"{reverse('metrics:dashboard')}#overdue"),
        "campaigns": _campaigns(end),
        "campaigns_url": absolute(reverse("metrics:campaign_list")),
        "preview_url": absolute(reverse("alignment:digest")),
    }


def render_context(content: dict[str, Any], user: AbstractBaseUser) -> dict[str, Any]:
    """The template context for one reader, in the active language."""
    status = content["agreement_status"]
    labels = dashboard.LABELS
    return {
        **content,
        "user_name": user_label(user),
        "kpi_rows": [{**row, "label": labels[row["key"]]} for row in content["kpis"]],
        "verdict": wording.verdict_sentence(status) if status else "",
        "sides": [
            {"title": wording.SIDE_LABELS[side], "rows": wording.commitment_rows(status, side)}
            for side in ("marketing", "sales")
        ]
        if status
        else [],
        "headline": _diagnosis_headline(content["diagnosis"]),
        "unsubscribe_url": absolute(
            reverse("alignment:digest_unsubscribe", kwargs={"token": unsubscribe_token(user)})
        ),
    }


def digest_message(content: dict[str, Any], user: AbstractBaseUser) -> EmailMultiAlternatives:
    """The digest email for one user: text with an HTML alternative, in the user's language."""
    with translation.override(recipient_language(user)):
        context = render_context(content, user)
        subject = _("Weekly digest: %(start)s to %(end)s") % {
            "start": content["start"].isoformat(),
            "end": content["end"].isoformat(),
        }
        text = render_to_string("alignment/email/digest.txt", context)
        html = render_to_string("alignment/email/digest.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html, "text/html")
    return message
