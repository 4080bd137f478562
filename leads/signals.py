"""Domain signals of the leads app, sent inside the writing transaction (see metrics.listeners)."""

from django.dispatch import Signal

# A campaign or sales cost entry was created, changed or deleted.
# kwargs: kind ("campaign" | "sales"), dates (set[datetime.date]), campaign_id (int | None)
cost_changed = Signal()

# Touches were recorded (leads.touches.record_touches), inside the writing transaction.
# kwargs: lead_ids (list[int]), campaign_ids (list[int])
touches_recorded = Signal()
