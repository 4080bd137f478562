"""The public web form: the hosted page (GET), the submission (POST, from the hosted page or
an embed on any site) and the fill-time token for the embed's script.

Public and CSRF-exempt: no session, cookie or signed-in user is read or written, and the only
write is the capture (`public_forms.submissions.submit`). Answers never carry lead data."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from integrations.models import LeadForm
from integrations.public_forms import spam, submissions
from integrations.public_forms.matching import UTM_FIELDS, clean_utm
from integrations.public_forms.services import public_form


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _form_or_404(slug: str) -> LeadForm:
    lead_form = public_form(slug)
    if lead_form is None:
        raise Http404
    return lead_form


def _origin_refused(request: HttpRequest, lead_form: LeadForm) -> bool:
    """With allowed origins set, a browser POST from another site not in the list is refused
    (requests without an Origin header, and the hosted page itself, pass)."""
    origin = request.headers.get("Origin")
    if not lead_form.allowed_origins or origin is None:
        return False
    own = f"{request.scheme}://{request.get_host()}"
    return origin.lower() != own.lower() and origin.lower() not in lead_form.allowed_origins


def _page(
    request: HttpRequest,
    lead_form: LeadForm,
    form: submissions.PublicLeadForm,
    *,
    status: int = 200,
    notice: str = "",
) -> HttpResponse:
    context = {"lead_form": lead_form, "form": form, "notice": notice}
    response = _render("integrations/public/form_page.html", context, status=status)
    return _allow_redirect_target(response, lead_form)


def _render(template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    """A public page, rendered without the request: no context processor reads the session,
    the signed-in user or the CSRF cookie."""
    return HttpResponse(render_to_string(template, context), status=status)


def _message(lead_form: LeadForm, title: str, message: str, *, status: int) -> HttpResponse:
    return _render(
        "integrations/public/message.html",
        {"lead_form": lead_form, "title": title, "message": message},
        status=status,
    )


def _allow_redirect_target(response: HttpResponse, lead_form: LeadForm) -> HttpResponse:
    """The page's form-action must allow where the answer redirects (browsers check it)."""
    if lead_form.redirect_url:
        parts = urlsplit(lead_form.redirect_url)
        # django-csp's `csp_update` sets this attribute; the target is known only per form.
        host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
        port = f":{parts.port}" if parts.port else ""
        response._csp_update = {"form-action": [f"{parts.scheme}://{host}{port}"]}
    return response


def _fresh(lead_form: LeadForm, data: dict[str, Any]) -> submissions.PublicLeadForm:
    """An unbound-looking form with the visitor's values and a new token."""
    initial = {**data, spam.TOKEN_FIELD: spam.fill_token(lead_form.slug)}
    initial.pop(spam.HONEYPOT_FIELD, None)
    return submissions.PublicLeadForm(initial=initial, lead_form=lead_form)


@never_cache
@csrf_exempt
@require_http_methods(["GET", "POST"])
def public_form_view(request: HttpRequest, slug: str) -> HttpResponse:
    if request.method == "POST":
        return _submit(request, slug)
    lead_form = _form_or_404(slug)
    utm = clean_utm({name: request.GET.get(name) for name in UTM_FIELDS})
    return _page(request, lead_form, _fresh(lead_form, utm))


def _submit(request: HttpRequest, slug: str) -> HttpResponse:
    as_json = _wants_json(request)
    lead_form = public_form(slug)
    if lead_form is None:
        if as_json:
            return JsonResponse({"detail": _("No such form."), "code": "not_found"}, status=404)
        raise Http404
    if _origin_refused(request, lead_form):
        detail = _("This form may not be sent from this site.")
        if as_json:
            return JsonResponse({"detail": detail, "code": "origin_refused"}, status=403)
        return _message(lead_form, _("Not sent"), detail, status=403)
    outcome = submissions.submit(
        lead_form=lead_form, data=request.POST, address=spam.client_address(request)
    )
    if outcome.status in (submissions.CAPTURED, submissions.DROPPED):
        return _thanks(request, lead_form, as_json)
    if outcome.status == submissions.LIMITED:
        return _limited(request, lead_form, outcome.retry_after, as_json)
    if outcome.status == submissions.UNAVAILABLE:
        detail = submissions.unavailable_message()
        if as_json:
            return JsonResponse({"detail": detail, "code": "unavailable"}, status=503)
        return _message(lead_form, _("Not sent"), detail, status=503)
    if outcome.status == submissions.CONFIRM:
        # (a token just served is "too fast" for 3 s: people read the page before sending)
        notice = _("Please check your details and send the form again.")
        fresh = _fresh(lead_form, outcome.form.data if outcome.form is not None else {})
        if as_json:
            return JsonResponse(
                {
                    "detail": notice,
                    "code": "confirm",
                    "form_token": fresh.initial[spam.TOKEN_FIELD],
                },
                status=400,
            )
        return _page(request, lead_form, fresh, notice=notice)
    # invalid: the form again with its messages
    form = outcome.form
    assert form is not None
    if as_json:
        return JsonResponse(
            {"detail": _("Invalid input."), "code": "invalid", "errors": outcome.errors},
            status=400,
        )
    # (its token stays: it was valid and old enough, so correcting a typo is never "too fast")
    return _page(request, lead_form, form, status=400)


def _thanks(request: HttpRequest, lead_form: LeadForm, as_json: bool) -> HttpResponse:
    if as_json:
        return JsonResponse(
            {
                "ok": True,
                "message": lead_form.thank_you_message,
                "redirect_url": lead_form.redirect_url or None,
            }
        )
    if lead_form.redirect_url:
        return HttpResponseRedirect(lead_form.redirect_url, status=303)
    return _message(lead_form, _("Thank you"), lead_form.thank_you_message, status=200)


def _limited(
    request: HttpRequest, lead_form: LeadForm, retry_after: int, as_json: bool
) -> HttpResponse:
    minutes = max(1, -(-retry_after // 60))
    detail = _(
        "Too many submissions from your network or to this form. "
        "Please try again in %(minutes)d minute(s)."
    ) % {"minutes": minutes}
    if as_json:
        response: HttpResponse = JsonResponse(
            {"detail": detail, "code": "throttled", "retry_after": retry_after}, status=429
        )
    else:
        response = _message(lead_form, _("Not sent"), detail, status=429)
    response["Retry-After"] = str(retry_after)
    return response


@never_cache
@require_http_methods(["GET"])
def public_form_token_view(request: HttpRequest, slug: str) -> HttpResponse:
    """`{"token": ...}` for the embed's script, readable from any site (no credentials)."""
    lead_form = public_form(slug)
    if lead_form is None:
        response = JsonResponse({"detail": _("No such form."), "code": "not_found"}, status=404)
    else:
        response = JsonResponse({"token": spam.fill_token(lead_form.slug)})
    origin = request.headers.get("Origin")
    if lead_form is not None and lead_form.allowed_origins:
        if origin and origin.lower() in lead_form.allowed_origins:
            response["Access-Control-Allow-Origin"] = origin
            response["Vary"] = "Origin"
    else:
        response["Access-Control-Allow-Origin"] = "*"
    return response
