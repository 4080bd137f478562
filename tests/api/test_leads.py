"""Leads over the API: capture, dedupe, idempotency, bulk, moves, refusals and lists."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations.models import IdempotencyKey
from leads.models import Lead
from tests import factories

pytestmark = pytest.mark.django_db


def test_capture_answers_201_with_the_lead(marketer_api):
    # given a campaign
    campaign = factories.CampaignFactory()
    # when a lead is posted
    r = marketer_api.post(
        "/api/v1/leads/",
        {"email": "Ann@Example.com", "first_name": "Ann", "campaign": campaign.pk, "score": 10},
        format="json",
    )
    # then it is created, normalised and new
    assert r.status_code == 201
    body = r.json()
    assert body["email"] == "ann@example.com"
    assert body["status"] == "new" and body["campaign"] == campaign.pk
    assert body["current_handoff"] is None and body["owner"] is None


def test_capture_validation_errors_are_field_errors(marketer_api):
    r = marketer_api.post("/api/v1/leads/", {"email": "nope", "score": 101}, format="json")
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "invalid" and body["detail"]
    assert set(body) >= {"email", "score"}


def test_duplicate_email_is_409_with_existing_id(marketer_api):
    first = marketer_api.post("/api/v1/leads/", {"email": "dup@example.com"}, format="json")
    r = marketer_api.post("/api/v1/leads/", {"email": "DUP@example.com"}, format="json")
    assert r.status_code == 409
    assert r.json()["code"] == "duplicate"
    assert r.json()["existing_id"] == first.json()["id"]


def test_duplicate_external_id_is_409(marketer_api):
    first = marketer_api.post(
        "/api/v1/leads/", {"email": "a@example.com", "external_id": "crm-1"}, format="json"
    )
    r = marketer_api.post(
        "/api/v1/leads/", {"email": "b@example.com", "external_id": "crm-1"}, format="json"
    )
    assert (r.status_code, r.json()["existing_id"]) == (409, first.json()["id"])


def test_idempotency_key_replays_the_first_answer_and_creates_nothing(marketer_api):
    headers = {"HTTP_IDEMPOTENCY_KEY": "abc-123"}
    body = {"email": "once@example.com"}
    first = marketer_api.post("/api/v1/leads/", body, format="json", **headers)
    again = marketer_api.post("/api/v1/leads/", body, format="json", **headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Lead.objects.filter(email="once@example.com").count() == 1
    assert IdempotencyKey.objects.get(key="abc-123").response_status == 201


def test_idempotency_key_with_a_different_body_is_refused(marketer_api):
    headers = {"HTTP_IDEMPOTENCY_KEY": "k1"}
    marketer_api.post("/api/v1/leads/", {"email": "x1@example.com"}, format="json", **headers)
    r = marketer_api.post("/api/v1/leads/", {"email": "x2@example.com"}, format="json", **headers)
    assert r.status_code == 409 and r.json()["code"] == "idempotency_conflict"
    assert not Lead.objects.filter(email="x2@example.com").exists()


def test_idempotency_keys_are_per_user(marketer_api, manager_api):
    headers = {"HTTP_IDEMPOTENCY_KEY": "shared"}
    a = marketer_api.post("/api/v1/leads/", {"email": "u1@example.com"}, format="json", **headers)
    b = manager_api.post("/api/v1/leads/", {"email": "u2@example.com"}, format="json", **headers)
    assert (a.status_code, b.status_code) == (201, 201)


def test_bulk_keeps_valid_rows_and_reports_each_row(marketer_api):
    # given one existing lead
    existing = marketer_api.post("/api/v1/leads/", {"email": "old@example.com"}, format="json")
    rows = [
        {"email": "new1@example.com"},
        {"email": "not-an-email"},
        {"email": "OLD@example.com"},
        "not an object",
        {"email": "new2@example.com", "score": 500},
        {"email": "new1@example.com"},
        {"email": "new3@example.com", "campaign": 999999},
    ]
    # when
    r = marketer_api.post("/api/v1/leads/bulk/", {"leads": rows}, format="json")
    # then
    assert r.status_code == 200
    body = r.json()
    statuses = [row["status"] for row in body["results"]]
    assert statuses == [
        "created",
        "invalid",
        "duplicate",
        "invalid",
        "invalid",
        "duplicate",
        "invalid",
    ]
    assert [row["index"] for row in body["results"]] == list(range(7))
    assert body["results"][2]["existing_id"] == existing.json()["id"]
    assert "email" in body["results"][1]["errors"] and "campaign" in body["results"][6]["errors"]
    assert (body["created"], body["duplicates"], body["invalid"]) == (1, 2, 4)
    assert Lead.objects.filter(email="new1@example.com").count() == 1


def test_bulk_refuses_more_than_1000_rows(marketer_api):
    rows = [{"email": f"r{i}@example.com"} for i in range(1001)]
    r = marketer_api.post("/api/v1/leads/bulk/", {"leads": rows}, format="json")
    assert r.status_code == 400 and "leads" in r.json()
    assert Lead.objects.count() == 0


def test_bulk_of_1000_rows_uses_a_constant_number_of_queries(marketer_api):
    campaign = factories.CampaignFactory()
    rows = [{"email": f"bulk{i}@example.com", "campaign": campaign.pk} for i in range(1000)]
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        r = marketer_api.post("/api/v1/leads/bulk/", {"leads": rows}, format="json")
    elapsed = time.perf_counter() - started
    assert r.status_code == 200 and r.json()["created"] == 1000
    # (SQLite caps the parameters of one INSERT, so bulk_create there writes in ~50-row
    # batches; PostgreSQL needs one INSERT per table.)
    limit = 15 if connection.vendor == "postgresql" else 60
    assert len(queries) <= limit, [q["sql"][:80] for q in queries]
    print(f"bulk 1000 rows: {len(queries)} queries, {elapsed:.2f}s")


def test_lead_list_query_count_does_not_grow_with_the_page(
    marketer_api, world, django_assert_max_num_queries
):
    for i in range(30):
        marketer_api.post("/api/v1/leads/", {"email": f"l{i}@example.com"}, format="json")
    with django_assert_max_num_queries(6):
        r = marketer_api.get("/api/v1/leads/?page_size=50")
    assert r.status_code == 200 and len(r.json()["results"]) == 34


def test_lead_list_filters_orders_and_pages_by_cursor(marketer_api, world):
    r = marketer_api.get("/api/v1/leads/?status=handed_off&ordering=email&page_size=1")
    body = r.json()
    assert r.status_code == 200 and set(body) == {"next", "previous", "results"}
    assert body["results"][0]["email"] == "other@example.com"
    second = marketer_api.get(body["next"]).json()
    assert second["results"][0]["email"] == "own@example.com" and second["next"] is None


def test_rep_sees_only_own_leads(rep_api, world):
    emails = [lead["email"] for lead in rep_api.get("/api/v1/leads/").json()["results"]]
    assert sorted(emails) == ["own@example.com", "own_opp@example.com"]


def test_full_lifecycle_to_won(marketer_api, rep_api, manager_api, rep):
    lead = marketer_api.post("/api/v1/leads/", {"email": "life@example.com"}, format="json")
    lid = lead.json()["id"]
    assert (
        marketer_api.post(f"/api/v1/leads/{lid}/qualify/", {"score": 70}, format="json").json()[
            "status"
        ]
        == "mql"
    )
    handed = marketer_api.post(f"/api/v1/leads/{lid}/handoff/", {"assignee": rep.pk}, format="json")
    assert handed.json()["owner"] == rep.pk
    assert handed.json()["current_handoff"]["outcome"] == "pending"
    accepted = rep_api.post(f"/api/v1/leads/{lid}/accept/", {"rating": 5}, format="json")
    assert accepted.json()["status"] == "accepted"
    opp = rep_api.post(f"/api/v1/leads/{lid}/convert/", {"amount": "1200.50"}, format="json")
    assert opp.status_code == 201 and opp.json()["amount"] == "1200.50"
    oid = opp.json()["id"]
    staged = rep_api.patch(f"/api/v1/opportunities/{oid}/", {"stage": "proposal"}, format="json")
    assert staged.json()["stage"] == "proposal"
    won = rep_api.post(f"/api/v1/opportunities/{oid}/win/", {"amount": "1300"}, format="json")
    assert won.status_code == 200 and won.json()["stage"] == "won" and won.json()["closed_at"]
    again = rep_api.post(f"/api/v1/opportunities/{oid}/lose/", {"reason": "price"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    events = rep_api.get(f"/api/v1/leads/{lid}/events/").json()["results"]
    assert [e["action"] for e in events] == [
        "created",
        "qualify",
        "handoff",
        "accept",
        "convert",
        "stage_changed",
        "won",
    ]


def test_refused_move_is_409_with_the_current_status(marketer_api, world):
    r = marketer_api.post(f"/api/v1/leads/{world['own'].pk}/qualify/", {}, format="json")
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "invalid_transition" and body["status"] == "handed_off"
    assert "handed_off" in body["detail"]


def test_reject_requires_a_known_reason(rep_api, world):
    r = rep_api.post(f"/api/v1/leads/{world['own'].pk}/reject/", {"reason": "meh"}, format="json")
    assert r.status_code == 400 and "reason" in r.json()
    r = rep_api.post(f"/api/v1/leads/{world['own'].pk}/reject/", {"reason": "other"}, format="json")
    assert r.status_code == 400 and "feedback" in r.json()


def test_backfilled_at_needs_the_permission(marketer_api, manager_api, world):
    lid = world["own"].pk
    r = marketer_api.post(
        f"/api/v1/leads/{lid}/disqualify/", {"at": "2020-01-01T00:00:00Z"}, format="json"
    )
    assert r.status_code in (403, 409)
    future = manager_api.post(
        f"/api/v1/leads/{lid}/accept/", {"at": "2999-01-01T00:00:00Z"}, format="json"
    )
    assert future.status_code == 400 and "at" in future.json()


def test_handoffs_filter_overdue(manager_api, world):
    from handoff.models import Handoff

    Handoff.objects.filter(lead=world["own"]).update(
        handed_off_at="2020-01-01T00:00:00Z", sla_due_at="2020-01-02T00:00:00Z"
    )
    r = manager_api.get("/api/v1/handoffs/?overdue=true")
    assert [h["lead"] for h in r.json()["results"]] == [world["own"].pk]
    assert r.json()["results"][0]["overdue"] is True
