"""The settings audit: one row per real change, before and after, never a no-op row."""

from decimal import Decimal

import pytest

from leads.audit import record_change, setting_changes, snapshot
from leads.models import SettingChange
from tests import factories

pytestmark = pytest.mark.django_db


def test_an_update_records_only_the_fields_that_changed(manager):
    # Given a campaign and a snapshot of it before an edit
    campaign = factories.CampaignFactory(name="Spring", budget=Decimal("100.00"))
    before = snapshot(campaign, ["name", "budget", "owner"])

    # When its budget changes and the change is recorded
    campaign.budget = Decimal("250.50")
    campaign.save()
    row = record_change(
        actor=manager,
        area="campaigns",
        obj=campaign,
        action=SettingChange.Action.UPDATED,
        before=before,
        after=snapshot(campaign, ["name", "budget", "owner"]),
    )

    # Then one row holds who, what and only the changed field, as JSON-safe values
    assert row is not None
    assert row.actor == manager
    assert row.object_type == "leads.campaign"
    assert row.object_id == str(campaign.pk)
    assert row.before == {"budget": "100.00"}
    assert row.after == {"budget": "250.50"}


def test_an_update_that_changed_nothing_writes_no_row(manager):
    campaign = factories.CampaignFactory()
    same = snapshot(campaign, ["name", "budget"])

    row = record_change(
        actor=manager,
        area="campaigns",
        obj=campaign,
        action=SettingChange.Action.UPDATED,
        before=same,
        after=same,
    )

    assert row is None
    assert SettingChange.objects.count() == 0


def test_history_is_newest_first_and_filtered_by_area(manager, django_assert_num_queries):
    first = factories.CampaignFactory()
    second = factories.CampaignFactory()
    record_change(actor=manager, area="campaigns", obj=first, action="created", after={"a": 1})
    record_change(actor=manager, area="targets", obj=second, action="deleted", before={"a": 1})

    with django_assert_num_queries(1):
        rows = list(setting_changes())
        labels = [row.actor.username for row in rows]

    assert [row.area for row in rows] == ["targets", "campaigns"]
    assert labels == [manager.username, manager.username]
    assert [row.area for row in setting_changes(area="campaigns")] == ["campaigns"]
