"""GET/POST /api/v1/leads/{id}/touches/ (attribution.md "Touches"): who may read and write,
field errors, backfilled `at` and its bounds, paging oldest first, constant query counts."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handoff import services
from leads.models import Lead, Touch
from leads.touches import NewTouch, record_touches
from tests.api.conftest import client_for
from tests.api.test_query_fuzz import NASTY
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db


def url(lead_id: int) -> str:
    return f"/api/v1/leads/{lead_id}/touches/"


@pytest.fixture
def lead(marketer):
    campaign = CampaignFactory(name="Spring webinar", channel="webinar")
    return services.lead_capture(actor=marketer, email="ada@example.com", campaign_id=campaign.pk)


def test_post_records_an_api_touch_and_answers_201_with_it(marketer_api, marketer, lead):
    # given a second campaign
    ebook = CampaignFactory(name="Ebook", channel="content")
    # when marketing posts a touch
    r = marketer_api.post(url(lead.pk), {"campaign": ebook.pk}, format="json")
    # then 201 with the touch, kind `api`, at about now
    assert r.status_code == 201, r.json()
    body = r.json()
    assert set(body) == {
        "id",
        "lead",
        "campaign",
        "campaign_name",
        "channel",
        "at",
        "kind",
        "created_at",
    }
    assert (body["lead"], body["campaign"], body["campaign_name"], body["channel"]) == (
        lead.pk,
        ebook.pk,
        "Ebook",
        "content",
    )
    assert body["kind"] == "api"
    touch = Touch.objects.get(pk=body["id"])
    assert touch.created_by == marketer
    assert abs((timezone.now() - touch.at).total_seconds()) < 60


@pytest.mark.parametrize("kind", ["capture", "form", "import", "api", "manual"])
def test_post_accepts_every_kind(manager_api, lead, kind):
    r = manager_api.post(url(lead.pk), {"campaign": lead.campaign_id, "kind": kind}, format="json")
    assert r.status_code == 201 and r.json()["kind"] == kind


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "campaign"),
        ({"campaign": None}, "campaign"),
        ({"campaign": 999_999}, "campaign"),
        ({"campaign": "x"}, "campaign"),
        ({"campaign": 0}, "campaign"),
        ({"campaign": 2**70}, "campaign"),
        ({"campaign": "CAMPAIGN", "kind": "phone"}, "kind"),
        ({"campaign": "CAMPAIGN", "kind": None}, "kind"),
        ({"campaign": "CAMPAIGN", "at": "yesterday"}, "at"),
    ],
)
def test_post_bad_input_is_400_with_field_errors(manager_api, lead, body, field):
    body = {k: (lead.campaign_id if v == "CAMPAIGN" else v) for k, v in body.items()}
    r = manager_api.post(url(lead.pk), body, format="json")
    assert r.status_code == 400, r.json()
    assert r.json()["code"] == "invalid" and field in r.json()
    assert Touch.objects.filter(lead=lead).count() == 1


def test_post_at_without_the_backfill_permission_is_403(marketer_api, lead):
    # marketing may record touches but not backfill them (the backfill convention: 403)
    at = (timezone.now() - dt.timedelta(minutes=1)).isoformat()
    r = marketer_api.post(url(lead.pk), {"campaign": lead.campaign_id, "at": at}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert Touch.objects.filter(lead=lead).count() == 1


def test_post_backfilled_at_with_the_permission(manager_api, manager, marketer):
    # given a lead captured (backfilled) on 1 March 2024
    campaign, event = CampaignFactory(), CampaignFactory()
    created = dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC)
    lead = services.lead_capture(
        actor=manager, email="old@example.com", campaign_id=campaign.pk, created_at=created
    )
    # when a manager backfills the event it met on 5 March
    at = dt.datetime(2024, 3, 5, 12, tzinfo=dt.UTC)
    r = manager_api.post(url(lead.pk), {"campaign": event.pk, "at": at.isoformat()}, format="json")
    # then it is kept at that time
    assert r.status_code == 201
    assert Touch.objects.get(pk=r.json()["id"]).at == at


@pytest.mark.parametrize(
    "at", ["1999-12-31T23:59:00Z", "2999-01-01T00:00:00Z", "2024-02-29T00:00:00Z"]
)
def test_post_at_out_of_bounds_is_400(manager_api, manager, at):
    # given a lead captured on 1 March 2024: too early, future, and before the capture
    lead = services.lead_capture(
        actor=manager,
        email="old@example.com",
        campaign_id=CampaignFactory().pk,
        created_at=dt.datetime(2024, 3, 1, tzinfo=dt.UTC),
    )
    r = manager_api.post(url(lead.pk), {"campaign": lead.campaign_id, "at": at}, format="json")
    assert r.status_code == 400 and "at" in r.json()
    assert Touch.objects.filter(lead=lead).count() == 1


def test_post_by_a_rep_is_403_even_on_their_own_lead(rep_api, world):
    r = rep_api.post(url(world["own"].pk), {"campaign": world["campaign"].pk}, format="json")
    assert r.status_code == 403
    r = rep_api.post(url(world["own"].pk), {"kind": "nope"}, format="json")
    assert r.status_code == 403


def test_invisible_or_missing_lead_is_404(rep_api, marketer_api, world):
    other = world["other"].pk
    assert rep_api.get(url(other)).status_code == 404
    assert (
        rep_api.post(url(other), {"campaign": world["campaign"].pk}, format="json").status_code
        == 404
    )
    assert rep_api.get(f"/api/v1/leads/{other}/").status_code == 404
    assert marketer_api.get(url(999_999)).status_code == 404
    assert marketer_api.post(url(999_999), {"campaign": 1}, format="json").status_code == 404


def test_rep_reads_the_touches_of_their_lead(rep_api, world):
    r = rep_api.get(url(world["own"].pk))
    assert r.status_code == 200
    assert [t["campaign"] for t in r.json()["results"]] == [world["campaign"].pk]


def test_anonymous_is_401(anon_api, lead):
    assert anon_api.get(url(lead.pk)).status_code == 401
    assert anon_api.post(url(lead.pk), {"campaign": lead.campaign_id}).status_code == 401


def _touch_many(lead, count: int) -> list[dt.datetime]:
    """`count` more touches, from the lead's capture on, given in shuffled order."""
    campaigns = [CampaignFactory() for _ in range(3)]
    times = [lead.created_at + dt.timedelta(seconds=10 * (i + 1)) for i in range(count)]
    shuffled = times[1::2] + times[0::2]
    record_touches(
        [NewTouch(lead.pk, campaigns[i % 3].pk, at, "api") for i, at in enumerate(shuffled)]
    )
    return times


def test_list_is_oldest_first_and_paged_by_cursor(marketer_api, marketer):
    # given a lead captured a day ago with 7 later touches recorded out of order
    manager_lead = services.lead_capture(
        actor=marketer, email="paged@example.com", campaign_id=CampaignFactory().pk
    )
    Touch.objects.filter(lead=manager_lead).update(
        at=manager_lead.created_at - dt.timedelta(days=1)
    )
    _touch_many(manager_lead, 7)
    expected = list(
        Touch.objects.filter(lead=manager_lead).order_by("at", "id").values_list("id", flat=True)
    )
    # when the list is read three at a time
    seen, next_url = [], url(manager_lead.pk) + "?page_size=3"
    pages = 0
    while next_url:
        body = marketer_api.get(next_url).json()
        seen += [t["id"] for t in body["results"]]
        next_url, pages = body["next"], pages + 1
    # then every touch comes once, oldest first, the capture first
    assert seen == expected and pages == 3
    assert Touch.objects.get(pk=seen[0]).kind == "capture"


@pytest.mark.parametrize("count", [1, 40])
def test_list_query_count_is_constant(marketer_api, marketer, django_assert_num_queries, count):
    lead = services.lead_capture(
        actor=marketer, email="q@example.com", campaign_id=CampaignFactory().pk
    )
    _touch_many(lead, count)
    marketer_api.get(url(lead.pk))  # warm the token's user and roles caches alike
    # the token with its user, roles, the lead (visibility) with its handoffs, the touches page
    with django_assert_num_queries(5):
        r = marketer_api.get(url(lead.pk))
    assert len(r.json()["results"]) == count + 1


def test_post_query_count(manager_api, lead, django_assert_num_queries):
    manager_api.get(url(lead.pk))
    with django_assert_num_queries(11):
        r = manager_api.post(url(lead.pk), {"campaign": lead.campaign_id}, format="json")
    assert r.status_code == 201


def test_idempotency_key_replays_the_first_touch(marketer_api, lead):
    headers = {"HTTP_IDEMPOTENCY_KEY": "touch-1"}
    body = {"campaign": lead.campaign_id}
    first = marketer_api.post(url(lead.pk), body, format="json", **headers)
    again = marketer_api.post(url(lead.pk), body, format="json", **headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Touch.objects.filter(lead=lead).count() == 2


# values a client can send at all (a lone surrogate cannot be encoded as UTF-8)
SENDABLE = [v for v in NASTY if v != "\ud800"]
TEXT = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
    | st.sampled_from(SENDABLE),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=5,
)


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.fixed_dictionaries(
        {},
        optional={
            "campaign": JSON_VALUES,
            "at": JSON_VALUES,
            "kind": JSON_VALUES | st.sampled_from(["api", "manual", "capture"]),
        },
    )
)
def test_no_touch_body_gives_a_server_error(manager, body):
    # given a lead and a manager (who may backfill), when any JSON body is posted
    lead = Lead.objects.filter(email="fuzz@example.com").first() or services.lead_capture(
        actor=manager, email="fuzz@example.com"
    )
    api = client_for(manager)
    api.raise_request_exception = False
    r = api.post(url(lead.pk), body, format="json")
    # then a 201 or a JSON 4xx, never a 500
    assert r.status_code < 500, (body, r.status_code)
    if r.status_code >= 400:
        assert {"detail", "code"} <= set(r.json())


@pytest.mark.parametrize(
    "value", [*SENDABLE, "2024-01-01T00:00", "2999-01-01T00:00", "1999-12-31T23:59"]
)
def test_the_page_form_answers_nasty_values_without_a_server_error(manager, lead, value):
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    add_url = reverse("handoff:lead_touch_add", args=[lead.pk])
    for field in ("touch-campaign", "touch-at"):
        body = {"touch-campaign": str(lead.campaign_id), field: value}
        assert client.post(add_url, body).status_code in (302, 400), (field, value)


@pytest.mark.parametrize("method", ["get", "post"])
def test_huge_lead_id_is_a_json_404(manager_api, method):
    path = url(99999999999999999999)
    r = (
        getattr(manager_api, method)(path, {"campaign": 1}, format="json")
        if method == "post"
        else manager_api.get(path)
    )
    assert r.status_code == 404 and r.json()["code"] == "not_found"
