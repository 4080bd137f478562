"""Win and loss reasons as codes over the API: codes accepted, `other` needs a note, free text
refused with field errors, and the codes in the OpenAPI schema."""

import pytest

from leads.models import Opportunity
from tests.factories import lead_in_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def opp(marketer, rep) -> Opportunity:
    return Opportunity.objects.get(lead=lead_in_state("converted", marketer=marketer, rep=rep))


def test_lose_with_a_code_and_a_note(rep_api, opp):
    # When the rep loses the deal to a competitor with a note
    r = rep_api.post(
        f"/api/v1/opportunities/{opp.pk}/lose/",
        {"reason": "competitor", "note": "Went with Acme"},
        format="json",
    )
    # Then it is lost with the code and the note
    assert r.status_code == 200
    body = r.json()
    assert (body["stage"], body["lost_reason"], body["close_note"]) == (
        "lost",
        "competitor",
        "Went with Acme",
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"reason": "other"}, "note"),
        ({"reason": "other", "note": "   "}, "note"),
        ({"reason": "they chose a rival"}, "reason"),
        ({}, "reason"),
    ],
)
def test_lose_refuses_other_without_a_note_and_free_text(rep_api, opp, payload, field):
    # When the loss comes without a usable reason
    r = rep_api.post(f"/api/v1/opportunities/{opp.pk}/lose/", payload, format="json")
    # Then 400 with the field named, and the deal still open
    assert r.status_code == 400
    assert field in r.json()
    opp.refresh_from_db()
    assert opp.is_open


def test_win_with_an_optional_reason(rep_api, opp, marketer, rep):
    r = rep_api.post(
        f"/api/v1/opportunities/{opp.pk}/win/", {"reason": "product_fit"}, format="json"
    )
    assert r.status_code == 200 and r.json()["won_reason"] == "product_fit"
    other = Opportunity.objects.get(lead=lead_in_state("converted", marketer=marketer, rep=rep))
    plain = rep_api.post(f"/api/v1/opportunities/{other.pk}/win/", {}, format="json")
    assert plain.status_code == 200 and plain.json()["won_reason"] == ""


def test_win_refuses_an_unknown_reason(rep_api, opp):
    r = rep_api.post(f"/api/v1/opportunities/{opp.pk}/win/", {"reason": "luck"}, format="json")
    assert r.status_code == 400 and "reason" in r.json()


def test_the_schema_lists_the_reason_codes(anon_api):
    schema = anon_api.get("/api/v1/schema/?format=json").json()
    text = str(schema)
    for code in ("no_decision", "missing_features", "product_fit", "relationship"):
        assert code in text
