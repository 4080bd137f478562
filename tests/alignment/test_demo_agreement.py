"""The demo's agreements: this quarter's (marketing on track, sales behind) and last
quarter's, set from the measured KPIs, loaded once however often the demo runs."""

import datetime as dt

import pytest

from alignment import selectors
from alignment.demo_agreement import load_demo_agreements, quarter_of
from alignment.models import Agreement
from metrics import refresh
from tests.metrics.conftest import history, new_york  # noqa: F401  (shared fixtures)

pytestmark = pytest.mark.django_db


def test_quarters() -> None:
    assert quarter_of(dt.date(2026, 2, 20)) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert quarter_of(dt.date(2026, 12, 2)) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert quarter_of(dt.date(2026, 7, 1)) == (dt.date(2026, 7, 1), dt.date(2026, 9, 30))


def test_the_demo_agreement_has_one_side_on_track_and_the_other_behind(
    history,  # noqa: F811
    manager,
) -> None:
    # Given the hand-computed history (8 MQLs, SLA 6/9, 7 of 8 answered by Feb 20)
    refresh.refresh_dirty()
    today = dt.date(2026, 2, 20)
    # When the demo's agreements are loaded twice
    load_demo_agreements(actor=manager, today=today)
    load_demo_agreements(actor=manager, today=today)
    # Then there are two: this quarter's and last quarter's
    assert Agreement.objects.count() == 2
    current = selectors.current_agreement(on=today)
    assert (current.start, current.end) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    status = selectors.agreement_status(agreement=current, as_of=today)
    assert status["verdict"] == {"marketing": "on_track", "sales": "behind"}
    # Committed close to the measured pace: 8 MQLs in 51 of 90 days -> 14.1 -> 13
    assert current.mqls == 13
    past = selectors.past_agreements(on=today)
    assert [(a.start, a.end) for a in past] == [(dt.date(2025, 10, 1), dt.date(2025, 12, 31))]
    past_status = selectors.agreement_status(agreement=past[0], as_of=today)
    assert past_status["verdict"]["marketing"] == "missed"


def test_an_agreement_someone_made_is_left_alone(history, manager) -> None:  # noqa: F811
    from decimal import Decimal

    from alignment import services

    refresh.refresh_dirty()
    theirs = services.agreement_create(
        actor=manager,
        start=dt.date(2026, 2, 1),
        end=dt.date(2026, 4, 30),
        mqls=77,
        min_sla_compliance=Decimal("0.5"),
        min_answered_share=Decimal("0.5"),
    )
    load_demo_agreements(actor=manager, today=dt.date(2026, 2, 20))
    theirs.refresh_from_db()
    assert theirs.mqls == 77
    assert Agreement.objects.count() == 2  # theirs and last quarter's
