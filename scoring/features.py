"""What the score may know about a lead: only what is known at handoff time (pure).

`LeadFacts` is read from the database by scoring.selectors as of a cut-off (the lead's
first handoff, or now for a lead not handed off yet); `features` turns it into the dict a
`DictVectorizer` one-hot encodes. Nothing recorded after the handoff (the rep's answer,
the rejection reason, the opportunity, later touches) is ever read.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

# Mailbox providers anyone can sign up to: an address there says nothing about a company.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.es",
        "hotmail.com", "hotmail.co.uk", "hotmail.fr", "hotmail.es", "outlook.com", "live.com",
        "msn.com", "aol.com", "icloud.com", "me.com", "mac.com", "mail.com", "gmx.com",
        "gmx.de", "gmx.net", "web.de", "proton.me", "protonmail.com", "yandex.com",
        "yandex.ru", "mail.ru", "zoho.com", "qq.com", "163.com", "126.com", "orange.fr",
        "free.fr", "laposte.net", "libero.it", "t-online.de", "terra.com.br", "uol.com.br",
        "example.org",
    }
)  # fmt: skip

# Job-title seniority, most senior first: the first pattern that matches wins.
SENIORITY_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "c_level",
        re.compile(
            r"\b(ceo|cto|cfo|coo|cmo|cio|cro|chief|founder|co-founder|owner|president|"
            r"managing director|director general|gerente general)\b"
        ),
    ),
    ("vp", re.compile(r"\b(vp|svp|evp|vice[ -]president|head of|vicepresidente)\b")),
    ("director", re.compile(r"\b(director|directora|directeur)\b")),
    ("manager", re.compile(r"\b(manager|lead|jefe|jefa|responsable|supervisor|gerente)\b")),
    (
        "individual",
        re.compile(
            r"\b(engineer|analyst|specialist|developer|consultant|coordinator|associate|"
            r"assistant|executive|representative|designer|intern|student|ingeniero|analista)\b"
        ),
    ),
)
SENIORITY_LABELS = {
    "c_level": _("C-level or founder"),
    "vp": _("VP or head of"),
    "director": _("Director"),
    "manager": _("Manager"),
    "individual": _("Individual contributor"),
    "unknown": _("Unknown"),
}
MAX_DAYS = 365


def seniority(job_title: str) -> str:
    title = (job_title or "").lower()
    for level, pattern in SENIORITY_PATTERNS:
        if pattern.search(title):
            return level
    return "unknown"


def mailbox(email: str) -> str:
    """`company` for an address on the company's own domain, `free` for a public mailbox."""
    domain = (email or "").rpartition("@")[2].strip().lower()
    return "free" if domain in FREE_MAIL_DOMAINS or not domain else "company"


@dataclass(frozen=True)
class LeadFacts:
    """What is known of a lead at its cut-off (its first handoff, or now)."""

    email: str
    job_title: str
    country: str
    manual_score: int
    created_at: dt.datetime
    first_mql_at: dt.datetime | None
    cutoff: dt.datetime
    source_campaign: str = ""
    source_channel: str = ""
    touched_campaigns: tuple[str, ...] = field(default_factory=tuple)
    touched_channels: tuple[str, ...] = field(default_factory=tuple)
    touches: int = 0


def days_to_mql(facts: LeadFacts) -> float:
    end = facts.first_mql_at or facts.cutoff
    days = (end - facts.created_at).total_seconds() / 86400
    return min(max(days, 0.0), float(MAX_DAYS))


def features(facts: LeadFacts) -> dict[str, float | str]:
    """The one-hot (strings) and numeric (floats) features of a lead, for DictVectorizer."""
    out: dict[str, float | str] = {
        "source_channel": facts.source_channel or "none",
        "source_campaign": facts.source_campaign or "none",
        "country": facts.country or "none",
        "seniority": seniority(facts.job_title),
        "mailbox": mailbox(facts.email),
        "touches": math.log1p(facts.touches),
        "days_to_mql": math.log1p(days_to_mql(facts)),
        "manual_score": float(facts.manual_score or 0),
    }
    for channel in sorted(set(facts.touched_channels)):
        out[f"touched_channel={channel}"] = 1.0
    for campaign in sorted(set(facts.touched_campaigns)):
        out[f"touched_campaign={campaign}"] = 1.0
    return out


FEATURE_LABELS = {
    "source_channel": _("Source channel"),
    "source_campaign": _("Source campaign"),
    "country": _("Country"),
    "seniority": _("Seniority"),
    "mailbox": _("E-mail"),
    "touches": _("Number of touches"),
    "days_to_mql": _("Days from capture to MQL"),
    "manual_score": _("Manual score"),
    "touched_channel": _("Touched channel"),
    "touched_campaign": _("Touched campaign"),
}


def split_name(name: str) -> tuple[str, str]:
    """A vectorised feature name ("seniority=vp") as (feature, value); value is "" for a
    numeric feature."""
    feature, _sep, value = name.partition("=")
    return feature, value


LOG_FEATURES = frozenset({"touches", "days_to_mql"})


def shown_value(feature: str, x: float) -> str:
    """A numeric feature's vectorised value as the lead's own number (for its reasons)."""
    raw = math.expm1(x) if feature in LOG_FEATURES else x
    return str(round(raw))
