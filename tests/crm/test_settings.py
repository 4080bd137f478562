"""Settings come from the environment; production refuses to start without real secrets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "k3y-" + "x9Qz7-Lm2Vb8-Rt4Wn6-Hy1Pc5-Jd3Fs0-Ga8Ke2-Uo7Ti4-Zq"
PRINT = (
    "import django; from django.conf import settings; django.setup(); "
    "db = settings.DATABASES['default']; "
    "print(db['ENGINE'], db['NAME'], settings.CELERY_TASK_ALWAYS_EAGER, settings.TIME_ZONE, "
    "settings.CURRENCY, settings.DEBUG, ','.join(settings.ALLOWED_HOSTS))"
)


def run(
    code: str, *, settings_module: str | None = None, **env: str
) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
        and not k.startswith(("SECRET_", "DEBUG", "ALLOWED_", "TIME_ZONE", "CURRENCY"))
    }
    clean.update(env)
    if settings_module:
        clean["DJANGO_SETTINGS_MODULE"] = settings_module
    return subprocess.run(
        [sys.executable, "-c", f"import crm; crm.use_default_settings(); {code}"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_embedded_defaults_are_sqlite_in_the_project_and_eager_tasks():
    result = run(PRINT)
    assert result.returncode == 0, result.stderr
    engine, name, eager, tz, currency, debug, hosts = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert name == str(ROOT / "db.sqlite3")
    assert (eager, tz, currency, debug) == ("True", "UTC", "USD", "False")
    assert hosts == "localhost,127.0.0.1,[::1]"


def test_environment_overrides_database_broker_zone_and_currency():
    result = run(
        PRINT,
        DATABASE_URL="postgres://crm:secret@db.internal:5433/crm",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        TIME_ZONE="Europe/Madrid",
        CURRENCY="EUR",
        DEBUG="true",
        ALLOWED_HOSTS="crm.example.com,api.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "crm",
        "False",
        "Europe/Madrid",
        "EUR",
        "True",
        "crm.example.com,api.example.com",
    ]


def test_redis_url_is_the_broker_when_no_celery_broker_url_is_set():
    result = run(
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.CELERY_BROKER_URL, settings.CELERY_TASK_ALWAYS_EAGER)",
        REDIS_URL="redis://cache:6379/2",
    )
    assert result.stdout.split() == ["redis://cache:6379/2", "False"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "short"}, "too short"),
        ({"SECRET_KEY": GOOD_SECRET}, "ALLOWED_HOSTS must be set"),
        ({"SECRET_KEY": GOOD_SECRET, "ALLOWED_HOSTS": "crm.example.com"}, "DATABASE_URL"),
    ],
)
def test_production_refuses_to_start_without_its_secrets(env, message):
    result = run(PRINT, DJANGO_ENV="production", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_profile_passes_check_deploy():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE would be a deploy warning.
            **{
                k: v
                for k, v in os.environ.items()
                if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
            },
            "DJANGO_ENV": "production",
            "SECRET_KEY": GOOD_SECRET,
            "ALLOWED_HOSTS": "crm.example.com",
            "DATABASE_URL": "postgres://crm:secret@127.0.0.1:5432/crm",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
