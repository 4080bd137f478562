"""API tokens: create (the key returned once, only its hash stored), list and revoke.

Used by the settings pages and by `manage.py create_api_token`; every write is audited in
its own transaction (the audit names the token, never its key or hash)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.models import TOKEN_PREFIX_LENGTH, ApiToken, hash_key
from leads.audit import record_change, snapshot
from leads.errors import ActionNotAllowed, InvalidInput
from leads.roles import MANAGER, has_role

AREA = "api_tokens"
AUDITED_FIELDS = ("name", "user", "prefix", "created_by", "revoked_at")
NAME_MAX_LENGTH = 100


@dataclass(frozen=True)
class CreatedToken:
    """A new token and its key: the only moment the key exists outside the caller's hands."""

    token: ApiToken
    key: str


def _check_actor(actor: AbstractBaseUser | None) -> None:
    """Managers manage tokens in the app; `actor=None` is the operator's command line."""
    if actor is not None and not has_role(actor, MANAGER):
        raise ActionNotAllowed(_("Only managers manage API tokens."))


def token_list() -> QuerySet[ApiToken]:
    """Every token, active first then revoked, newest first, with its user and creator."""
    return ApiToken.objects.select_related("user", "created_by").order_by(
        F("revoked_at").desc(nulls_first=True), "-created_at", "-id"
    )


def token_create(*, actor: AbstractBaseUser | None, user_id: int, name: str = "") -> CreatedToken:
    """Draw a key, store its SHA-256 and return the key once (it cannot be shown again)."""
    _check_actor(actor)
    name = name.strip()
    if len(name) > NAME_MAX_LENGTH:
        raise InvalidInput({"name": [_("At most %(n)d characters.") % {"n": NAME_MAX_LENGTH}]})
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise InvalidInput({"user": [_("Pick an active user.")]})
    for _attempt in range(5):
        key = ApiToken.generate_key()
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    user=user,
                    name=name or f"token for {user.get_username()}",
                    prefix=key[:TOKEN_PREFIX_LENGTH],
                    key_hash=hash_key(key),
                    created_by=actor,
                )
                record_change(
                    actor=actor,
                    area=AREA,
                    obj=token,
                    action="created",
                    after=snapshot(token, AUDITED_FIELDS),
                )
        except IntegrityError:  # prefix collision: draw again
            continue
        return CreatedToken(token=token, key=key)
    raise InvalidInput({"name": [_("Could not draw a unique token prefix; try again.")]})


@transaction.atomic
def token_revoke(*, actor: AbstractBaseUser | None, token_id: int) -> ApiToken:
    """Revoke an active token: from now on its key answers 401. Revoking twice is refused."""
    _check_actor(actor)
    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if token is None:
        raise InvalidInput({"token": [_("No such token.")]})
    if token.revoked_at is not None:
        raise InvalidInput({"token": [_("This token is already revoked.")]})
    before = snapshot(token, AUDITED_FIELDS)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record_change(
        actor=actor,
        area=AREA,
        obj=token,
        action="updated",
        before=before,
        after=snapshot(token, AUDITED_FIELDS),
    )
    return token
