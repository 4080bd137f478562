"""Test settings: fast hashing, in-memory email, quiet logs."""

from .base import *  # noqa: F403
from .base import LOGGING, env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING["root"]["level"] = "WARNING"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Tests run tasks in process unless a test starts a real worker (see tests/conftest.py).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)

# Throttle counters stay in memory in tests (base.py would share them through the broker's
# Redis): a test that wants Redis counters configures them (tests/api/test_throttle_shared.py).
API_THROTTLE_CACHE = "default"

# A `replica` alias on the test database (a mirror: the same data), so router tests can
# turn DATABASE_REPLICA_READS on and see which alias served a query (tests/crm/test_db_router.py).
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
DATABASE_REPLICA_READS = env.bool("DATABASE_REPLICA_READS", default=False)
PUBLIC_FORM_CACHE = API_THROTTLE_CACHE  # the web forms count in the same place
