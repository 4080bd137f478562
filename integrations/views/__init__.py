"""The integration settings pages (managers): API tokens and webhooks."""
