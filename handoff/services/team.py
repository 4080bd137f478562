"""The team as managers change it in the app: create or invite a user, change a role,
deactivate (their pending leads reassigned through the workflow), and each rep's away flag
and cap (`RepAvailability`, which the rotation reads).

Every write checks the actor (managers; a rep only for their own away flag) and writes one
`leads.audit` row per changed object in the same transaction. Invitation emails leave on
commit. The first manager of an empty install is `bootstrap_manager` (no actor).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import AbstractBaseUser, Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from handoff.models import RepAvailability
from handoff.services.moves import lead_reassign
from leads import audit
from leads.errors import ActionNotAllowed, InvalidInput
from leads.models import Lead, LeadStatus
from leads.roles import MANAGER, ROLES, SALES, has_role, role_members, user_label

User = get_user_model()
USERS = "users"
AVAILABILITY = "availability"
USER_FIELDS = ("username", "email", "first_name", "last_name", "is_active", "is_superuser")
AVAILABILITY_FIELDS = ("away", "max_open_leads")
DEACTIVATED = "deactivated"
ROLE_CHANGED = "role_changed"


def require_manager(actor: AbstractBaseUser | None) -> None:
    if actor is None or not has_role(actor, MANAGER):
        raise ActionNotAllowed(_("Only a manager may change the settings."))


def _user_snapshot(user: AbstractBaseUser) -> dict[str, Any]:
    values = audit.snapshot(user, USER_FIELDS)
    values["role"] = role_of(user)
    return values


def role_of(user: AbstractBaseUser) -> str:
    """The one role a user holds in the team ("" for none); from prefetched groups if any."""
    names = {g.name for g in user.groups.all()} & set(ROLES)
    for role in (MANAGER, "marketing", SALES):
        if role in names:
            return role
    return ""


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput({"role": [_("Choose marketing, sales or manager.")]})
    return role


def _set_role(user: AbstractBaseUser, role: str) -> None:
    user.groups.remove(*Group.objects.filter(name__in=ROLES).exclude(name=role))
    user.groups.add(Group.objects.get(name=role))
    user._crm_roles = None  # roles_of caches on the object


def _clean_identity(
    *, username: str, email: str, first_name: str, last_name: str, exclude_pk: int | None
) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    email = (email or "").strip()
    if not username:
        errors["username"] = [_("Give a username.")]
    elif len(username) > 150:
        errors["username"] = [_("At most 150 characters.")]
    elif User.objects.filter(username__iexact=username).exclude(pk=exclude_pk).exists():
        errors["username"] = [_("This username is taken.")]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Give a valid email address.")]
    for name, value in (("first_name", first_name), ("last_name", last_name)):
        if len(value or "") > 150:
            errors[name] = [_("At most 150 characters.")]
    if errors:
        raise InvalidInput(errors)
    return {
        "username": username,
        "email": email,
        "first_name": (first_name or "").strip(),
        "last_name": (last_name or "").strip(),
    }


def _check_password(password: str, user: AbstractBaseUser) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput({"password": list(exc.messages)}) from None


def invitation_link(user: AbstractBaseUser, *, base_url: str) -> str:
    """The set-password link of an invitation: Django's password-reset token, so it stops
    working once the password is set (the token hashes the password) or after
    PASSWORD_RESET_TIMEOUT seconds."""
    path = reverse(
        "handoff:set_password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return base_url.rstrip("/") + path


def _queue_invitation(user: AbstractBaseUser, *, actor: AbstractBaseUser, base_url: str) -> None:
    if not user.email:
        raise InvalidInput({"email": [_("An invitation needs an email address.")]})
    link = invitation_link(user, base_url=base_url)
    subject = _("You are invited to Lead handoff")
    body = _(
        "Hello %(name)s,\n\n%(inviter)s added you to Lead handoff as %(username)s.\n"
        "Choose your password here (the link works once, for %(days)s days):\n\n%(link)s\n"
    ) % {
        "name": user_label(user),
        "inviter": user_label(actor),
        "username": user.get_username(),
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        "link": link,
    }
    email = user.email
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email], fail_silently=False)
    )


@transaction.atomic
def user_create(
    *,
    actor: AbstractBaseUser,
    username: str,
    role: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    password: str = "",
    invite: bool = False,
    base_url: str = "",
) -> AbstractBaseUser:
    """A new user in one role: with a password now, or invited by email to choose one."""
    require_manager(actor)
    values = _clean_identity(
        username=username, email=email, first_name=first_name, last_name=last_name, exclude_pk=None
    )
    _check_role(role)
    if not password and not invite:
        raise InvalidInput(
            {"password": [_("Give a password, or invite the user to choose one by email.")]}
        )
    if invite and not values["email"]:
        raise InvalidInput({"email": [_("An invitation needs an email address.")]})
    user = User(**values)
    if password:
        _check_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    _set_role(user, role)
    audit.record_change(
        actor=actor,
        area=USERS,
        obj=user,
        action=audit.SettingChange.Action.CREATED,
        after=_user_snapshot(user),
        label=user_label(user),
    )
    if invite:
        _queue_invitation(user, actor=actor, base_url=base_url)
    return user


@transaction.atomic
def user_invite(*, actor: AbstractBaseUser, user_id: int, base_url: str) -> AbstractBaseUser:
    """Send (again) the set-password link to an active user."""
    require_manager(actor)
    user = _locked_user(user_id)
    if not user.is_active:
        raise InvalidInput({"user": [_("Reactivate the user before inviting them.")]})
    _queue_invitation(user, actor=actor, base_url=base_url)
    return user


def _locked_user(user_id: Any) -> AbstractBaseUser:
    try:
        return User.objects.select_for_update().get(pk=int(user_id))
    except (User.DoesNotExist, TypeError, ValueError):
        raise InvalidInput({"user": [_("No such user.")]}) from None


def _other_active_managers(user: AbstractBaseUser) -> bool:
    return role_members(MANAGER).exclude(pk=user.pk).exists()


@transaction.atomic
def user_update(
    *,
    actor: AbstractBaseUser,
    user_id: int,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
) -> AbstractBaseUser:
    """A user's name, email and role (exactly one of the three role groups). A rep who
    leaves sales has their pending leads reassigned (reason "role_changed")."""
    require_manager(actor)
    user = _locked_user(user_id)
    before = _user_snapshot(user)
    values = _clean_identity(
        username=user.get_username(),
        email=email,
        first_name=first_name,
        last_name=last_name,
        exclude_pk=user.pk,
    )
    _check_role(role)
    if before["role"] == MANAGER and role != MANAGER and not _other_active_managers(user):
        raise InvalidInput({"role": [_("The team needs at least one active manager.")]})
    for name in ("email", "first_name", "last_name"):
        setattr(user, name, values[name])
    user.save(update_fields=["email", "first_name", "last_name"])
    _set_role(user, role)
    if before["role"] == SALES and role != SALES and not user.is_superuser:
        # no longer a rep: their pending leads go on through the workflow (all or nothing)
        _reassign_pending_of(user, actor=actor, successor_id=None, reason=ROLE_CHANGED)
    audit.record_change(
        actor=actor,
        area=USERS,
        obj=user,
        action=audit.SettingChange.Action.UPDATED,
        before=before,
        after=_user_snapshot(user),
        label=user_label(user),
    )
    return user


@transaction.atomic
def user_deactivate(
    *, actor: AbstractBaseUser, user_id: int, successor_id: int | None = None
) -> list[int]:
    """Deactivate a user; each of their pending handoffs moves through the workflow's
    reassign (to `successor_id`, else the next rep of the assignment rule) with the reason
    "deactivated". All or nothing: if one lead finds no rep, nothing is changed.

    Returns the ids of the reassigned leads. Accepted leads stay with the user (the workflow
    has no move that takes an accepted lead from its rep); the page lists them.
    """
    require_manager(actor)
    user = _locked_user(user_id)
    if user.pk == actor.pk:
        raise InvalidInput({"user": [_("You cannot deactivate yourself.")]})
    if not user.is_active:
        raise InvalidInput({"user": [_("This user is already inactive.")]})
    if has_role(user, MANAGER) and not _other_active_managers(user):
        raise InvalidInput({"user": [_("The team needs at least one active manager.")]})
    if successor_id is not None and int(successor_id) == user.pk:
        raise InvalidInput({"successor": [_("Choose another rep to take over.")]})
    before = _user_snapshot(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    lead_ids = _reassign_pending_of(
        user, actor=actor, successor_id=successor_id, reason=DEACTIVATED
    )
    audit.record_change(
        actor=actor,
        area=USERS,
        obj=user,
        action=audit.SettingChange.Action.UPDATED,
        before=before,
        after={**_user_snapshot(user), "reassigned_leads": lead_ids},
        label=user_label(user),
    )
    return lead_ids


def _reassign_pending_of(
    user: AbstractBaseUser, *, actor: AbstractBaseUser, successor_id: int | None, reason: str
) -> list[int]:
    """Each pending handoff of `user` through the workflow's reassign move, with `reason`."""
    lead_ids = list(
        Lead.objects.filter(owner=user, status=LeadStatus.HANDED_OFF)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for lead_id in lead_ids:
        lead_reassign(
            lead_id=lead_id,
            actor=actor,
            assignee_id=successor_id,
            rotate=successor_id is None,
            reason=reason,
        )
    return lead_ids


@transaction.atomic
def user_reactivate(*, actor: AbstractBaseUser, user_id: int) -> AbstractBaseUser:
    require_manager(actor)
    user = _locked_user(user_id)
    before = _user_snapshot(user)
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit.record_change(
        actor=actor,
        area=USERS,
        obj=user,
        action=audit.SettingChange.Action.UPDATED,
        before=before,
        after=_user_snapshot(user),
        label=user_label(user),
    )
    return user


_UNSET: Any = object()


@transaction.atomic
def availability_set(
    *,
    actor: AbstractBaseUser,
    user_id: int,
    away: bool | None = None,
    max_open_leads: int | None = _UNSET,
) -> RepAvailability:
    """A rep's away flag and cap of open leads, as the rotation reads them.

    Managers set both for anyone; a sales rep may set only their own away flag.
    """
    own = actor is not None and actor.pk == int(user_id)
    self_service = own and has_role(actor, SALES) and max_open_leads is _UNSET
    if not has_role(actor, MANAGER) and not self_service:
        raise ActionNotAllowed(_("Only a manager may change another rep's availability."))
    user = _locked_user(user_id)
    availability, _created = RepAvailability.objects.select_for_update().get_or_create(user=user)
    before = audit.snapshot(availability, AVAILABILITY_FIELDS)
    if away is not None:
        availability.away = bool(away)
    if max_open_leads is not _UNSET:
        if max_open_leads is not None:
            try:
                max_open_leads = int(max_open_leads)
            except (TypeError, ValueError):
                max_open_leads = -1
            if not 0 <= max_open_leads <= 10_000:
                raise InvalidInput(
                    {"max_open_leads": [_("The cap is a whole number from 0 to 10,000.")]}
                )
        availability.max_open_leads = max_open_leads
    availability.save()
    audit.record_change(
        actor=actor,
        area=AVAILABILITY,
        obj=availability,
        action=audit.SettingChange.Action.UPDATED,
        before=before,
        after=audit.snapshot(availability, AVAILABILITY_FIELDS),
        label=user_label(user),
    )
    return availability


@transaction.atomic
def bootstrap_manager(
    *,
    username: str,
    email: str,
    password: str,
    force: bool = False,
    superuser: bool = False,
) -> AbstractBaseUser:
    """The first manager of an install (the `bootstrap` command): refused when an active
    manager exists, unless `force`. Audited with no actor."""
    if not force and role_members(MANAGER).exists():
        raise ActionNotAllowed(_("A manager exists already: add users on the settings page."))
    values = _clean_identity(
        username=username, email=email, first_name="", last_name="", exclude_pk=None
    )
    if not password:
        raise InvalidInput({"password": [_("Give a password.")]})
    user = User(**values, is_staff=superuser, is_superuser=superuser)
    _check_password(password, user)
    user.set_password(password)
    user.save()
    _set_role(user, MANAGER)
    audit.record_change(
        actor=None,
        area=USERS,
        obj=user,
        action=audit.SettingChange.Action.CREATED,
        after=_user_snapshot(user),
        label=user_label(user),
    )
    return user
