"""A page for 405 answers outside the API: Django's `require_POST` and friends answer with
an empty body, which a browser shows as a blank page. The API keeps its JSON bodies."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

API_PREFIX = "/api/"


class NotAllowedPageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code != 405
            or request.path.startswith(API_PREFIX)
            or getattr(response, "streaming", False)
            or response.content
        ):
            return response
        allowed = response.get("Allow", "")
        page = render(request, "405.html", {"allowed": allowed}, status=405)
        if allowed:
            page["Allow"] = allowed
        return page
