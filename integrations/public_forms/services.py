"""Web form settings: create, edit, deactivate (marketing and managers; each write audited in
its transaction with `leads.audit.record_change`), and the list and lookups of forms."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from integrations.models import FormField, LeadForm
from leads.audit import record_change, snapshot
from leads.errors import ActionNotAllowed, InvalidInput
from leads.models import Campaign
from leads.roles import MANAGER, MARKETING, has_role

AREA = "web_forms"
FORM_ROLES = (MARKETING, MANAGER)
AUDITED_FIELDS = (
    "campaign",
    "title",
    "fields",
    "consent_text",
    "consent_required",
    "thank_you_message",
    "redirect_url",
    "allowed_origins",
    "active",
)
TEXT_MAX_LENGTH = 2000
MAX_ORIGINS = 20
# A host name or an IP address: nothing that could break out of a CSP source expression.
HOST = re.compile(r"[a-z0-9.\-:]+")


def _check_actor(actor: AbstractBaseUser) -> None:
    if not has_role(actor, *FORM_ROLES):
        raise ActionNotAllowed(_("Only marketing and managers manage web forms."))


def check_redirect_url(url: str) -> str:
    """An absolute http or https URL with a host, or ""; anything else is refused."""
    url = (url or "").strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        _port = parts.port
    except ValueError:
        parts = None
    if (
        parts is None
        or not HOST.fullmatch(parts.hostname or "")
        or parts.scheme not in {"http", "https"}
        or not parts.hostname
        or parts.username
        or parts.password
        or len(url) > 500
        or any(ord(ch) < 33 for ch in url)
    ):
        raise InvalidInput(
            {"redirect_url": [_("Give an http or https address with a host, or leave it blank.")]}
        )
    return url


def check_origins(origins: Iterable[str]) -> list[str]:
    """Origins like `https://www.example.com` (scheme, host, optional port; no path)."""
    cleaned: list[str] = []
    for raw in origins:
        origin = raw.strip().rstrip("/").lower()
        if not origin:
            continue
        try:
            parts = urlsplit(origin)
            port = parts.port
        except ValueError:
            parts, port = None, None
        if (
            parts is None
            or not HOST.fullmatch(parts.hostname or "")
            or parts.scheme not in {"http", "https"}
            or not parts.hostname
            or parts.path
            or parts.query
            or parts.fragment
            or parts.username
        ):
            raise InvalidInput(
                {
                    "allowed_origins": [
                        _("“%(origin)s” is not an origin like https://www.example.com.")
                        % {"origin": raw.strip()[:100]}
                    ]
                }
            )
        normal = f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port else "")
        if normal not in cleaned:
            cleaned.append(normal)
    if len(cleaned) > MAX_ORIGINS:
        raise InvalidInput({"allowed_origins": [_("At most %(n)d origins.") % {"n": MAX_ORIGINS}]})
    return cleaned


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    title = str(values.get("title") or "").strip()
    if not title or len(title) > 200:
        errors["title"] = [_("Give a title of at most 200 characters.")]
    fields = list(values.get("fields") or [])
    unknown = [name for name in fields if name not in FormField.values]
    if unknown:
        errors["fields"] = [_("Unknown field.")]
    for name in ("consent_text", "thank_you_message"):
        text = str(values.get(name) or "").strip()
        if not text or len(text) > TEXT_MAX_LENGTH:
            errors[name] = [_("Required, at most %(n)d characters.") % {"n": TEXT_MAX_LENGTH}]
        values[name] = text
    campaign_id = values.get("campaign_id")
    if not Campaign.objects.filter(pk=campaign_id).exists():
        errors["campaign"] = [_("Unknown campaign.")]
    for key, check in (
        ("redirect_url", check_redirect_url),
        ("allowed_origins", check_origins),
    ):
        try:
            values[key] = check(values.get(key) or ("" if key == "redirect_url" else []))
        except InvalidInput as exc:
            errors.update(exc.errors)
    if errors:
        raise InvalidInput(errors)
    return {
        **values,
        "title": title,
        "fields": [name for name in FormField.values if name in fields],
        "consent_required": bool(values.get("consent_required", True)),
    }


def form_create(
    *,
    actor: AbstractBaseUser,
    campaign_id: int,
    title: str,
    consent_text: str,
    thank_you_message: str,
    fields: Iterable[str] = (),
    consent_required: bool = True,
    redirect_url: str = "",
    allowed_origins: Iterable[str] = (),
) -> LeadForm:
    """A new, active web form of the campaign (its public id drawn at random)."""
    _check_actor(actor)
    values = _clean(
        {
            "campaign_id": campaign_id,
            "title": title,
            "fields": list(fields),
            "consent_text": consent_text,
            "consent_required": consent_required,
            "thank_you_message": thank_you_message,
            "redirect_url": redirect_url,
            "allowed_origins": list(allowed_origins),
        }
    )
    with transaction.atomic():
        form = LeadForm.objects.create(**values, created_by=actor)
        record_change(
            actor=actor,
            area=AREA,
            obj=form,
            action="created",
            after=snapshot(form, AUDITED_FIELDS),
        )
    return form


def form_update(*, actor: AbstractBaseUser, form_id: int, **changes: Any) -> LeadForm:
    """Edit a form's settings (any of form_create's, and `active`); its public id stays."""
    _check_actor(actor)
    allowed = {*AUDITED_FIELDS, "campaign_id"} - {"campaign"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput({name: [_("Unknown field.")] for name in sorted(unknown)})
    with transaction.atomic():
        form = LeadForm.objects.select_for_update().filter(pk=form_id).first()
        if form is None:
            raise InvalidInput({"form": [_("No such web form.")]})
        before = snapshot(form, AUDITED_FIELDS)
        values = {
            "campaign_id": form.campaign_id,
            **{name: getattr(form, name) for name in AUDITED_FIELDS if name != "campaign"},
        }
        values.update(changes)
        active = bool(values.pop("active"))
        for name, value in _clean(values).items():
            setattr(form, name, value)
        form.active = active
        form.save()
        record_change(
            actor=actor,
            area=AREA,
            obj=form,
            action="updated",
            before=before,
            after=snapshot(form, AUDITED_FIELDS),
        )
    return form


def form_set_active(*, actor: AbstractBaseUser, form_id: int, active: bool) -> LeadForm:
    """Deactivate (its page and submissions answer 404) or reactivate a form."""
    return form_update(actor=actor, form_id=form_id, active=active)


def form_list(*, campaign_id: int | None = None) -> QuerySet[LeadForm]:
    """Every form with its campaign, active first, newest first."""
    qs = LeadForm.objects.select_related("campaign", "created_by").order_by(
        "-active", "-created_at", "-id"
    )
    return qs.filter(campaign_id=campaign_id) if campaign_id is not None else qs


def public_form(slug: str) -> LeadForm | None:
    """The active form with this public id (one query), else None."""
    if not isinstance(slug, str) or len(slug) > 32:
        return None
    return LeadForm.objects.select_related("campaign").filter(slug=slug, active=True).first()
