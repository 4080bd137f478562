"""How settings choose where tasks run: in process with no broker (plain runserver, the
tests), on a real worker with `filesystem://` (make demo) or Redis (production)."""

import json

from tests.crm.test_settings import run

SHOW = (
    "import django, json; from django.conf import settings; django.setup(); "
    "print(json.dumps({'eager': settings.CELERY_TASK_ALWAYS_EAGER, "
    "'broker': settings.CELERY_BROKER_URL, "
    "'options': getattr(settings, 'CELERY_BROKER_TRANSPORT_OPTIONS', None)}))"
)


def _settings(**env: str) -> dict:
    done = run(SHOW, **env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_no_broker_runs_tasks_in_process():
    shown = _settings()
    assert shown["eager"] is True and shown["broker"] == "memory://"
    assert shown["options"] is None


def test_filesystem_broker_runs_a_real_worker_on_one_folder(tmp_path):
    shown = _settings(CELERY_BROKER_URL="filesystem://", CELERY_FILESYSTEM_FOLDER=str(tmp_path))
    assert shown["eager"] is False and shown["broker"] == "filesystem://"
    options = shown["options"]
    assert options["data_folder_in"] == options["data_folder_out"] == str(tmp_path / "queue")
    assert options["processed_folder"] == str(tmp_path / "processed")


def test_redis_broker_has_no_filesystem_options():
    shown = _settings(CELERY_BROKER_URL="redis://127.0.0.1:6379/11")
    assert shown["eager"] is False and shown["options"] is None
