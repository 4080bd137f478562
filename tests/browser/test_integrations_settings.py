"""The integration settings in Chromium (issue 12): a manager creates an API token (its key
shown once), a webhook to a real receiver on 127.0.0.1 (its secret shown once) and sends
its test event, which arrives signed, fails once and is retried from the delivery log.
Every page passes axe-core, reports no CSP violation and fits a 390 px screen."""

import json

import pytest
from playwright.sync_api import Page

from integrations.models import ApiToken, WebhookSubscription, hash_key
from integrations.webhooks.signing import verify
from tests.browser.test_security_pages import WATCH_CSP
from tests.integrations.test_webhooks import Receiver

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _check(page: Page, assert_accessible, artifacts_dir, name: str) -> None:
    """axe-core clean and no CSP violation at desktop width; no sideways scroll at 390 px."""
    page.set_viewport_size({"width": 1280, "height": 900})
    assert_accessible(page, context=name)
    assert page.evaluate("window.__cspViolations") == [], name
    page.screenshot(path=str(artifacts_dir / f"integrations-{name}.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} is {overflow}px too wide on a 390px screen"
    page.screenshot(path=str(artifacts_dir / f"integrations-{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_manager_creates_a_token_and_a_webhook_sends_its_test_event_and_retries_it(
    page: Page, live_server, login, manager, rep, assert_accessible, artifacts_dir, settings
):
    # Given a webhook receiver on 127.0.0.1 (private URLs allowed for this test) that fails
    # its first POST, then accepts, and one attempt per delivery before it is failed
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    receiver = Receiver([500, 200])
    page.add_init_script(WATCH_CSP)
    page.set_default_timeout(15_000)
    try:
        login(page, manager)

        # When the manager makes an API token acting as the rep
        page.goto(f"{live_server.url}/settings/api-tokens/")
        _check(page, assert_accessible, artifacts_dir, "tokens-empty")
        page.click("#new-token")
        _check(page, assert_accessible, artifacts_dir, "token-form")
        page.fill("input[name=name]", "Website forms")
        page.select_option("select[name=user]", str(rep.pk))
        page.click("#token-form [type=submit]")
        # Then the key is shown once, and only its hash is stored
        key = page.locator("#token-key").inner_text().strip()
        assert ApiToken.objects.get().key_hash == hash_key(key)
        _check(page, assert_accessible, artifacts_dir, "token-created")
        page.click("text=Done: back to the tokens")
        assert page.locator("#token-table tbody tr").count() == 1
        assert key not in page.content()
        _check(page, assert_accessible, artifacts_dir, "tokens")

        # When they subscribe the receiver to two events, leaving the secret to be generated
        page.goto(f"{live_server.url}/settings/webhooks/")
        page.click("#new-webhook")
        _check(page, assert_accessible, artifacts_dir, "webhook-form")
        page.fill("input[name=url]", receiver.url)
        page.check("input[name=events][value='lead.created']")
        page.check("input[name=events][value='sla.breached']")
        page.click("#webhook-form [type=submit]")
        # Then its secret is shown once
        secret = page.locator("#webhook-secret").inner_text().strip()
        assert WebhookSubscription.objects.get().secret == secret
        _check(page, assert_accessible, artifacts_dir, "webhook-created")

        # When they open the webhook and send its test event
        page.click("#to-webhook")
        assert secret not in page.content()
        page.click("#send-test")
        page.wait_for_selector("#delivery-log")
        # Then the receiver got one signed webhook.test body; its 500 shows in the log
        assert len(receiver.received) == 1
        headers, body = receiver.received[0]
        assert verify(body, secret, headers["X-Signature"])
        assert json.loads(body)["event"] == "webhook.test"
        row = page.locator(f"#delivery-{headers['X-Webhook-Delivery']}")
        assert "HTTP 500" in row.inner_text() and "webhook.test" in row.inner_text()
        _check(page, assert_accessible, artifacts_dir, "webhook-log-failed")
        # When the manager retries the failed delivery
        row.get_by_role("button", name="Retry").click()
        page.wait_for_selector("#delivery-log")
        # Then the same delivery is sent again, signed, and the log shows both attempts
        assert len(receiver.received) == 2
        again, body = receiver.received[1]
        assert again["X-Webhook-Delivery"] == headers["X-Webhook-Delivery"]
        assert verify(body, secret, again["X-Signature"])
        row = page.locator(f"#delivery-{headers['X-Webhook-Delivery']}")
        assert "HTTP 200" in row.inner_text() and "HTTP 500" in row.inner_text()
        assert row.get_by_role("button", name="Retry").count() == 0
        _check(page, assert_accessible, artifacts_dir, "webhook-log")

        # And the list, edit and delete pages pass too
        page.goto(f"{live_server.url}/settings/webhooks/")
        _check(page, assert_accessible, artifacts_dir, "webhooks")
        page.goto(f"{page.url}{WebhookSubscription.objects.get().pk}/edit/")
        _check(page, assert_accessible, artifacts_dir, "webhook-edit")
        token = ApiToken.objects.get()
        page.goto(f"{live_server.url}/settings/api-tokens/{token.pk}/revoke/")
        _check(page, assert_accessible, artifacts_dir, "token-revoke")
        page.click("#revoke-form [type=submit]")
        assert "revoked" in page.locator(".messages").inner_text()
        ApiToken.objects.get(revoked_at__isnull=False)
    finally:
        receiver.close()
