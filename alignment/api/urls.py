"""Routes registered by crm/api.py: (prefix, viewset, basename)."""

routes: list[tuple] = []
