"""Webhook pages: the list, create (a generated secret shown once), edit, delete, the
delivery log of one subscription with its test event and the retry of a failed delivery."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from integrations.forms import WebhookEditForm, WebhookForm
from integrations.models import DeliveryStatus, WebhookSubscription
from integrations.webhooks import actions, subscriptions
from leads.access import role_required
from leads.errors import DomainError
from leads.forms import apply_error
from leads.paging import paginate
from leads.roles import MANAGER

LOG_PAGE_SIZE = 20


def _refusal(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, apply_error(forms.Form(), error, unplaced_on_form=False))


@role_required(MANAGER)
@require_http_methods(["GET"])
def webhook_list_view(request: HttpRequest) -> HttpResponse:
    page = paginate(actions.subscriptions_all(), request.GET)
    return render(
        request, "integrations/webhook_list.html", {"page": page, "subscriptions": page.rows}
    )


@never_cache
@role_required(MANAGER)
@require_http_methods(["GET", "POST"])
def webhook_create_view(request: HttpRequest) -> HttpResponse:
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription = subscriptions.subscription_create(
                actor=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            apply_error(form, exc)
        else:
            # A generated secret is in this answer only, never in a message or a redirect.
            generated = "" if form.cleaned_data["secret"] else subscription.secret
            return render(
                request,
                "integrations/webhook_created.html",
                {"subscription": subscription, "secret": generated},
            )
    return render(request, "integrations/webhook_form.html", {"form": form, "subscription": None})


@role_required(MANAGER)
@require_http_methods(["GET", "POST"])
def webhook_edit_view(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = get_object_or_404(WebhookSubscription, pk=subscription_id)
    initial = {
        "url": subscription.url,
        "events": subscription.events,
        "active": subscription.active,
    }
    form = WebhookEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            subscriptions.subscription_update(
                actor=request.user, subscription_id=subscription.pk, **form.cleaned_data
            )
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("Webhook saved."))
            return redirect("integrations:webhook_detail", subscription_id=subscription.pk)
    return render(
        request, "integrations/webhook_form.html", {"form": form, "subscription": subscription}
    )


@role_required(MANAGER)
@require_http_methods(["GET", "POST"])
def webhook_delete_view(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = get_object_or_404(WebhookSubscription, pk=subscription_id)
    if request.method == "POST":
        try:
            subscriptions.subscription_remove(actor=request.user, subscription_id=subscription.pk)
        except DomainError as exc:
            _refusal(request, exc)
            return redirect("integrations:webhook_detail", subscription_id=subscription.pk)
        messages.success(request, _("Webhook deleted with its delivery log."))
        return redirect("integrations:webhook_list")
    return render(request, "integrations/webhook_delete.html", {"subscription": subscription})


@role_required(MANAGER)
@require_http_methods(["GET"])
def webhook_detail_view(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = get_object_or_404(WebhookSubscription, pk=subscription_id)
    page = paginate(
        actions.delivery_log(subscription_id=subscription.pk), request.GET, size=LOG_PAGE_SIZE
    )
    return render(
        request,
        "integrations/webhook_detail.html",
        {
            "subscription": subscription,
            "page": page,
            "deliveries": page.rows,
            "FAILED": DeliveryStatus.FAILED,
        },
    )


@role_required(MANAGER)
@require_POST
def webhook_test_view(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = get_object_or_404(WebhookSubscription, pk=subscription_id)
    try:
        delivery = actions.send_test_event(actor=request.user, subscription_id=subscription.pk)
    except DomainError as exc:
        _refusal(request, exc)
    else:
        messages.success(
            request,
            _(
                "Test event sent as delivery %(id)s: its attempts show in the log below "
                "(reload if it is not there yet)."
            )
            % {"id": delivery.pk},
        )
    return redirect("integrations:webhook_detail", subscription_id=subscription.pk)


@role_required(MANAGER)
@require_POST
def delivery_retry_view(
    request: HttpRequest, subscription_id: int, delivery_id: int
) -> HttpResponse:
    subscription = get_object_or_404(WebhookSubscription, pk=subscription_id)
    get_object_or_404(subscription.deliveries, pk=delivery_id)
    try:
        actions.delivery_retry(actor=request.user, delivery_id=delivery_id)
    except DomainError as exc:
        _refusal(request, exc)
    else:
        messages.success(
            request,
            _(
                "Delivery %(id)s queued again: its new attempt shows in the log "
                "(reload if it is not there yet)."
            )
            % {"id": delivery_id},
        )
    return redirect("integrations:webhook_detail", subscription_id=subscription.pk)
