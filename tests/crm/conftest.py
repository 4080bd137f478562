"""Fixtures for tests that run the project's processes."""

import os
import subprocess
import sys

import pytest

from tests.crm.stack import ROOT


@pytest.fixture
def sqlite_env(tmp_path) -> dict[str, str]:
    """A fresh, migrated SQLite database of its own, with tasks in process."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return env
