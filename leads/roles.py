"""The three roles (Django groups) and how to tell which one a user holds."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

MARKETING = "marketing"
SALES = "sales"
MANAGER = "manager"
ROLES = (MARKETING, SALES, MANAGER)

BACKFILL_PERMISSION = "leads.backfill"


def roles_of(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    """The role names a user holds; superusers hold every role. Cached on the user object."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_crm_roles", None)
    if cached is None:
        if user.is_superuser:
            cached = frozenset(ROLES)
        else:
            cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._crm_roles = cached
    return cached


def has_role(user: AbstractBaseUser | AnonymousUser, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def primary_role(user: AbstractBaseUser | AnonymousUser) -> str | None:
    """The workspace a user lands on: manager before marketing before sales."""
    held = roles_of(user)
    for role in (MANAGER, MARKETING, SALES):
        if role in held:
            return role
    return None


def can_backfill(user: AbstractBaseUser | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.has_perm(BACKFILL_PERMISSION))


def role_members(role: str, *, active: bool = True) -> QuerySet[Any]:
    """The users who hold `role`, the same way `roles_of` decides it: members of the role's
    group, and superusers (who hold every role). The one definition of a role's pool, used
    by the rep pickers, round-robin assignment and the SLA escalation to managers."""
    User = get_user_model()
    in_group = User.groups.through.objects.filter(group__name=role).values("user_id")
    # A subquery, not a join: callers annotate counts, which a join over groups would multiply.
    qs = User.objects.filter(Q(is_superuser=True) | Q(pk__in=in_group))
    return qs.filter(is_active=True) if active else qs


def user_label(user: AbstractBaseUser) -> str:
    """How pages, exports and pickers name a person: full name, else username."""
    return user.get_full_name() or user.get_username()
