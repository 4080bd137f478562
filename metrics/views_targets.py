"""The targets grid (managers edit; overall, per channel, per rep) and a rep's quota strip."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from leads.errors import DomainError, InvalidInput
from leads.forms import refusal_message
from leads.roles import MANAGER, SALES, has_role
from metrics import services, targets_page


def _year(value: str | None) -> int:
    try:
        year = int(value or "")
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@login_required
@require_http_methods(["GET", "POST"])
def targets_grid(request: HttpRequest) -> HttpResponse:
    """GET: the grid of a year and scope; POST: save every cell of it through the service."""
    if not has_role(request.user, MANAGER):
        raise PermissionDenied(_("Targets are set by managers."))
    source = request.POST if request.method == "POST" else request.GET
    choices = targets_page.scope_choices()
    scope, filters = targets_page.parse_scope(source.get("scope", ""), choices)
    year = _year(source.get("year"))
    context: dict[str, Any] = {"scope": scope, "choices": choices, "year": year}
    status = 200
    if request.method == "POST":
        by_name, cells = targets_page.posted_cells(request.POST, year)
        try:
            services.targets_save(actor=request.user, cells=cells, **filters)
        except InvalidInput as error:
            context["grid"] = targets_page.grid(
                year=year, posted=by_name, errors=error.errors, **filters
            )
            context["error"] = _("Some targets were not saved: see the marked cells.")
            status = 400
        except DomainError as error:
            raise PermissionDenied(refusal_message(error)) from None
        else:
            messages.success(request, _("Targets saved."))
            return redirect(f"{request.path}?scope={scope}&year={year}")
    if "grid" not in context:
        context["grid"] = targets_page.grid(year=year, **filters)
    return render(request, "metrics/targets.html", context, status=status)


@login_required
@require_GET
def quota_mine(request: HttpRequest) -> HttpResponse:
    """The signed-in rep's quota this month: an htmx fragment for the inbox header."""
    if not has_role(request.user, SALES):
        raise PermissionDenied(_("Quotas are for sales reps."))
    quota = targets_page.my_quota(owner=request.user.pk)
    return render(request, "metrics/partials/_quota_mine.html", {"quota": quota})
