"""The scoring API (202/200/permissions, broker outage), the model page, a real worker."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leads import queueing
from scoring import training
from scoring.models import ModelStatus, ScoringModel
from tests import faults
from tests.api.conftest import client_for
from tests.scoring.generator import generate

pytestmark = pytest.mark.postgres

FIGURES = {
    "version",
    "trained_at",
    "examples",
    "positives",
    "auc",
    "brier",
    "top_decile_lift",
    "rule_based",
}


def test_model_before_any_training_is_the_cold_start(marketer_api) -> None:
    r = marketer_api.get("/api/v1/scoring/model/")
    assert r.status_code == 200
    assert set(r.json()) == FIGURES
    assert r.json()["rule_based"] is True and r.json()["version"] == 0


def test_train_answers_202_and_the_model_answers_its_figures(
    manager_api, django_capture_on_commit_callbacks
) -> None:
    generate(600, seed=11)
    with django_capture_on_commit_callbacks(execute=True):
        r = manager_api.post("/api/v1/scoring/train/")
    assert r.status_code == 202
    # tests run tasks in process: the run is there already
    model = ScoringModel.objects.get(status=ModelStatus.CURRENT)
    body = manager_api.get("/api/v1/scoring/model/").json()
    assert body["version"] == model.version and body["rule_based"] is False
    assert body["examples"] == 600 and body["auc"] == pytest.approx(model.auc)
    assert body["brier"] == pytest.approx(model.brier)
    assert body["top_decile_lift"] == pytest.approx(model.top_decile_lift)


@pytest.mark.parametrize("who", ["marketer", "rep"])
def test_only_managers_may_train(who, request) -> None:
    api = client_for(request.getfixturevalue(who))
    assert api.post("/api/v1/scoring/train/").status_code == 403
    assert api.get("/api/v1/scoring/model/").status_code == 200
    assert not ScoringModel.objects.exists()


def test_anonymous_gets_nothing(anon_api, db) -> None:
    assert anon_api.get("/api/v1/scoring/model/").status_code in (401, 403)
    assert anon_api.post("/api/v1/scoring/train/").status_code in (401, 403)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_broker_outage_never_fails_the_train_request(manager, monkeypatch) -> None:
    monkeypatch.setattr(queueing, "COOLDOWN_SECONDS", 0.0)
    api = client_for(manager)
    with faults.app_broker(faults.dead_broker_url(), "scoring-test"):
        r = api.post("/api/v1/scoring/train/")
    assert r.status_code == 202
    assert not ScoringModel.objects.exists()  # not trained now: the nightly run will


# ------------------------------------------------------------------------- the page


def test_model_page_shows_figures_charts_history_and_train_now(client, manager) -> None:
    generate(600, seed=5)
    training.train(rescore=False)
    client.force_login(manager)
    r = client.get(reverse("scoring:model"))
    assert r.status_code == 200
    html = r.content.decode()
    for needle in ('id="lift-chart"', 'id="calibration-chart"', 'id="scoring-charts"'):
        assert needle in html
    assert 'id="history-table"' in html and 'id="train-now"' in html
    assert "js/scoring.js" in html and "<script>" not in html


def test_model_page_in_cold_start_lists_the_rules(client, manager) -> None:
    client.force_login(manager)
    html = client.get(reverse("scoring:model")).content.decode()
    assert 'id="cold-start"' in html and 'id="rules-table"' in html
    assert 'id="lift-chart"' not in html


def test_train_now_button_trains_and_comes_back(
    client, manager, django_capture_on_commit_callbacks
) -> None:
    generate(300, seed=9)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("scoring:train"))
    assert r.status_code == 302 and r.url == reverse("scoring:model")
    assert ScoringModel.objects.filter(status=ModelStatus.CURRENT).exists()


@pytest.mark.parametrize("who", ["marketer", "rep"])
def test_model_page_is_for_managers(client, who, request) -> None:
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("scoring:model")).status_code == 403
    assert client.post(reverse("scoring:train")).status_code == 403


def test_model_page_query_count_does_not_grow_with_history(
    client, manager, django_assert_max_num_queries
) -> None:
    generate(400, seed=2)
    training.train(rescore=False)
    client.force_login(manager)
    client.get(reverse("scoring:model"))
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("scoring:model"))
    for _ in range(5):
        training.train(rescore=False)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("scoring:model"))


# ------------------------------------------------------------------ a real worker


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_train_task_runs_on_a_real_worker(request, manager) -> None:
    generate(400, seed=4)
    request.getfixturevalue("celery_worker_process")
    r = client_for(manager).post("/api/v1/scoring/train/")
    assert r.status_code == 202
    assert faults.wait_until(
        lambda: ScoringModel.objects.filter(status=ModelStatus.CURRENT).exists(), 60
    )


def test_dashboard_links_the_model_page_for_managers_only(client, manager, marketer) -> None:
    client.force_login(manager)
    assert 'id="scoring-model-link"' in client.get(reverse("metrics:dashboard")).content.decode()
    client.force_login(marketer)
    assert (
        'id="scoring-model-link"' not in client.get(reverse("metrics:dashboard")).content.decode()
    )
