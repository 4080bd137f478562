"""Domain signals of the leads app, sent inside the writing transaction (see metrics.listeners)."""

from django.dispatch import Signal

# A campaign or sales cost entry was created, changed or deleted.
# kwargs: kind ("campaign" | "sales"), dates (set[datetime.date]), campaign_id (int | None)
cost_changed = Signal()

# Touches were recorded (leads.touches.record_touches, touch_create), or a lead's creation
# touch moved or was removed with an edit of its source campaign or creation time
# (creation_touch_follow), or restored (capture_touches_backfill); inside the writing
# transaction. campaign_ids holds the campaigns before and after a change.
# kwargs: lead_ids (list[int]), campaign_ids (list[int])
touches_recorded = Signal()
