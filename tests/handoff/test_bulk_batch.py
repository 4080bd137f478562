"""Bulk capture at scale: one `leads_captured` signal whose consumers write the same rows
the per-lead `lead_moved` sends wrote, and a query count that does not grow with rows."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from handoff import services
from handoff.models import LeadEvent
from integrations.models import WebhookDelivery, WebhookSubscription
from integrations.webhooks import outbox
from metrics import listeners
from metrics.models import DirtyCell
from tests.factories import CampaignFactory, UserFactory

pytestmark = pytest.mark.django_db


def _subscribe() -> None:
    WebhookSubscription.objects.create(
        url="https://hooks.example.com/a", secret="s" * 32, events=["lead.created"]
    )
    WebhookSubscription.objects.create(
        url="https://hooks.example.com/b", secret="t" * 32, events=["lead.qualified"]
    )


def _rows(n: int, campaigns: list[int], prefix: str = "b") -> list[dict]:
    now = timezone.now()
    return [
        {
            "email": f"{prefix}{i}@example.com",
            "first_name": "Ana",
            "campaign_id": campaigns[i % len(campaigns)],
            # three creation days: several cells per campaign
            "created_at": now - dt.timedelta(days=i % 3),
        }
        for i in range(n)
    ]


def _snapshot() -> tuple[list, list]:
    cells = sorted(DirtyCell.objects.values_list("day", "dimension", "ref"))
    deliveries = sorted(WebhookDelivery.objects.values_list("subscription_id", "event", "body"))
    return cells, deliveries


def test_batch_consumers_write_the_rows_one_signal_per_lead_wrote(manager) -> None:
    # Given a bulk capture's created events (two campaigns, three days, a subscription)
    _subscribe()
    campaigns = [CampaignFactory().pk, CampaignFactory().pk]
    services.lead_capture_bulk(actor=manager, rows=_rows(12, campaigns))
    events = list(LeadEvent.objects.filter(action="created").select_related("lead").order_by("id"))
    assert len(events) == 12
    DirtyCell.objects.all().delete()
    WebhookDelivery.objects.all().delete()

    # When the old path (one lead_moved per lead) writes its rows
    with transaction.atomic():
        for event in events:
            listeners.on_lead_moved(None, event=event)
            outbox.on_lead_moved(None, event=event)
    per_lead = _snapshot()
    DirtyCell.objects.all().delete()
    WebhookDelivery.objects.all().delete()

    # And the batch path writes its rows
    with transaction.atomic():
        listeners.on_leads_captured(None, events=events)
        outbox.on_leads_captured(None, events=events)
    batch = _snapshot()

    # Then both wrote the same dirty cells and the same deliveries (subscription, body)
    assert batch == per_lead
    cells, deliveries = batch
    assert len(deliveries) == 12  # one per lead for the lead.created subscription
    assert len(cells) == 3 * 2 + 3  # (3 days x 2 campaigns) + (3 days x no owner)


def _bulk_queries(manager, n: int, prefix: str) -> int:
    campaigns = list(CampaignFactory.create_batch(3))
    rows = _rows(n, [c.pk for c in campaigns], prefix)
    with CaptureQueriesContext(connection) as queries:
        results = services.lead_capture_bulk(actor=manager, rows=rows)
    assert {r.status for r in results} == {"created"}
    return len(queries)


def test_bulk_capture_query_count_is_constant_in_rows_with_every_consumer(manager) -> None:
    # Given a webhook subscription (deliveries), campaigns (touches) and backfilled days
    _subscribe()
    UserFactory()  # warm the role cache
    services.lead_capture_bulk(actor=manager, rows=_rows(1, [CampaignFactory().pk], "warm"))
    # Then 10 rows and 400 rows take the same queries (PostgreSQL: one INSERT per table)
    small = _bulk_queries(manager, 10, "s")
    large = _bulk_queries(manager, 400, "l")
    if connection.vendor == "postgresql":
        assert small == large
        assert large <= 14
    assert WebhookDelivery.objects.count() == 411
    assert LeadEvent.objects.filter(action="created").count() == 411


def test_invalid_rows_still_get_the_model_messages(manager) -> None:
    rows = [
        {"email": "ok@example.com", "country": "es"},
        {"email": "bad-country@example.com", "country": "XX"},
        {"email": "long@example.com", "first_name": "x" * 101},
        {"email": "not an email"},
        {"email": "score@example.com", "score": 101},
    ]
    results = services.lead_capture_bulk(actor=manager, rows=rows)
    assert [r.status for r in results] == ["created", "invalid", "invalid", "invalid", "invalid"]
    assert results[1].errors == {"country": ["Value 'XX' is not a valid choice."]}
    assert results[2].errors == {
        "first_name": ["Ensure this value has at most 100 characters (it has 101)."]
    }
    assert results[3].errors == {"email": ["Enter a valid email address."]}
    assert results[4].errors == {"score": ["The score is a whole number from 0 to 100."]}
