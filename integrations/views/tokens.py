"""API token pages: the list, create (the key shown once, on the answer to the POST), revoke."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from integrations import tokens
from integrations.forms import ApiTokenForm
from integrations.models import ApiToken
from leads.access import role_required
from leads.errors import DomainError
from leads.forms import apply_error
from leads.paging import paginate
from leads.roles import MANAGER


@role_required(MANAGER)
@require_http_methods(["GET"])
def token_list_view(request: HttpRequest) -> HttpResponse:
    page = paginate(tokens.token_list(), request.GET)
    return render(request, "integrations/token_list.html", {"page": page, "tokens": page.rows})


@never_cache
@role_required(MANAGER)
@require_http_methods(["GET", "POST"])
def token_create_view(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = tokens.token_create(
                actor=request.user,
                user_id=form.cleaned_data["user"].pk,
                name=form.cleaned_data["name"],
            )
        except DomainError as exc:
            apply_error(form, exc)
        else:
            # The key is in this answer only: not in a message, a session or a redirect.
            return render(
                request,
                "integrations/token_created.html",
                {"token": created.token, "key": created.key},
            )
    return render(request, "integrations/token_form.html", {"form": form})


@role_required(MANAGER)
@require_http_methods(["GET", "POST"])
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.select_related("user"), pk=token_id)
    if request.method == "POST":
        try:
            tokens.token_revoke(actor=request.user, token_id=token.pk)
        except DomainError as exc:
            messages.error(request, apply_error(forms.Form(), exc, unplaced_on_form=False))
        else:
            messages.success(
                request,
                _("Token “%(name)s” revoked: its key is refused from now on.")
                % {"name": token.name},
            )
        return redirect("integrations:token_list")
    return render(request, "integrations/token_revoke.html", {"token": token})
