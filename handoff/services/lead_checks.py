"""The light check of a captured lead: the model's own rules without `full_clean`'s cost.

`Lead.full_clean` spends most of its time iterating the country field's 249 choices (about
1.6 ms a lead, more than the rest of a capture). `plainly_valid` answers True only when
`full_clean(exclude=["campaign", "owner", "external_id"])` would pass; it checks the same
rules read from the model's fields (maximum lengths, the email validator, the country
codes, the score's range). Anything else answers False and the caller runs `full_clean`,
so a lead with an error gets exactly the messages it always got; a valid lead skips it.
`tests/handoff/test_lead_checks.py` pins the field validators these checks stand for.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from leads.models import Lead, LeadStatus

TEXT_FIELDS = ("first_name", "last_name", "company", "job_title", "phone")


@cache
def _limits() -> dict[str, int]:
    return {name: Lead._meta.get_field(name).max_length for name in ("email", *TEXT_FIELDS)}


@cache
def country_codes() -> frozenset[str]:
    """The codes the country field accepts (its choices, read once per process)."""
    return frozenset(str(code) for code, _label in Lead._meta.get_field("country").choices)


def plainly_valid(lead: Lead) -> bool:
    """True when the lead passes the model's field checks (see the module docstring)."""
    limits = _limits()
    email = lead.email
    if not isinstance(email, str) or not email or len(email) > limits["email"]:
        return False
    for name in TEXT_FIELDS:
        value = getattr(lead, name)
        if not isinstance(value, str) or len(value) > limits[name]:
            return False
    country = str(lead.country or "")
    if country and country not in country_codes():
        return False
    score = lead.score
    if type(score) is not int or not 0 <= score <= 100:
        return False
    if lead.status != LeadStatus.NEW or not isinstance(lead.created_at, dt.datetime):
        return False
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True
