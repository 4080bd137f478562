"""The SLA: business-hours calendar (pure), the policy of a handoff, and the sweep."""
