"""Project wiring: settings, root URLs, the Celery app and the API error mapping."""

from .celery import app as celery_app
from .profile import use_default_settings

__all__ = ["celery_app", "use_default_settings"]
