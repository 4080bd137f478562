"""The integration settings pages (issue 12): API tokens (the key shown once, only its hash
kept, revoke answers 401 on the API) and webhooks (private URLs refused on the form, a test
event through the real delivery path, the delivery log, retry), by role and audited without
any key or secret."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from integrations import tokens
from integrations.models import (
    TEST_EVENT,
    ApiToken,
    AttemptState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
    hash_key,
)
from integrations.webhooks import subscriptions
from integrations.webhooks.signing import verify
from leads.errors import ActionNotAllowed
from leads.models import SettingChange
from tests.integrations.test_webhooks import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver_factory(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    made: list[Receiver] = []

    def make(statuses: list[int]) -> Receiver:
        made.append(Receiver(statuses))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture
def manager_client(manager) -> Client:
    client = Client()
    client.force_login(manager)
    return client


def _audit_text() -> str:
    return json.dumps(list(SettingChange.objects.values("object_label", "before", "after")))


# --- pages by role -------------------------------------------------------------------


@pytest.fixture
def objects(manager, rep, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    token = tokens.token_create(actor=manager, user_id=rep.pk, name="CRM sync").token
    subscription = subscriptions.subscription_create(
        actor=manager, url="http://127.0.0.1:9/hook", events=["lead.created"]
    )
    return {"token_id": token.pk, "subscription_id": subscription.pk}


PAGES = [
    ("integrations:token_list", []),
    ("integrations:token_create", []),
    ("integrations:token_revoke", ["token_id"]),
    ("integrations:webhook_list", []),
    ("integrations:webhook_create", []),
    ("integrations:webhook_detail", ["subscription_id"]),
    ("integrations:webhook_edit", ["subscription_id"]),
    ("integrations:webhook_delete", ["subscription_id"]),
]


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_pages_answer_by_role(name, kwargs, objects, marketer, rep, manager):
    url = reverse(name, kwargs={k: objects[k] for k in kwargs})
    # Given an anonymous visitor, When they open the page, Then they are sent to sign in
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    # Given marketing and sales users, Then the page is refused
    for user in (marketer, rep):
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == 403, (name, user)
    # Given a manager, Then it opens
    client = Client()
    client.force_login(manager)
    assert client.get(url).status_code == 200


def test_action_posts_are_refused_to_other_roles(objects, marketer, rep):
    # Given signed-in marketing and sales users
    for user in (marketer, rep):
        client = Client()
        client.force_login(user)
        # When they post a revoke, a test event, a delete
        urls = [
            reverse("integrations:token_revoke", kwargs={"token_id": objects["token_id"]}),
            reverse("integrations:webhook_test", kwargs=objects_sub(objects)),
            reverse("integrations:webhook_delete", kwargs=objects_sub(objects)),
        ]
        # Then each is refused and nothing changed
        assert [client.post(url).status_code for url in urls] == [403, 403, 403]
    assert ApiToken.objects.get(pk=objects["token_id"]).revoked_at is None
    assert WebhookSubscription.objects.filter(pk=objects["subscription_id"]).exists()
    assert not WebhookDelivery.objects.exists()


def objects_sub(objects: dict) -> dict:
    return {"subscription_id": objects["subscription_id"]}


def test_services_refuse_other_roles_too(rep, marketer):
    # Given a rep and a marketer calling the services directly (not through a page)
    # Then a token is refused to both, and a subscription to the rep
    with pytest.raises(ActionNotAllowed):
        tokens.token_create(actor=marketer, user_id=rep.pk)
    with pytest.raises(ActionNotAllowed):
        subscriptions.subscription_create(actor=rep, url="https://example.com/h", events=["x"])
    assert not ApiToken.objects.exists() and not SettingChange.objects.exists()


# --- API tokens ------------------------------------------------------------------------


def test_token_key_is_shown_once_and_only_its_hash_is_stored(manager_client, manager, rep):
    # When a manager creates a token acting as the rep
    response = manager_client.post(
        reverse("integrations:token_create"), {"name": "Website forms", "user": rep.pk}
    )
    # Then the answer shows the key, is not cached, and the database keeps only its hash
    assert response.status_code == 200
    key = response.context["key"]
    assert key in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    assert (token.user, token.created_by, token.name) == (rep, manager, "Website forms")
    assert token.key_hash == hash_key(key) and key not in token.key_hash
    # and the key is never shown again: not on the list nor the revoke page
    for url in (
        reverse("integrations:token_list"),
        reverse("integrations:token_revoke", kwargs={"token_id": token.pk}),
    ):
        page = manager_client.get(url).content.decode()
        assert token.prefix in page and key not in page
    # and the audit row names the token, but holds neither the key nor its hash
    change = SettingChange.objects.get(area="api_tokens")
    assert (change.action, change.actor, change.after["user"]) == ("created", manager, rep.pk)
    assert key not in _audit_text() and token.key_hash not in _audit_text()


def test_token_form_refuses_a_missing_user(manager_client):
    # When the form is posted without a user, Then it says so and nothing is made
    response = manager_client.post(reverse("integrations:token_create"), {"name": "x"})
    assert response.status_code == 200 and response.context["form"].errors["user"]
    assert not ApiToken.objects.exists()


def test_revoked_token_answers_401_on_the_api(manager_client, manager, rep):
    # Given a token that works on the API
    created = tokens.token_create(actor=manager, user_id=rep.pk, name="sync")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {created.key}")
    assert api.get("/api/v1/users/").status_code == 200
    url = reverse("integrations:token_revoke", kwargs={"token_id": created.token.pk})
    # When the manager opens the confirm step, Then nothing is revoked yet
    assert manager_client.get(url).status_code == 200
    assert ApiToken.objects.get().revoked_at is None
    # When they confirm
    response = manager_client.post(url)
    # Then the token is revoked, the list says so, and the key answers 401
    assert response.status_code == 302 and response["Location"] == reverse(
        "integrations:token_list"
    )
    assert ApiToken.objects.get().revoked_at is not None
    assert api.get("/api/v1/users/").status_code == 401
    change = SettingChange.objects.filter(area="api_tokens", action="updated").get()
    assert change.before["revoked_at"] is None and change.after["revoked_at"]
    assert created.key not in _audit_text()
    # and revoking again is refused with a message, not a second audit row
    again = manager_client.post(url, follow=True)
    assert "already revoked" in again.content.decode()
    assert SettingChange.objects.filter(area="api_tokens", action="updated").count() == 1


def test_command_uses_the_same_service_and_is_audited(rep, capsys):
    from django.core.management import call_command

    # When an operator makes a token on the command line
    call_command("create_api_token", rep.username, "--name", "cli")
    key = capsys.readouterr().out.strip()
    # Then it is stored hashed and audited with no actor and no key
    token = ApiToken.objects.get()
    assert token.key_hash == hash_key(key) and token.created_by is None
    change = SettingChange.objects.get()
    assert change.actor is None and key not in _audit_text()


# --- webhooks ----------------------------------------------------------------------------


def test_webhook_with_a_private_url_is_refused_with_a_form_error(manager_client, settings):
    # Given the SSRF guard on
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    # When a manager subscribes a loopback URL
    response = manager_client.post(
        reverse("integrations:webhook_create"),
        {"url": "http://127.0.0.1:8080/hook", "events": ["lead.created"]},
    )
    # Then the form says why next to the URL, and nothing is written
    assert response.status_code == 200
    assert response.context["form"].errors["url"] == [
        "Private, loopback and link-local addresses are refused."
    ]
    assert not WebhookSubscription.objects.exists() and not SettingChange.objects.exists()


def test_webhook_generated_secret_is_shown_once_and_never_audited(manager_client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    # When a manager creates a webhook without entering a secret
    response = manager_client.post(
        reverse("integrations:webhook_create"),
        {"url": "http://127.0.0.1:9/hook", "events": ["lead.created", "sla.breached"]},
    )
    # Then the generated secret is on this answer only
    subscription = WebhookSubscription.objects.get()
    assert response.status_code == 200 and subscription.secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    detail = reverse("integrations:webhook_detail", kwargs={"subscription_id": subscription.pk})
    assert subscription.secret not in manager_client.get(detail).content.decode()
    edit = reverse("integrations:webhook_edit", kwargs={"subscription_id": subscription.pk})
    assert subscription.secret not in manager_client.get(edit).content.decode()
    # and the audit says a secret was set, never which
    change = SettingChange.objects.get(area="webhooks")
    assert change.after["secret"] == "set"
    assert change.after["events"] == ["lead.created", "sla.breached"]
    assert subscription.secret not in _audit_text()


def test_edit_disables_and_changes_the_secret_audited_without_it(manager_client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    # Given an active webhook with a pending delivery
    subscription = subscriptions.subscription_create(
        actor=_manager_of(manager_client),
        url="http://127.0.0.1:9/hook",
        events=["lead.created"],
        secret="old-secret-0123456789",
    )
    pending = WebhookDelivery.objects.create(
        subscription=subscription, event="lead.created", body="{}"
    )
    # When the manager disables it and enters a new secret
    url = reverse("integrations:webhook_edit", kwargs={"subscription_id": subscription.pk})
    response = manager_client.post(
        url,
        {"url": subscription.url, "events": ["lead.created"], "secret": "new-secret-0123456789"},
    )
    # Then it is saved, its pending delivery will not be sent, and the audit has no secret
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert (subscription.active, subscription.secret) == (False, "new-secret-0123456789")
    pending.refresh_from_db()
    assert pending.status == "failed"
    change = SettingChange.objects.get(area="webhooks", action="updated")
    assert change.before == {"active": True, "secret": "unchanged"}
    assert change.after == {"active": False, "secret": "changed"}
    assert "secret-0123456789" not in _audit_text()


def _manager_of(client: Client):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=client.session["_auth_user_id"])


def test_delete_removes_the_webhook_and_its_log(manager_client, manager, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    subscription = subscriptions.subscription_create(
        actor=manager, url="http://127.0.0.1:9/hook", events=["lead.created"]
    )
    WebhookDelivery.objects.create(subscription=subscription, event="lead.created", body="{}")
    url = reverse("integrations:webhook_delete", kwargs={"subscription_id": subscription.pk})
    # When the manager confirms the delete
    response = manager_client.post(url)
    # Then the subscription and its log are gone, and the audit keeps what it was
    assert response.status_code == 302
    assert not WebhookSubscription.objects.exists() and not WebhookDelivery.objects.exists()
    change = SettingChange.objects.get(area="webhooks", action="deleted")
    assert change.before["url"] == "http://127.0.0.1:9/hook"
    assert subscription.secret not in _audit_text()


def test_test_event_reaches_a_real_receiver_signed(
    manager_client, receiver_factory, django_capture_on_commit_callbacks
):
    # Given a receiver on 127.0.0.1 and a webhook to it with a known secret
    receiver = receiver_factory([200])
    manager_client.post(
        reverse("integrations:webhook_create"),
        {"url": receiver.url, "events": ["lead.created"], "secret": "receiver-secret-123456"},
    )
    subscription = WebhookSubscription.objects.get()
    # When the manager sends the test event (queued on commit, run by the task)
    url = reverse("integrations:webhook_test", kwargs={"subscription_id": subscription.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(url)
    assert response.status_code == 302
    # Then the receiver got one signed webhook.test body with the delivery id header
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    assert verify(body, "receiver-secret-123456", headers["X-Signature"])
    assert json.loads(body)["event"] == TEST_EVENT
    delivery = WebhookDelivery.objects.get()
    assert headers["X-Webhook-Delivery"] == str(delivery.pk)
    assert (delivery.event, delivery.status, delivery.attempts) == (TEST_EVENT, "succeeded", 1)
    # and the log shows it with its attempt's HTTP status
    page = manager_client.get(
        reverse("integrations:webhook_detail", kwargs={"subscription_id": subscription.pk})
    ).content.decode()
    assert f'id="delivery-{delivery.pk}"' in page and "HTTP 200" in page
    assert SettingChange.objects.filter(area="webhooks", object_label__startswith=TEST_EVENT)


def test_retry_sends_a_failed_delivery_again(
    manager_client, receiver_factory, settings, django_capture_on_commit_callbacks
):
    # Given a receiver that fails, then answers 200, and one attempt allowed per delivery
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    receiver = receiver_factory([500, 200])
    subscription = subscriptions.subscription_create(
        actor=_manager_of(manager_client), url=receiver.url, events=["lead.created"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(
            reverse("integrations:webhook_test", kwargs={"subscription_id": subscription.pk})
        )
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    detail = reverse("integrations:webhook_detail", kwargs={"subscription_id": subscription.pk})
    retry = reverse(
        "integrations:delivery_retry",
        kwargs={"subscription_id": subscription.pk, "delivery_id": delivery.pk},
    )
    assert retry in manager_client.get(detail).content.decode()
    # When the manager retries it
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(retry)
    # Then it is sent again with the same delivery id and succeeds; both attempts are logged
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)
    assert [h["X-Webhook-Delivery"] for h, _b in receiver.received] == [str(delivery.pk)] * 2
    codes = list(WebhookAttempt.objects.values_list("status_code", "state"))
    assert codes == [(500, AttemptState.DONE), (200, AttemptState.DONE)]
    page = manager_client.get(detail).content.decode()
    assert "HTTP 500" in page and "HTTP 200" in page and retry not in page
    change = SettingChange.objects.get(area="webhooks", action="updated")
    assert (change.before, change.after) == ({"status": "failed"}, {"status": "pending"})


def test_retry_of_a_delivery_that_has_not_failed_is_refused(manager_client, manager, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    subscription = subscriptions.subscription_create(
        actor=manager, url="http://127.0.0.1:9/hook", events=["lead.created"]
    )
    delivery = WebhookDelivery.objects.create(
        subscription=subscription, event="lead.created", body="{}", status="succeeded"
    )
    url = reverse(
        "integrations:delivery_retry",
        kwargs={"subscription_id": subscription.pk, "delivery_id": delivery.pk},
    )
    # When a manager posts a retry of a delivered one, Then it is refused with a message
    response = manager_client.post(url, follow=True)
    assert "Only a failed delivery can be retried." in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"


def _log_with(subscription, n: int) -> None:
    for i in range(n):
        delivery = WebhookDelivery.objects.create(
            subscription=subscription, event="lead.created", body="{}", status="failed", attempts=2
        )
        for code in (500, 503):
            WebhookAttempt.objects.create(
                delivery=delivery, status_code=code, duration_ms=i, state=AttemptState.DONE
            )


def _queries_of_log_page(client: Client, subscription) -> int:
    url = reverse("integrations:webhook_detail", kwargs={"subscription_id": subscription.pk})
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_delivery_log_query_count_is_constant(manager_client, manager, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    small = subscriptions.subscription_create(
        actor=manager, url="http://127.0.0.1:9/a", events=["lead.created"]
    )
    big = subscriptions.subscription_create(
        actor=manager, url="http://127.0.0.1:9/b", events=["lead.created"]
    )
    # Given logs of 2 and 20 deliveries, two attempts each
    _log_with(small, 2)
    _log_with(big, 20)
    manager_client.get("/")  # warm the session
    # When each log page is opened, Then both take the same number of queries
    at_2 = _queries_of_log_page(manager_client, small)
    at_20 = _queries_of_log_page(manager_client, big)
    assert at_2 == at_20
    assert at_20 <= 8, at_20


def test_delivery_log_is_paginated(manager_client, manager, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    subscription = subscriptions.subscription_create(
        actor=manager, url="http://127.0.0.1:9/a", events=["lead.created"]
    )
    _log_with(subscription, 25)
    url = reverse("integrations:webhook_detail", kwargs={"subscription_id": subscription.pk})
    first = manager_client.get(url)
    second = manager_client.get(url + "?page=2")
    assert len(first.context["deliveries"]) == 20 and first.context["page"].has_next
    assert len(second.context["deliveries"]) == 5 and not second.context["page"].has_next


def _queries_of(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_token_and_webhook_lists_take_constant_queries(manager_client, manager, rep, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    manager_client.get("/")  # warm the session
    counts = {}
    # Given 2, then 20 tokens and webhooks (made by a manager, acting as the rep)
    for n in (2, 20):
        while ApiToken.objects.count() < n:
            tokens.token_create(actor=manager, user_id=rep.pk)
            subscriptions.subscription_create(
                actor=manager, url="http://127.0.0.1:9/h", events=["lead.created"]
            )
        # When the lists are opened
        counts[n] = (
            _queries_of(manager_client, reverse("integrations:token_list")),
            _queries_of(manager_client, reverse("integrations:webhook_list")),
        )
    # Then each takes as many queries at 20 rows as at 2
    assert counts[2] == counts[20], counts


def test_webhook_form_refuses_no_events_and_unknown_ones(manager_client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    url = reverse("integrations:webhook_create")
    # When the form is posted with no event, an unknown event, or a short secret
    bad = [
        {"url": "http://127.0.0.1:9/h"},
        {"url": "http://127.0.0.1:9/h", "events": ["lead.exploded"]},
        {"url": "http://127.0.0.1:9/h", "events": ["lead.created"], "secret": "short"},
        {"url": "not a url", "events": ["lead.created"]},
    ]
    fields = []
    for data in bad:
        response = manager_client.post(url, data)
        assert response.status_code == 200
        fields.append(sorted(response.context["form"].errors))
    # Then each is a form error on its field, and nothing is written
    assert fields == [["events"], ["events"], ["secret"], ["url"]]
    assert not WebhookSubscription.objects.exists() and not SettingChange.objects.exists()


def test_disabled_webhook_cannot_be_retried_until_enabled(manager_client, manager, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    subscription = subscriptions.subscription_create(
        actor=manager, url="http://127.0.0.1:9/h", events=["lead.created"]
    )
    delivery = WebhookDelivery.objects.create(
        subscription=subscription, event="lead.created", body="{}", status="failed"
    )
    subscriptions.subscription_delete(subscription_id=subscription.pk, actor=manager)
    url = reverse(
        "integrations:delivery_retry",
        kwargs={"subscription_id": subscription.pk, "delivery_id": delivery.pk},
    )
    # When a manager retries a failed delivery of a disabled webhook
    response = manager_client.post(url, follow=True)
    # Then it is refused with the reason, and the delivery stays failed
    assert "enable it before retrying" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == "failed"


def test_admin_revoke_goes_through_the_audited_service(manager, rep):
    from django.contrib.auth import get_user_model

    # Given a token and a superuser in the admin
    created = tokens.token_create(actor=manager, user_id=rep.pk, name="old")
    admin_user = get_user_model().objects.create_superuser("root", "r@example.com", "pw123456!")
    client = Client()
    client.force_login(admin_user)
    # When they use the admin's revoke action
    response = client.post(
        "/admin/integrations/apitoken/",
        {"action": "revoke", "_selected_action": [created.token.pk]},
    )
    # Then the token is revoked and the change audited with the admin as actor
    assert response.status_code == 302
    assert ApiToken.objects.get().revoked_at is not None
    change = SettingChange.objects.get(area="api_tokens", action="updated")
    assert change.actor == admin_user


def test_api_subscribe_and_cancel_are_audited_without_the_secret(manager_api, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    # When an integration subscribes with its own secret, then cancels, through the API
    created = manager_api.post(
        "/api/v1/webhooks/",
        {
            "url": "http://127.0.0.1:9/h",
            "events": ["lead.created"],
            "secret": "api-secret-0123456789",
        },
        format="json",
    )
    assert created.status_code == 201
    assert manager_api.delete(f"/api/v1/webhooks/{created.data['id']}/").status_code == 204
    # Then both are in the settings audit, and the secret is in neither
    actions_seen = list(
        SettingChange.objects.filter(area="webhooks")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions_seen == ["created", "updated"]
    assert SettingChange.objects.get(action="updated").after["active"] is False
    assert "api-secret-0123456789" not in _audit_text()
