"""Web form settings pages (marketing and managers): the list, create, edit, the detail with
the embed snippet, the hosted page's address and the counters, and (de)activation."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from integrations.forms import LeadFormSettingsForm
from integrations.models import LeadForm
from integrations.public_forms import embed
from integrations.public_forms import services as form_services
from leads.access import role_required
from leads.errors import DomainError
from leads.forms import apply_error
from leads.paging import paginate

ROLES = form_services.FORM_ROLES


def _campaign_filter(request: HttpRequest) -> int | None:
    raw = request.GET.get("campaign", "")
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


@role_required(*ROLES)
@require_http_methods(["GET"])
def lead_form_list_view(request: HttpRequest) -> HttpResponse:
    campaign_id = _campaign_filter(request)
    page = paginate(form_services.form_list(campaign_id=campaign_id), request.GET)
    return render(
        request,
        "integrations/lead_form_list.html",
        {"page": page, "lead_forms": page.rows, "campaign_id": campaign_id},
    )


@role_required(*ROLES)
@require_http_methods(["GET", "POST"])
def lead_form_create_view(request: HttpRequest) -> HttpResponse:
    initial = {"campaign": _campaign_filter(request), "consent_required": True}
    form = LeadFormSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            created = form_services.form_create(actor=request.user, **form.service_values())
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("Web form created: paste its snippet into your site."))
            return redirect("integrations:lead_form_detail", form_id=created.pk)
    return render(request, "integrations/lead_form_form.html", {"form": form})


def _base_url(request: HttpRequest) -> str:
    """Where visitors reach us: SITE_URL (the public address), as in emails."""
    return settings.SITE_URL or request.build_absolute_uri("/")


@role_required(*ROLES)
@require_http_methods(["GET"])
def lead_form_detail_view(request: HttpRequest, form_id: int) -> HttpResponse:
    lead_form = get_object_or_404(LeadForm.objects.select_related("campaign"), pk=form_id)
    base = _base_url(request)
    return render(
        request,
        "integrations/lead_form_detail.html",
        {
            "lead_form": lead_form,
            "snippet": embed.snippet(lead_form, base),
            "hosted_url": embed.hosted_url(lead_form, base),
        },
    )


@role_required(*ROLES)
@require_http_methods(["GET", "POST"])
def lead_form_edit_view(request: HttpRequest, form_id: int) -> HttpResponse:
    lead_form = get_object_or_404(LeadForm, pk=form_id)
    initial = {
        "campaign": lead_form.campaign_id,
        "title": lead_form.title,
        "fields": lead_form.fields,
        "consent_text": lead_form.consent_text,
        "consent_required": lead_form.consent_required,
        "thank_you_message": lead_form.thank_you_message,
        "redirect_url": lead_form.redirect_url,
        "allowed_origins": "\n".join(lead_form.allowed_origins),
    }
    form = LeadFormSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            form_services.form_update(
                actor=request.user, form_id=lead_form.pk, **form.service_values()
            )
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("Web form saved."))
            return redirect("integrations:lead_form_detail", form_id=lead_form.pk)
    return render(
        request, "integrations/lead_form_form.html", {"form": form, "lead_form": lead_form}
    )


@role_required(*ROLES)
@require_POST
def lead_form_active_view(request: HttpRequest, form_id: int) -> HttpResponse:
    lead_form = get_object_or_404(LeadForm, pk=form_id)
    active = request.POST.get("active") == "1"
    try:
        form_services.form_set_active(actor=request.user, form_id=lead_form.pk, active=active)
    except DomainError as exc:
        messages.error(request, apply_error(forms.Form(), exc, unplaced_on_form=False))
    else:
        messages.success(
            request,
            _("Web form reactivated.")
            if active
            else _("Web form deactivated: its page answers 404."),
        )
    return redirect("integrations:lead_form_detail", form_id=lead_form.pk)
