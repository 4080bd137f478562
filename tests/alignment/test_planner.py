"""The reverse-funnel planner: pure arithmetic, the services and the API.

Measured rates over Jan 1..Feb 28 2026 of the hand-computed history (tests/metrics):
lead_to_mql 8/10, mql_to_accepted 4/8, accepted_to_opportunity 4/4, win_rate 3/4,
avg_deal_size 17000/3, cost_per_lead 2100/10, avg_lead_to_win_days 78.5625/3 = 26.1875.
Per channel: paid_search 1800 spend / 6 leads = 300, webinar 300 / 2 = 150.
"""

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from alignment import planner, selectors, services
from alignment.models import Plan
from leads.errors import ActionNotAllowed, InvalidInput
from metrics.models import Target

LOOKBACK = {"lookback_start": dt.date(2026, 1, 1), "lookback_end": dt.date(2026, 2, 28)}
Q2 = {"start": dt.date(2026, 4, 1), "end": dt.date(2026, 6, 30)}
R = planner.Rate

MEASURED = {
    "lead_to_mql": R(8, 10),
    "mql_to_accepted": R(4, 8),
    "accepted_to_opportunity": R(4, 4),
    "win_rate": R(3, 4),
    "avg_deal_size": R(Decimal("17000"), 3),
    "cost_per_lead": R(Decimal("2100"), 10),
    "avg_lead_to_win_days": R(Decimal("78.5625"), 3),
}


def compute(goal: str, **kwargs) -> dict:
    data = planner.PlanInput(revenue_goal=Decimal(goal), rates=MEASURED, **Q2, **kwargs)
    return planner.compute(data)


# ---------------------------------------------------------------- pure arithmetic


def test_measured_rates_worked_back_from_the_goal():
    # Given the measured rates; when the goal is 20,000
    answer = compute("20000")
    # then customers = ceil(20000 / 5666.67) = 4, opportunities = ceil(4 / 0.75) = 6,
    # accepted = 6, mqls = ceil(6 / 0.5) = 12, leads = ceil(12 / 0.8) = 15, budget 15 x 210
    assert answer["needed"] == {
        "customers": 4,
        "opportunities": 6,
        "accepted": 6,
        "mqls": 12,
        "leads": 15,
        "marketing_budget": Decimal("3150.00"),
    }
    # leads must arrive ceil(26.1875) = 27 days before the period
    assert answer["leads_from"] == dt.date(2026, 3, 5)
    assert answer["leads_until"] == dt.date(2026, 6, 3)
    assert {r["source"] for r in answer["rates"].values()} == {"measured"}


def test_ceilings_are_exact_no_rounding_before_them():
    # 17000 / (17000 / 3) is exactly 3: a rounded deal size would give 4 customers
    answer = compute("17000")
    assert answer["needed"]["customers"] == 3
    assert answer["needed"]["opportunities"] == 4
    assert answer["needed"]["leads"] == 10
    assert answer["needed"]["marketing_budget"] == Decimal("2100.00")


def test_overrides_replace_measured_rates():
    answer = compute(
        "20000", overrides={"win_rate": Decimal("0.5"), "avg_deal_size": Decimal("5000")}
    )
    assert answer["needed"]["customers"] == 4
    assert answer["needed"]["opportunities"] == 8
    assert answer["needed"]["leads"] == 20
    assert answer["needed"]["marketing_budget"] == Decimal("4200.00")
    assert answer["rates"]["win_rate"]["source"] == "override"
    assert answer["rates"]["win_rate"]["numerator"] == 3  # the measured figures stay visible
    assert answer["rates"]["lead_to_mql"]["source"] == "measured"


def test_budget_is_rounded_half_up_to_cents():
    answer = compute("17000", overrides={"cost_per_lead": Decimal("10.0050")})
    assert answer["needed"]["marketing_budget"] == Decimal("100.05")  # 10 x 10.005


def test_channel_mix_uses_each_channels_cost_per_lead():
    answer = compute(
        "20000",
        channel_mix={"paid_search": Decimal("0.6"), "webinar": Decimal("0.4")},
        channel_cost_per_lead={
            "paid_search": R(Decimal("1800"), 6),
            "webinar": R(Decimal("300"), 2),
        },
    )
    needed = answer["needed"]
    assert needed["leads_by_channel"] == {"paid_search": 9, "webinar": 6}
    assert needed["budget_by_channel"] == {
        "paid_search": Decimal("2700.00"),
        "webinar": Decimal("900.00"),
    }
    assert needed["marketing_budget"] == Decimal("3600.00")


def test_missing_rate_names_every_rate_without_data():
    rates = {**MEASURED, "accepted_to_opportunity": R(0, 0), "avg_lead_to_win_days": R(0, 0)}
    data = planner.PlanInput(revenue_goal=Decimal("1000"), rates=rates, **Q2)
    with pytest.raises(planner.RateProblem) as refused:
        planner.compute(data)
    assert refused.value.code == "missing_rate"
    assert refused.value.rates == ["accepted_to_opportunity", "avg_lead_to_win_days"]


def test_an_override_fills_a_missing_rate():
    rates = {**MEASURED, "accepted_to_opportunity": R(0, 0)}
    data = planner.PlanInput(
        revenue_goal=Decimal("20000"),
        rates=rates,
        overrides={"accepted_to_opportunity": Decimal("0.5")},
        **Q2,
    )
    assert planner.compute(data)["needed"]["accepted"] == 12


def test_zero_rate_is_refused():
    rates = {**MEASURED, "mql_to_accepted": R(0, 3)}
    data = planner.PlanInput(revenue_goal=Decimal("1000"), rates=rates, **Q2)
    with pytest.raises(planner.RateProblem) as refused:
        planner.compute(data)
    assert refused.value.code == "zero_rate"
    assert refused.value.rates == ["mql_to_accepted"]


def test_a_channel_without_leads_is_a_missing_rate():
    data = planner.PlanInput(
        revenue_goal=Decimal("1000"),
        rates=MEASURED,
        channel_mix={"seo": Decimal("1")},
        channel_cost_per_lead={"seo": R(Decimal("0"), 0)},
        **Q2,
    )
    with pytest.raises(planner.RateProblem) as refused:
        planner.compute(data)
    assert refused.value.rates == ["cost_per_lead:seo"]


@pytest.mark.parametrize(
    "inputs,field",
    [
        ({"start": dt.date(2026, 5, 1), "end": dt.date(2026, 4, 1)}, "end"),
        ({"revenue_goal": Decimal("0")}, "revenue_goal"),
        ({"overrides": {"win_rate": Decimal("1.5")}}, "overrides"),
        ({"overrides": {"win_rate": Decimal("0")}}, "overrides"),
        ({"overrides": {"avg_deal_size": Decimal("-1")}}, "overrides"),
        ({"overrides": {"close_rate": Decimal("0.5")}}, "overrides"),
        ({"channel_mix": {"seo": Decimal("0.5"), "email": Decimal("0.4")}}, "channel_mix"),
        ({"channel_mix": {"fax": Decimal("1")}}, "channel_mix"),
        ({"channel_mix": {"seo": Decimal("1.2"), "email": Decimal("-0.2")}}, "channel_mix"),
    ],
)
def test_field_errors(inputs, field):
    values = {
        **Q2,
        "revenue_goal": Decimal("1000"),
        "overrides": {},
        "channel_mix": {},
        **inputs,
    }
    with pytest.raises(InvalidInput) as refused:
        planner.check_inputs(channels={"seo", "email"}, **values)
    assert field in refused.value.errors


def test_mix_within_tolerance_is_accepted():
    planner.check_inputs(
        **Q2,
        revenue_goal=Decimal("1"),
        overrides={},
        channel_mix={"seo": Decimal("0.3333"), "email": Decimal("0.6666")},
        channels={"seo", "email"},
    )


# ---------------------------------------------------------------- services


@pytest.mark.django_db
def test_preview_reads_the_look_back_and_saves_nothing(refreshed):
    answer = services.plan_preview(name="Q2", revenue_goal=Decimal("20000"), **Q2, **LOOKBACK)
    assert answer["needed"]["leads"] == 15
    assert answer["needed"]["marketing_budget"] == "3150.00"
    assert answer["rates"]["avg_deal_size"] == {
        "value": "5666.67",
        "source": "measured",
        "numerator": "17000.00",
        "denominator": 3,
    }
    assert answer["rates"]["avg_lead_to_win_days"]["value"] == 26.1875
    assert answer["leads_from"] == "2026-03-05"
    assert not Plan.objects.exists() and not Target.objects.exists()


@pytest.mark.django_db
def test_preview_with_channel_mix_measures_each_channel(refreshed):
    answer = services.plan_preview(
        name="Q2 mix",
        revenue_goal=Decimal("20000"),
        channel_mix={"paid_search": "0.6", "webinar": "0.4"},
        **Q2,
        **LOOKBACK,
    )
    assert answer["needed"]["budget_by_channel"] == {"paid_search": "2700.00", "webinar": "900.00"}
    assert answer["channel_rates"]["paid_search"]["value"] == "300.00"
    assert answer["needed"]["marketing_budget"] == "3600.00"


@pytest.mark.django_db
def test_preview_missing_rates_of_an_empty_look_back(refreshed):
    with pytest.raises(planner.RateProblem) as refused:
        services.plan_preview(
            name="x",
            revenue_goal=Decimal("1000"),
            **Q2,
            lookback_start=dt.date(2025, 1, 1),
            lookback_end=dt.date(2025, 6, 30),
        )
    assert refused.value.code == "missing_rate"
    assert refused.value.rates == list(planner.RATE_KEYS)


@pytest.mark.django_db
def test_default_look_back_is_the_180_days_ending_yesterday(refreshed):
    answer = services.plan_preview(
        name="x",
        revenue_goal=Decimal("20000"),
        **Q2,
        today=dt.date(2026, 3, 1),
    )
    assert answer["lookback_start"] == "2025-09-02"
    assert answer["lookback_end"] == "2026-02-28"
    assert answer["needed"]["leads"] == 15


@pytest.mark.django_db
def test_saved_plan_writes_targets_spread_by_days(refreshed, manager):
    # Given a plan of Apr 15..Jun 14 (61 days: 16 in April, 31 in May, 14 in June)
    plan = services.plan_create(
        actor=manager,
        name="Spring",
        revenue_goal=Decimal("20000"),
        start=dt.date(2026, 4, 15),
        end=dt.date(2026, 6, 14),
        **LOOKBACK,
    )
    # then each needed figure is split by days, largest remainder, adding up exactly
    targets = {
        (t.metric, t.month.month): t.value for t in Target.objects.filter(channel=None, owner=None)
    }
    # leads 15: 3.93 / 7.62 / 3.44 -> 3 / 7 / 3, two left to April and May
    assert [targets[("leads", m)] for m in (4, 5, 6)] == [4, 8, 3]
    # revenue: 5245.9016 / 10163.9344 / 4590.1639 -> one cent left, to May
    assert [targets[("revenue", m)] for m in (4, 5, 6)] == [
        Decimal("5245.90"),
        Decimal("10163.94"),
        Decimal("4590.16"),
    ]
    # budget 3150: 826.2295 / 1600.8197 / 722.9508 -> 826.23 / 1600.82 / 722.95
    assert sum(targets[("marketing_spend", m)] for m in (4, 5, 6)) == Decimal("3150.00")
    assert [targets[("marketing_spend", m)] for m in (4, 5, 6)] == [
        Decimal("826.23"),
        Decimal("1600.82"),
        Decimal("722.95"),
    ]
    assert [targets[("customers", m)] for m in (4, 5, 6)] == [1, 2, 1]
    assert plan.answer["needed"]["leads"] == 15
    assert Target.objects.filter(updated_by=manager).count() == 18


@pytest.mark.django_db
def test_only_managers_save_plans(refreshed, rep, marketer):
    for actor in (rep, marketer):
        with pytest.raises(ActionNotAllowed):
            services.plan_create(actor=actor, name="x", revenue_goal=Decimal("1"), **Q2, **LOOKBACK)
    assert not Plan.objects.exists()


@pytest.mark.django_db
def test_a_refused_plan_writes_nothing(refreshed, manager):
    with pytest.raises(planner.RateProblem):
        services.plan_create(
            actor=manager,
            name="x",
            revenue_goal=Decimal("1000"),
            **Q2,
            lookback_start=dt.date(2026, 2, 1),
            lookback_end=dt.date(2026, 2, 28),
        )
    assert not Plan.objects.exists() and not Target.objects.exists()


@pytest.mark.django_db
def test_progress_counts_actuals_to_date(refreshed, manager):
    # Given a plan over Jan 1..Mar 31 2026, read on Feb 28 (59 of 90 days)
    plan = services.plan_create(
        actor=manager,
        name="Q1",
        revenue_goal=Decimal("20000"),
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 3, 31),
        **LOOKBACK,
    )
    progress = selectors.plan_progress(plan=plan, today=dt.date(2026, 2, 28))
    assert progress["elapsed_days"] == 59 and progress["total_days"] == 90
    figures = progress["figures"]
    assert figures["leads"]["needed"] == 15 and figures["leads"]["actual"] == 10
    assert figures["customers"] == {
        "needed": 4,
        "actual": 3,
        "expected_to_date": 2.6222,  # 4 x 59 / 90
        "share": 0.75,
    }
    assert figures["revenue_goal"]["actual"] == "17000.00"
    assert figures["marketing_budget"]["actual"] == "2100.00"
    # before the start, nothing is counted
    early = selectors.plan_progress(plan=plan, today=dt.date(2025, 12, 1))
    assert early["elapsed_days"] == 0 and early["figures"]["leads"]["actual"] == 0


# ---------------------------------------------------------------- API


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


BODY = {
    "name": "Q2",
    "start": "2026-04-01",
    "end": "2026-06-30",
    "revenue_goal": "20000.00",
    "lookback_start": "2026-01-01",
    "lookback_end": "2026-02-28",
}


@pytest.mark.django_db
def test_api_preview_create_list_detail(refreshed, manager, rep):
    api = _client(manager)
    preview = api.post(
        "/api/v1/plans/preview/", {**BODY, "overrides": {"win_rate": "0.5"}}, format="json"
    )
    assert preview.status_code == 200, preview.json()
    assert preview.json()["needed"]["opportunities"] == 8
    assert preview.json()["rates"]["win_rate"]["source"] == "override"
    assert not Plan.objects.exists()
    created = api.post("/api/v1/plans/", BODY, format="json")
    assert created.status_code == 201, created.json()
    plan_id = created.json()["id"]
    # every role reads
    listed = _client(rep).get("/api/v1/plans/")
    assert listed.status_code == 200
    assert [p["id"] for p in listed.json()["results"]] == [plan_id]
    detail = _client(rep).get(f"/api/v1/plans/{plan_id}/")
    assert detail.status_code == 200
    assert detail.json()["progress"]["figures"]["leads"]["needed"] == 15


@pytest.mark.django_db
def test_api_rate_errors(refreshed, manager):
    api = _client(manager)
    feb = {**BODY, "lookback_start": "2026-02-01"}
    missing = api.post("/api/v1/plans/preview/", feb, format="json")
    assert missing.status_code == 400
    assert missing.json()["code"] == "missing_rate"
    assert missing.json()["rates"] == ["accepted_to_opportunity"]
    zero = api.post(
        "/api/v1/plans/", {**feb, "overrides": {"accepted_to_opportunity": "0.5"}}, format="json"
    )
    assert zero.status_code == 400
    assert zero.json()["code"] == "zero_rate"
    assert zero.json()["rates"] == ["mql_to_accepted"]
    assert not Plan.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change,field",
    [
        ({"end": "2026-03-01"}, "end"),
        ({"revenue_goal": "abc"}, "revenue_goal"),
        ({"revenue_goal": "-5"}, "revenue_goal"),
        ({"overrides": {"win_rate": "2"}}, "overrides"),
        ({"overrides": {"win_rate": "x"}}, "overrides"),
        ({"channel_mix": {"seo": "0.5"}}, "channel_mix"),
        ({"lookback_start": "2026-03-01"}, "lookback_end"),
        ({"name": ""}, "name"),
    ],
)
def test_api_field_errors(refreshed, manager, change, field):
    response = _client(manager).post("/api/v1/plans/preview/", {**BODY, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()


@pytest.mark.django_db
def test_api_only_managers_write(refreshed, rep, marketer):
    for user in (rep, marketer):
        assert _client(user).post("/api/v1/plans/", BODY, format="json").status_code == 403
        assert _client(user).post("/api/v1/plans/preview/", BODY, format="json").status_code == 403
    assert APIClient().get("/api/v1/plans/").status_code in (401, 403)


@pytest.mark.django_db
def test_api_unknown_plan_is_404(manager):
    assert _client(manager).get("/api/v1/plans/999999/").status_code == 404


@pytest.mark.django_db
def test_plan_list_query_count_is_constant(refreshed, manager, django_assert_num_queries):
    api = _client(manager)
    api.post("/api/v1/plans/", BODY, format="json")
    with django_assert_num_queries(1):  # one page of plans, with their authors
        api.get("/api/v1/plans/")
    for n in range(3):
        api.post("/api/v1/plans/", {**BODY, "name": f"P{n}"}, format="json")
    with django_assert_num_queries(1):
        assert len(api.get("/api/v1/plans/").json()["results"]) == 4


@pytest.mark.django_db
def test_diagnosis_against_the_plan_splits_the_gap_by_factor(refreshed, manager):
    # Given the Q1 plan read on Feb 28: actuals against the plan prorated to 59 of 90 days
    plan = services.plan_create(
        actor=manager,
        name="Q1",
        revenue_goal=Decimal("20000"),
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 3, 31),
        **LOOKBACK,
    )
    progress = selectors.plan_progress(plan=plan, today=dt.date(2026, 2, 28))
    gap = selectors.plan_diagnosis(plan=plan, progress=progress)
    # then revenue is 17000 against 20000 x 59/90 and the factors add up to the gap
    assert gap["difference"].quantize(Decimal("0.01")) == Decimal("3888.89")
    assert sum(gap["rounded"]) == Decimal("3888.89")
    by_key = {f["key"]: f for f in gap["factors"]}
    assert by_key["leads"]["compare_value"].quantize(Decimal("0.0001")) == Decimal("9.8333")
    assert by_key["leads"]["contribution"] > 0  # 10 leads against 9.83 planned
    assert gap["headline"].startswith("Revenue rose")
    assert (
        selectors.plan_diagnosis(
            plan=plan, progress=selectors.plan_progress(plan=plan, today=dt.date(2025, 12, 1))
        )
        is None
    )
