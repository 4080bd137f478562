"""Domain signals of the workflow: how higher layers (metrics, webhooks) hear of moves.

`lead_moved` is sent by handoff/services.py inside the move's transaction, right after
the audit event is written, so a listener's own rows (dirty rollup cells, webhook
deliveries) commit or roll back with the move: an outbox, nothing lost if Redis is down.
Listeners queue their Celery work with transaction.on_commit.
"""

from django.dispatch import Signal

# kwargs:
#   event: handoff.models.LeadEvent, already saved (lead, actor, action, from/to status,
#          at, data, handoff, opportunity)
#   previous_owner_id: int | None   the lead's owner before the move
#   previous_campaign_id: int | None   the lead's campaign before the move
lead_moved = Signal()
