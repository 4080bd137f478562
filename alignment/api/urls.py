"""Routes registered by crm/api.py: (prefix, viewset, basename)."""

from alignment.api.agreements import AgreementViewSet
from alignment.api.views import PlanViewSet

routes: list[tuple] = [
    ("plans", PlanViewSet, "plan"),
    ("agreements", AgreementViewSet, "agreement"),
]
