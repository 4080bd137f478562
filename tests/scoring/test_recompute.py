"""predicted_score follows a lead's features (capture, edit, MQL) and the current model, and
the SLA bands and routing rules may read it; the manual score stays the default."""

from __future__ import annotations

import pytest

from handoff import assignment, services
from handoff.models import AssignmentRule, ScoreKind, SLAPolicy
from handoff.sla.policy import policy_for
from leads.models import Channel, Lead
from scoring import rules, scorer, selectors, training
from tests.factories import CampaignFactory, lead_in_state
from tests.scoring.generator import generate

pytestmark = pytest.mark.postgres


def _expected(lead: Lead) -> tuple[int, list]:
    facts = selectors.facts_of(selectors.lead_rows([lead.pk]))[0]
    return rules.rule_score(facts)


def test_capture_scores_the_lead_on_commit(marketer, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        lead = services.lead_capture(
            actor=marketer, email="ceo@acme-corp.com", job_title="CEO", country="US"
        )
    lead.refresh_from_db()
    assert lead.predicted_score is not None
    assert (lead.predicted_score, lead.predicted_reasons) == _expected(lead)
    assert lead.predicted_reasons[0] == {
        "feature": "seniority",
        "value": "c_level",
        "direction": "up",
    }


def test_an_edit_of_a_feature_rescores(marketer, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        lead = services.lead_capture(actor=marketer, email="someone@gmail.com", job_title="Intern")
    lead.refresh_from_db()
    low = lead.predicted_score
    with django_capture_on_commit_callbacks(execute=True):
        services.lead_update(
            lead_id=lead.pk, actor=marketer, job_title="Chief Revenue Officer", email="x@bigco.com"
        )
    lead.refresh_from_db()
    assert lead.predicted_score > low
    assert (lead.predicted_score, lead.predicted_reasons) == _expected(lead)


def test_mql_and_a_trained_model_rescore(marketer, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        lead = services.lead_capture(actor=marketer, email="vp@corp.io", job_title="VP Sales")
    generate(800, seed=21)
    run = training.train()
    assert not run.rule_based
    lead.refresh_from_db()
    learned = scorer.score_rows(selectors.lead_rows([lead.pk]), run)[0]
    assert (lead.predicted_score, lead.predicted_reasons) == learned
    with django_capture_on_commit_callbacks(execute=True):
        services.lead_qualify(lead_id=lead.pk, actor=marketer, score=90)
    lead.refresh_from_db()
    assert (lead.predicted_score, lead.predicted_reasons) == scorer.score_rows(
        selectors.lead_rows([lead.pk]), run
    )[0]


def test_bulk_capture_scores_every_lead_in_one_batch(
    marketer, django_capture_on_commit_callbacks
) -> None:
    rows = [{"email": f"bulk{i}@example.com", "job_title": "CTO"} for i in range(30)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.lead_capture_bulk(actor=marketer, rows=rows)
    assert not Lead.objects.filter(predicted_score__isnull=True).exists()
    rescoring = [c for c in callbacks if "rescore_pending" in getattr(c, "__qualname__", "")]
    assert len(rescoring) == 1


def test_lead_api_shows_predicted_score_read_only(marketer_api, marketer) -> None:
    lead = lead_in_state("new", marketer=marketer)
    scorer.rescore([lead.pk])
    body = marketer_api.get(f"/api/v1/leads/{lead.pk}/").json()
    lead.refresh_from_db()
    assert body["predicted_score"] == lead.predicted_score
    assert body["predicted_reasons"] == lead.predicted_reasons
    r = marketer_api.patch(f"/api/v1/leads/{lead.pk}/", {"predicted_score": 3}, format="json")
    lead.refresh_from_db()
    assert lead.predicted_score != 3 or r.status_code == 400


def test_lead_list_filters_and_sorts_by_predicted_score(client, marketer) -> None:
    leads = [lead_in_state("new", marketer=marketer) for _ in range(3)]
    for lead, value in zip(leads, (20, 80, 50), strict=True):
        Lead.objects.filter(pk=lead.pk).update(predicted_score=value)
    client.force_login(marketer)
    r = client.get("/leads/", {"predicted_min": 40, "sort": "predicted"})
    assert r.status_code == 200
    assert [lead.predicted_score for lead in r.context["leads"]] == [80, 50]
    bad = client.get("/leads/", {"predicted_min": "lots"})
    assert bad.status_code == 200


# ------------------------------------------------------------- SLA bands and routing


def test_sla_policy_reads_the_score_it_is_set_to(db) -> None:
    manual = SLAPolicy.objects.create(name="m", min_score=50, max_score=100, response_hours=8)
    predicted = SLAPolicy.objects.create(
        name="p", score_kind=ScoreKind.PREDICTED, min_score=70, max_score=100, response_hours=2
    )
    assert policy_for(60) == manual  # the default reads the manual score, as before
    assert policy_for(60, predicted_score=75) == predicted
    assert policy_for(10, predicted_score=75) == predicted
    assert policy_for(10, predicted_score=None) is None


def test_handoff_picks_the_predicted_band(marketer, rep, django_capture_on_commit_callbacks):
    SLAPolicy.objects.create(
        name="hot by model", score_kind=ScoreKind.PREDICTED, min_score=60, max_score=100,
        response_hours=1,
    )  # fmt: skip
    lead = lead_in_state("mql", marketer=marketer, score=5)
    Lead.objects.filter(pk=lead.pk).update(predicted_score=90)
    services.lead_handoff(lead_id=lead.pk, actor=marketer, assignee_id=rep.pk)
    assert lead.handoffs.get().sla_policy.name == "hot by model"


def test_routing_rule_with_a_minimum_predicted_score(marketer, rep, other_rep) -> None:
    rule = AssignmentRule.objects.create(
        name="top leads", min_score=70, score_kind=ScoreKind.PREDICTED
    )
    rule.reps.set([other_rep])
    campaign = CampaignFactory(channel=Channel.EMAIL)
    lead = lead_in_state("mql", marketer=marketer, campaign=campaign, score=99)
    Lead.objects.filter(pk=lead.pk).update(predicted_score=40)
    lead.refresh_from_db()
    assert (
        assignment.matching_rule(
            country="", channel="email", scores={"manual": 99, "predicted": 40}
        )
        is None
    )
    Lead.objects.filter(pk=lead.pk).update(predicted_score=85)
    lead.refresh_from_db()
    chosen = services.lead_handoff(lead_id=lead.pk, actor=marketer)
    assert chosen.owner_id == other_rep.pk


def test_webhook_payload_carries_the_predicted_score(marketer, rep) -> None:
    from handoff.models import LeadEvent
    from integrations.webhooks.payloads import event_data

    lead = lead_in_state("mql", marketer=marketer)
    Lead.objects.filter(pk=lead.pk).update(predicted_score=64, predicted_reasons=[])
    services.lead_handoff(lead_id=lead.pk, actor=marketer, assignee_id=rep.pk)
    event = LeadEvent.objects.filter(lead=lead, action="handoff").get()
    data = event_data(event)
    assert data["lead"]["predicted_score"] == 64
    assert data["lead"]["score"] == lead.score


def test_lead_page_and_inbox_show_the_predicted_score_with_reasons(client, marketer, rep):
    lead = lead_in_state("handed_off", marketer=marketer, rep=rep, job_title="CEO")
    scorer.rescore([lead.pk])
    lead.refresh_from_db()
    client.force_login(rep)
    for url in (f"/leads/{lead.pk}/", "/inbox/"):
        html = client.get(url).content.decode()
        assert f'data-predicted-score="{lead.predicted_score}"' in html, url
        assert "Seniority: C-level or founder (raises)" in html, url
