"""The learned score's reasons in words: `{{ reason|reason_text }}` ("Seniority: VP (raises)")."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _
from django_countries import countries

from leads.models import Channel
from scoring.features import FEATURE_LABELS, SENIORITY_LABELS

register = template.Library()


def _value_label(feature: str, value: str) -> str:
    if feature in ("source_channel", "touched_channel"):
        return str(dict(Channel.choices).get(value, _("none") if value == "none" else value))
    if feature == "seniority":
        return str(SENIORITY_LABELS.get(value, value))
    if feature == "mailbox":
        return _("free mailbox") if value == "free" else _("company domain")
    if feature == "country":
        return str(countries.name(value) or value) if value != "none" else _("none")
    if value == "none":
        return _("none")
    return value


@register.filter
def reason_text(reason: object) -> str:
    if not isinstance(reason, dict):
        return ""
    feature = str(reason.get("feature", ""))
    value = str(reason.get("value", ""))
    label = str(FEATURE_LABELS.get(feature, feature))
    effect = _("raises") if reason.get("direction") == "up" else _("lowers")
    if value:
        return _("%(feature)s: %(value)s (%(effect)s)") % {
            "feature": label,
            "value": _value_label(feature, value),
            "effect": effect,
        }
    return _("%(feature)s (%(effect)s)") % {"feature": label, "effect": effect}


@register.filter
def reason_up(reason: object) -> bool:
    return isinstance(reason, dict) and reason.get("direction") == "up"
