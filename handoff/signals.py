"""Domain signals of the workflow: how higher layers (metrics, webhooks) hear of moves.

`lead_moved` is sent by handoff/services.py inside the move's transaction, right after
the audit event is written, so a listener's own rows (dirty rollup cells, webhook
deliveries) commit or roll back with the move: an outbox, nothing lost if Redis is down.
Listeners queue their Celery work with transaction.on_commit.

`leads_captured` is the batch form for the leads a bulk capture (the API's bulk, a CSV
import) creates: one send with every "created" event, in the same transaction, so a
listener does its work for the batch in a constant number of queries. A capture of one
lead sends `lead_moved` as every other move does. A listener that cares about created
leads connects to both (metrics/listeners.py, integrations/webhooks/outbox.py).
"""

from django.dispatch import Signal

# kwargs:
#   event: handoff.models.LeadEvent, already saved (lead, actor, action, from/to status,
#          at, data, handoff, opportunity)
#   previous_owner_id: int | None   the lead's owner before the move
#   previous_campaign_id: int | None   the lead's campaign before the move
lead_moved = Signal()

# kwargs:
#   events: list[handoff.models.LeadEvent], the "created" events of the batch, saved, each
#           with its `lead` attached (new leads: no owner, no handoff, no opportunity)
leads_captured = Signal()
