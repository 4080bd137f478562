"""Webhooks: signing, subscriptions, payloads, the outbox and delivery."""
