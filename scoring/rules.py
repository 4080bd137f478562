"""The cold-start score: documented rules, used until there are enough known outcomes (pure).

Until MIN_EXAMPLES handed-off leads with a known fate, MIN_POSITIVES of them won, exist,
no model is trained; the score is these points, clipped to 1..99 (docs/scoring.md and the
model page list them):

- a base of 20;
- seniority from the job title: C-level or founder +25, VP or head of +20, director +15,
  manager +8, individual contributor 0, unknown -5;
- an address on a company domain +10, a free mailbox -10;
- source channel: referral or partner +15, events or webinar +10, paid search, paid
  social or outbound +5, others 0;
- +3 per touch, at most +15;
- days from capture to MQL: 7 or fewer +10, over 30 -10;
- the manual score divided by 5 (up to +20).
"""

from __future__ import annotations

from scoring.features import LeadFacts, days_to_mql, mailbox, seniority

MIN_EXAMPLES = 200
MIN_POSITIVES = 30
BASE = 20
SENIORITY_POINTS = {
    "c_level": 25,
    "vp": 20,
    "director": 15,
    "manager": 8,
    "individual": 0,
    "unknown": -5,
}
MAILBOX_POINTS = {"company": 10, "free": -10}
CHANNEL_POINTS = {
    "referral": 15,
    "partner": 15,
    "events": 10,
    "webinar": 10,
    "paid_search": 5,
    "paid_social": 5,
    "outbound": 5,
}
POINTS_PER_TOUCH = 3
MAX_TOUCH_POINTS = 15


def enough_history(examples: int, positives: int) -> bool:
    return examples >= MIN_EXAMPLES and positives >= MIN_POSITIVES


def rule_points(facts: LeadFacts) -> list[tuple[str, str, int]]:
    """Each rule that applies: (feature, value, points)."""
    level = seniority(facts.job_title)
    box = mailbox(facts.email)
    days = days_to_mql(facts)
    points = [
        ("seniority", level, SENIORITY_POINTS[level]),
        ("mailbox", box, MAILBOX_POINTS[box]),
        (
            "source_channel",
            facts.source_channel or "none",
            CHANNEL_POINTS.get(facts.source_channel, 0),
        ),
        ("touches", str(facts.touches), min(POINTS_PER_TOUCH * facts.touches, MAX_TOUCH_POINTS)),
        ("days_to_mql", str(round(days)), 10 if days <= 7 else (-10 if days > 30 else 0)),
        ("manual_score", str(facts.manual_score or 0), (facts.manual_score or 0) // 5),
    ]
    return [p for p in points if p[2]]


def rule_score(facts: LeadFacts) -> tuple[int, list[dict[str, str]]]:
    """The rule-based score (1..99) and its top three reasons."""
    points = rule_points(facts)
    total = BASE + sum(p for _f, _v, p in points)
    top = sorted(points, key=lambda p: -abs(p[2]))[:3]
    reasons = [
        {"feature": f, "value": v, "direction": "up" if p > 0 else "down"} for f, v, p in top
    ]
    return min(max(total, 1), 99), reasons
