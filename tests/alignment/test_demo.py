"""The demo loads a year of targets (overall, per channel, per rep) and a saved plan."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from alignment.demo import PLAN_NAME, seed_plan_and_targets
from alignment.models import Plan
from metrics.models import Target


@pytest.mark.django_db
def test_demo_has_targets_and_a_plan_and_reseeding_changes_nothing():
    # Given the demo loaded (fewer leads, same code path)
    call_command("seed_demo", "--leads", "300", stdout=io.StringIO())
    # then there is a plan from measured rates and a year of targets at each level
    plan = Plan.objects.get(name=PLAN_NAME)
    assert plan.answer["needed"]["leads"] > 0
    assert {r["source"] for r in plan.answer["rates"].values()} == {"measured"}
    overall = Target.objects.filter(channel=None, owner=None)
    assert overall.filter(metric="revenue").count() >= 12
    assert Target.objects.filter(channel="paid_search", metric="leads").count() == 12
    reps = get_user_model().objects.filter(username__startswith="rep")
    assert Target.objects.filter(owner__in=reps, metric="customers").count() == 12 * reps.count()
    before = set(Target.objects.values_list("month", "metric", "channel", "owner", "value"))
    # when it runs again
    manager = get_user_model().objects.get(username="manager")
    seed_plan_and_targets(manager=manager, reps=list(reps.order_by("username")))
    # then nothing changed but the plan's row itself (replaced with the same answer)
    after = set(Target.objects.values_list("month", "metric", "channel", "owner", "value"))
    assert after == before
    assert Plan.objects.filter(name=PLAN_NAME).count() == 1
    assert Plan.objects.get(name=PLAN_NAME).answer["needed"] == plan.answer["needed"]
