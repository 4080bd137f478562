"""The five attribution models on hand-computed journeys (attribution.md), pure functions."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics import attribution as a
from metrics.attribution import JourneyTouch as T

OPENED = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def days_before(days: float) -> dt.datetime:
    return OPENED - dt.timedelta(days=days)


def credit_map(model: str, touches: list[T]) -> dict[int | None, Decimal]:
    return {c.campaign_id: c.credit for c in a.credits(model, touches, OPENED, Decimal("1000"))}


def test_one_touch_gets_everything_under_every_model():
    journey = [T(1, days_before(3))]
    for model in a.MODELS:
        assert credit_map(model, journey) == {1: Decimal("1")}


def test_two_touches_by_hand():
    journey = [T(1, days_before(14)), T(2, days_before(7))]
    assert credit_map(a.FIRST_TOUCH, journey) == {1: Decimal(1)}
    assert credit_map(a.LAST_TOUCH, journey) == {2: Decimal(1)}
    assert credit_map(a.LINEAR, journey) == {1: Decimal("0.5"), 2: Decimal("0.5")}
    assert credit_map(a.U_SHAPED, journey) == {1: Decimal("0.5"), 2: Decimal("0.5")}
    # 2^(-14/7) = 1/4 and 2^(-7/7) = 1/2: shares 1/3 and 2/3.
    assert credit_map(a.TIME_DECAY, journey) == {
        1: Decimal("0.333333"),
        2: Decimal("0.666667"),
    }


def test_four_touches_u_shaped_and_linear_by_hand():
    journey = [
        T(1, days_before(30)),
        T(2, days_before(20)),
        T(3, days_before(10)),
        T(4, days_before(1)),
    ]
    assert a.weights(a.U_SHAPED, journey, OPENED) == pytest.approx([0.4, 0.1, 0.1, 0.4])
    assert credit_map(a.U_SHAPED, journey) == {
        1: Decimal("0.4"),
        2: Decimal("0.1"),
        3: Decimal("0.1"),
        4: Decimal("0.4"),
    }
    assert credit_map(a.LINEAR, journey) == {k: Decimal("0.25") for k in (1, 2, 3, 4)}


def test_several_touches_of_one_campaign_add_up():
    # webinar (2) twice between two paid-search (1) touches: 1 holds t1 and t4.
    journey = [
        T(1, days_before(21)),
        T(2, days_before(14)),
        T(2, days_before(7)),
        T(1, days_before(0)),
    ]
    assert credit_map(a.LINEAR, journey) == {1: Decimal("0.5"), 2: Decimal("0.5")}
    assert credit_map(a.U_SHAPED, journey) == {1: Decimal("0.8"), 2: Decimal("0.2")}
    assert credit_map(a.FIRST_TOUCH, journey) == {1: Decimal(1)}
    assert credit_map(a.LAST_TOUCH, journey) == {1: Decimal(1)}
    # time decay: 1/8 + 1 for campaign 1, 1/4 + 1/2 for campaign 2, over 15/8.
    assert credit_map(a.TIME_DECAY, journey) == {1: Decimal("0.6"), 2: Decimal("0.4")}


def test_touches_after_the_opportunity_was_opened_are_left_out():
    journey = [T(1, days_before(5)), T(2, OPENED), T(3, OPENED + dt.timedelta(seconds=1))]
    assert credit_map(a.LAST_TOUCH, journey) == {2: Decimal(1)}  # at == created_at counts
    assert credit_map(a.LINEAR, journey) == {1: Decimal("0.5"), 2: Decimal("0.5")}
    assert 3 not in credit_map(a.TIME_DECAY, journey)


def test_time_decay_uses_fractional_days():
    # 3.5 days: 2^(-0.5) = 0.707107; 0 days: 1. Shares 0.414214 / 0.585786.
    journey = [T(1, days_before(3.5)), T(2, days_before(0))]
    w = a.weights(a.TIME_DECAY, journey, OPENED)
    assert w == pytest.approx([2**-0.5 / (1 + 2**-0.5), 1 / (1 + 2**-0.5)])
    assert credit_map(a.TIME_DECAY, journey) == {1: Decimal("0.414214"), 2: Decimal("0.585786")}


def test_time_decay_of_a_journey_years_old_does_not_underflow():
    journey = [T(1, days_before(20000)), T(2, days_before(19993))]
    assert a.weights(a.TIME_DECAY, journey, OPENED) == pytest.approx([1 / 3, 2 / 3])


def test_no_touch_is_one_unattributed_customer():
    assert a.credits(a.LINEAR, [], OPENED, Decimal("250.00")) == [
        a.Credit(None, Decimal(1), Decimal("250.00"))
    ]
    only_later = [T(1, OPENED + dt.timedelta(days=1))]
    assert credit_map(a.U_SHAPED, only_later) == {None: Decimal(1)}


def test_revenue_is_split_in_cents_summing_to_the_amount():
    journey = [T(1, days_before(3)), T(2, days_before(2)), T(3, days_before(1))]
    shares = a.credits(a.LINEAR, journey, OPENED, Decimal("100.00"))
    assert sorted(s.revenue for s in shares) == [
        Decimal("33.33"),
        Decimal("33.33"),
        Decimal("33.34"),
    ]
    assert sum(s.credit for s in shares) == 1


def test_unknown_model_is_refused():
    with pytest.raises(ValueError, match="unknown attribution model"):
        a.weights("w_shaped", [T(1, OPENED)], OPENED)


journeys = st.lists(
    st.tuples(st.integers(1, 5), st.floats(0, 400, allow_nan=False)), min_size=0, max_size=12
)


@settings(max_examples=200, deadline=None)
@given(journeys, st.decimals(min_value=0, max_value=10**9, places=2))
def test_weights_sum_to_one_and_credits_reconcile(raw, amount):
    touches = [T(cid, days_before(d)) for cid, d in raw]
    for model in a.MODELS:
        w = a.weights(model, a.journey(touches, OPENED), OPENED)
        if touches:
            assert sum(w) == pytest.approx(1.0)
            assert all(x >= 0 for x in w)
        shares = a.credits(model, touches, OPENED, amount)
        assert sum(s.credit for s in shares) == 1
        assert sum(s.revenue for s in shares) == amount
        assert len({s.campaign_id for s in shares}) == len(shares)
