"""The notifications page: a user's notices, mark one or all read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from leads.paging import paginate
from notifications import selectors, services
from notifications.models import Notification

# The lead page belongs to the workflow; it is named, never imported.
LEAD_PAGE = "handoff:lead_detail"


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    page = paginate(selectors.notifications_for(user=request.user), request.GET)
    return render(request, "notifications/list.html", {"page": page, "notifications": page.rows})


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one notice read, then open its lead (or go back to the list)."""
    try:
        notification = services.notification_mark_read(
            notification_id=notification_id, user=request.user
        )
    except Notification.DoesNotExist:
        raise Http404 from None
    if notification.lead_id and request.POST.get("open"):
        return redirect(LEAD_PAGE, lead_id=notification.lead_id)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notification_mark_all_read(user=request.user)
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)d notification marked read.",
                "%(count)d notifications marked read.",
                count,
            )
            % {"count": count},
        )
    return redirect("notifications:list")
