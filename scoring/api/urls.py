"""Routes registered by crm/api.py: (prefix, viewset, basename)."""

from scoring.api.views import ScoringViewSet

routes: list[tuple] = [("scoring", ScoringViewSet, "scoring")]
