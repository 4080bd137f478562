"""The database itself refuses an agreement out of range, whatever writes it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from alignment.models import Agreement, DigestDelivery

pytestmark = pytest.mark.django_db

GOOD = {
    "start": dt.date(2026, 1, 1),
    "end": dt.date(2026, 1, 31),
    "mqls": 10,
    "min_sla_compliance": Decimal("0.8"),
    "min_answered_share": Decimal("1"),
}


@pytest.mark.parametrize(
    "change",
    [
        {"end": dt.date(2025, 12, 31)},
        {"mqls": 0},
        {"min_sla_compliance": Decimal("0")},
        {"min_sla_compliance": Decimal("1.0001")},
        {"min_answered_share": Decimal("-0.1")},
        {"max_cost_per_mql": Decimal("0")},
        {"max_avg_response_hours": Decimal("-1")},
    ],
)
def test_out_of_range_rows_are_refused(change) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Agreement.objects.create(**{**GOOD, **change})
    assert not Agreement.objects.exists()


def test_the_edges_of_the_ranges_are_allowed() -> None:
    Agreement.objects.create(
        **{**GOOD, "end": GOOD["start"], "max_cost_per_mql": Decimal("0.01")},
        max_avg_response_hours=Decimal("0.01"),
    )
    assert Agreement.objects.count() == 1


def test_one_delivery_per_user_and_week(rep) -> None:
    DigestDelivery.objects.create(user=rep, week_start=dt.date(2026, 11, 30))
    with pytest.raises(IntegrityError), transaction.atomic():
        DigestDelivery.objects.create(user=rep, week_start=dt.date(2026, 11, 30))
