"""Shared targets: managers set them, everyone reads them for the months of a range."""

import datetime as dt
from decimal import Decimal

import pytest

from leads.errors import ActionNotAllowed, InvalidInput
from metrics import selectors, services
from metrics.models import Target


@pytest.mark.django_db
def test_manager_sets_and_replaces_a_monthly_target(manager):
    first = services.target_set(
        actor=manager, month=dt.date(2026, 3, 15), metric="leads", value=120
    )
    again = services.target_set(actor=manager, month=dt.date(2026, 3, 1), metric="leads", value=150)
    assert first.pk == again.pk
    assert (again.month, again.value, again.channel) == (dt.date(2026, 3, 1), Decimal(150), None)
    assert Target.objects.count() == 1


@pytest.mark.django_db
def test_targets_for_returns_overall_or_one_channel_for_the_months_of_the_range(manager):
    for month in (1, 2, 3, 4):
        services.target_set(actor=manager, month=dt.date(2026, month, 1), metric="mqls", value=10)
    services.target_set(actor=manager, month=dt.date(2026, 2, 1), metric="revenue", value="5000.50")
    services.target_set(
        actor=manager, month=dt.date(2026, 2, 1), metric="mqls", value=4, channel="webinar"
    )
    overall = selectors.targets_for(start=dt.date(2026, 2, 10), end=dt.date(2026, 3, 31))
    assert [(t.month.month, t.metric, t.value) for t in overall] == [
        (2, "mqls", Decimal(10)),
        (2, "revenue", Decimal("5000.50")),
        (3, "mqls", Decimal(10)),
    ]
    webinar = selectors.targets_for(
        start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31), channel="webinar"
    )
    assert [(t.month.month, t.value) for t in webinar] == [(2, Decimal(4))]


@pytest.mark.django_db
def test_only_managers_set_targets_and_everyone_may_view(manager, marketer, rep):
    with pytest.raises(ActionNotAllowed):
        services.target_set(actor=marketer, month=dt.date(2026, 1, 1), metric="leads", value=1)
    with pytest.raises(ActionNotAllowed):
        services.target_set(actor=rep, month=dt.date(2026, 1, 1), metric="leads", value=1)
    assert all(u.has_perm("metrics.view_target") for u in (manager, marketer, rep))
    assert manager.has_perm("metrics.change_target")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"metric": "romi", "value": 1}, "metric"),
        ({"metric": "leads", "value": -1}, "value"),
        ({"metric": "leads", "value": "2.5"}, "value"),
        ({"metric": "sla_compliance_rate", "value": "1.5"}, "value"),
        ({"metric": "cac", "value": "abc"}, "value"),
        ({"metric": "cac", "value": 10, "channel": "tv"}, "channel"),
    ],
)
def test_bad_targets_are_refused_with_a_field_error(manager, fields, error):
    with pytest.raises(InvalidInput) as exc:
        services.target_set(actor=manager, month=dt.date(2026, 1, 1), **fields)
    assert error in exc.value.errors
    assert not Target.objects.exists()
