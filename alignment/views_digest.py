"""The weekly digest's pages: the preview (each user their own; managers anyone's), the
opt-out toggle, and the unsubscribe link of the email (a signed token, no sign-in)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alignment import digest, selectors, services
from alignment.digest_send import digest_recipients
from leads.access import role_required
from leads.roles import MANAGER, ROLES, has_role, user_label


def _reader(request: HttpRequest) -> Any:
    """Whose digest the preview shows: the user's own; a manager may pick anyone active."""
    raw = request.GET.get("user", "")
    if not raw or not has_role(request.user, MANAGER):
        return request.user
    if not raw.isdigit() or len(raw) > 18:
        raise Http404
    try:
        return get_user_model().objects.get(pk=int(raw), is_active=True)
    except get_user_model().DoesNotExist:
        raise Http404 from None


@role_required(*ROLES)
@require_GET
def digest_preview(request: HttpRequest) -> HttpResponse:
    reader = _reader(request)
    week_start = digest.week_start_of(timezone.localdate())
    content = digest.digest_content(week_start=week_start)
    context: dict[str, Any] = {
        **digest.render_context(content, reader),
        "reader": reader,
        "reader_label": user_label(reader),
        "is_own": reader.pk == request.user.pk,
        "subscribed": selectors.digest_subscribed(user=request.user),
        "is_manager": has_role(request.user, MANAGER),
    }
    if context["is_manager"]:
        context["readers"] = [
            (user.pk, user_label(user))
            for user in get_user_model()
            .objects.filter(is_active=True)
            .order_by("first_name", "last_name", "username")
        ]
        context["recipient_count"] = digest_recipients().count()
    return render(request, "alignment/digest_preview.html", context)


@role_required(*ROLES)
@require_POST
def digest_subscription(request: HttpRequest) -> HttpResponse:
    subscribed = request.POST.get("subscribed") == "1"
    services.digest_set_subscribed(user=request.user, subscribed=subscribed)
    if subscribed:
        messages.success(request, _("You will get the weekly digest every Monday."))
    else:
        messages.success(request, _("You will no longer get the weekly digest."))
    return redirect("alignment:digest")


# The token signs the user id: it is the credential, so the one-click POST of mail clients
# (RFC 8058, List-Unsubscribe-Post) works without a session or a CSRF token. GET only asks.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def digest_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    user_id = digest.user_for_token(token)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    if user is None:
        raise Http404
    done = False
    if request.method == "POST":
        services.digest_set_subscribed(user=user, subscribed=False)
        done = True
    return render(
        request,
        "alignment/digest_unsubscribe.html",
        {"done": done, "token": token, "reader_label": user_label(user)},
    )
