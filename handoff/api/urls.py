"""Routes of the handoff app's API, registered on the one v1 router by crm/api.py."""

from handoff.api.users import UserViewSet

routes = [
    ("users", UserViewSet, "user"),
]
