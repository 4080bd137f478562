"""The dashboard says when its numbers are stale and why (issue 10, finding 1)."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from metrics import refresh
from metrics.models import DirtyCell

pytestmark = pytest.mark.django_db


def _page(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("metrics:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def test_fresh_numbers_carry_no_warning(manager):
    # Given a refresh with nothing left to do
    refresh.refresh_dirty()
    # Then the dashboard shows no staleness warning
    assert 'id="kpi-freshness"' not in _page(manager)


def test_a_failing_cell_is_named_with_the_last_refresh(manager, marketer):
    # Given a refresh that ran, and a cell that failed twice
    refresh.refresh_dirty()
    DirtyCell.objects.create(
        day=dt.date(2026, 1, 10),
        dimension="campaign",
        ref=7,
        attempts=2,
        last_error="ValueError: year -1 is out of range",
        retry_at=timezone.now() + dt.timedelta(minutes=2),
    )
    # When a marketer and a staff manager open the dashboard
    body = _page(marketer)
    # Then both see the warning, the day and the last refresh
    assert 'id="kpi-freshness"' in body
    assert "could not be refreshed" in body and "Last refresh" in body
    assert "Failing day" in body
    # And only staff see the error text
    assert "year -1 is out of range" not in body
    manager.is_staff = True
    manager.save()
    assert "year -1 is out of range" in _page(manager)


def test_a_change_waiting_longer_than_the_threshold_is_stale(manager):
    # Given a change marked 20 minutes ago and never refreshed (worker down)
    refresh.refresh_dirty()
    cell = DirtyCell.objects.create(day=timezone.localdate(), dimension="sales", ref=0)
    DirtyCell.objects.filter(pk=cell.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=20)
    )
    # Then the dashboard warns that the refresh is late
    body = _page(manager)
    assert "the refresh is running late" in body and "may be missing" in body


def test_a_change_waiting_a_moment_is_not_stale(manager):
    refresh.refresh_dirty()
    DirtyCell.objects.create(day=timezone.localdate(), dimension="sales", ref=0)
    assert 'id="kpi-freshness"' not in _page(manager)
