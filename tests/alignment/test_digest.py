"""The weekly digest: its content (every part, absolute links, a text alternative), one per
user per week even when the task runs twice, opt-out and inactive users respected."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from alignment import digest, digest_send, services, tasks
from alignment.models import DigestDelivery
from handoff import services as flow
from metrics import refresh
from metrics.models import Target
from tests import factories

pytestmark = pytest.mark.django_db

SITE = "https://crm.example.com"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE + "/"  # a trailing slash is tolerated


@pytest.fixture
def story(manager, marketer, rep):
    """Last week: two campaigns with answered leads, an overdue handoff, a target and a
    running agreement."""
    today = timezone.localdate()
    last_monday = digest.week_start_of(today) - dt.timedelta(days=7)
    at = timezone.now() - dt.timedelta(days=(today - last_monday).days - 1)
    good = factories.CampaignFactory(name="Good webinar")
    poor = factories.CampaignFactory(name="Poor list")
    for n, (campaign, answer) in enumerate(
        [(good, "accept"), (good, "accept"), (poor, "reject"), (poor, "reject")]
    ):
        lead = flow.lead_capture(
            actor=manager, email=f"d{n}@example.com", campaign_id=campaign.pk, created_at=at
        )
        flow.lead_qualify(lead_id=lead.pk, actor=manager, at=at)
        flow.lead_handoff(lead_id=lead.pk, actor=manager, assignee_id=rep.pk, at=at)
        if answer == "accept":
            flow.lead_accept(lead_id=lead.pk, actor=manager, rating=5, at=at)
        else:
            flow.lead_reject(lead_id=lead.pk, actor=manager, reason="spam", rating=1, at=at)
    late = flow.lead_capture(actor=manager, email="late@example.com", created_at=at)
    flow.lead_qualify(lead_id=late.pk, actor=manager, at=at)
    flow.lead_handoff(lead_id=late.pk, actor=manager, assignee_id=rep.pk, at=at)
    for day in (last_monday, last_monday + dt.timedelta(days=6)):
        Target.objects.get_or_create(
            month=day.replace(day=1), metric="mqls", channel=None, defaults={"value": 1000}
        )
    services.agreement_create(
        actor=manager,
        start=last_monday - dt.timedelta(days=30),
        end=today + dt.timedelta(days=30),
        mqls=10000,
        min_sla_compliance=Decimal("0.5"),
        min_answered_share=Decimal("0.5"),
    )
    refresh.refresh_dirty()
    return {"good": good, "poor": poor, "today": today}


def test_the_digest_has_every_part_with_absolute_links(story, manager, rep) -> None:
    # When the week's digest is sent
    run = digest_send.send_weekly_digest(today=story["today"])
    # Then the rep's email has a text body and an HTML alternative
    assert rep.pk in run.sent
    message = next(m for m in mail.outbox if m.to == [rep.email])
    assert message.subject.startswith("Weekly digest: ")
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    text = message.body
    # With the agreement's verdict, the KPIs against targets, the diagnosis headline, the
    # overdue handoffs, the best and worst campaigns
    for body in (html, text):
        assert "Marketing is behind on MQLs" in body
        assert "MQLs" in body and "Revenue" in body
        assert "Revenue did not change" in body or "Revenue rose" in body
        assert "1 handoff is past its SLA and still unanswered." in body
        assert "Good webinar" in body and "Poor list" in body
    best, worst = html.split('class="digest-worst"')
    assert "Good webinar" in best and "Poor list" in worst
    assert 'data-kpi="mqls"' in html and "✗" in html  # 5 MQLs against a prorated 1000 target
    # And every link is absolute, into SITE_URL
    links = re.findall(r'href="([^"]+)"', html)
    assert len(links) >= 6
    assert all(link.startswith(SITE + "/") for link in links), links
    assert f"{SITE}/digest/unsubscribe/" in text
    assert message.extra_headers["List-Unsubscribe"].startswith(f"<{SITE}/digest/unsubscribe/")
    assert "style=" not in html.split("<body>")[1]


def test_sent_once_per_user_per_week_even_when_the_task_runs_twice(
    story, manager, marketer, rep
) -> None:
    # When the beat task runs twice on the same Monday
    first = tasks.send_weekly_digest.apply().get()
    second = tasks.send_weekly_digest.apply().get()
    # Then every user got exactly one email, and the second run skipped them all
    assert first["sent"] == 3 and first["skipped"] == 0
    assert second["sent"] == 0 and second["skipped"] == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in (manager, marketer, rep))
    assert DigestDelivery.objects.filter(status="sent").count() == 3


def test_a_new_week_sends_again(story, rep) -> None:
    digest_send.send_weekly_digest(today=story["today"])
    later = digest_send.send_weekly_digest(today=story["today"] + dt.timedelta(days=7))
    assert rep.pk in later.sent
    assert DigestDelivery.objects.filter(user=rep).count() == 2


def test_opted_out_inactive_roleless_and_mailless_users_get_nothing(
    story, manager, marketer, rep, other_rep
) -> None:
    # Given one rep opted out, one inactive user, one without a role, one without email
    services.digest_set_subscribed(user=other_rep, subscribed=False)
    gone = factories.UserFactory(role="sales", is_active=False)
    nobody = factories.UserFactory()
    mailless = factories.UserFactory(role="marketing", email="")
    # When the digest is sent
    run = digest_send.send_weekly_digest(today=story["today"])
    # Then only the others got it
    assert sorted(run.sent) == sorted([manager.pk, marketer.pk, rep.pk])
    to = {m.to[0] for m in mail.outbox}
    assert other_rep.email not in to and gone.email not in to and nobody.email not in to
    assert not DigestDelivery.objects.filter(user__in=[other_rep, gone, nobody, mailless]).exists()


def test_a_failed_send_is_retried_and_only_it(story, manager, rep, settings, monkeypatch) -> None:
    # Given a send that fails for the rep only
    real = digest.digest_message

    def flaky(content, user):
        message = real(content, user)
        if user.pk == rep.pk:
            message.to = ["broken"]
            message.connection = None

            def boom(*args, **kwargs):
                raise OSError("SMTP down")

            message.send = boom
        return message

    monkeypatch.setattr(digest, "digest_message", flaky)
    run = digest_send.send_weekly_digest(today=story["today"])
    assert run.failed == [rep.pk]
    assert DigestDelivery.objects.get(user=rep).status == "failed"
    # When the run is repeated with the mail server back
    monkeypatch.setattr(digest, "digest_message", real)
    again = digest_send.send_weekly_digest(today=story["today"])
    # Then only the rep's email goes out
    assert again.sent == [rep.pk]
    assert DigestDelivery.objects.get(user=rep).status == "sent"
    assert [m.to[0] for m in mail.outbox].count(manager.email) == 1


def test_the_beat_schedule_is_monday_at_eight(settings) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["alignment-weekly-digest"]
    assert entry["task"] == tasks.send_weekly_digest.name
    schedule = entry["schedule"]
    assert schedule.hour == {8} and schedule.minute == {0} and schedule.day_of_week == {1}


def test_the_unsubscribe_link_opts_out_with_a_post(client, story, rep) -> None:
    digest_send.send_weekly_digest(today=story["today"])
    message = next(m for m in mail.outbox if m.to == [rep.email])
    path = re.search(rf"{SITE}(/digest/unsubscribe/[^\s]+/)", message.body).group(1)
    # A GET only asks (mail scanners open links)
    assert "Stop sending" in client.get(path).content.decode()
    from alignment.selectors import digest_subscribed

    assert digest_subscribed(user=rep)
    # The POST (the button, or a mail client's one-click) opts out, without signing in
    assert client.post(path).status_code == 200
    assert not digest_subscribed(user=rep)
    assert client.get("/digest/unsubscribe/forged-token/").status_code == 404


def test_the_preview_toggle(client, story, rep) -> None:
    # Given the rep on the preview page
    client.force_login(rep)
    page = client.get("/digest/").content.decode()
    assert 'id="digest-body"' in page and "Good webinar" in page
    assert 'id="digest-user"' not in page  # only managers pick a reader
    client.post("/digest/subscription/", {"subscribed": "0"})
    assert "You have opted out" in client.get("/digest/").content.decode()
    run = digest_send.send_weekly_digest(today=story["today"])
    assert rep.pk not in run.sent
    client.post("/digest/subscription/", {"subscribed": "1"})
    assert "You receive the weekly digest" in client.get("/digest/").content.decode()


def test_a_manager_previews_anyones_digest(client, story, manager, rep) -> None:
    client.force_login(manager)
    page = client.get("/digest/", {"user": rep.pk}).content.decode()
    assert f"Hello {rep.get_full_name()}" in page
    assert 'id="digest-user"' in page
    assert client.get("/digest/", {"user": "999999"}).status_code == 404


def test_a_rep_cannot_preview_someone_else(client, story, manager, rep) -> None:
    client.force_login(rep)
    page = client.get("/digest/", {"user": manager.pk}).content.decode()
    assert f"Hello {rep.get_full_name()}" in page


def test_the_content_reads_a_constant_number_of_queries(story) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # Given the content's queries once, then five more campaigns
    week_start = digest.week_start_of(story["today"])
    with CaptureQueriesContext(connection) as before:
        digest.digest_content(week_start=week_start)
    for n in range(5):
        factories.CampaignFactory(name=f"Extra {n}")
    # When it is read again
    with CaptureQueriesContext(connection) as after:
        digest.digest_content(week_start=week_start)
    # Then the content reads the same number of queries
    assert len(after.captured_queries) == len(before.captured_queries)
