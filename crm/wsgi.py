"""WSGI entry point (gunicorn crm.wsgi)."""

from django.core.wsgi import get_wsgi_application

from crm import use_default_settings

use_default_settings()
application = get_wsgi_application()
