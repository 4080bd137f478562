"""The integrations' viewsets, registered on the one router in crm/api.py."""

from integrations.api.viewsets import WebhookSubscriptionViewSet

routes = [
    ("webhooks", WebhookSubscriptionViewSet, "webhook"),
]
