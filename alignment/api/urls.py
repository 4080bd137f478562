"""Routes registered by crm/api.py: (prefix, viewset, basename)."""

from alignment.api.agreements import AgreementViewSet

routes: list[tuple] = [("agreements", AgreementViewSet, "agreement")]
