"""The role and ownership matrix: every endpoint, anonymous / marketing / sales / manager."""

import pytest

from tests.api.conftest import client_for

ANON, MKT, REP, MGR = "anon", "marketing", "rep", "manager"


def _clients(marketer, rep, manager):
    return {
        ANON: client_for(None),
        MKT: client_for(marketer),
        REP: client_for(rep),
        MGR: client_for(manager),
    }


# (method, path template, body, {who: expected status})
MATRIX = [
    ("get", "/api/v1/campaigns/", None, {ANON: 401, MKT: 200, REP: 200, MGR: 200}),
    ("get", "/api/v1/campaigns/{campaign}/", None, {ANON: 401, MKT: 200, REP: 200, MGR: 200}),
    ("post", "/api/v1/campaigns/", "campaign", {ANON: 401, MKT: 201, REP: 403, MGR: 201}),
    (
        "patch",
        "/api/v1/campaigns/{campaign}/",
        {"budget": "5.00"},
        {ANON: 401, MKT: 200, REP: 403, MGR: 200},
    ),
    ("get", "/api/v1/campaigns/{campaign}/costs/", None, {ANON: 401, MKT: 200, REP: 403, MGR: 200}),
    (
        "post",
        "/api/v1/campaigns/{campaign}/costs/",
        {"date": "2026-01-02", "amount": "10.00"},
        {ANON: 401, MKT: 201, REP: 403, MGR: 201},
    ),
    ("get", "/api/v1/sales-costs/", None, {ANON: 401, MKT: 403, REP: 403, MGR: 200}),
    (
        "post",
        "/api/v1/sales-costs/",
        {"date": "2026-01-02", "amount": "10.00"},
        {ANON: 401, MKT: 403, REP: 403, MGR: 201},
    ),
    ("get", "/api/v1/leads/", None, {ANON: 401, MKT: 200, REP: 200, MGR: 200}),
    ("post", "/api/v1/leads/", "lead", {ANON: 401, MKT: 201, REP: 403, MGR: 201}),
    ("post", "/api/v1/leads/bulk/", {"leads": []}, {ANON: 401, MKT: 200, REP: 403, MGR: 200}),
    ("get", "/api/v1/leads/{own}/", None, {ANON: 401, MKT: 200, REP: 200, MGR: 200}),
    ("get", "/api/v1/leads/{other}/", None, {ANON: 401, MKT: 200, REP: 404, MGR: 200}),
    (
        "patch",
        "/api/v1/leads/{own}/",
        {"company": "Acme"},
        {ANON: 401, MKT: 200, REP: 200, MGR: 200},
    ),
    (
        "patch",
        "/api/v1/leads/{other}/",
        {"company": "Acme"},
        {ANON: 401, MKT: 200, REP: 404, MGR: 200},
    ),
    ("patch", "/api/v1/leads/{own}/", {"score": 99}, {ANON: 401, MKT: 200, REP: 403, MGR: 200}),
    ("get", "/api/v1/leads/{own}/events/", None, {ANON: 401, MKT: 200, REP: 200, MGR: 200}),
    ("get", "/api/v1/leads/{other}/events/", None, {ANON: 401, MKT: 200, REP: 404, MGR: 200}),
    ("post", "/api/v1/leads/{own}/accept/", {}, {ANON: 401, MKT: 403, REP: 200, MGR: 200}),
    ("post", "/api/v1/leads/{other}/accept/", {}, {ANON: 401, MKT: 403, REP: 404, MGR: 200}),
    (
        "post",
        "/api/v1/leads/{own}/reject/",
        {"reason": "no_budget"},
        {ANON: 401, MKT: 403, REP: 200, MGR: 200},
    ),
    (
        "post",
        "/api/v1/leads/{own}/reassign/",
        {"assignee": "{other_rep}"},
        {ANON: 401, MKT: 403, REP: 403, MGR: 200},
    ),
    ("get", "/api/v1/handoffs/", None, {ANON: 401, MKT: 200, REP: 200, MGR: 200}),
    ("get", "/api/v1/handoffs/{own_handoff}/", None, {ANON: 401, MKT: 200, REP: 200, MGR: 200}),
    ("get", "/api/v1/handoffs/{other_handoff}/", None, {ANON: 401, MKT: 200, REP: 404, MGR: 200}),
    ("get", "/api/v1/opportunities/", None, {ANON: 401, MKT: 200, REP: 200, MGR: 200}),
    ("get", "/api/v1/opportunities/{own_opp}/", None, {ANON: 401, MKT: 200, REP: 200, MGR: 200}),
    ("get", "/api/v1/opportunities/{other_opp}/", None, {ANON: 401, MKT: 200, REP: 404, MGR: 200}),
    (
        "patch",
        "/api/v1/opportunities/{own_opp}/",
        {"stage": "proposal"},
        {ANON: 401, MKT: 403, REP: 200, MGR: 200},
    ),
    ("post", "/api/v1/opportunities/{own_opp}/win/", {}, {ANON: 401, MKT: 403, REP: 200, MGR: 200}),
    (
        "post",
        "/api/v1/opportunities/{other_opp}/lose/",
        {"reason": "price"},
        {ANON: 401, MKT: 403, REP: 404, MGR: 200},
    ),
    (
        "post",
        "/api/v1/leads/{own}/convert/",
        {"amount": "10"},
        {ANON: 401, MKT: 403, REP: 409, MGR: 409},
    ),
    (
        "get",
        "/api/v1/kpis/summary/?start=2026-01-01&end=2026-01-31",
        None,
        {ANON: 401, MKT: 200, REP: 200, MGR: 200},
    ),
    ("post", "/api/v1/kpis/recompute/", None, {ANON: 401, MKT: 403, REP: 403, MGR: 202}),
    ("get", "/api/v1/users/?role=sales", None, {ANON: 401, MKT: 200, REP: 200, MGR: 200}),
    ("get", "/api/v1/webhooks/", None, {ANON: 401, MKT: 200, REP: 403, MGR: 200}),
    (
        "post",
        "/api/v1/webhooks/",
        {"url": "http://127.0.0.1:9/hook", "events": ["lead.created"]},
        {ANON: 401, MKT: 201, REP: 403, MGR: 201},
    ),
    ("get", "/api/v1/schema/", None, {ANON: 200, MKT: 200, REP: 200, MGR: 200}),
    ("get", "/api/v1/docs/", None, {ANON: 200, MKT: 200, REP: 200, MGR: 200}),
]


def _fill(value, ids):
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
            return ids[value[1:-1]]
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.mark.django_db
@pytest.mark.parametrize("who", [ANON, MKT, REP, MGR])
@pytest.mark.parametrize(
    ("method", "path", "body", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX]
)
def test_permission_matrix(
    who, method, path, body, expected, world, marketer, rep, other_rep, manager, settings
):
    # given: a lead of `rep`, a lead of `other_rep`, and a client of each role
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    ids = {
        "own_opp": world["own_opp"].pk,
        "other_opp": world["other_opp"].pk,
        "own_handoff": world["own"].handoffs.get().pk,
        "other_handoff": world["other"].handoffs.get().pk,
        "campaign": world["campaign"].pk,
        "own": world["own"].pk,
        "other": world["other"].pk,
        "other_rep": other_rep.pk,
    }
    if body == "campaign":
        body = {"name": f"New {who}", "channel": "seo", "start_date": "2026-01-01"}
    elif body == "lead":
        body = {"email": f"new-{who}@example.com"}
    client = _clients(marketer, rep, manager)[who]
    # when
    response = getattr(client, method)(_fill(path, ids), _fill(body, ids), format="json")
    # then
    assert response.status_code == expected[who], response.content[:300]
    if response.status_code >= 400:
        assert set(response.json()) >= {"detail", "code"}
