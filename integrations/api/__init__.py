"""The integrations' REST endpoints (webhook subscriptions)."""
