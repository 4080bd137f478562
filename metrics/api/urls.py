"""Routes of the metrics app's API, registered on the one v1 router by crm/api.py."""

routes: list = []
