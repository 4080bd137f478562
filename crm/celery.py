"""The Celery app; tasks are autodiscovered in every installed app's tasks.py."""

from celery import Celery

from .profile import use_default_settings

use_default_settings()

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
