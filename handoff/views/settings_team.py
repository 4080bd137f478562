"""Settings pages of the team: the users list, a new user (or an invitation), one user's
role, availability and deactivation, a rep's own away flag, and the invitation's
set-password page. Thin: forms shape input, `handoff.services.team` decides."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.models import AbstractBaseUser
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from handoff.forms_settings import (
    AvailabilityForm,
    AwayForm,
    DeactivateForm,
    UserCreateForm,
    UserEditForm,
)
from handoff.models import RepAvailability
from handoff.selectors_settings import accepted_leads_of, team_member, team_members
from handoff.services import team
from leads.access import role_required
from leads.errors import DomainError
from leads.forms import apply_error
from leads.paging import paginate
from leads.roles import MANAGER, SALES, user_label


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _availability(user: AbstractBaseUser) -> RepAvailability | None:
    try:
        return user.availability
    except RepAvailability.DoesNotExist:
        return None


@role_required(MANAGER)
def users(request: HttpRequest) -> HttpResponse:
    page = paginate(team_members(), request.GET)
    rows = [
        {"user": u, "role": team.role_of(u), "availability": _availability(u)} for u in page.rows
    ]
    return render(request, "handoff/settings/users.html", {"page": page, "rows": rows})


@role_required(MANAGER)
@require_http_methods(["GET", "POST"])
def user_new(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = team.user_create(
                actor=request.user, base_url=_base_url(request), **form.cleaned_data
            )
        except DomainError as exc:
            apply_error(form, exc)
        else:
            if form.cleaned_data["invite"] and not form.cleaned_data["password"]:
                text = _("%(name)s created; the invitation is on its way to %(email)s.")
            else:
                text = _("%(name)s created.")
            messages.success(request, text % {"name": user_label(user), "email": user.email})
            return redirect("handoff:settings_user", user_id=user.pk)
    return render(request, "handoff/settings/user_new.html", {"form": form})


def _member_or_404(user_id: int) -> AbstractBaseUser:
    try:
        return team_member(user_id)
    except team.User.DoesNotExist:
        raise Http404 from None


@role_required(MANAGER)
@require_http_methods(["GET", "POST"])
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    member = _member_or_404(user_id)
    availability = _availability(member)
    role = team.role_of(member)
    profile = UserEditForm(
        request.POST if request.POST.get("form") == "profile" else None,
        initial={
            "first_name": member.first_name,
            "last_name": member.last_name,
            "email": member.email,
            "role": role,
        },
        prefix="profile",
    )
    avail = AvailabilityForm(
        request.POST if request.POST.get("form") == "availability" else None,
        initial={
            "away": availability.away if availability else False,
            "max_open_leads": availability.max_open_leads if availability else None,
        },
        prefix="availability",
    )
    deactivate = DeactivateForm(
        request.POST if request.POST.get("form") == "deactivate" else None,
        exclude_pk=member.pk,
        prefix="deactivate",
    )
    if request.method == "POST":
        done = _post_user_form(request, member, profile, avail, deactivate)
        if done:
            return redirect("handoff:settings_user", user_id=member.pk)
    context = {
        "member": member,
        "role": role,
        "availability": availability,
        "profile_form": profile,
        "availability_form": avail,
        "deactivate_form": deactivate,
        "accepted_leads": list(accepted_leads_of(member.pk)[:50]),
    }
    return render(request, "handoff/settings/user_detail.html", context)


def _post_user_form(
    request: HttpRequest,
    member: AbstractBaseUser,
    profile: UserEditForm,
    avail: AvailabilityForm,
    deactivate: DeactivateForm,
) -> bool:
    """Run the one form the POST names (its hidden `form` field); True when it was saved."""
    which = request.POST.get("form")
    try:
        if which == "profile" and profile.is_valid():
            team.user_update(actor=request.user, user_id=member.pk, **profile.cleaned_data)
            messages.success(request, _("Saved."))
            return True
        if which == "availability" and avail.is_valid():
            team.availability_set(actor=request.user, user_id=member.pk, **avail.cleaned_data)
            messages.success(request, _("Availability saved."))
            return True
        if which == "deactivate" and deactivate.is_valid():
            successor = deactivate.cleaned_data["successor"]
            moved = team.user_deactivate(
                actor=request.user,
                user_id=member.pk,
                successor_id=successor.pk if successor else None,
            )
            messages.success(
                request,
                _("%(name)s deactivated; %(count)s pending leads reassigned.")
                % {"name": user_label(member), "count": len(moved)},
            )
            return True
        if which == "reactivate":
            team.user_reactivate(actor=request.user, user_id=member.pk)
            messages.success(request, _("%(name)s reactivated.") % {"name": user_label(member)})
            return True
        if which == "invite":
            team.user_invite(actor=request.user, user_id=member.pk, base_url=_base_url(request))
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": member.email})
            return True
    except DomainError as exc:
        form = {"profile": profile, "availability": avail}.get(which, deactivate)
        message = apply_error(form, exc, unplaced_on_form=which != "invite")
        if which in ("invite", "reactivate") and message:
            messages.error(request, message)
    return False


@role_required(SALES, MANAGER)
@require_http_methods(["GET", "POST"])
def me(request: HttpRequest) -> HttpResponse:
    availability = RepAvailability.objects.filter(user=request.user).first()
    form = AwayForm(
        request.POST if request.method == "POST" else None,
        initial={"away": availability.away if availability else False},
    )
    if request.method == "POST" and form.is_valid():
        try:
            team.availability_set(
                actor=request.user, user_id=request.user.pk, away=form.cleaned_data["away"]
            )
        except DomainError as exc:
            apply_error(form, exc)
        else:
            if form.cleaned_data["away"]:
                messages.success(request, _("You are away: new leads go to other reps."))
            else:
                messages.success(request, _("You are back: new leads may come to you."))
            return redirect("handoff:settings_me")
    return render(request, "handoff/settings/me.html", {"form": form, "availability": availability})


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """Where an invitation's link lands: choose a password (Django's reset-token check)."""

    template_name = "handoff/settings/set_password.html"
    success_url = reverse_lazy("password_reset_complete")
    title = gettext_lazy("Choose your password")


set_password = SetPasswordView.as_view()
