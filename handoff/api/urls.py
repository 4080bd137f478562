"""Routes of the handoff app's API, registered on the one v1 router by crm/api.py."""

from handoff.api.users import UserViewSet
from handoff.api.views import HandoffViewSet, LeadViewSet, OpportunityViewSet

routes = [
    ("leads", LeadViewSet, "lead"),
    ("handoffs", HandoffViewSet, "handoff"),
    ("opportunities", OpportunityViewSet, "opportunity"),
    ("users", UserViewSet, "user"),
]
