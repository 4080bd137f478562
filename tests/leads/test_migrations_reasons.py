"""Free-text loss reasons written before the codes existed become `other` with the text kept
as the note; a reason that already was a code keeps it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from leads.models import Opportunity

BEFORE = [("leads", "0005_opportunity_win_reason_close_note")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def _leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_free_text_loss_reasons_become_other_with_the_text_as_note():
    try:
        # Given two lost deals from before the codes: one free text, one already a code
        old_apps = _migrate(BEFORE)
        User = old_apps.get_model("auth", "User")
        OldLead = old_apps.get_model("leads", "Lead")
        OldOpportunity = old_apps.get_model("leads", "Opportunity")
        rep = User.objects.create(username="old-rep")
        made = {}
        for email, reason in (
            ("a@example.com", "Chose a rival, cheaper"),
            ("b@example.com", "price"),
        ):
            lead = OldLead.objects.create(email=email, status="converted", owner_id=rep.pk)
            made[reason] = OldOpportunity.objects.create(
                lead_id=lead.pk,
                name=email,
                amount=100,
                stage="lost",
                owner_id=rep.pk,
                closed_at=lead.created_at,
                created_at=lead.created_at,
                lost_reason=reason,
            ).pk

        # When the migrations run forward
        _migrate(_leaves())

        # Then the free text is now `other` with the text as its note; the code is untouched
        free = Opportunity.objects.get(pk=made["Chose a rival, cheaper"])
        assert (free.lost_reason, free.close_note) == ("other", "Chose a rival, cheaper")
        coded = Opportunity.objects.get(pk=made["price"])
        assert (coded.lost_reason, coded.close_note) == ("price", "")
    finally:
        _migrate(_leaves())
