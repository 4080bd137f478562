"""Concurrent repeats on PostgreSQL: one lead, whatever the interleaving."""

import threading

import pytest
from django.db import connection

from leads.models import Lead
from tests.api.conftest import client_for


def _race(n: int, send) -> list:
    barrier = threading.Barrier(n)
    answers: list = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            answers[i] = send(i)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_repeats_with_one_idempotency_key_create_one_lead(marketer):
    clients = [client_for(marketer) for _ in range(6)]

    def send(i: int):
        r = clients[i].post(
            "/api/v1/leads/",
            {"email": "race@example.com"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="race-1",
        )
        return r.status_code, r.json()

    answers = _race(6, send)
    assert Lead.objects.filter(email="race@example.com").count() == 1
    codes = sorted(code for code, _ in answers)
    assert codes.count(201) >= 1 and set(codes) <= {201, 409}
    conflicts = [body for code, body in answers if code == 409]
    assert all(b["code"] == "idempotency_in_progress" for b in conflicts)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_captures_of_one_email_give_one_201_and_409_duplicates(marketer):
    clients = [client_for(marketer) for _ in range(6)]

    def send(i: int):
        r = clients[i].post("/api/v1/leads/", {"email": "Same@example.com"}, format="json")
        return r.status_code, r.json()

    answers = _race(6, send)
    codes = sorted(code for code, _ in answers)
    assert codes == [201] + [409] * 5
    created = next(body for code, body in answers if code == 201)
    assert all(body["existing_id"] == created["id"] for code, body in answers if code == 409)
