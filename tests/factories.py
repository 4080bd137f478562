"""factory_boy factories for the models; users get their role through `role=`."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunPython
from django.utils import timezone

from leads.models import Campaign, CampaignCost, Channel, Lead, SalesCost

User = get_user_model()
OUR_APPS = {"leads", "handoff", "metrics", "crm"}


def ensure_migration_data() -> None:
    """Put back the rows data migrations write (roles, their permissions, the rotation
    pointer, the refresh state) when a transactional test's flush removed them.

    Every data migration here is idempotent (get_or_create), so running them again is safe.
    """
    if Group.objects.filter(name="manager").exists():
        return
    run_data_migrations()


def run_data_migrations() -> None:
    """Run every data migration of our apps again (each is idempotent): the role groups and
    all their permissions, the rotation pointer, the refresh state."""
    loader = MigrationLoader(connection)
    apps = loader.project_state().apps
    plan = dict.fromkeys(
        node for leaf in loader.graph.leaf_nodes() for node in loader.graph.forwards_plan(leaf)
    )
    editor = SimpleNamespace(connection=connection)
    for key in plan:
        if key[0] not in OUR_APPS:
            continue
        for operation in loader.graph.nodes[key].operations:
            if isinstance(operation, RunPython):
                operation.code(apps, editor)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", "pass12345")

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs) -> None:
        if create and extracted:
            ensure_migration_data()
            self.groups.add(Group.objects.get(name=extracted))
        if create:
            self.save()


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    channel = Channel.PAID_SEARCH
    status = Campaign.Status.ACTIVE
    start_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=60))
    budget = Decimal("10000.00")


class CampaignCostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CampaignCost

    campaign = factory.SubFactory(CampaignFactory)
    date = factory.LazyFunction(timezone.localdate)
    amount = Decimal("100.00")


class SalesCostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesCost

    date = factory.LazyFunction(timezone.localdate)
    amount = Decimal("1000.00")


class LeadFactory(factory.django.DjangoModelFactory):
    """A lead row written directly: for model tests. Workflow tests capture through the service."""

    class Meta:
        model = Lead

    email = factory.Sequence(lambda n: f"lead{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    company = factory.Faker("company")
    campaign = factory.SubFactory(CampaignFactory)
    score = 50


# --- the workflow (handoff): leads driven through handoff/services.py -----------------

_PATH_TO = {
    "new": [],
    "nurture": ["nurture"],
    "mql": ["qualify"],
    "handed_off": ["qualify", "handoff"],
    "accepted": ["qualify", "handoff", "accept"],
    "rejected": ["qualify", "handoff", "reject"],
    "converted": ["qualify", "handoff", "accept", "convert"],
    "disqualified": ["disqualify"],
}
_lead_seq = iter(range(10**9))


def lead_in_state(
    status: str,
    *,
    marketer,
    rep=None,
    campaign: Campaign | None = None,
    **fields,
) -> Lead:
    """A lead captured and moved to `status` through the workflow service (the honest way).

    `rep` is the assignee for states past `mql` (handed off by `marketer`, answered by `rep`).
    """
    from handoff import services

    n = next(_lead_seq)
    fields.setdefault("email", f"flow{n}@example.com")
    fields.setdefault("score", 60)
    if campaign is None and "campaign_id" not in fields:
        campaign = CampaignFactory()
    if campaign is not None:
        fields["campaign_id"] = campaign.pk
    lead = services.lead_capture(actor=marketer, **fields)
    for step in _PATH_TO[status]:
        if step == "nurture":
            services.lead_nurture(lead_id=lead.pk, actor=marketer)
        elif step == "qualify":
            services.lead_qualify(lead_id=lead.pk, actor=marketer)
        elif step == "handoff":
            services.lead_handoff(lead_id=lead.pk, actor=marketer, assignee_id=rep.pk)
        elif step == "accept":
            services.lead_accept(lead_id=lead.pk, actor=rep, rating=4)
        elif step == "reject":
            services.lead_reject(lead_id=lead.pk, actor=rep, reason="no_budget", rating=2)
        elif step == "convert":
            services.lead_convert(lead_id=lead.pk, actor=rep, amount="5000.00")
        elif step == "disqualify":
            services.lead_disqualify(lead_id=lead.pk, actor=marketer, reason="student")
    lead.refresh_from_db()
    return lead
