"""The weekly digest task through a real Celery worker: sent twice to the broker, each user's
week is delivered once."""

import time

import pytest

from alignment import tasks
from alignment.models import DigestDelivery

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


# The worker needs committed rows (transactional); serialized_rollback puts back the roles.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_task_twice_through_a_worker_sends_once(
    celery_worker_process, manager, marketer, rep
) -> None:
    # Given three users and a running worker
    users = {manager.pk, marketer.pk, rep.pk}
    # When the beat task is queued twice
    tasks.send_weekly_digest.delay()
    tasks.send_weekly_digest.delay()
    # Then the worker delivers one digest per user for the week, and no more
    deadline = time.monotonic() + 60
    sent: set[int] = set()
    while time.monotonic() < deadline:
        sent = set(DigestDelivery.objects.filter(status="sent").values_list("user_id", flat=True))
        if sent == users:
            break
        time.sleep(0.3)
    time.sleep(2)  # let the second run finish too
    assert sent == users
    assert DigestDelivery.objects.count() == 3
    assert DigestDelivery.objects.values("week_start").distinct().count() == 1
