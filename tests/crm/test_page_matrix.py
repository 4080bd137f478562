"""Every page is reachable only by its roles (issue 10): every named URL of the page apps
(api/ and admin/ aside), for an anonymous visitor and each role, answers the status the
table below declares. A page added without a row here fails the test."""

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from alignment.digest import unsubscribe_token
from alignment.models import Agreement
from alignment.services import plan_create
from handoff.models import AssignmentRule, BusinessHours, SLAPolicy
from imports.models import LeadImport
from integrations.models import ApiToken, LeadForm, WebhookDelivery, WebhookSubscription
from notifications.models import Notification
from tests.factories import CampaignCostFactory, CampaignFactory, lead_in_state

pytestmark = pytest.mark.django_db

WHO = ("anonymous", "marketing", "sales", "manager")
LOGIN = "login"  # a redirect to the sign-in page
HOME_START = "start"  # a redirect from home to the user's workspace
DENIED = (403, 404)  # refused: the page does not exist for this role or object


@dataclass(frozen=True)
class Row:
    """How to reach a page (method, URL kwargs from the world) and what each visitor gets.

    An expectation is a status code, a tuple of acceptable codes, LOGIN or HOME_START."""

    expect: tuple[Any, Any, Any, Any]  # anonymous, marketing, sales, manager
    method: str = "get"
    kwargs: Callable[[dict], dict] = lambda world: {}


def _lead(world: dict) -> dict:
    return {"lead_id": world["lead"].pk}


def _campaign(world: dict) -> dict:
    return {"campaign_id": world["campaign"].pk}


def _import(world: dict) -> dict:
    return {"import_id": world["import"].pk}


def _cost(world: dict) -> dict:
    return {"campaign_id": world["campaign"].pk, "cost_id": world["cost"].pk}


def _plan(world: dict) -> dict:
    return {"plan_id": world["plan"].pk}


def _agreement(world: dict) -> dict:
    return {"agreement_id": world["agreement"].pk}


def _opportunity(world: dict) -> dict:
    return {"opportunity_id": world["opportunity"].pk}


def _webhook(world: dict) -> dict:
    return {"subscription_id": world["subscription"].pk}


def _lead_form(world: dict) -> dict:
    return {"form_id": world["lead_form"].pk}


def _public_form(world: dict) -> dict:
    return {"slug": world["lead_form"].slug}


# The outcomes of a POST with an empty form from an allowed role: a form error, a redirect
# back, or a refused move (409); never a 403/404 nor a 500.
DONE = (200, 302, 400, 409)

PAGES: dict[str, Row] = {
    "home": Row((LOGIN, HOME_START, HOME_START, HOME_START)),
    "healthz": Row((200, 200, 200, 200)),
    "favicon": Row((301, 301, 301, 301)),
    # 200 with the database and broker up (503 naming the failing part otherwise).
    "readyz": Row((200, 200, 200, 200)),
    "login": Row((200, 200, 200, 200)),
    "logout": Row((302, 302, 302, 302), method="post"),
    "password_change": Row((LOGIN, 200, 200, 200)),
    "password_change_done": Row((LOGIN, 200, 200, 200)),
    "password_reset": Row((200, 200, 200, 200)),
    "password_reset_done": Row((200, 200, 200, 200)),
    "password_reset_confirm": Row(
        (200, 200, 200, 200), kwargs=lambda world: {"uidb64": "MQ", "token": "bad-token"}
    ),
    "password_reset_complete": Row((200, 200, 200, 200)),
    "set_language": Row((302, 302, 302, 302), method="post"),
    "metrics:dashboard": Row((LOGIN, 200, 200, 200)),
    "metrics:diagnosis": Row((LOGIN, 200, 200, 200)),
    "metrics:attribution": Row((LOGIN, 200, 200, 200)),
    # with no range given, the export is the default range's table
    "metrics:attribution_export": Row((LOGIN, 200, 200, 200)),
    # with no table named, the export sends the visitor to the dashboard
    "metrics:export": Row((LOGIN, 302, 302, 302)),
    "metrics:reassign": Row((LOGIN, DENIED, DENIED, DONE), method="post", kwargs=_lead),
    "metrics:campaign_list": Row((LOGIN, 200, DENIED, 200)),
    "metrics:campaign_detail": Row((LOGIN, 200, DENIED, 200), kwargs=_campaign),
    "leads:campaign_create": Row((LOGIN, 200, DENIED, 200)),
    "leads:campaign_edit": Row((LOGIN, 200, DENIED, 200), kwargs=_campaign),
    "leads:campaign_spend": Row((LOGIN, 200, DENIED, 200), kwargs=_campaign),
    "leads:campaign_cost_edit": Row((LOGIN, 200, DENIED, 200), kwargs=_cost),
    # (the manager finds it gone: the marketer's POST before removed it; both allowed)
    "leads:campaign_cost_delete": Row(
        (LOGIN, DONE, DENIED, (*DONE, 404)), method="post", kwargs=_cost
    ),
    "imports:import_start": Row((LOGIN, 200, DENIED, 200)),
    "imports:import_detail": Row((LOGIN, 200, DENIED, 200), kwargs=_import),
    # the world's import has no stored file: the page says so and goes back to the report
    "imports:import_failed_rows": Row((LOGIN, 302, DENIED, 302), kwargs=_import),
    "imports:import_mapping": Row((LOGIN, DONE, DENIED, DONE), kwargs=_import),
    "notifications:list": Row((LOGIN, 200, 200, 200)),
    "notifications:read": Row(
        (LOGIN, DENIED, DONE, DENIED),
        method="post",
        kwargs=lambda world: {"notification_id": world["notification"].pk},
    ),
    "notifications:read_all": Row((LOGIN, 302, 302, 302), method="post"),
    # a rep sees the leads they own (read-only); marketing and managers see every lead
    "handoff:lead_list": Row((LOGIN, 200, 200, 200)),
    "handoff:lead_create": Row((LOGIN, 200, DENIED, 200)),
    "handoff:lead_bulk": Row((LOGIN, DONE, DENIED, DONE), method="post"),
    "handoff:lead_detail": Row((LOGIN, 200, 200, 200), kwargs=_lead),
    "handoff:lead_edit": Row((LOGIN, 200, DENIED, 200), kwargs=_lead),
    # the lead page's "Add a touch" form (an empty post: the form's errors, 400)
    "handoff:lead_touch_add": Row((LOGIN, DONE, DENIED, DONE), method="post", kwargs=_lead),
    "handoff:lead_move": Row(
        (LOGIN, DONE, DENIED, DONE),
        method="post",
        kwargs=lambda world: {"lead_id": world["lead"].pk, "move": "recycle"},
    ),
    "handoff:inbox": Row((LOGIN, DENIED, 200, 200)),
    # a row's answer forms, loaded on demand (without htmx: a redirect to the lead page)
    "handoff:inbox_answer": Row((LOGIN, DENIED, (200, 302), (200, 302)), kwargs=_lead),
    "handoff:inbox_accept": Row((LOGIN, DENIED, DONE, DONE), method="post", kwargs=_lead),
    "handoff:inbox_reject": Row((LOGIN, DENIED, DONE, DONE), method="post", kwargs=_lead),
    "handoff:inbox_convert": Row((LOGIN, DENIED, DONE, DONE), method="post", kwargs=_lead),
    "handoff:pipeline": Row((LOGIN, DENIED, 200, 200)),
    "handoff:opportunity_stage": Row(
        (LOGIN, DENIED, DONE, DONE), method="post", kwargs=_opportunity
    ),
    "handoff:opportunity_win": Row((LOGIN, DENIED, DONE, DONE), method="post", kwargs=_opportunity),
    "handoff:opportunity_lose": Row(
        (LOGIN, DENIED, DONE, DONE), method="post", kwargs=_opportunity
    ),
    # alignment: plans (managers write), the agreement (everyone reads), the digest
    "alignment:plan_list": Row((LOGIN, 200, 200, 200)),
    "alignment:plan_detail": Row((LOGIN, 200, 200, 200), kwargs=_plan),
    "alignment:planner": Row((LOGIN, DENIED, DENIED, 200)),
    "alignment:agreement": Row((LOGIN, 200, 200, 200)),
    "alignment:agreement_detail": Row((LOGIN, 200, 200, 200), kwargs=_agreement),
    "alignment:agreement_create": Row((LOGIN, DENIED, DENIED, 200)),
    "alignment:agreement_edit": Row((LOGIN, DENIED, DENIED, 200), kwargs=_agreement),
    "alignment:digest": Row((LOGIN, 200, 200, 200)),
    "alignment:digest_subscription": Row((LOGIN, 302, 302, 302), method="post"),
    # a signed link from the email: it asks before acting, signed in or not
    "alignment:digest_unsubscribe": Row(
        (200, 200, 200, 200), kwargs=lambda world: {"token": world["unsubscribe"]}
    ),
    "metrics:loss_reasons": Row((LOGIN, 200, 200, 200)),
    "metrics:targets": Row((LOGIN, DENIED, DENIED, 200)),
    # a rep's own quota strip (the inbox loads it); other roles have no quota
    "metrics:quota_mine": Row((LOGIN, DENIED, 200, DENIED)),
    # settings: managers; a rep may mark themselves away
    "settings_hub": Row((LOGIN, DENIED, DENIED, 200)),
    "settings_history": Row((LOGIN, DENIED, DENIED, 200)),
    "handoff:settings_users": Row((LOGIN, DENIED, DENIED, 200)),
    "handoff:settings_user_new": Row((LOGIN, DENIED, DENIED, 200)),
    "handoff:settings_user": Row(
        (LOGIN, DENIED, DENIED, 200), kwargs=lambda world: {"user_id": world["users"]["sales"].pk}
    ),
    "handoff:settings_me": Row((LOGIN, DENIED, 200, 200)),
    "handoff:set_password": Row(
        (200, 200, 200, 200), kwargs=lambda world: {"uidb64": "MQ", "token": "bad-token"}
    ),
    "handoff:settings_sla": Row((LOGIN, DENIED, DENIED, 200)),
    "handoff:settings_sla_new": Row((LOGIN, DENIED, DENIED, 200)),
    "handoff:settings_sla_edit": Row(
        (LOGIN, DENIED, DENIED, 200), kwargs=lambda world: {"policy_id": world["policy"].pk}
    ),
    "handoff:settings_sla_delete": Row(
        (LOGIN, DENIED, DENIED, DONE),
        method="post",
        kwargs=lambda world: {"policy_id": world["policy"].pk},
    ),
    "handoff:settings_hours_new": Row((LOGIN, DENIED, DENIED, 200)),
    "handoff:settings_hours_edit": Row(
        (LOGIN, DENIED, DENIED, 200), kwargs=lambda world: {"hours_id": world["hours"].pk}
    ),
    "handoff:settings_hours_delete": Row(
        (LOGIN, DENIED, DENIED, DONE),
        method="post",
        kwargs=lambda world: {"hours_id": world["hours"].pk},
    ),
    "handoff:settings_rules": Row((LOGIN, DENIED, DENIED, 200)),
    "handoff:settings_rule_new": Row((LOGIN, DENIED, DENIED, 200)),
    "handoff:settings_rule_edit": Row(
        (LOGIN, DENIED, DENIED, 200), kwargs=lambda world: {"rule_id": world["rule"].pk}
    ),
    "handoff:settings_rule_delete": Row(
        (LOGIN, DENIED, DENIED, DONE),
        method="post",
        kwargs=lambda world: {"rule_id": world["rule"].pk},
    ),
    "handoff:settings_rule_move": Row(
        (LOGIN, DENIED, DENIED, DONE),
        method="post",
        kwargs=lambda world: {"rule_id": world["rule"].pk},
    ),
    "scoring:model": Row((LOGIN, DENIED, DENIED, 200)),
    "scoring:train": Row((LOGIN, DENIED, DENIED, DONE), method="post"),
    "integrations:token_list": Row((LOGIN, DENIED, DENIED, 200)),
    "integrations:token_create": Row((LOGIN, DENIED, DENIED, 200)),
    "integrations:token_revoke": Row(
        (LOGIN, DENIED, DENIED, 200), kwargs=lambda world: {"token_id": world["token"].pk}
    ),
    # the public web form and its token: anyone, signed in or not
    "integrations:public_form": Row((200, 200, 200, 200), kwargs=_public_form),
    "integrations:public_form_token": Row((200, 200, 200, 200), kwargs=_public_form),
    "integrations:lead_form_list": Row((LOGIN, 200, DENIED, 200)),
    "integrations:lead_form_create": Row((LOGIN, 200, DENIED, 200)),
    "integrations:lead_form_detail": Row((LOGIN, 200, DENIED, 200), kwargs=_lead_form),
    "integrations:lead_form_edit": Row((LOGIN, 200, DENIED, 200), kwargs=_lead_form),
    "integrations:lead_form_active": Row(
        (LOGIN, DONE, DENIED, DONE), method="post", kwargs=_lead_form
    ),
    "integrations:webhook_list": Row((LOGIN, DENIED, DENIED, 200)),
    "integrations:webhook_create": Row((LOGIN, DENIED, DENIED, 200)),
    "integrations:webhook_detail": Row((LOGIN, DENIED, DENIED, 200), kwargs=_webhook),
    "integrations:webhook_edit": Row((LOGIN, DENIED, DENIED, 200), kwargs=_webhook),
    "integrations:webhook_delete": Row((LOGIN, DENIED, DENIED, 200), kwargs=_webhook),
    "integrations:webhook_test": Row((LOGIN, DENIED, DENIED, DONE), method="post", kwargs=_webhook),
    "integrations:delivery_retry": Row(
        (LOGIN, DENIED, DENIED, DONE),
        method="post",
        kwargs=lambda world: {**_webhook(world), "delivery_id": world["delivery"].pk},
    ),
}


def page_names() -> Iterator[str]:
    """Every named URL pattern of the site outside api/ and admin/, with its namespace."""

    def walk(patterns: list, namespace: str) -> Iterator[str]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if str(entry.pattern).startswith(("api/", "admin/")):
                    continue
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry.url_patterns, inner)
            elif isinstance(entry, URLPattern) and entry.name:
                yield f"{namespace}{entry.name}"

    return walk(get_resolver().url_patterns, "")


def test_every_page_has_a_row_in_the_table():
    # Given every named page of the site; Then each has its declared row, and no row is stale
    names = set(page_names())
    assert sorted(names - set(PAGES)) == [], "add these pages to PAGES"
    assert sorted(set(PAGES) - names) == [], "these rows name no page"


@pytest.fixture
def world(marketer, rep, other_rep, manager) -> dict:
    """Objects the pages show: a lead handed to `rep`, a converted lead's opportunity, an
    import by the marketer, a notification of the rep, an API token and a webhook with a
    failed delivery."""
    campaign = CampaignFactory()
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep, campaign=campaign)
    converted = lead_in_state("converted", marketer=marketer, rep=rep, campaign=campaign)
    lead_import = LeadImport.objects.create(
        created_by=marketer, original_name="a.csv", file="imports/a.csv", status="done"
    )
    token = ApiToken.objects.create(user=rep, name="sync", prefix="abcd1234", key_hash="0" * 64)
    subscription = WebhookSubscription.objects.create(
        url="https://example.com/hook", events=["lead.created"], secret="s" * 32
    )
    delivery = WebhookDelivery.objects.create(
        subscription=subscription, event="lead.created", body="{}", status="failed"
    )
    plan = plan_create(
        actor=manager,
        name="Q3",
        start=dt.date(2026, 7, 1),
        end=dt.date(2026, 9, 30),
        revenue_goal=Decimal("100000.00"),
        lookback_start=dt.date(2026, 1, 1),
        lookback_end=dt.date(2026, 6, 30),
        overrides={
            "lead_to_mql": "0.2",
            "mql_to_accepted": "0.6",
            "accepted_to_opportunity": "0.4",
            "win_rate": "0.25",
            "avg_deal_size": "10000",
            "cost_per_lead": "50",
            "avg_lead_to_win_days": "30",
        },
    )
    agreement = Agreement.objects.create(
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 3, 31),
        mqls=10,
        min_sla_compliance=Decimal("0.8"),
        min_answered_share=Decimal("0.9"),
        created_by=manager,
    )
    return {
        "cost": CampaignCostFactory(campaign=campaign),
        "plan": plan,
        "agreement": agreement,
        "policy": SLAPolicy.objects.create(
            name="Hot", min_score=80, max_score=100, response_hours=1
        ),
        "hours": BusinessHours.objects.create(weekday=0, opens=dt.time(9), closes=dt.time(17)),
        "rule": AssignmentRule.objects.create(name="Spain", country="ES"),
        "unsubscribe": unsubscribe_token(rep),
        "token": token,
        "subscription": subscription,
        "delivery": delivery,
        "campaign": campaign,
        "lead_form": LeadForm.objects.create(
            campaign=campaign, title="Guide", consent_text="Yes", thank_you_message="Thanks"
        ),
        "lead": lead,
        "opportunity": converted.opportunity,
        "import": lead_import,
        "notification": Notification.objects.filter(recipient=rep).first(),
        "users": {"anonymous": None, "marketing": marketer, "sales": rep, "manager": manager},
    }


def _matches(expected: Any, response: Any, url: str) -> bool:
    if expected == LOGIN:
        return response.status_code == 302 and response["Location"].startswith(reverse("login"))
    if expected == HOME_START:
        return response.status_code == 302 and not response["Location"].startswith(reverse("login"))
    if isinstance(expected, tuple):
        return response.status_code in expected
    return response.status_code == expected


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_answers_each_role_as_declared(name: str, world: dict):
    row = PAGES[name]
    url = reverse(name, kwargs=row.kwargs(world))
    seen = {}
    for who, expected in zip(WHO, row.expect, strict=True):
        # Given a visitor of this role
        client = Client()
        if world["users"][who] is not None:
            client.force_login(world["users"][who])
        # When they open (or post an empty form to) the page
        response = getattr(client, row.method)(url)
        # Then the answer is the declared one
        seen[who] = (response.status_code, response.get("Location", ""))
        assert _matches(expected, response, url), f"{name} {url} as {who}: {seen[who]}"
