"""The Celery app; tasks are autodiscovered in every installed app's tasks.py."""

import logging
from logging.config import dictConfig
from typing import Any

from celery import Celery
from celery.signals import setup_logging
from django.conf import settings

from .profile import use_default_settings

use_default_settings()

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(**kwargs: Any) -> None:
    """Worker and beat log through settings.LOGGING (JSON lines in production), not
    Celery's own handlers, so every process of the stack writes one format to stdout."""
    dictConfig(settings.LOGGING)
    logging.captureWarnings(True)
