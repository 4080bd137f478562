"""Which campaign a web-form submission is attributed to, from its UTM fields (pure).

The rule (README "Web forms"): a campaign matches when it has at least one non-empty
`utm_*` field and every one of its non-empty `utm_*` fields equals the submission's value
of that field, ignoring case and surrounding blanks. The most specific match wins (the most
non-empty fields); ties go to the form's own campaign, then to the campaign that started
last, then to the lowest id. No match: the form's own campaign.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign")
UTM_MAX_LENGTH = 100


@dataclass(frozen=True)
class CampaignUtm:
    id: int
    start_date: dt.date
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""


def clean_utm(values: Mapping[str, object]) -> dict[str, str]:
    """The submission's UTM values, normalised: stripped, lower case; a value that is not a
    string, is too long or holds control characters counts as empty (never an error)."""
    cleaned: dict[str, str] = {}
    for name in UTM_FIELDS:
        value = values.get(name)
        text = value.strip().lower() if isinstance(value, str) else ""
        if len(text) > UTM_MAX_LENGTH or any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
            text = ""
        cleaned[name] = text
    return cleaned


def _specificity(campaign: CampaignUtm, utm: Mapping[str, str]) -> int:
    """How many of the campaign's UTM fields the submission matches; -1 when one differs."""
    matched = 0
    for name in UTM_FIELDS:
        wanted = (getattr(campaign, name) or "").strip().lower()
        if not wanted:
            continue
        if wanted != utm.get(name, ""):
            return -1
        matched += 1
    return matched if matched else -1


def pick_campaign(
    candidates: Iterable[CampaignUtm], utm: Mapping[str, str], own_campaign_id: int
) -> int:
    """The id of the campaign the submission is attributed to (see the module's rule)."""
    best: tuple[int, int, dt.date, int] | None = None
    best_id = own_campaign_id
    for campaign in candidates:
        score = _specificity(campaign, utm)
        if score < 0:
            continue
        key = (score, int(campaign.id == own_campaign_id), campaign.start_date, -campaign.id)
        if best is None or key > best:
            best, best_id = key, campaign.id
    return best_id
