"""Every write of the lead lifecycle, one module per concern:

- `capture`: capture one lead or a batch, edit a lead's values;
- `moves`: every lifecycle move, one path for all (`lead_move` dispatches by action);
- `opportunities`: edit, win and lose an opportunity;
- `notices`: what a move tells people (written by `notifications.services.notify`);
- `core`: what they share (lock, guard, backfilled time, the one audit event, input checks).

The SLA sweep is `handoff.sla.sweep`. This package re-exports the public services so that
callers write `from handoff import services; services.lead_accept(...)`.
"""

from handoff.services.capture import (
    BULK_MAX_ROWS,
    CONTACT_FIELDS,
    CaptureResult,
    lead_capture,
    lead_capture_bulk,
    lead_update,
)
from handoff.services.moves import (
    LEAD_MOVES,
    lead_accept,
    lead_convert,
    lead_disqualify,
    lead_handoff,
    lead_move,
    lead_nurture,
    lead_qualify,
    lead_reassign,
    lead_recycle,
    lead_reject,
)
from handoff.services.opportunities import opportunity_lose, opportunity_update, opportunity_win

__all__ = [
    "BULK_MAX_ROWS",
    "CONTACT_FIELDS",
    "LEAD_MOVES",
    "CaptureResult",
    "lead_accept",
    "lead_capture",
    "lead_capture_bulk",
    "lead_convert",
    "lead_disqualify",
    "lead_handoff",
    "lead_move",
    "lead_nurture",
    "lead_qualify",
    "lead_reassign",
    "lead_recycle",
    "lead_reject",
    "lead_update",
    "opportunity_lose",
    "opportunity_update",
    "opportunity_win",
]
